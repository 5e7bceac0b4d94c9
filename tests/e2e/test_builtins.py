"""Numeric builtins compared with CPython: abs, min, max, divmod, pow, round, int, float, ...

Deviations checked explicitly here rather than hidden: min/max promote mixed operands
(min(1, 2.5) is 1.0), int(x) of a float outside int64 raises OverflowError, and
abs(int64 min) wraps as NumPy's does.
"""
from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jitcore import njit
from jitcore.errors import TypingError
from jitcore.typeinfer import types as t
from tests.e2e.numgrid import ALL, outcome, py, same, values, wrap

FLOATS = [0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.7, -3.7, 1e18, 2.0**63, -(2.0**63),
          9.2e18, 1e300, 5e-324, math.inf, -math.inf, math.nan]
INTS = [0, 1, -1, 7, -7, 2**63 - 1, -(2**63), 10**18]


@njit
def abs_(x):
    return abs(x)


@njit
def min2(a, b):
    return min(a, b)


@njit
def max3(a, b, c):
    return max(a, b, c)


@njit
def min_max_tuple(tup):
    return min(tup), max(tup)


@njit
def divmod_(a, b):
    return divmod(a, b)


@njit
def pow2(a, b):
    return pow(a, b)


@njit
def pow3(a, b, m):
    return pow(a, b, m)


@njit
def round1(x):
    return round(x)


@njit
def round2(x, n):
    return round(x, n)


@njit
def conversions(x):
    return int(x), float(x), bool(x)


@njit
def to_complex(re, im):
    return complex(re, im), complex(re), 0j


@njit
def empty_conversions():
    return 0, 0.0, False


def run(fn, *args):
    return outcome(lambda: fn(*args))


def test_abs():
    for cls in ALL:
        for x in values(cls):
            expected = abs(py(x))
            if isinstance(py(x), int):
                expected = wrap(expected, t.int64 if cls is np.bool_ or np.dtype(cls).kind == "i"
                                else t.uint64)
            if cls is np.complex64:  # the magnitude of a complex64 is a float32 (hypotf)
                expected = float(np.abs(x))
            assert same(abs_(x), expected), x  # abs(int) is an int, abs(complex) a float


def test_abs_complex_magnitude_uses_hypot():
    assert abs_(3 + 4j) == 5.0
    assert abs_(complex(1e300, 1e300)) == abs(complex(1e300, 1e300))  # no overflow
    assert abs_(complex(math.inf, math.nan)) == math.inf


def test_min_max():
    grid = FLOATS + INTS
    for a in grid:
        for b in grid:
            if type(a) is type(b):  # same types: Python's exact result, nan order included
                assert same(min2(a, b), min(a, b)), (a, b)
            for c in (0.0, -1, math.nan):
                if type(a) is type(b) is type(c):
                    assert same(max3(a, b, c), max(a, b, c)), (a, b, c)
    assert same(min2(True, False), False)
    assert same(max3(1, 2.5, -3), 2.5)
    assert same(min2(1, 2.5), 1.0)  # promoted: Python would return the int 1
    assert same(min_max_tuple((3, 1.5, 7)), (1.5, 7.0))
    assert same(min_max_tuple((5, -2, 9)), (-2, 9))
    assert same(min_max_tuple((math.nan, 1.0)), (math.nan, math.nan))
    assert same(min_max_tuple((1.0, math.nan)), (1.0, 1.0))


def test_divmod():
    for a in INTS + [3, -3]:
        for b in INTS + [2, -2]:
            expected = outcome(lambda: divmod(a, b))
            if isinstance(expected, tuple) and isinstance(expected[0], int):
                expected = (wrap(expected[0], t.int64), wrap(expected[1], t.int64))
            assert same(run(divmod_, a, b), expected), (a, b)
    for a in FLOATS:
        for b in FLOATS:
            assert same(run(divmod_, a, b), outcome(lambda: divmod(a, b))), (a, b)


def test_pow_two_args():
    for a, b in [(2, 10), (3, 0), (-2, 3), (2.0, 0.5), (2, -1.0), (1.5, 2), (4, 0.5)]:
        assert same(pow2(a, b), pow(a, b)), (a, b)
    assert same(pow2(2 + 1j, 2), (2 + 1j) ** 2)


def test_pow_three_args():
    grid = [0, 1, -1, 2, -2, 3, 7, -7, 10, 12, 97, 2**62 + 3, 2**63 - 1, -(2**63)]
    exps = [0, 1, 2, 3, 5, 100, -1, -2, 2**63 - 1, -(2**63)]
    count = 0
    for a in grid:
        for e in exps:
            for m in grid:
                assert same(run(pow3, a, e, m), outcome(lambda: pow(a, e, m))), (a, e, m)
                count += 1
    assert count == len(grid) ** 2 * len(exps)


