"""math and cmath compared with CPython.

Inside each function's domain the compiled result equals CPython's exactly (both
call libm), except math.gamma, math.lgamma and math.hypot, which CPython computes
with its own algorithms: those agree within 1e-13 relative (a few ulps; lgamma
absolutely near its zeros at 1 and 2). Outside the domain the compiled code raises
what CPython raises (ValueError: math domain error, OverflowError: math range error,
ZeroDivisionError), checked over a grid of special values (inf, nan, -0.0, huge, tiny,
domain edges), under error_model="cpython"; by default (error_model="python", as
Numba) and under "numpy" it returns the IEEE value instead (checked against NumPy's
ufuncs, which are IEEE). float32 arguments compute
in float32 (sqrtf, ...), compared with the float64 result rounded to float32 within
2 float32 ulps (libm's float functions are not all correctly rounded).
"""
from __future__ import annotations

import cmath
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jitcore import njit
from tests.e2e.numgrid import outcome, py, same

GRID = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 10.0, 0.7, -0.3, 3.0, 100.5, 1e-300, 5e-324,
        1e300, -1e300, 710.0, -745.5, math.pi, math.inf, -math.inf, math.nan, -5e-324,
        1.7976931348623157e308, -1.7976931348623157e308, 2.2250738585072014e-308, -2.0,
        171.7, -171.5, 1e-20, 1.0000000000000002, -0.9999999999999999, 1e16]
UNARY = {
    "sqrt": np.sqrt, "exp": np.exp, "log": np.log, "log2": np.log2, "log10": np.log10,
    "log1p": np.log1p, "expm1": np.expm1, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh,
    "cosh": np.cosh, "tanh": np.tanh, "asinh": np.arcsinh, "acosh": np.arccosh,
    "atanh": np.arctanh, "fabs": np.fabs, "erf": None, "erfc": None, "gamma": None,
    "lgamma": None, "degrees": np.degrees, "radians": np.radians, "exp2": np.exp2,
    "cbrt": np.cbrt,
}
BINARY = {"atan2": np.arctan2, "hypot": np.hypot, "copysign": np.copysign,
          "fmod": np.fmod, "pow": np.power, "log": None}
OWN_ALGORITHM = {"gamma", "lgamma", "hypot"}  # CPython does not call libm for these
_compiled: dict[tuple[str, str, int], object] = {}


def compiled(module: str, name: str, nargs: int,  # type: ignore[no-untyped-def]
             error_model: str = "cpython"):
    """One njit function per math function, compiled once per argument types."""
    key = (module, name, nargs, error_model)
    if key not in _compiled:
        params = ", ".join("abc"[:nargs])
        ns = {"math": math, "cmath": cmath}
        exec(f"def {name}_({params}):\n    return {module}.{name}({params})\n", ns)
        _compiled[key] = njit(error_model=error_model)(ns[f"{name}_"])
    return _compiled[key]


def ieee(name: str, *args: float) -> float:
    """The IEEE result CPython refuses to return (domain errors, overflow)."""
    special = {"gamma": math.nan, "lgamma": math.inf}
    fn = UNARY.get(name) if len(args) == 1 else BINARY.get(name)
    if fn is None:
        x = args[0]
        if name == "gamma" and (x == 0 or x == math.inf or (math.isfinite(x) and (
                x > 0 or x != math.floor(x)))):
            return math.copysign(math.inf, x)  # a pole at 0, or overflow
        if name == "log":
            with np.errstate(all="ignore"):
                return float(np.log(args[0]) / np.log(args[1]))
        return special[name]
    with np.errstate(all="ignore"):
        return float(fn(*args))


def check(name: str, *args: float) -> None:
    fn = compiled("math", name, len(args))
    expected = outcome(lambda: getattr(math, name)(*args))
    got = outcome(lambda: fn(*args))
    if isinstance(expected, tuple) and expected[0] in (ValueError, OverflowError,
                                                       ZeroDivisionError):
        assert got == expected, (name, args, got, expected)
        ieee_fn = compiled("math", name, len(args), error_model="numpy")
        assert same(outcome(lambda: ieee_fn(*args)), ieee(name, *args)), (name, args)
    elif name in OWN_ALGORITHM:
        tol = 1e-13 * max(1.0, abs(expected)) if math.isfinite(expected) else 0.0
        assert type(got) is float and (same(got, expected) or abs(got - expected) <= tol), (
            name, args, got, expected)
    else:
        assert same(got, expected), (name, args, got, expected)


def test_unary_grid():
    for name in UNARY:
        for x in GRID:
            check(name, x)


def test_binary_grid():
    small = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.5, 3.0, 1e300, 5e-324, math.inf, -math.inf,
             math.nan]
    for name in BINARY:
        for x in small:
            for y in small:
                check(name, x, y)


