"""np.dot of 512x512 matrices: jitcore's compiled call of BLAS against NumPy's own.

    python benchmarks/dot_bench.py          # best of 15 alternating samples per dtype

tests/e2e/test_dot.py checks that the compiled product calls BLAS's gemm; this measures
what that costs over NumPy's call (argument checks, allocation, the call itself). The two
are sampled alternately so that a busy moment on a shared machine falls on both.
"""
from __future__ import annotations

import time

import numpy as np

from jitcore import njit


def best_times(x: np.ndarray, y: np.ndarray, samples: int = 15) -> tuple[float, float]:
    """(jitcore, NumPy): the fastest of `samples` calls each, in seconds."""
    product = njit(lambda a, b: np.dot(a, b))
    product(x, y)  # compile
    best = {"jitcore": float("inf"), "numpy": float("inf")}
    for _ in range(samples):
        for name, fn in (("jitcore", product), ("numpy", np.dot)):
            start = time.perf_counter()
            fn(x, y)
            best[name] = min(best[name], time.perf_counter() - start)
    return best["jitcore"], best["numpy"]


def main() -> None:
    rng = np.random.default_rng(3)
    for dtype in (np.float64, np.float32):
        x, y = rng.random((512, 512)).astype(dtype), rng.random((512, 512)).astype(dtype)
        ours, numpy = best_times(x, y)
        print(f"dot 512x512 {np.dtype(dtype).name}: jitcore {ours * 1e3:.2f} ms, "
              f"NumPy {numpy * 1e3:.2f} ms, ratio {ours / numpy:.2f}")


if __name__ == "__main__":
    main()
