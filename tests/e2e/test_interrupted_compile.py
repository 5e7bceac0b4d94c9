"""Any exception at any point of a first compile leaves the compiler usable.

Each case runs in a fresh process: a trace hook raises KeyboardInterrupt (what Ctrl-C raises)
at the N-th call of a function of jitcore during the first compile (domain imports, typing,
lowering, code generation, the thread pool and library loading are all on that path), then
the same function and a new one must compile and give the right answers.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[2]) + os.sep

PROBE = textwrap.dedent("""
    import sys
    N, ROOT = int(sys.argv[1]), sys.argv[2]
    import numpy as np
    from jitcore import njit, prange

    count = 0

    def tracer(frame, event, arg):
        global count
        if event == "call" and frame.f_code.co_filename.startswith(ROOT):
            count += 1
            if count == N:
                sys.settrace(None)
                raise KeyboardInterrupt
        return None

    @njit(parallel=True)
    def f(a, n):
        s = 0.0
        for i in prange(n):
            s += a[i % a.shape[0]]
        return s + np.arange(3).sum() + np.random.random() * 0

    a = np.arange(4.0)
    sys.settrace(tracer)
    try:
        f(a, 5)
        interrupted = False
    except KeyboardInterrupt:
        interrupted = True
    sys.settrace(None)

    @njit
    def g(a):
        return a.shape[0] + np.zeros(2).sum() + np.sort(a)[0]

    assert f(a, 5) == 9.0, f(a, 5)
    assert g(a) == 4.0, g(a)
    print(interrupted, count)
""")


def _run(n: int, cache: Path) -> tuple[bool, int]:
    env = {**os.environ, "JITCORE_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", PROBE, str(n), ROOT], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"after an interrupt at call {n}:\n{done.stderr[-3000:]}"
    interrupted, count = done.stdout.split()
    return interrupted == "True", int(count)


def test_interrupt_anywhere_in_a_first_compile(tmp_path: Path) -> None:
    interrupted, total = _run(10 ** 9, tmp_path / "count")  # how many calls a compile makes
    assert not interrupted and total > 1000
    # Spread over the whole compile, each in a fresh process with an empty cache.
    for k, fraction in enumerate((0.01, 0.1, 0.3, 0.5, 0.7, 0.9)):
        n = max(1, int(total * fraction))
        interrupted, _ = _run(n, tmp_path / f"cache{k}")
        assert interrupted


@pytest.mark.parametrize("n", [1])
def test_interrupt_at_the_very_start(tmp_path: Path, n: int) -> None:
    interrupted, _ = _run(n, tmp_path)
    assert interrupted
