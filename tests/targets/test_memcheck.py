"""The memory audit (JITCORE_MEMCHECK=1): the checked allocator catches what it claims to,
compiled code runs clean under it, and `pytest --memcheck` fails a test that misbehaves.

Each check runs in a fresh process, since the allocator is chosen once per process.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, *args: str, memcheck: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("JITCORE_MEMCHECK", None)
    if memcheck:
        env["JITCORE_MEMCHECK"] = "1"
    command = [sys.executable, *args] + (["-c", textwrap.dedent(code)] if code else [])
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False,
                          text=True, timeout=300)


ALLOCATOR = """
    import ctypes, json
    from jitcore.targets import memcheck, objcache
    syms = objcache.runtime_symbols()
    alloc = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64)(
        syms["jc.rt.raw_alloc"])
    free = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(syms["jc.rt.raw_free"])
    out = {}
    def delta(name, action):
        before = memcheck.snapshot()
        action()
        out[name] = (memcheck.snapshot() - before).errors
    def double():
        p = alloc(64, 128); free(p); free(p)
    def stale_write():  # a decref after release changes the count word
        p = alloc(64, 128); free(p); ctypes.memset(p, 0, 8)
    def overrun():
        p = alloc(64, 100); ctypes.memset(p + 100, 1, 1); free(p)
    buf = ctypes.create_string_buffer(256)
    held = []
    delta("clean", lambda: free(alloc(64, 192)))
    delta("double", double)
    delta("stale_write", stale_write)
    delta("overrun", overrun)
    delta("unknown", lambda: free(ctypes.addressof(buf) + 64))
    delta("leak", lambda: held.append(alloc(64, 64)))
    delta("null", lambda: free(None))
    print(json.dumps(out))
"""


def test_checked_allocator_reports_each_kind_of_misuse():
    proc = _run(ALLOCATOR)
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.splitlines()[-1])
    assert found["clean"] == [] and found["null"] == []
    assert found["double"] == ["1 double release(s)"]
    assert found["stale_write"] == ["1 block(s) written after release or past their end"]
    assert found["overrun"] == ["1 block(s) written after release or past their end"]
    assert found["unknown"] == ["1 release(s) of a block never allocated"]
    assert found["leak"] == ["1 native block(s) leaked (1 allocated, 0 released)"]


AUDITED = """
    import json
    import numpy as np
    from jitcore import njit, prange
    from jitcore.targets import memcheck

    @njit
    def rebound(n):
        prev = np.zeros(3)
        for i in range(n):
            cur = prev + 1.0
            prev = cur
        return cur, prev[1:]

    @njit
    def raises(n):
        a = np.ones(4)
        for i in range(n):
            b = a * 2.0
            if i == 2:
                raise ValueError("stop")
        return a

    @njit(parallel=True)
    def parallel(n):
        out = np.zeros(n)
        for i in prange(n):
            tmp = np.full(3, float(i))
            out[i] = tmp.sum()
        return out

    out = {}
    for name, f, args in [("rebound", rebound, (5,)), ("parallel", parallel, (100,))]:
        result, report = memcheck.audited_call(f, *args)
        out[name] = report.errors
        out[name + ".allocations"] = report.allocations
    try:
        memcheck.audited_call(raises, 5)
    except ValueError:
        pass
    _, report = memcheck.audited_call(lambda: None)
    out["raises"] = report.errors
    out["total"] = (memcheck.snapshot() - memcheck.Report()).errors
    print(json.dumps(out))
"""


def test_compiled_code_runs_clean_under_the_audit():
    proc = _run(AUDITED)
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.splitlines()[-1])
    assert found["rebound"] == [] and found["rebound.allocations"] >= 6
    assert found["parallel"] == [] and found["parallel.allocations"] >= 101
    assert found["raises"] == [] and found["total"] == []


def test_audited_call_refuses_without_the_audit():
    proc = _run("""
        from jitcore import njit
        from jitcore.targets import memcheck
        try:
            memcheck.audited_call(njit(lambda: 1))
        except RuntimeError as exc:
            print(exc)
    """, memcheck=False)
    assert "set JITCORE_MEMCHECK=1 before the first compilation" in proc.stdout, proc.stderr


SUITE = '''
import ctypes
import numpy as np
from jitcore import njit
from jitcore.targets import objcache

def test_clean():
    assert njit(lambda n: np.ones(n).sum())(4) == 4.0

def test_leaks():
    alloc = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64)(
        objcache.runtime_symbols()["jc.rt.raw_alloc"])
    alloc(64, 64)
'''


def test_pytest_memcheck_flag_fails_a_leaking_test(tmp_path):
    (tmp_path / "test_suite.py").write_text(SUITE)
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    proc = _run("", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--memcheck",
                str(tmp_path / "test_suite.py"), memcheck=False)
    assert proc.returncode == 1 and "2 passed, 1 error" in proc.stdout, proc.stdout + proc.stderr
    assert "memory audit: 1 native block(s) leaked" in proc.stdout


@pytest.mark.skipif(os.environ.get("JITCORE_MEMCHECK", "") in ("", "0"),
                    reason="the suite runs without the audit (pytest --memcheck runs it)")
def test_this_process_is_audited():
    from jitcore.targets import memcheck

    from jitcore import njit

    assert memcheck.active()
    result, report = memcheck.audited_call(njit(lambda n: (n * 2.0, n)), 3)
    assert result == (6.0, 3) and report.errors == []
