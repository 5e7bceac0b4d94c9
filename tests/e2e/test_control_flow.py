"""Control flow compiled and compared with CPython: branches, loops, short-circuits, operators.

Each function is compiled once and run on many inputs (check_each), edge values included.
"""
from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from jitcore import njit
from tests.conftest import check_each, same

I64_MIN, I64_MAX = -(2**63), 2**63 - 1
INTS = [0, 1, -1, 2, 7, -13, 100, I64_MIN, I64_MAX]
FLOATS = [0.0, -0.0, 1.5, -2.25, math.inf, -math.inf, math.nan, 1e308]


def sign(x):
    if x < 0:
        return -1
    elif x == 0:
        return 0
    else:
        return 1


def test_if_elif_else():
    check_each(sign, [(v,) for v in INTS + FLOATS])


def range_sum(start, stop, step):
    total = 0
    count = 0
    for i in range(start, stop, step):
        total += i
        count += 1
    return total, count


def test_range_any_step():
    cases = [(0, 10, 1), (0, 10, 3), (10, 0, -1), (10, 0, -3), (10, -10, -7), (0, 0, 1),
             (5, 0, 1), (0, 5, -1), (-5, 5, 2), (3, 4, 100), (4, 3, -100), (0, 10, 0)]
    check_each(range_sum, cases)


def range_one_two(n, m):
    a = 0
    for i in range(n):
        a += i
    for j in range(n, m):
        a += 3 * j
    return a


def test_range_one_and_two_args():
    check_each(range_one_two, [(0, 0), (5, 3), (-3, 2), (4, 10), (1, 1)])


@settings(max_examples=60, deadline=None)
@given(st.integers(-30, 30), st.integers(-30, 30), st.integers(-7, 7).filter(bool))
def test_range_hypothesis(start, stop, step):
    assert same(_range_sum(start, stop, step), range_sum(start, stop, step))


_range_sum = njit(range_sum)


def while_continue_break(n):
    i = 0
    total = 0
    while i < n:
        i += 1
        if i % 2 == 0:
            continue
        if i > 50:
            break
        total += i
    return total, i


def test_while_break_continue():
    check_each(while_continue_break, [(v,) for v in (0, 1, 2, 10, 51, 52, 100, -5)])


def for_else(n, stop_at):
    for i in range(n):
        if i == stop_at:
            break
    else:
        return -1
    return i


def while_else(n, stop_at):
    i = 0
    while i < n:
        if i == stop_at:
            break
        i += 1
    else:
        i = -100
    return i


def test_for_else_and_while_else():
    cases = [(0, 0), (3, 5), (10, 5), (6, 5), (5, 5), (1, 0)]
    check_each(for_else, cases)
    check_each(while_else, cases)


def nested_loops(n, m):
    total = 0
    for i in range(n):
        if i == 8:
            break
        if i % 3 == 1:
            continue
        j = 0
        while True:
            j += 1
            if j > m:
                break
            if j % 2:
                continue
            for k in range(j):
                if k > i:
                    break
                total += i * 100 + j * 10 + k
    return total


def test_nested_loops_break_continue_each_level():
    check_each(nested_loops, [(0, 0), (3, 4), (10, 6), (12, 1), (5, 0)])


def early_return(n, limit):
    for i in range(n):
        for j in range(n):
            if i * j > limit:
                return i, j
        if i > limit:
            return -i, -i
    return -1, -1


def test_early_returns_inside_loops():
    check_each(early_return, [(0, 0), (5, 3), (10, 20), (10, 200), (3, -1)])


def chained(a, b, c):
    return a < b < c, a <= b <= c, a < b > c, a == b == c, a != b != c


def chained_in_if(a, b, c, d):
    if a < b <= c < d:
        return 1
    return 0


def test_chained_comparisons():
    cases = [(1, 2, 3), (1, 3, 2), (2, 2, 2), (3, 2, 1), (1.0, 2, 2.5), (math.nan, 1.0, 2.0),
             (I64_MIN, 0, I64_MAX), (-0.0, 0.0, 0)]
    check_each(chained, cases)
    check_each(chained_in_if, [(1, 2, 2, 3), (1, 2, 3, 3), (0, -1, 2, 3), (1.5, 2, 2.5, 9)])