def test_domain_errors_raise_as_cpython():
    """The fuzzer's find: math.sin(inf) was nan where CPython raises."""
    cases = [("sin", math.inf), ("cos", -math.inf), ("tan", math.inf), ("sqrt", -1.0),
             ("log", 0.0), ("log", -0.0), ("acosh", 0.5), ("atanh", 1.0), ("atanh", -1.0),
             ("exp", 1000.0), ("gamma", 0.0), ("gamma", -1.0), ("gamma", 1e-310),
             ("lgamma", -2.0), ("lgamma", 1e308), ("log1p", -1.0), ("cosh", -1e300)]
    for name, x in cases:
        expected = outcome(lambda: getattr(math, name)(x))
        assert isinstance(expected, tuple), (name, x)
        assert outcome(lambda: compiled("math", name, 1)(x)) == expected, (name, x)
    for name, x, y in [("pow", 0.0, -1.0), ("pow", -8.0, 1 / 3), ("pow", 10.0, 400.0),
                       ("fmod", math.inf, 1.0), ("fmod", 1.0, 0.0), ("log", 2.0, 1.0),
                       ("log", 0.0, 2.0)]:
        expected = outcome(lambda: getattr(math, name)(x, y))
        assert isinstance(expected, tuple), (name, x, y)
        assert outcome(lambda: compiled("math", name, 2)(x, y)) == expected, (name, x, y)
    # the edges inside the domain stay values
    assert same(compiled("math", "sqrt", 1)(-0.0), -0.0)
    assert same(compiled("math", "acosh", 1)(1.0), 0.0)
    assert same(compiled("math", "pow", 2)(0.0, 0.0), 1.0)
    assert same(compiled("math", "fmod", 2)(1.0, math.inf), 1.0)


@pytest.mark.parametrize("model", ["python", "numpy"])
def test_domain_errors_give_ieee_values_by_default_and_under_numpy(model):
    # the default is Numba's: IEEE results, so loops of math calls stay vectorisable
    assert math.isnan(compiled("math", "sqrt", 1, model)(-1.0))
    assert math.isnan(compiled("math", "sin", 1, model)(math.inf))
    assert compiled("math", "log", 1, model)(0.0) == -math.inf
    assert compiled("math", "exp", 1, model)(1000.0) == math.inf
    assert math.isnan(compiled("math", "fmod", 2, model)(1.0, 0.0))
    assert compiled("math", "gamma", 1, model)(0.0) == math.inf
    assert math.isnan(compiled("math", "gamma", 1, model)(-2.0))
    assert compiled("math", "lgamma", 1, model)(-2.0) == math.inf


def test_a_loop_of_math_calls_is_vectorised_by_default():
    @njit
    def roots(a, out):
        for i in range(a.shape[0]):
            out[i] = math.sqrt(a[i])

    a = np.arange(64.0)
    roots(a, np.empty_like(a))
    llvm = roots.inspect_llvm(roots.signatures[0])
    assert "<4 x double>" in llvm or "<8 x double>" in llvm  # packed sqrt, no check

    strict = njit(error_model="cpython")(roots.py_func)
    strict(a, np.empty_like(a))
    with pytest.raises(ValueError, match="math domain error"):
        strict(-a - 1.0, np.empty_like(a))


def test_unknown_error_model_is_refused():
    with pytest.raises(ValueError, match="error_model must be one of cpython, numpy, python"):
        njit(error_model="c")(lambda x: x)


def test_domain_error_in_a_loop_stops_it():
    @njit(error_model="cpython")
    def total(xs):
        s = 0.0
        for x in xs:
            s += math.sqrt(x)
        return s

    assert total(np.array([1.0, 4.0])) == 3.0
    with pytest.raises(ValueError, match="math domain error"):
        total(np.array([1.0, -4.0, 9.0]))


@settings(max_examples=150, deadline=None)
@given(st.floats(-1e6, 1e6))
def test_unary_random(x: float) -> None:
    for name in ("sqrt", "exp", "log", "sin", "cos", "tan", "atan", "tanh", "erf", "gamma",
                 "lgamma", "log1p", "asinh"):
        check(name, x)


@settings(max_examples=150, deadline=None)
@given(st.floats(allow_nan=True), st.floats(allow_nan=True))
def test_binary_random(x: float, y: float) -> None:
    for name in ("atan2", "hypot", "copysign", "fmod", "pow"):
        check(name, x, y)


def test_integer_arguments_convert_to_float64():
    for name in ("sqrt", "exp", "log", "sin", "atan", "erf", "fabs"):
        fn = compiled("math", name, 1)
        for i in (0, 1, 2, 7, 10**15, -3, True):
            expected = outcome(lambda: getattr(math, name)(i))
            got = outcome(lambda: fn(i))
            if isinstance(expected, float):
                assert same(got, expected), (name, i)
    assert same(compiled("math", "pow", 2)(2, 10), 1024.0)
    assert same(compiled("math", "atan2", 2)(1, 2), math.atan2(1, 2))


