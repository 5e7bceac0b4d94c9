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

from jitcore import config
from jitcore.decorators import export, jit, njit

__version__ = "0.1.0"
__all__ = ["config", "errors", "export", "guvectorize", "jit", "memory_stats", "njit", "prange",
           "types", "vectorize"]

prange = range  # parallel=True gives it meaning; serially it is range


def memory_stats() -> tuple[int, int]:
    """(allocations, frees) of array memory owned by compiled code, for leak checks."""
    from targets.objcache import memory_stats as stats

    return stats()


def __getattr__(name: str) -> Any:
    # Loaded on first use so that `import jitcore` stays fast.
    if name in ("types", "errors"):
        import importlib

        return importlib.import_module(f"jitcore.{name}")
    if name in ("vectorize", "guvectorize"):
        import vectorize

        return getattr(vectorize, name)
    raise AttributeError(f"module 'jitcore' has no attribute {name!r}")
