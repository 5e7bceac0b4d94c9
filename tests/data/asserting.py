"""Functions using `assert`, kept outside test modules because pytest rewrites their asserts."""
from __future__ import annotations


def assert_plain(x):
    assert x < 10
    return x


def assert_message(x):
    assert x < 10, "x is too large"
    return x


def assert_in_loop(n):
    total = 0
    for i in range(n):
        total += i
        assert total < 50, "total reached 50"
    return total
