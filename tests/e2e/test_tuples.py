"""Tuples compiled and compared with CPython: packing, unpacking, indexing, slicing,
iteration, comparison, `in`, arguments and results; closures and globals as constants.
"""
from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from jitcore import njit
from tests.conftest import check_each, same

I64_MIN, I64_MAX = -(2**63), 2**63 - 1
GLOBAL_TUPLE = (3, 1.5, 7)
GLOBAL_INTS = (10, 20, 30, 40)
SCALE = 2.5


def swap(a, b):
    a, b = b, a
    return a, b


def rotate(a, b, c):
    a, b, c = b, c, a
    return a, b, c


def test_swap_and_rotate():
    check_each(swap, [(1, 2), (1, 2.5), (math.nan, -0.0), (I64_MIN, True)])
    check_each(rotate, [(1, 2, 3), (1.5, 2, True)])


def nested_unpack(t):
    (a, b), c = t
    return a * 100 + b * 10 + c


def nested_unpack_deep(t):
    (a, (b, c)), d = t
    return (d, c), (b, a)


def test_nested_unpacking():
    check_each(nested_unpack, [(((1, 2), 3),), (((-1, 0), 9),), (((1.5, 2), 3),)])
    check_each(nested_unpack_deep, [(((1, (2.5, 3)), 4),), (((True, (0, -1)), 2.0),)])


def pack_mixed(a, b):
    t = (a, b, a + b, a < b)
    return t, len(t), t[0], t[-1], t[-2]


def test_heterogeneous_packing_len_constant_index():
    check_each(pack_mixed, [(1, 2.5), (3, 1), (-0.0, math.inf)])


def const_index(t):
    return t[0] + t[-1], t[1] * t[-3], t[2]


def test_constant_indexing_incl_negative():
    check_each(const_index, [((1, 2, 3),), ((1.5, 2, -3),), ((True, 4, 5.5),)])


def var_index(t, i):
    return t[i]


def test_variable_index_homogeneous():
    ints = (10, 20, 30)
    check_each(var_index, [(ints, i) for i in (0, 1, 2, -1, -2, -3, 3, 4, -4, I64_MIN, I64_MAX)])
    floats = (1.5, math.nan, -0.0, math.inf)
    check_each(var_index, [(floats, i) for i in range(-5, 6)])
    check_each(var_index, [((7,), 0), ((7,), -1), ((7,), 1), ((7,), -2)])


def var_index_nested(t, i):
    return t[i][1]


def test_variable_index_of_tuple_of_tuples():
    t = ((1, 2.5), (3, 4.5), (5, 6.5))
    check_each(var_index_nested, [(t, i) for i in (-4, -3, -1, 0, 2, 3)])


def var_index_bool(t, flag):
    return t[flag]


def test_bool_index():
    check_each(var_index_bool, [((5, 6), True), ((5, 6), False)])


@settings(max_examples=50, deadline=None)
@given(st.tuples(st.integers(I64_MIN, I64_MAX), st.integers(I64_MIN, I64_MAX),
                 st.integers(I64_MIN, I64_MAX)), st.integers(-6, 6))
def test_variable_index_hypothesis(t, i):
    try:
        expected = t[i]
    except IndexError:
        try:
            _var_index(t, i)
        except IndexError as exc:
            assert str(exc) == "tuple index out of range"
            return
        raise AssertionError("no IndexError") from None
    assert _var_index(t, i) == expected


_var_index = njit(var_index)


def slices(t):
    return t[1:], t[:2], t[-2:], t[::-1], t[::2], t[1:-1], t[5:], t[:]


def test_constant_slices():
    check_each(slices, [((1, 2, 3, 4),), ((1, 2.5, True),), ((9,),), ((1.5, 2),)])


def sum_items(t):
    s = 0
    for x in t:
        s += x
    return s


def first_negative(t):
    k = 0
    for x in t:
        if x < 0:
            return k
        k += 1
    return -1


def test_iteration_over_homogeneous_tuples():
    check_each(sum_items, [((1, 2, 3),), ((5,),), ((1.5, -0.0, 2.0),), ((math.inf, 1.0),)])
    check_each(first_negative, [((1, 2, -3),), ((1, 2),), ((-1.0, 2.0),)])