@settings(max_examples=200, deadline=None)
@given(st.integers(-2**63, 2**63 - 1), st.integers(-2**63, 2**63 - 1),
       st.integers(-2**63, 2**63 - 1))
def test_pow_three_args_random(a: int, e: int, m: int) -> None:
    assert same(run(pow3, a, e, m), outcome(lambda: pow(a, e, m)))


def test_round_to_int():
    for x in FLOATS + [0.49999999999999994, 4.5, 5.5, -4.5, 2.0**52 + 1]:
        expected = outcome(lambda: round(x))
        if x in (2.0**63, 1e300):  # beyond int64: Python returns a big int
            expected = (OverflowError, "float is out of the int64 range")
        assert same(run(round1, x), expected), x
    for i in INTS:
        assert same(round1(i), i)
    assert same(round1(np.float32(2.5)), 2)


def test_round_ndigits():
    rng = random.Random(7)
    xs = FLOATS + [0.125, 2.675, 1.005, 0.285, 1234.5678, -0.4, 0.05, 1.7e308]
    xs += [rng.uniform(-1e6, 1e6) for _ in range(300)]
    xs += [rng.randint(-10**6, 10**6) / 1000 for _ in range(300)]
    for x in xs:
        for n in [-400, -309, -308, -30, -22, -5, -2, -1, 0, 1, 2, 3, 5, 10, 15, 22, 324]:
            assert same(run(round2, x, n), outcome(lambda: round(x, n))), (x, n)


def test_round_ndigits_documented_difference():
    # n > 22: 10**n is inexact, so tiny values can differ from CPython's decimal rounding.
    assert round(5e-324, 323) == 0.0 and round2(5e-324, 323) == 5e-324


def test_round_int_ndigits():
    for x in INTS + [5, 15, 25, -25, 1250, 1350, -1250, 5 * 10**18, 5 * 10**18 + 1]:
        for n in range(-21, 3):
            assert same(round2(x, n), wrap(round(x, n), t.int64)), (x, n)


def test_int_float_bool():
    for x in FLOATS:
        expected_int = outcome(lambda: int(x))
        if isinstance(expected_int, int) and not -(2**63) <= expected_int < 2**63:
            expected_int = (OverflowError, "float is out of the int64 range")
        got = run(conversions, x)
        if isinstance(expected_int, tuple):
            assert got == expected_int, x
        else:
            assert same(got, (expected_int, float(x), bool(x))), x
    for x in INTS + [True, False, np.int8(-5), np.uint64(2**64 - 1)]:
        assert same(conversions(x), (int(x), float(x), bool(x))), x
    assert same(conversions(np.float32(-2.75)), (-2, -2.75, True))
    assert same(empty_conversions(), (0, 0.0, False))


def test_complex_constructor():
    for re, im in [(1, 2), (1.5, -0.0), (True, 3), (math.inf, math.nan), (-0.0, 0)]:
        assert same(to_complex(re, im), (complex(re, im), complex(re), 0j)), (re, im)

    @njit
    def from_complex(z):
        return complex(z)

    assert same(from_complex(np.complex64(1.5 - 2j)), 1.5 - 2j)


def test_unsupported_argument_types_are_typing_errors():
    from jitcore.frontend.errors import TypingError

    with pytest.raises(TypingError, match=r"divmod\(\) does not accept arguments"):
        divmod_(1j, 2)
    with pytest.raises(TypingError, match=r"min\(\) does not accept arguments"):
        min2(1j, 2j)


# --- argument binding: keywords and defaults as Python binds them ---------------------------

def test_builtins_take_keywords_and_defaults_as_python() -> None:
    def f(x, n):
        return (int(), float(), bool(), round(x, None),  # noqa: UP018 - the calls tested
                round(number=x, ndigits=n),
                pow(n, 3, None), pow(base=n, exp=2), pow(n, 3, mod=5), divmod(n, 3))

    assert njit(f)(2.675, 2) == f(2.675, 2)


@pytest.mark.parametrize("source", ["divmod(a)", "round(a, 1, 2)", "pow(a)", "bool(a, a)",
                                    "float(x=a)", "divmod(a, y=a)"])
def test_wrong_builtin_calls_are_pythons_type_errors(source: str) -> None:
    ns: dict[str, object] = {}
    exec(f"def f(a):\n    return {source}\n", ns)
    with pytest.raises(TypeError) as python:
        ns["f"](3)  # type: ignore[operator]
    with pytest.raises(TypingError) as compiled:
        njit(ns["f"])(3)
    assert str(python.value) in str(compiled.value)


def test_int_with_a_base_is_refused_by_name() -> None:
    with pytest.raises(TypingError, match="int\\(\\): the argument 'base' is not supported"):
        njit(lambda a: int(a, 10))(3)
