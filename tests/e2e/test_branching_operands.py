"""Expressions that branch (x if c else y, and/or, chained comparisons) as operands.

Each one splits the bytecode into blocks while a call, subscript or display is half built,
so the abstract stack crosses a block boundary holding the NULL below a callable, a frozen
global, a bound method or partial arguments (issue 13). Compared with CPython.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from jitcore import njit
from jitcore.errors import CompilerBug, UnsupportedError
from tests.conftest import check_each


@njit
def _helper(a, b):
    return a * 2 + b


def call_math(x, c):
    return math.sqrt(x if c else 2.0)


def call_builtin(p, v):
    return max(p if v else 7, 5)


def call_float_or(x):
    return float(x or 2.0)


def call_and_nested(x, y):
    return abs(min(x and y, y or x, 3.0))


def call_chained(x, y, z):
    return int(x < y <= z) + max(x < y < z, False)


def call_jitted(x, c):
    return _helper(x if c else -x, (c and x) or 1.5)


def call_keyword(x, c):
    return _helper(x if c else -x, b=1.0 if c else 2.0) + round(x if c else -x, 1 if c else 2)


def call_in_call(x, c):
    return math.atan2(abs(x if c else 1.0), math.hypot(x or 1.0, 2.0 if c else x))


def call_many(x, c):
    h = _helper(1.0 if c else 2.0, 3.0 if c and x > 0 else 4.0)
    return h + max(x, 0 if c else 1, x or 2)


def subscripts(a, i, c):
    return a[i if c else 0] + a[i and 1] + a[0 if c else 1:i or 2].sum()


def tuple_display(x, c):
    return (x if c else 1.0, c or x > 1, 0 < x < 10)


def tuple_index(x, c):
    t = (x, x * 2, x * 3)
    return t[1 if c else 2]


def list_display(x, c):
    return float(np.array([x if c else 1.0, x or 2.0, 3.0 if x > 0 and c else 4.0]).sum())


def method_args(a, c):
    b = a.reshape(2 if c else 3, 3 if c else 2)
    return a.reshape(3 if c else 6, -1 if c else 1).sum(), b[1 if c else 0, 0]


def np_call_kw(a, c):
    z = np.zeros(3 if c else 4, dtype=np.float64)
    return np.sum(z + a[0 if c else 1]), np.full(2, 1.0 if c else 2.0).sum()


def binop_operands(x, y, c):
    return (x if c else y) * (y or 1.0) - (x > 0 and y > 0) + (-x if x < y < 2 * x else y)


def ternary_in_ternary(x, c):
    return math.copysign(1.0 if c else (2.0 if x > 0 else 3.0), (x or -1.0) if c else 1.0)


def in_loop(n, c):
    total = 0.0
    for i in range(n):
        total += max(i if c else -i, i % 3 or 1) + abs((i and n) or 2)
    return total


SCALARS = [(x, c) for x in (0.0, 1.5, -2.25, 4.0, math.nan) for c in (True, False)]


@pytest.mark.parametrize("fn", [call_math, call_jitted, call_keyword, call_in_call, call_many,
                                tuple_display, tuple_index, list_display, ternary_in_ternary])
def test_branching_operand_float(fn):
    check_each(fn, [(abs(x) if fn is call_math else x, c) for x, c in SCALARS])


def test_call_builtin_ints():
    check_each(call_builtin, [(p, v) for p in (-3, 3, 9) for v in (True, False)])


def test_or_in_float():
    check_each(call_float_or, [(0.0,), (3.0,), (-1.5,)])


def test_and_or_nested():
    check_each(call_and_nested, [(x, y) for x in (0.0, 2.0, -1.0) for y in (0.0, 5.0)])


def test_chained_comparison_in_calls():
    check_each(call_chained, [(x, y, z) for x in (1, 2) for y in (1, 2) for z in (1, 3)])


def test_binop_operands():
    check_each(binop_operands, [(x, y, c) for x in (0.0, 1.5, -2.0) for y in (0.0, 3.0)
                                for c in (True, False)])


def test_in_loop():
    check_each(in_loop, [(n, c) for n in (0, 5) for c in (True, False)])


@pytest.mark.parametrize("c", [True, False])
def test_subscripts(c):
    a = np.arange(6.0)
    for i in (0, 2, 4):
        assert subscripts(a, i, c) == njit(subscripts)(a, i, c)


@pytest.mark.parametrize("c", [True, False])
def test_bound_method_with_branching_args(c):
    a = np.arange(6.0)
    assert njit(method_args)(a, c) == method_args(a, c)


@pytest.mark.parametrize("c", [True, False])
def test_numpy_call_with_branching_args(c):
    a = np.arange(3.0)
    assert njit(np_call_kw)(a, c) == np_call_kw(a, c)


def fstring(x, c):
    return f"{x if c else 1}"


def comprehension(x, c):
    return [v for v in (x if c else 1.0, 2.0)]  # noqa: C416 (the construct under test)


@pytest.mark.parametrize("fn", [fstring, comprehension])
def test_unsupported_constructs_are_rejected_not_bugs(fn):
    with pytest.raises(UnsupportedError) as info:
        njit(fn)(1.0, True)
    assert not isinstance(info.value, CompilerBug)


def while_condition(n, c):
    i = 0
    while (i < n if c else i < 2):
        i += 1
    return i


def range_bound(n, c):
    s = 0
    for i in range(n if c else 2):
        s += i
    return s


def walrus(x, c):
    y = (n := x + 1) * (2 if c else 3)
    return n + y


def nested_loops(n, c):
    s = 0
    for i in range(3):
        for j in range(3):
            if j == (1 if c else 2):
                continue
            if i + j > (n or 3):
                break
            s += i * j
        else:
            s += 100
    return s


def truthiness(a, b, c):
    return (a and b) or c, (a and b) or c, not (a and b), (a < 1 < c if c else b > 0) or a > 5


@pytest.mark.parametrize("fn", [while_condition, range_bound, walrus, nested_loops])
def test_branching_operand_in_statements(fn):
    check_each(fn, [(n, c) for n in (0, 2, 5) for c in (True, False)])


def test_and_or_values():
    check_each(truthiness, [(a, b, c) for a in (0, 1, 7) for b in (0, 2) for c in (0, 3)])


def store_branching(a, i, x, c):
    a[i if c else 0] = x if c else -x
    a[0 if c else 1] += x if c else 2.0
    return a[1:3 if c else 2].sum() + a[::1 if c else 2].sum()


@pytest.mark.parametrize("c", [True, False])
def test_stores_with_branching_index_and_value(c):
    a, b = np.arange(5.0), np.arange(5.0)
    assert njit(store_branching)(a, 3, 1.5, c) == store_branching(b, 3, 1.5, c)
    assert np.array_equal(a, b)


def tuple_of_branching(a, i, c):
    return a[(i, 0) if c else (0, i)]


@pytest.mark.parametrize("c", [True, False])
def test_tuple_index_chosen_by_a_conditional(c):
    a = np.arange(9.0).reshape(3, 3)
    assert njit(tuple_of_branching)(a, 1, c) == tuple_of_branching(a, 1, c)
