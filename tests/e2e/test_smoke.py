"""End to end: scalar functions compiled and compared with CPython."""
from __future__ import annotations

from tests.conftest import check_same


def add(a, b):
    return a + b


def loop(n):
    total = 0
    for i in range(n):
        if i % 3 == 0:
            total += i
    return total


def test_add_ints_floats_bools():
    for args in [(1, 2), (1.5, 2), (True, False), (2**62, 2**62 - 1)]:
        check_same(add, *args)


def test_loop():
    for n in (0, 1, 10, 1000):
        check_same(loop, n)


def test_int64_wraps_like_numpy():
    from jitcore import njit

    assert njit(add)(-(2**63), -1) == 2**63 - 1
