"""Calls between jitted functions: callees, recursion, exceptions, inlining, failures."""
from __future__ import annotations

import re

import pytest

from jitcore import errors, njit, types
from tests.conftest import same

# --- plain callees -----------------------------------------------------------------------


@njit
def square(x):
    return x * x


@njit
def sum_of_squares(a, b):
    return square(a) + square(b)


def test_callee_compiled_for_several_argument_types():
    assert same(sum_of_squares(2, 3), 13)
    assert same(sum_of_squares(1.5, 2), 6.25)
    assert set(square.signatures) >= {(types.int64,), (types.float64,)}
    assert same(square(4), 16)  # the callee is callable from Python too


@njit
def scaled(x, k):
    return x * k


@njit
def chain(x):
    return scaled(scaled(x, 2), 0.5) + scaled(1, x)


def test_nested_calls_and_results_as_arguments():
    assert same(chain(3), chain.py_func(3))
    assert same(chain(2.5), chain.py_func(2.5))


@njit
def pair(x):
    return x, x * 2.0


@njit
def use_pair(x):
    a, b = pair(x)
    return a + b


def test_callee_returning_a_tuple():
    assert same(use_pair(2), 6.0)


@njit
def no_result(x):
    if x < 0:
        raise ValueError("negative")


@njit
def call_for_effect(x):
    no_result(x)
    return 1


def test_callee_returning_none():
    assert call_for_effect(1) == 1
    with pytest.raises(ValueError, match="negative"):
        call_for_effect(-1)


# --- recursion -----------------------------------------------------------------------------


@njit
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def test_self_recursion():
    assert [fib(n) for n in range(12)] == [fib.py_func(n) for n in range(12)]
    assert same(fib(20.0), 6765.0)
    assert fib.signatures == [(types.int64,), (types.float64,)]


@njit
def is_even(n):
    if n == 0:
        return True
    return is_odd(n - 1)


@njit
def is_odd(n):
    if n == 0:
        return False
    return is_even(n - 1)


def test_mutual_recursion():
    assert [is_even(n) for n in range(7)] == [n % 2 == 0 for n in range(7)]
    assert [is_odd(n) for n in range(7)] == [n % 2 == 1 for n in range(7)]


@njit
def down(n):
    return up(n)


@njit
def up(n):
    if n <= 0:
        return 0
    return down(n - 1) + 1


def test_mutual_recursion_whose_entry_has_no_base_case():
    # down() returns only what up() returns; the type comes from up's base case.
    assert same(down(10), 10)
    assert same(up(5), 5)
    assert down.overloads[(types.int64,)].signature.return_type == types.int64


@njit
def ping(n):
    if n <= 0:
        return 0.5
    return pong(n - 1)


@njit
def pong(n):
    return pang(n)


@njit
def pang(n):
    return ping(n) + 1


def test_three_function_cycle_widens_to_float():
    for n in range(5):
        assert same(ping(n), ping.py_func(n))
    assert same(pang(0), 1.5)
    assert ping.overloads[(types.int64,)].signature.return_type == types.float64


@njit
def fact(n):
    if n <= 1:
        return 1.0
    return n * fact(n - 1)


@njit
def half_steps(n):
    if n < 2:
        return n
    return half_steps(n - 1) + 0.5


def test_return_type_from_the_non_recursive_path():
    assert same(fact(10), 3628800.0)
    assert fact.overloads[(types.int64,)].signature == types.float64(types.int64)
    # The base case returns int64; the recursive path widens it to float64.
    assert same(half_steps(4), 2.5)
    assert half_steps.overloads[(types.int64,)].signature.return_type == types.float64


@njit("float64(int64)")
def eager_steps(n):
    if n <= 1:
        return 0.0
    return eager_steps(n - 1) + 1


@njit("int64(int64)")
def only_recursive_return(n):
    if n <= 0:
        raise ValueError("reached zero")
    return only_recursive_return(n - 1)


def test_eager_self_recursion_at_module_level():
    assert same(eager_steps(5), 4.0)
    assert eager_steps.signatures == [(types.int64,)]
    # With the return type declared, no return path needs to avoid recursion.
    with pytest.raises(ValueError, match="reached zero"):
        only_recursive_return(3)


def test_recursion_without_a_base_case_is_a_typing_error():
    @njit
    def endless(n):
        return endless(n - 1) + 1

    with pytest.raises(errors.TypingError) as info:
        endless(3)
    msg = str(info.value)
    assert "cannot infer the type of this expression in endless()" in msg
    assert "return endless(n - 1) + 1" in msg
    assert "a recursive function needs a return path that does not recurse" in msg


@njit
def depth(n):
    if n == 0:
        raise RecursionError("bottom reached")
    if n < 0:
        return n
    return depth(n - 1)


def test_exception_from_deep_recursion():
    with pytest.raises(RecursionError, match="bottom reached"):
        depth(50)


