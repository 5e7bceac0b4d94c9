"""range() at the edges of int64: exact lengths and iteration, any sign of step."""
from __future__ import annotations

import itertools

from jitcore import njit

M = 2**63
VALUES = [-5, -1, 0, 1, 2, 7, -M, M - 1, M - 2, -M + 1]
STEPS = [1, 2, -1, -3, 5, M - 1, -M]


def visit(a, b, c):
    acc = 0
    for i in range(a, b, c):
        acc = acc * 31 + i
    return acc


def wrap(x):
    return (x + M) % 2**64 - M


def test_range_length_and_iteration_at_int64_extremes():
    length = njit(lambda a, b, c: len(range(a, b, c)))
    walk = njit(visit)
    for a, b, c in itertools.product(VALUES, VALUES, STEPS):
        try:
            n = len(range(a, b, c))
        except OverflowError:  # CPython's len() is limited to ssize_t; the count exceeds it
            continue
        assert length(a, b, c) == n, (a, b, c)
        if n <= 10_000:
            assert walk(a, b, c) == wrap(visit(a, b, c)), (a, b, c)