def test_float32_stays_float32():
    cases = {"sqrt": [0.25, 2.0, 1e-40], "exp": [0.5, -3.0], "log": [2.0, 7.5], "sin": [0.5],
             "cos": [0.5], "tanh": [0.3], "erf": [0.3], "fabs": [-1.5]}
    for name, xs in cases.items():
        fn = compiled("math", name, 1)
        for x in xs:
            x32 = np.float32(x)
            got = fn(x32)
            want = float(np.float32(getattr(math, name)(float(x32))))
            assert type(got) is float, name
            assert got == want or abs(got - want) <= 2 * np.spacing(np.float32(want)), (name, x)
    # sqrt is correctly rounded in float32: exactly NumPy's float32 sqrt
    assert compiled("math", "sqrt", 1)(np.float32(2.0)) == float(np.sqrt(np.float32(2.0)))
    assert compiled("math", "sqrt", 1)(np.float32(2.0)) != math.sqrt(2.0)


def test_floor_ceil_trunc_return_int():
    for name in ("floor", "ceil", "trunc"):
        fn = compiled("math", name, 1)
        for x in [0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.0, -7.25, 1e15 + 0.5, 9.2e18, math.nan,
                  math.inf, -math.inf, 3, -3, True, np.float32(2.5)]:
            assert same(outcome(lambda: fn(x)), outcome(lambda: getattr(math, name)(py(x)))), (
                name, x)
        # beyond int64 Python returns a big int; the compiled code raises
        with pytest.raises(OverflowError, match="out of the int64 range"):
            fn(1e300)


def test_classification():
    for name in ("isnan", "isinf", "isfinite"):
        fn = compiled("math", name, 1)
        for x in GRID + [0, -5, True, np.float32(math.nan), np.float32(1.0)]:
            assert same(fn(x), getattr(math, name)(x)), (name, x)


def test_isclose():
    @njit
    def close(a, b):
        return math.isclose(a, b)

    @njit
    def close_tol(a, b, r, t):
        return math.isclose(a, b, rel_tol=r, abs_tol=t)

    pairs = [(1.0, 1.0 + 1e-10), (1.0, 1.1), (0.0, 1e-300), (math.inf, math.inf),
             (math.inf, 1e308), (math.nan, math.nan), (-0.0, 0.0), (1, 1)]
    for a, b in pairs:
        assert same(close(a, b), math.isclose(a, b)), (a, b)
        assert same(close_tol(a, b, 0.2, 1e-299), math.isclose(a, b, rel_tol=0.2,
                                                                abs_tol=1e-299)), (a, b)
    with pytest.raises(ValueError, match="tolerances must be non-negative"):
        close_tol(1.0, 1.0, -1.0, 0.0)


def test_constants_fold():
    @njit
    def constants():
        return math.pi, math.e, math.tau, math.inf, math.nan

    assert same(constants(), (math.pi, math.e, math.tau, math.inf, math.nan))


# --- cmath -----------------------------------------------------------------------------------

def _complex_grid() -> list[complex]:
    parts = [0.0, -0.0, 1.0, -1.0, 0.5, 2.5, 1e-310, 1e300, -1e300, 0.7, -0.71, 1.7]
    rng = random.Random(3)
    zs = [complex(a, b) for a in parts for b in parts]
    return zs + [complex(rng.uniform(-5, 5), rng.uniform(-5, 5)) for _ in range(200)]


def test_cmath_finite_grid():
    for name in ("sqrt", "exp", "log", "phase", "polar", "isnan", "isinf", "isfinite"):
        fn = compiled("cmath", name, 1)
        for z in _complex_grid():
            expected = outcome(lambda: getattr(cmath, name)(z))
            got = fn(z)
            if isinstance(expected, tuple) and isinstance(expected[0], type):
                continue  # domain error or overflow in CPython: checked below
            assert same(got, expected), (name, z, got, expected)


def test_cmath_ieee_outside_domain():
    assert same(compiled("cmath", "log", 1)(0j), complex(-math.inf, 0.0))
    assert same(compiled("cmath", "exp", 1)(complex(1e300, 0.0)), complex(math.inf, 0.0))
    assert same(compiled("cmath", "sqrt", 1)(complex(-math.inf, 1.0)), complex(0.0, math.inf))
    assert same(compiled("cmath", "sqrt", 1)(complex(1.0, math.inf)),
                cmath.sqrt(complex(1.0, math.inf)))
    assert same(compiled("cmath", "isnan", 1)(complex(1.0, math.nan)), True)


def test_cmath_real_arguments_and_rect_and_log_base():
    assert same(compiled("cmath", "sqrt", 1)(-4.0), cmath.sqrt(-4.0))
    assert same(compiled("cmath", "sqrt", 1)(-4), cmath.sqrt(-4))
    assert same(compiled("cmath", "log", 2)(8 + 0j, 2), cmath.log(8 + 0j, 2))
    assert same(compiled("cmath", "log", 2)(1 + 2j, 3 - 1j), cmath.log(1 + 2j, 3 - 1j))
    rect = compiled("cmath", "rect", 2)
    for r in (0.0, 1.0, 2.5, -1.0):
        for phi in (0.0, -0.0, 0.5, math.pi, -2.0):
            assert same(rect(r, phi), cmath.rect(r, phi)), (r, phi)
    assert same(compiled("cmath", "polar", 1)(np.complex64(3 + 4j)), (5.0, math.atan2(4, 3)))
