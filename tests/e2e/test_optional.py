"""Optional values, dead-branch pruning, isinstance and types as values (issue 14).

Each construct is checked against CPython/NumPy on the same arguments; the error paths
check the message names the function, quotes the line and says what to write instead.
"""
from __future__ import annotations

import numbers

import numpy as np
import pytest

from jitcore import njit
from jitcore.frontend.errors import TypingError
from tests.conftest import check_each

# --- Optional values --------------------------------------------------------------------------


def positive_or_none(x):
    if x > 0:
        return x
    return None


def conditional_none(x, c):
    y = x if c else None
    if y is None:
        return -1.0
    return y * 2


def is_not_none_narrows(x, c):
    y = None if c else x
    if y is not None:
        return y + 1
    return 0.0


def truthiness(x, c):
    y = x if c else None
    if y:
        return 1
    if not y:
        return 2
    return 3


def tuple_or_none(x):
    if x > 0:
        return (x, x + 1)
    return None


def running_max(a):
    best = None
    for x in a:
        if best is None or x > best:
            best = x
    return best


def unnarrowed(x, c):
    y = x if c else None
    return y + 1


def isinstance_of_optional(x, c):
    y = x if c else None
    return isinstance(y, float), isinstance(y, type(None))


@pytest.mark.parametrize("pyfunc, cases", [
    (positive_or_none, [(1.5,), (-1.5,), (0,), (3,)]),
    (conditional_none, [(2.0, True), (2.0, False)]),
    (is_not_none_narrows, [(2.0, True), (2.0, False)]),
    (truthiness, [(2.0, True), (0.0, True), (2.0, False), (0, True)]),
    (tuple_or_none, [(1.0,), (-1.0,)]),
    (isinstance_of_optional, [(1.0, True), (1.0, False)]),
])
def test_optional_values_agree_with_python(pyfunc, cases):
    check_each(pyfunc, cases)


def test_optional_in_a_loop():
    f = njit(running_max)
    assert f(np.array([3.0, 5.0, 1.0])) == 5.0
    assert f(np.zeros(0)) is None


def times_two(x, c):
    y = x if c else None
    return 2 * y


def below_one(x, c):
    y = x if c else None
    return y < 1.0


def negated(x, c):
    y = x if c else None
    return -y


def incremented(x, c):
    y = x if c else None
    y += 1.0
    return y


@pytest.mark.parametrize("pyfunc", [unnarrowed, times_two, below_one, negated, incremented])
def test_unnarrowed_use_raises_cpythons_type_error_at_run_time(pyfunc):
    check_each(pyfunc, [(1.5, True), (1.5, False), (2, False)])


def test_unnarrowed_use_outside_an_operator_names_nonetype():
    import math

    @njit
    def root(x, c):
        y = x if c else None
        return math.sqrt(y)

    assert root(4.0, True) == 2.0
    with pytest.raises(TypeError, match="'NoneType' object cannot be used as float64"):
        root(4.0, False)


@njit
def maybe_half(x):
    if x > 0:
        return x / 2
    return None


def test_optional_returned_by_a_jitted_callee():
    @njit
    def caller(x):
        y = maybe_half(x)
        if y is None:
            return -1.0
        return y

    assert caller(4.0) == 2.0
    assert caller(-4.0) == -1.0


def test_optional_arrays_balance_their_references(no_leaks):
    @njit
    def maybe_double(a, c):
        out = a * 2 if c else None
        if out is not None:
            out[0] = 7.0
        return out

    for _ in range(200):
        got = maybe_double(np.ones(3), True)
        assert got.tolist() == [7.0, 2.0, 2.0]
        assert maybe_double(np.ones(3), False) is None
    del got


def optional_array_truth(a, c):
    y = a if c else None
    if not y:
        return 1
    return 0


def test_truth_of_an_optional_array_is_numpys():
    check_each(optional_array_truth, [(np.ones(1), True), (np.zeros(1), True),
                                      (np.ones(3), True), (np.ones(3), False)])


def test_none_on_every_path_is_a_compile_time_error():
    def none_plus(x):
        y = None
        return y + x

    with pytest.raises(TypingError) as info:
        njit(none_plus)(1.0)
    text = str(info.value)
    assert "unsupported operand type(s) for +: 'NoneType' and 'float64'" in text
    assert "in none_plus" in text and "return y + x" in text and "^" in text
    assert "check `is not None` first" in text


