"""Arrays rebound across loop edges and locals assigned on some paths only.

A local that a path does not assign reaches the block argument that carries it as a
null reference; the argument is released when it is rebound or at the exit like any
other. These once freed an uninitialised pointer (heap corruption, or
`SystemError: error return without exception set`). Each shape is run compiled and
in CPython with several trip counts (zero included), and must leak nothing.
"""
from __future__ import annotations


import numpy as np
import pytest

from jitcore import njit

from tests.conftest import check_each


TRIPS = [(0,), (1,), (2,), (5,)]


# The reproducer (pymatting, quantecon): `cur` is assigned in the loop only.
def rebound_in_loop(n):
    prev = np.zeros(3)
    for i in range(n):
        cur = prev + 1.0
        prev = cur
    return cur


def rebound_returns_prev(n):
    prev = np.zeros(3)
    for i in range(n):
        cur = prev + 1.0
        prev = cur
    return prev


# The constant-trip variant: `a` is rebound in an inner loop and read after both.
def rebound_nested_constant():
    for i in range(3):
        a = np.ones(4)
        b = np.zeros(4)
        for j in range(3):
            c = b
            b = a
            a = b + c
    return a


def rebound_nested(n, m):
    for i in range(n):
        a = np.ones(4) * i
        b = np.zeros(4)
        for j in range(m):
            c = b
            b = a
            a = b + c
    return a


def swap_in_loop(n):
    a = np.arange(3.0)
    b = np.ones(3)
    for i in range(n):
        a, b = b, a + b
    return a, b


def assigned_in_branch(n):
    if n > 2:
        x = np.full(3, 2.0)
    total = 0.0
    for i in range(n):
        total += i
    if n > 2:
        return x.sum() + total
    return total


def assigned_in_branch_read_unbound(n):
    if n > 2:
        x = np.full(3, 2.0)
    return x


def early_return_in_loop(n):
    acc = np.zeros(2)
    for i in range(n):
        tmp = acc + i
        if i == 3:
            return tmp
        acc = tmp
    return acc


def break_and_continue(n):
    keep = np.zeros(2)
    for i in range(n):
        cand = keep + 1.0
        if i % 2:
            continue
        if i > 4:
            break
        keep = cand
    return keep, cand


def while_rebinding(n):
    a = np.ones(2)
    i = 0
    while i < n:
        b = a * 2.0
        a = b
        i += 1
    return a


def tuple_of_arrays_rebound(n):
    pair = (np.zeros(2), np.ones(2))
    for i in range(n):
        last = pair
        pair = (pair[1], pair[0] + pair[1])
    return last[0], pair[1]


def view_rebound(n):
    base = np.arange(10.0)
    for i in range(n):
        v = base[i:]
        base = v.copy()
    return v


def raise_with_partial_locals(n):
    for i in range(n):
        a = np.ones(3) * i
        if i == 2:
            raise ValueError("stop")
    return a


def for_loop_else(n):
    for i in range(n):
        found = np.full(2, float(i))
        if i == 7:
            break
    else:
        found = np.zeros(2)
    return found


def array_iterator_on_some_paths(n):
    arr = np.arange(4.0)
    total = 0.0
    if n > 0:
        for x in arr:
            total += x
    for i in range(n):
        for y in arr * 2.0:
            total += y
    return total


def enumerate_zip_rebound(n):
    a = np.arange(3.0)
    out = 0.0
    for i in range(n):
        for k, (x, y) in enumerate(zip(a, a + 1.0)):
            out += k * x + y
        a = a + 1.0
    return out


@pytest.mark.parametrize("pyfunc", [
    rebound_in_loop, rebound_returns_prev, swap_in_loop, assigned_in_branch,
    assigned_in_branch_read_unbound, early_return_in_loop, break_and_continue,
    while_rebinding, tuple_of_arrays_rebound, view_rebound, raise_with_partial_locals,
    for_loop_else, array_iterator_on_some_paths, enumerate_zip_rebound,
], ids=lambda f: f.__name__)
def test_rebinding_matches_python(pyfunc, no_leaks):
    check_each(pyfunc, [*TRIPS, (8,)])


def test_nested_rebinding(no_leaks):
    check_each(rebound_nested_constant, [()])
    check_each(rebound_nested, [(n, m) for n in range(4) for m in range(4)])


def test_rebinding_survives_many_calls(no_leaks):
    f = njit(rebound_in_loop)
    for _ in range(2000):
        assert f(3).tolist() == [3.0, 3.0, 3.0]
