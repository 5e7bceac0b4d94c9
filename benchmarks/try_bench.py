"""What a `try` around a hot loop body costs: the same loops with and without it.

    .venv/bin/python benchmarks/try_bench.py [--n 1000000] [--repeats 7]

The goal (issue 14) is < 5 % (ratio < 1.05): an exception is a status the callee
returns, so the path that does not raise does no extra work. Prints one line per
kernel: best time without and with the `try`, and their ratio.
"""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from jitcore import njit


def scaled_sum(a):
    total = 0.0
    for i in range(a.shape[0]):
        total += a[i] * 1.5
    return total


def scaled_sum_try(a):
    total = 0.0
    for i in range(a.shape[0]):
        try:
            total += a[i] * 1.5
        except IndexError:
            total = -1.0
    return total


def int_div_sum(a):
    total = 0
    for i in range(a.shape[0]):
        total += 1000 // (a[i] | 1)
    return total


def int_div_sum_try(a):
    total = 0
    for i in range(a.shape[0]):
        try:
            total += 1000 // (a[i] | 1)  # may raise ZeroDivisionError: the check stays
        except ZeroDivisionError:
            total -= 1
    return total


PAIRS: list[tuple[str, Callable[..., Any], Callable[..., Any], str]] = [
    ("scaled_sum", scaled_sum, scaled_sum_try, "float"),
    ("int_div_sum", int_div_sum, int_div_sum_try, "int"),
]


def best(fn: Callable[..., Any], arg: Any, repeats: int) -> float:
    fn(arg)  # compile
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    opts = parser.parse_args()
    data = {"float": np.random.default_rng(0).random(opts.n),
            "int": np.arange(opts.n, dtype=np.int64)}
    for name, plain, guarded, kind in PAIRS:
        arg = data[kind]
        jp, jg = njit(plain), njit(guarded)
        assert jp(arg) == jg(arg)
        tp, tg = best(jp, arg, opts.repeats), best(jg, arg, opts.repeats)
        print(f"{name:14s} plain {tp * 1e3:8.3f} ms   with try {tg * 1e3:8.3f} ms   "
              f"ratio {tg / tp:5.3f}")


if __name__ == "__main__":
    main()
