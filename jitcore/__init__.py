"""jitcore: a JIT compiler for numeric Python, with Numba's surface.

    from jitcore import njit

    @njit
    def collatz(n):
        steps = 0
        while n != 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            steps += 1
        return steps

Importing jitcore is cheap: LLVM is loaded by the first compilation.
"""
from __future__ import annotations

from typing import Any

from jitcore.decorators import export, jit, njit
from jitcore.frontend import config
from jitcore.frontend.markers import prange
from jitcore.version import __version__ as __version__

__all__ = ["config", "errors", "export", "get_num_threads", "guvectorize", "jit", "memory_stats",
           "njit", "prange", "set_num_threads", "types", "vectorize"]


def set_num_threads(n: int) -> None:
    """Run parallel regions on n threads, 1 <= n <= JITCORE_NUM_THREADS (default: all CPUs)."""
    from jitcore.targets.threadpool import set_num_threads as set_threads

    set_threads(n)


def get_num_threads() -> int:
    """The number of threads parallel regions use."""
    from jitcore.targets.threadpool import get_num_threads as get_threads

    return get_threads()


def memory_stats() -> tuple[int, int]:
    """(allocations, frees) of array memory owned by compiled code, for leak checks."""
    from jitcore.targets.objcache import memory_stats as stats

    return stats()


def __getattr__(name: str) -> Any:
    # Loaded on first use so that `import jitcore` stays fast.
    if name in ("types", "errors"):
        import importlib

        return importlib.import_module(f"jitcore.{name}")
    if name in ("vectorize", "guvectorize"):
        import jitcore.ufunc as ufunc

        return getattr(ufunc, name)
    raise AttributeError(f"module 'jitcore' has no attribute {name!r}")