# --- None defaults and dead-branch pruning ----------------------------------------------------


def fill(a, out=None):
    if out is None:
        out = np.empty_like(a)
    out[:] = a + 1
    return out


def test_none_default_argument(no_leaks):
    f = njit(fill)
    assert f(np.ones(3)).tolist() == [2.0, 2.0, 2.0]
    out = np.zeros(3)
    assert f(np.ones(3), out).tolist() == [2.0, 2.0, 2.0]
    assert out.tolist() == [2.0, 2.0, 2.0]  # written in place, as in Python


def scale(x, factor=None):
    if factor is None:
        return x
    return x * factor


def by_ndim(a):
    if a.ndim == 1:
        return a[0]
    return a[0, 0]  # does not type for a 1-d array: pruned


def test_branches_on_constants_are_pruned():
    check_each(scale, [(2.0,), (2.0, 3.0), (2, None)])
    f = njit(by_ndim)
    assert f(np.arange(3.0)) == 0.0
    assert f(np.arange(4.0).reshape(2, 2)) == 0.0


FLAG = False


def global_flag(x):
    if FLAG:
        return x.no_such_attribute  # never typed: FLAG is a constant False
    return x + 1


def isinstance_dispatch(x):
    if isinstance(x, np.ndarray):
        return x.sum()  # does not type for a number: pruned
    return x


def test_untaken_side_may_hold_code_that_would_not_type():
    assert njit(global_flag)(1) == 2
    f = njit(isinstance_dispatch)
    assert f(np.ones(3)) == 3.0
    assert f(2.5) == 2.5


# --- isinstance ------------------------------------------------------------------------------


def classify(x):
    if isinstance(x, bool):
        return 0
    if isinstance(x, (int, np.integer)):
        return 1
    if isinstance(x, float):
        return 2
    if isinstance(x, numbers.Complex):
        return 3
    if isinstance(x, tuple):
        return 4
    if isinstance(x, type(None)):
        return 5
    return 6


def abstract(x):
    return (isinstance(x, numbers.Number), isinstance(x, numbers.Integral),
            isinstance(x, numbers.Real), isinstance(x, np.floating))


def test_isinstance_agrees_with_python():
    check_each(classify, [(True,), (3,), (2.5,), (1j,), ((1, 2.0),), (None,),
                          (np.ones(2),), (np.float64(1.5),)])
    check_each(abstract, [(True,), (3,), (np.float64(2.5),), (1j,), (np.float32(1.5),),
                          (np.int16(3),)])
    # float64 stands for Python's float and numpy.float64: isinstance holds if it holds for
    # either (as in Numba), so a Python float counts as a numpy.floating here.
    assert njit(abstract)(2.5) == (True, False, True, True)


def test_isinstance_needs_classes():
    def bad(x, y):
        return isinstance(x, y)

    with pytest.raises(TypingError) as info:
        njit(bad)(1.0, 2.0)
    text = str(info.value)
    assert "isinstance() needs a class or a tuple of classes" in text
    assert "in bad" in text and "return isinstance(x, y)" in text
    assert "write the classes literally" in text


# --- types as values -------------------------------------------------------------------------


def same_type_half(x):
    T = type(x)
    return T(0.5)


def dtype_type_zero(a):
    return a.dtype.type(0) + a[0]


def type_argument(T, x):
    return T(x)


def types_in_a_tuple(x):
    kinds = (np.int8, np.float32)
    return kinds[0](x), kinds[1](x)


def stored_dtype(n):
    dt = np.uint32
    return np.zeros(n, dtype=dt)


def test_types_as_values():
    check_each(same_type_half, [(1.0,), (3,), (True,)])
    assert njit(same_type_half)(np.float32(2.0)) == np.float32(0.5)
    assert njit(dtype_type_zero)(np.ones(3, np.float32)) == 1.0
    assert njit(type_argument)(np.float32, 1.5) == 1.5
    assert njit(type_argument)(int, 2.7) == 2
    assert njit(types_in_a_tuple)(3.7) == (3, np.float32(3.7))
    got = njit(stored_dtype)(3)
    assert got.dtype == np.uint32 and got.tolist() == [0, 0, 0]