def and_or_conditions(a, b):
    r = 0
    if a > 0 and b > 0:
        r += 1
    if a > 0 or b > 0:
        r += 10
    if not (a > 0) and (b < 0 or a == b):
        r += 100
    if a and b:
        r += 1000
    if a or b:
        r += 10000
    return r


def test_short_circuit_as_conditions():
    check_each(and_or_conditions, [(a, b) for a in (-1, 0, 2) for b in (-3, 0, 2)])
    check_each(and_or_conditions, [(0.0, math.nan), (-0.0, 1.5), (math.inf, 0.0)])


def or_value(a, b):
    x = a or b
    return x


def and_value(a, b):
    return a and b


def test_short_circuit_values_same_type():
    check_each(or_value, [(0, 5), (3, 5), (0, 0), (-1, I64_MIN)])
    check_each(and_value, [(0, 5), (3, 5), (0.0, 2.5), (1.5, -0.0), (math.nan, 1.0)])


def test_short_circuit_values_int_meets_float_gives_float():
    # As in Numba: the value of `a or b` has one type, the unification of int64 and float64.
    f_or, f_and = njit(or_value), njit(and_value)
    for a, b in [(0, 2.5), (3, 2.5), (-7, math.inf)]:
        assert same(f_or(a, b), float(or_value(a, b)))
        assert same(f_and(a, b), float(and_value(a, b)))


def conditional_expr(a, b):
    m = a if a > b else b
    return m, (1 if a else -1), (a - b if a >= b else b - a)


def test_conditional_expression():
    check_each(conditional_expr, [(1, 2), (2, 1), (0, 0), (-5, 3), (I64_MAX, 0), (I64_MIN, -1)])
    check_each(conditional_expr, [(1.5, 2.5), (math.nan, 1.0), (-0.0, 0.0)])


def aug_int(a, b):
    x = a
    x += b
    x -= 3
    x *= b
    x //= 7
    x %= 1000
    x **= 2
    x <<= 3
    x >>= 1
    x &= 0xFFFF
    x |= 1
    x ^= 0x55
    return x


def aug_float(a, b):
    y = a
    y += b
    y -= 0.5
    y *= b
    y /= 4
    y //= 0.75
    y %= 10.0
    y **= 2
    return y


def test_augmented_assignment_every_operator():
    check_each(aug_int, [(7, 3), (0, 1), (-9, 5), (123456, -7), (1, 0)])
    check_each(aug_float, [(7.5, 3.0), (0.0, 1.0), (-9.25, 2.5), (1.0, math.inf)])


def aug_truediv(a, b):
    a /= b
    return a


def test_augmented_truediv_of_ints_gives_float():
    check_each(aug_truediv, [(7, 2), (-7, 2), (1, 3), (0, 5), (1, 0)])


def logical_not(a):
    return not a, bool(a)


def test_not():
    check_each(logical_not, [(v,) for v in INTS + FLOATS + [True, False]])


def is_none(a):
    return a is None, a is not None, (a is None) or a > 0


def test_is_none_on_values():
    check_each(is_none, [(v,) for v in (0, 3, -1.5, math.nan, True)])


def pass_and_del(a):
    b = a + 1
    if a > 0:
        pass
    else:
        pass
    del b
    b = 2 * a
    return b


def test_pass_and_del_local():
    check_each(pass_and_del, [(v,) for v in (0, 5, -5)])


def collatz_steps(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def test_while_with_conditional_update():
    check_each(collatz_steps, [(v,) for v in (1, 2, 3, 7, 27, 97, 871)])


def loop_var_after_loop(n):
    last = -1
    for i in range(n):
        last = i
    return last


def test_loop_variable_read_after_loop():
    check_each(loop_var_after_loop, [(0,), (1,), (10,)])


def assigned_in_loop_only(n):
    for i in range(n):
        last = i * 2
    return last


def assigned_in_branch_only(a):
    if a > 0:
        y = a
    return y


def deleted_on_one_path(a):
    y = a
    if a < 0:
        del y
    return y


def test_reading_a_local_unassigned_on_some_path_raises_unboundlocalerror():
    check_each(assigned_in_loop_only, [(0,), (1,), (5,), (-2,)])
    check_each(assigned_in_branch_only, [(1,), (0,), (2.5,), (-1.5,)])
    check_each(deleted_on_one_path, [(1,), (-1,), (0,)])
