"""The math module's integer and float-decomposition functions compared with CPython.

Values and exceptions (type and message) must be the same, over grids of edge values.
Integer functions compute in int64: where CPython's result is a big int beyond int64 the
compiled code raises OverflowError instead (checked separately).
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jitcore import njit
from tests.e2e.numgrid import outcome, same

INT_GRID = [0, 1, 2, 3, 5, 6, 12, 18, 20, 21, 34, 60, 67, -1, -4, -18, 2**31, 2**62 + 1,
            2**63 - 1, -2**63]
FLOAT_GRID = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 7.5, 1e-310, 5e-324, -5e-324, 1e300, -1e300,
              1.7976931348623157e308, 2.2250738585072014e-308, math.pi, math.inf, -math.inf,
              math.nan]
_compiled: dict[tuple[str, int], object] = {}


def compiled(name: str, nargs: int):  # type: ignore[no-untyped-def]
    if (name, nargs) not in _compiled:
        params = ", ".join(f"a{i}" for i in range(nargs))
        ns = {"math": math}
        exec(f"def {name}_({params}):\n    return math.{name}({params})\n", ns)
        _compiled[(name, nargs)] = njit(error_model="cpython")(ns[f"{name}_"])
    return _compiled[(name, nargs)]


def check(name: str, *args: object) -> None:
    expected = outcome(lambda: getattr(math, name)(*args))
    got = outcome(lambda: compiled(name, len(args))(*args))
    if isinstance(expected, int) and not -2**63 <= expected < 2**63:
        assert isinstance(got, tuple) and got[0] is OverflowError, (name, args, got)
        assert "does not fit in int64" in got[1]
        return
    assert same(got, expected), (name, args, got, expected)


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_gcd_lcm(name: str) -> None:
    for n in range(4):
        for args in itertools.product(INT_GRID[:14], repeat=n) if n < 3 else [
                (12, 18, 8), (0, 0, 0), (-4, 6, 10), (7, 0, 3)]:
            check(name, *args)
    for a in INT_GRID:
        for b in INT_GRID:
            check(name, a, b)


@pytest.mark.parametrize("name", ["factorial", "isqrt"])
def test_integer_unary(name: str) -> None:
    for n in INT_GRID + list(range(30)) + [10**18, 99, 100, 2**52 + 1]:
        if name == "factorial" and n > 1000:  # CPython would compute a giant int
            assert outcome(lambda: compiled(name, 1)(n))[0] is OverflowError
            continue
        check(name, n)


@pytest.mark.parametrize("name", ["comb", "perm"])
def test_comb_perm(name: str) -> None:
    for n in [*range(-2, 25), 30, 61, 62, 66, 67, 68, 100, 2**31, 2**62]:
        for k in [*range(-2, 12), 20, 30, 33, 34, 60, 2**31]:
            if k == 2**31 and n >= k and not (name == "comb" and n == k):
                # CPython would compute a giant int
                assert outcome(lambda: compiled(name, 2)(n, k))[0] is OverflowError
                continue
            check(name, n, k)
    for n in range(-1, 22):
        check("perm", n)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 200), st.integers(0, 200))
def test_comb_perm_random(n: int, k: int) -> None:
    check("comb", n, k)
    check("perm", n, k)


@pytest.mark.parametrize("name", ["frexp", "modf", "ulp"])
def test_float_unary(name: str) -> None:
    for x in FLOAT_GRID:
        check(name, x)
    check(name, 3)  # an int converts to float


@pytest.mark.parametrize("name", ["nextafter", "remainder"])
def test_float_binary(name: str) -> None:
    for x in FLOAT_GRID:
        for y in FLOAT_GRID:
            check(name, x, y)


def test_ldexp() -> None:
    for x in FLOAT_GRID:
        for i in [0, 1, -1, 5, 1023, 1024, -1074, -1075, 2000, -2000, 2**40, -2**40,
                  2**63 - 1, -2**63]:
            check("ldexp", x, i)


def test_hypot_of_any_number_of_coordinates() -> None:
    for n in range(4):
        for args in itertools.product([0.0, -3.0, 4.0, 1e300, math.inf, math.nan], repeat=n):
            expected = math.hypot(*args)
            got = compiled("hypot", n)(*args)
            assert same(got, expected) or abs(got - expected) <= 1e-15 * expected, args


@settings(max_examples=150, deadline=None)
@given(st.floats(allow_nan=True), st.floats(allow_nan=True))
def test_float_functions_random(x: float, y: float) -> None:
    for name in ("frexp", "modf", "ulp"):
        check(name, x)
    for name in ("nextafter", "remainder"):
        check(name, x, y)


def test_float_pow_overflow_raises_as_cpython() -> None:
    """(-1e300) ** 2 is inf by default (as Numba, C); CPython's OverflowError under
    error_model="cpython"."""
    assert njit(lambda x, y: x ** y)(-1e300, 2.0) == math.inf
    power = njit(error_model="cpython")(lambda x, y: x ** y)
    for x, y in [(-1e300, 2.0), (10.0, 400.0), (1e300, 1e300), (2.0, 1024.0)]:
        assert outcome(lambda: power(x, y)) == outcome(lambda: x ** y)
    for x, y in [(math.inf, 2.0), (2.0, math.inf), (1e300, -2.0), (2.0, 1023.0)]:
        assert same(power(x, y), x ** y)


def test_fsum_and_prod_of_arrays_and_tuples() -> None:
    @njit
    def both(a, t):
        return math.fsum(a), math.fsum(t), math.prod(a), math.prod(t, start=2), \
            math.prod(a, start=0.5)

    def python(a, t):  # type: ignore[no-untyped-def]
        items = a.tolist()
        return (math.fsum(items), math.fsum(t), float(math.prod(items)), math.prod(t, start=2),
                float(math.prod(items, start=0.5)))

    for a, t in [(np.array([0.1] * 10), (1e100, 1.0, -1e100)), (np.zeros(0), (3, 4)),
                 (np.array([1e308, -1e308, 5e-324]), (True, False))]:
        assert same(both(a, t), python(a, t)), (a, t)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=12))
def test_fsum_random(xs: list[float]) -> None:
    fsum = compiled("fsum", 1)
    arr = np.array(xs, dtype=np.float64)
    assert same(outcome(lambda: fsum(arr)), outcome(lambda: math.fsum(xs))), xs


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=n, max_size=n),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=n, max_size=n))))
def test_dist_random(points: tuple[list[float], list[float]]) -> None:
    """Within two ulps of CPython's compensated vector norm (inf and nan exactly)."""
    p, q = (np.array(x) for x in points)
    expected = outcome(lambda: math.dist(tuple(points[0]), tuple(points[1])))
    got = outcome(lambda: compiled("dist", 2)(p, q))
    top = 1.7976931348623157e308  # an ulp above it is inf: CPython's rounding may get there
    if isinstance(expected, float) and expected == math.inf and got == top:
        return
    if isinstance(expected, float) and math.isfinite(expected) and expected > 0:
        assert isinstance(got, float) and abs(got - expected) <= 2 * math.ulp(expected)
    else:
        assert same(got, expected), (points, got, expected)


def test_dist_of_tuples_and_its_error() -> None:
    assert compiled("dist", 2)((1.0, 2.0), (4, 6)) == 5.0
    for p, q in [((1.0, 2.0), (1.0,)), (np.ones(3), np.ones(2))]:
        assert outcome(lambda: compiled("dist", 2)(p, q)) == outcome(
            lambda: math.dist(tuple(p), tuple(q)))
