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


# --- scalars and tuples assigned on some paths (issue 14) ---------------------------------

def bool_from_loop_tested(x):
    # fuzzer (mixed 75): `if s:` was typed before the back edge gave s its type
    # ("cannot use undefined as a condition").
    for i in range(3):
        s = (-2 + x) >= 0 <= x
    if s:
        return 1.0
    return 2.0


def scalar_from_loop(n):
    for i in range(n):
        s = i * 2.5
    return s + 1.0


def int_from_branch(n):
    if n > 1:
        k = n * 3
    elif n == 1:
        k = 7
    return k


def tuple_from_loop(n):
    for i in range(n):
        pair = (i, i * 0.5)
    return pair[0] + pair[1]


def while_else_assigns(n):
    i = 0
    while i < 3:
        i += 1
        if i == n:
            found = i * 10
            break
    else:
        found = -1
    return found


def while_break_only(n):
    i = 0
    while i < 4:
        i += 1
        if i > n:
            last = float(i)
            break
    return last


def for_else_break(n):
    for i in range(4):
        if i * i > n:
            first = i
            break
    else:
        first = 99
    return first


def read_inside_later_loop(n):
    if n % 2:
        x = 1.5
    total = 0.0
    for j in range(3):
        total += x * j
    return total


@pytest.mark.parametrize("pyfunc", [
    bool_from_loop_tested, scalar_from_loop, int_from_branch, tuple_from_loop,
    while_else_assigns, while_break_only, for_else_break, read_inside_later_loop,
], ids=lambda f: f.__name__)
def test_scalars_and_tuples_on_some_paths(pyfunc, no_leaks):
    check_each(pyfunc, [*TRIPS, (-3,), (8,)])


def test_unbound_local_message_is_cpythons():
    with pytest.raises(UnboundLocalError) as info:
        njit(scalar_from_loop)(0)
    assert str(info.value) == ("cannot access local variable 's' where it is not associated "
                               "with a value")


def _checks_in(pyfunc) -> int:
    from jitcore.frontend import ir
    from jitcore.frontend.flow import build_flow_graph

    fn = build_flow_graph(pyfunc)
    return sum(1 for b in fn.blocks() for op in b.ops if isinstance(op, ir.Call)
               and isinstance(op.func, ir.Constant) and op.func.value is ir.check_assigned)


def assigned_then_read_in_loop(n):
    t = 0.0
    for i in range(n):
        cur = i * 1.5
        t += cur
    return t


def test_checks_only_where_a_path_reaches_undefined():
    # A read that every path reaches assigned is not checked, not even inside a loop
    # whose other iterations never assign it; a read after the loop is (once).
    assert _checks_in(assigned_then_read_in_loop) == 0
    assert _checks_in(scalar_from_loop) == 1
    assert _checks_in(read_inside_later_loop) == 1