# --- exceptions through callees --------------------------------------------------------------


@njit
def checked(x):
    if x > 3:
        raise ValueError("too big")
    return x


@njit
def sum_checked(n):
    total = 0
    for i in range(n):
        total += checked(i)
    return total


def test_exception_propagates_out_of_callee():
    assert sum_checked(4) == 6
    with pytest.raises(ValueError, match="^too big$"):
        sum_checked(10)
    assert sum_checked(3) == 3  # still fine afterwards


@njit
def divide(a, b):
    return a // b


@njit
def divide_all(n, d):
    return divide(n, d) + divide(d, n)


def test_zero_division_from_callee():
    with pytest.raises(ZeroDivisionError):
        divide_all(5, 0)


# --- eager callees -------------------------------------------------------------------------


@njit("float64(int64)")
def eager_double(n):
    return n * 2


def test_eager_callee_converts_arguments():
    @njit
    def caller(x):
        return eager_double(x) + eager_double(True)

    assert same(caller(3), 8.0)
    assert eager_double.signatures == [(types.int64,)]  # nothing else compiled


def test_eager_callee_mismatch_is_a_typing_error():
    def caller(x):
        return eager_double(x)

    with pytest.raises(errors.TypingError) as info:
        njit(caller)(1.5)
    msg = str(info.value)
    assert "eager_double(): argument 'n' has type float64, expected int64" in msg
    assert "return eager_double(x)" in msg


# --- failures leave the engine usable -------------------------------------------------------


def test_failed_compilation_leaves_the_engine_usable():
    @njit
    def bad(x):
        return x + "a"

    @njit
    def uses_bad(x):
        return square(x) + bad(x)

    with pytest.raises(errors.TypingError) as info:
        uses_bad(1)
    assert "unsupported operand types for +: int64 and str" in str(info.value)
    assert uses_bad.signatures == [] and bad.signatures == []

    @njit
    def fine(x):
        return square(x) + 1

    assert fine(3) == 10
    with pytest.raises(errors.TypingError):
        uses_bad(1)  # fails the same way the second time
    assert fine(4) == 17 and sum_of_squares(1, 1) == 2


def test_callee_that_cannot_be_boxed_is_fine_inside_compiled_code():
    @njit
    def make_range(n):
        return range(n)

    @njit
    def total(n):
        s = 0
        for i in make_range(n):
            s += i
        return s

    assert total(5) == 10
    for _ in range(2):  # compiled as a callee first: Python gets the same error every time
        with pytest.raises(errors.TypingError, match=r"make_range\(\) cannot return a value "
                                                     r"of type range"):
            make_range(3)


# --- inlining ----------------------------------------------------------------------------------


def test_small_callee_is_inlined():
    @njit
    def offset_or_flag(a, b):
        return -1 if a < 5 else a - b

    def call_in_loop(x):
        total = 0
        for i in range(x):
            total += offset_or_flag(i, x)
        return total

    f = njit(call_in_loop)
    assert f(1000) == -5 - (1000 - 5) * (1000 - 4) // 2
    assert f(3) == -3 and f(0) == 0
    caller_ir = f.inspect_llvm(f.signatures[0])
    native = caller_ir[caller_ir.index("define"):caller_ir.index("\n}\n")]
    assert "offset_or_flag" not in native, "the callee is still called"
    assert re.search(r"<\d+ x i64>", native), "the inlined loop should vectorise"


# --- keywords and defaults in calls between jitted functions -----------------------------------


@njit
def affine(a, b=2, c=0.5):
    return a * b + c


def test_callee_keywords_and_defaults():
    def caller(x):
        return affine(x) + affine(x, 3) + affine(x, c=1.5) + affine(c=2.0, a=x, b=1)

    for x in (1, -2, 2.5):
        assert same(njit(caller)(x), caller(x))


def test_callee_bad_keyword_is_a_typing_error():
    def caller(x):
        return affine(x, d=1)

    with pytest.raises(errors.TypingError) as info:
        njit(caller)(1)
    msg = str(info.value)
    assert "affine() got an unexpected keyword argument 'd'" in msg
    assert msg.endswith("    return affine(x, d=1)\n           ^^^^^^^^^^^^^^")


@njit
def _add2(x, y):
    return x + y


def _add_unknown_keyword():
    return _add2(1, z=2)


def test_unknown_keyword_is_unexpected_not_missing():
    """Issue 13: `add(1, z=2)` names the unexpected keyword, as CPython does."""
    import pytest

    from jitcore.errors import TypingError

    with pytest.raises(TypeError, match=r"^_add2\(\) got an unexpected keyword argument 'z'$"):
        _add2(1, z=2)
    with pytest.raises(TypeError, match=r"^_add2\(\) got multiple values for argument 'x'$"):
        _add2(1, x=2)
    with pytest.raises(TypingError, match=r"_add2\(\) got an unexpected keyword argument 'z'"):
        njit(_add_unknown_keyword)()
