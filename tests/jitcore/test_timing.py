"""JITCORE_TIMING=1 prints a line per compiled function with the time of each stage."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import jitcore

@jitcore.njit
def helper(x):
    return x * 2

@jitcore.njit
def total(n):
    s = 0
    for i in range(n):
        s += helper(i)
    return s

@jitcore.njit(cache=True)
def cached(x):
    return x + 1

print(total(10), cached(1))
"""

LINE = re.compile(r"jitcore: compiled (\S+\(.*\)) in ([0-9.]+) ms: infer ([0-9.]+), "
                  r"lower ([0-9.]+), optimise ([0-9.]+), codegen ([0-9.]+)$")


def _run(tmp_path: Path, timing: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "timed.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "JITCORE_TIMING": timing, "JITCORE_CACHE_DIR": str(tmp_path / "c")}
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300, check=True)


def test_a_line_per_function_with_its_stages(tmp_path: Path) -> None:
    proc = _run(tmp_path, "1")
    assert proc.stdout.split() == ["90", "2"]
    lines = [LINE.match(line) for line in proc.stderr.splitlines()]
    assert all(lines), proc.stderr
    by_name = {m[1]: [float(v) for v in m.groups()[1:]] for m in lines if m}
    assert list(by_name) == ["__main__.helper(int64)", "__main__.total(int64)",
                             "__main__.cached(int64)"], proc.stderr  # callees before callers
    for name, (whole, *stages) in by_name.items():
        assert abs(whole - sum(stages)) < 0.2, name  # the stages add up to the whole
    assert by_name["__main__.helper(int64)"][4] == 0.0  # generated with its caller's module
    assert by_name["__main__.total(int64)"][4] > 0.0
    again = _run(tmp_path, "1")  # the cached function is loaded, the others compiled
    assert re.search(r"^jitcore: loaded __main__\.cached\(int64\) from the cache in [0-9.]+ ms$",
                     again.stderr, re.M), again.stderr


def test_silent_without_the_variable(tmp_path: Path) -> None:
    assert _run(tmp_path, "0").stderr == ""
