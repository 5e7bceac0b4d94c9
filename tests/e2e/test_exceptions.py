"""Exceptions raised in compiled code reach the caller as the same class with the same args."""
from __future__ import annotations

import pytest

from jitcore import njit
from tests.data import asserting


class MyError(Exception):
    pass


class MyValueError(ValueError):
    def __init__(self, *args):
        super().__init__(*args)


PREBUILT = KeyError("prebuilt", 3)


def outcome(fn, *args):
    """('ok', value) or (exception class, args): what a caller can observe."""
    try:
        return "ok", fn(*args)
    except Exception as exc:  # noqa: BLE001
        return type(exc), exc.args, str(exc)


def check_raises_same(pyfunc, arg_tuples):
    compiled = njit(pyfunc)
    for args in arg_tuples:
        expected = outcome(pyfunc, *args)
        got = outcome(compiled, *args)
        assert got == expected and type(got[-1]) is type(expected[-1]), (pyfunc.__name__, args)
    return compiled


def raise_with_message(x):
    if x > 0:
        raise ValueError("x must not be positive")
    return x


def raise_class_only(x):
    if x > 0:
        raise ValueError
    return x


def raise_builtins(k):
    if k == 0:
        raise TypeError("bad type")
    if k == 1:
        raise IndexError("index", 1)
    if k == 2:
        raise KeyError("key")
    if k == 3:
        raise RuntimeError()
    if k == 4:
        raise ZeroDivisionError("zero", 0, 1.5)
    if k == 5:
        raise OverflowError
    if k == 6:
        raise ArithmeticError("arith", -7)
    if k == 7:
        raise NotImplementedError("later")
    return k


def raise_user_defined(k):
    if k == 0:
        raise MyError
    if k == 1:
        raise MyError("one")
    if k == 2:
        raise MyError(1, 2.5, "three", True, None)
    if k == 3:
        raise MyValueError("sub", 3)
    return k


def raise_prebuilt(k):
    if k:
        raise PREBUILT
    return k


def test_raise_with_message():
    check_raises_same(raise_with_message, [(1,), (0,), (-1,), (2.5,)])


def test_raise_class_only():
    check_raises_same(raise_class_only, [(1,), (-1,)])


def test_builtin_exception_classes_with_constant_args():
    check_raises_same(raise_builtins, [(k,) for k in range(9)])


def test_user_defined_exception_classes():
    compiled = check_raises_same(raise_user_defined, [(k,) for k in range(5)])
    with pytest.raises(ValueError) as info:  # a subclass is caught by its base class
        compiled(3)
    assert type(info.value) is MyValueError and info.value.args == ("sub", 3)


def test_module_level_exception_instance():
    check_raises_same(raise_prebuilt, [(0,), (1,)])


def test_assert():
    check_raises_same(asserting.assert_plain, [(1,), (10,), (11.5,)])
    check_raises_same(asserting.assert_message, [(1,), (10,), (-3,)])
    check_raises_same(asserting.assert_in_loop, [(0,), (5,), (10,), (11,)])


@njit
def checked_sqrt(x):
    if x < 0:
        raise ValueError("negative input", True)
    return x**0.5


def caller(x):
    return checked_sqrt(x) + 1.0


jitted_caller = njit(caller)


@njit
def deeper(x):
    return jitted_caller(x) * 2.0


def test_raise_in_callee_propagates():
    c = jitted_caller
    assert c(4.0) == 3.0
    with pytest.raises(ValueError) as info:
        c(-1.0)
    assert info.value.args == ("negative input", True)
    assert deeper(9.0) == 8.0
    with pytest.raises(ValueError, match="negative input"):
        deeper(-4.0)


def raise_in_loop(n):
    total = 0
    for i in range(n):
        total += i
        if total > 20:
            raise OverflowError("total passed 20 at", 0)
    return total


def test_raise_inside_loop():
    check_raises_same(raise_in_loop, [(0,), (5,), (7,), (100,)])


def only_raises(x):
    raise RuntimeError("always")


def test_function_that_only_raises():
    check_raises_same(only_raises, [(1,), (2.5,)])


def zero_division(a, b):
    return a // b, a % b


def test_integer_division_by_zero_is_zerodivisionerror():
    check_raises_same(zero_division, [(7, 2), (7, 0), (0, 0), (-7, 3)])


def raise_after_error_still_callable(x):
    if x == 0:
        raise ValueError("zero")
    return 10 // x


def test_many_raises_leave_the_function_usable():
    compiled = njit(raise_after_error_still_callable)
    for _ in range(1000):
        with pytest.raises(ValueError):
            compiled(0)
    assert compiled(5) == 2