def nested_tuple_loop(t):
    total = 0
    for a in t:
        for b in t:
            if b > a:
                break
            total += a * b
    return total


def test_nested_iteration():
    check_each(nested_tuple_loop, [((1, 2, 3, 4),), ((4, 3, 2, 1),)])


def compare(a, b):
    return a == b, a != b, a < b, a <= b, a > b, a >= b


def test_tuple_comparisons():
    cases = [((1, 2), (1, 2)), ((1, 2), (1, 3)), ((2, 0), (1, 9)), ((1, 2.0), (1, 2)),
             ((1, 2, 3), (1, 2)), ((1, 2), (1, 2, 0)), ((0,), ()), ((), ()),
             ((-0.0, 1), (0.0, 1)), ((1, (2, 3)), (1, (2, 4))), ((True, 2), (1, 2.0))]
    check_each(compare, cases)


def compare_nan(a, b):
    return a < b, a > b, a == b


def test_tuple_comparison_with_nan_in_a_later_item():
    check_each(compare_nan, [((1.0, math.nan), (2.0, 0.0)), ((1.0, 2.0), (1.0, math.nan))])


def contains(x, t):
    return x in t, x not in t


def test_in_tuple():
    t = (1, 5, -3)
    check_each(contains, [(v, t) for v in (1, 5, -3, 0, 2.0 + 3.0, 5.5, True)])
    # A nan is never == to anything; CPython's identity shortcut (`x is item`) is not
    # modelled, so the nan searched for is a different object from the one in the tuple.
    check_each(contains, [(math.nan, (1.0, float("nan"))), (1, (1, 2.5, True))])


def concat(a, b):
    return a + b, (a[0],) + b + a


def test_concatenation():
    check_each(concat, [((1, 2), (3.5,)), ((True,), (1, 2))])


def passthrough(t):
    return t


def build_nested(a, b):
    return (a, (b, (a + b, a - b)))


def test_tuples_as_arguments_and_results():
    check_each(passthrough, [((1, 2.5),), (((1, 2), (3.5, (True,))),), ((),)])
    check_each(build_nested, [(1, 2), (1.5, -2)])


@njit
def min_max(a, b, c):
    lo = a
    hi = a
    for x in (b, c):
        if x < lo:
            lo = x
        if x > hi:
            hi = x
    return lo, hi


def use_callee_tuple(a, b, c):
    lo, hi = min_max(a, b, c)
    return hi - lo


def test_tuple_returned_by_a_jitted_callee():
    check_each(use_callee_tuple, [(1, 2, 3), (3, -1, 2), (0, 0, 0)])


def uses_globals(i):
    return GLOBAL_TUPLE[0] + GLOBAL_TUPLE[-1], len(GLOBAL_INTS), GLOBAL_INTS[i], SCALE * i


def test_global_tuple_and_number_are_constants():
    check_each(uses_globals, [(0,), (3,), (-1,), (4,)])


def make_closures(offset, pair):
    def add_offset(x):
        return x + offset + pair[0] * pair[1]

    def pick(i):
        return pair[i]

    return add_offset, pick


def test_closure_over_number_and_tuple():
    add_offset, pick = make_closures(10, (2, 3))
    check_each(add_offset, [(1,), (-5,)])
    check_each(pick, [(0,), (1,), (-1,), (2,)])
    add_float, _ = make_closures(0.5, (1.5, 2))
    check_each(add_float, [(1,), (2.5,)])


def loop_carried_tuple(n):
    acc = (0, 1)
    for _ in range(n):
        a, b = acc
        acc = (b, a + b)
    return acc


def test_tuple_carried_through_a_loop():
    check_each(loop_carried_tuple, [(0,), (1,), (10,), (90,)])


def unify_tuple_branches(flag):
    if flag:
        t = (1, 2.0)
    else:
        t = (3, 4)
    return t


def test_tuples_unify_across_branches():
    f = njit(unify_tuple_branches)
    assert same(f(True), (1, 2.0))
    assert same(f(False), (3, 4.0))  # int meets float in item 1: float64, as in Numba
