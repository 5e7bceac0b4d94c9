"""Scalar benchmark kernels: plain Python that both Numba and jitcore compile.

    import kernels
    ns = kernels.load()                  # the shared harness's kernels if present, else ours
    ns["collatz_longest"](10_000)        # -> (6171, 262)

The three integer kernels are the shared harness's (``../shared/bench/kernels.py``,
imported by path so both measurements use the very same source); the copies below
are a fallback for checkouts without it and follow the same logic. ``math_series``
is ours: a float loop whose time goes into ``math`` calls.
"""
from __future__ import annotations

import importlib.util
import math
import types
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2] / "shared" / "bench" / "kernels.py"
NAMES = ("call_in_loop", "collatz_longest", "monte_carlo_pi")


# --- fallback copies of the shared kernels ----------------------------------------------


def offset_or_flag(a, b):
    # A tiny callee: a loop around it is fast only if the JIT inlines it.
    if a < 5:
        return -1
    return a - b


def call_in_loop(x):
    total = 0
    for i in range(x):
        total += offset_or_flag(i, x)
    return total


def collatz_longest(limit):
    # The start below `limit` whose Collatz chain is longest, with that length.
    best_start, best_length = 1, 1
    for start in range(1, limit):
        n, length = start, 1
        while n != 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            length += 1
        if length > best_length:
            best_start, best_length = start, length
    return best_start, best_length


def monte_carlo_pi(samples, seed):
    # A 31-bit linear congruential generator drives the points: integer work only.
    state, hits = seed, 0
    for _ in range(samples):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        x = state / 2147483648.0
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        y = state / 2147483648.0
        if x * x + y * y < 1.0:
            hits += 1
    return 4.0 * hits / samples


# --- our own kernel -----------------------------------------------------------------------


def math_series(n):
    """A float loop dominated by libm: sqrt, exp and sin of a moving argument."""
    total = 0.0
    for i in range(1, n + 1):
        x = i * 1e-6
        total += math.sqrt(x) + math.exp(-x) + math.sin(x)
    return total


# --- loading --------------------------------------------------------------------------------

OURS = ("offset_or_flag", "call_in_loop", "collatz_longest", "monte_carlo_pi", "math_series")


def load() -> tuple[dict[str, Any], list[str], str]:
    """(namespace, names of its functions to jit, where the shared kernels came from)."""
    ours = {name: globals()[name] for name in OURS}
    namespace: dict[str, Any] = {"math": math, **ours}
    if SHARED.is_file():
        spec = importlib.util.spec_from_file_location("shared_bench_kernels", SHARED)
        assert spec is not None and spec.loader is not None
        shared = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(shared)
        if all(hasattr(shared, name) for name in NAMES):
            funcs = [name for name, value in vars(shared).items()
                     if isinstance(value, types.FunctionType)
                     and value.__module__ == shared.__name__]
            namespace = {**vars(shared), "math_series": math_series}
            return namespace, [*funcs, "math_series"], str(SHARED)
    return namespace, list(OURS), __file__


def jit_all(namespace: dict[str, Any], names: list[str], njit: Any) -> dict[str, Any]:
    """The functions `names` of `namespace` jitted, their globals resolving to the jitted ones.

    A kernel that calls a helper (call_in_loop -> offset_or_flag) then calls the
    jitted helper, as in a module written for the JIT. Each JIT gets its own copies.
    """
    private: dict[str, Any] = dict(namespace)
    for name in names:
        value = namespace[name]
        copy = types.FunctionType(value.__code__, private, value.__name__,
                                  value.__defaults__, value.__closure__)
        private[name] = njit(copy)
    return private
