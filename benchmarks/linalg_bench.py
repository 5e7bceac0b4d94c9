"""np.linalg.solve of a 200x200 system: jitcore's compiled call of LAPACK's ?gesv against
NumPy's own call from Python (the target: within 1.1x).

    python benchmarks/linalg_bench.py       # best of 31 alternating samples per case

Both call the same OpenBLAS (NumPy's bundled scipy-openblas64); what differs is the work
around it: argument checks, the column-major copies LAPACK overwrites, allocation. The two
are sampled alternately so that a busy moment on a shared machine falls on both.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from jitcore import njit


def best_times(ours: Callable[..., Any], theirs: Callable[..., Any], *args: Any,
               samples: int = 31) -> tuple[float, float]:
    """(jitcore, NumPy): the fastest of `samples` calls each, in seconds."""
    ours(*args)  # compile
    best = {"jitcore": float("inf"), "numpy": float("inf")}
    for _ in range(samples):
        for name, fn in (("jitcore", ours), ("numpy", theirs)):
            start = time.perf_counter()
            fn(*args)
            best[name] = min(best[name], time.perf_counter() - start)
    return best["jitcore"], best["numpy"]


def main() -> None:
    rng = np.random.default_rng(5)
    a = rng.random((200, 200)) + 200 * np.eye(200)
    cases: list[tuple[str, Callable[..., Any], Callable[..., Any], tuple[Any, ...]]] = [
        ("solve 200x200, one right-hand side", njit(lambda x, y: np.linalg.solve(x, y)),
         np.linalg.solve, (a, rng.random(200))),
        ("solve 200x200, 200 right-hand sides", njit(lambda x, y: np.linalg.solve(x, y)),
         np.linalg.solve, (a, rng.random((200, 200)))),
        ("inv 200x200", njit(lambda x: np.linalg.inv(x)), np.linalg.inv, (a,)),
        ("det 200x200", njit(lambda x: np.linalg.det(x)), np.linalg.det, (a / 200,)),
    ]
    for label, ours_fn, numpy_fn, args in cases:
        ours, numpy = best_times(ours_fn, numpy_fn, *args)
        print(f"{label}: jitcore {ours * 1e3:.3f} ms, NumPy {numpy * 1e3:.3f} ms, "
              f"ratio {ours / numpy:.2f}")


if __name__ == "__main__":
    main()