# --- x in array, slice assignment from a tuple -----------------------------------------------


def membership(a, x):
    return x in a, x not in a


def slice_from_tuple(a, x, y):
    a[:2] = (x, y)
    return a


def test_membership_and_tuple_assignment(no_leaks):
    check_each(membership, [(np.arange(3.0), 1.0), (np.arange(3.0), 5), (np.zeros(0), 0.0),
                            (np.arange(6).reshape(2, 3), 4)])
    f = njit(slice_from_tuple)
    assert f(np.zeros(4), 1.0, 2).tolist() == [1.0, 2.0, 0.0, 0.0]
    with pytest.raises(ValueError):
        f(np.zeros(1), 1.0, 2.0)  # two values into a one-element selection


# --- Optional values through loops, callees and comparisons --------------------------------


def accumulate(a, n):
    acc = None
    for _ in range(n):
        if acc is None:
            acc = a.copy()
        else:
            acc = acc + a
    return acc


@njit
def maybe_plus_one(a, c):
    if c:
        return a + 1
    return None


def through_a_callee(a, c):
    r = maybe_plus_one(a, c)
    if r is None:
        return 0.0
    return r.sum()


def test_optional_arrays_through_loops_and_callees(no_leaks):
    f = njit(accumulate)
    for _ in range(100):
        assert f(np.ones(2), 3).tolist() == [3.0, 3.0]
        assert f(np.ones(2), 0) is None
    g = njit(through_a_callee)
    for _ in range(100):
        assert g(np.ones(3), True) == 6.0
        assert g(np.ones(3), False) == 0.0


def equality_with_none(x, c):
    y = x if c else None
    return y == 3.0, y != 3.0, y == None, None != y  # noqa: E711 - what is tested


def test_equality_with_none_agrees_with_python():
    check_each(equality_with_none, [(3.0, True), (2.0, True), (3.0, False)])


def test_attribute_of_an_unnarrowed_optional_says_to_check_for_none():
    def total(a, c):
        y = a if c else None
        return y.sum()

    with pytest.raises(TypingError) as info:
        njit(total)(np.ones(2), True)
    text = str(info.value)
    assert "has no attribute 'sum'" in text and "in total" in text and "y.sum()" in text
    assert "check `is not None` first" in text


def test_optional_result_types_are_stored_in_the_cache_metadata():
    from jitcore.caching import decode_type, encode_type
    from jitcore.typeinfer import types as t

    for ty in (t.Optional(t.float64), t.Optional(t.Array(t.float32, 2, "F")),
               t.Optional(t.Tuple((t.int64, t.float64)))):
        assert decode_type(encode_type(ty)) == ty


# --- Optional arguments: from another jitted function, and in eager signatures ---------------


@njit
def plus_one_or_zero(x):
    if x is None:
        x = 0.0
    return x + 1.0


def test_an_optional_value_passed_to_a_jitted_callee():
    @njit
    def caller(v, c):
        return plus_one_or_zero(v if c else None)

    assert caller(2.0, True) == 3.0
    assert caller(2.0, False) == 1.0


def test_optional_in_eager_signatures(no_leaks):
    from jitcore import types

    @njit("float64(optional(float64))")
    def doubled(x):
        if x is None:
            return -1.0
        return x * 2

    assert (doubled(2.0), doubled(None), doubled(3)) == (4.0, -1.0, 6.0)

    @njit(types.float64(types.optional(types.int64)))
    def halved(n):
        return -1.0 if n is None else n / 2

    assert (halved(3), halved(None)) == (1.5, -1.0)

    @njit("float64(optional(float64[::1]))")
    def total(a):
        if a is None:
            return 0.0
        return a.sum()

    for _ in range(100):
        assert total(np.ones(3)) == 3.0
        assert total(None) == 0.0
    with pytest.raises(TypeError, match="argument 'a'"):
        total("text")


def by_class(x):
    T = type(x)
    if T is float:
        return x + 0.5
    if T is not int:
        return x.no_such_attribute  # pruned for floats and ints
    return x * 2


def test_class_identity_is_decided_at_compile_time():
    check_each(by_class, [(1.0,), (3,)])
