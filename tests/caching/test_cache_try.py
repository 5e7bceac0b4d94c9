"""A function with try/except is cached and loaded in the next process, classes bound by name."""
from __future__ import annotations

from pathlib import Path

from .procs import env_for, run, write

KERNELS = """
from jitcore import njit

class MyError(Exception):
    pass

@njit(cache=True)
def guarded(x):
    try:
        if x > 3:
            raise MyError("big", x)
        return 10 // x
    except (ZeroDivisionError, KeyError):
        return -1
    except MyError as e:
        return int(e.args[1]) * 100

report(values=[guarded(0), guarded(2), guarded(5)], info=guarded.cache_info())
"""


def test_try_except_is_cached_across_processes(tmp_path: Path) -> None:
    script = write(tmp_path / "trykernels.py", KERNELS)
    env = env_for(tmp_path / "cache")
    first, _ = run(script, env)
    assert first["info"]["stores"] == 1 and first["info"]["reason"] == ""
    second, stderr = run(script, env)
    assert "Warning" not in stderr
    assert second["info"]["hits"] == 1 and second["llvm_loaded"] is False
    assert second["values"] == first["values"] == [-1, 5, 500]
