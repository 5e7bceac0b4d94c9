"""Operators on every numeric type, compared with CPython over grids of edge values.

The reference converts both operands to the types the typing rule casts them to
(integers wrap as NumPy's fixed-width integers do), applies the Python operator,
and wraps an integer result to the result type. float32 and complex64 results
come from NumPy's scalar arithmetic on the converted operands, which rounds each
operation to single precision exactly as the compiled code does; complex64 division
is CPython's algorithm replayed in np.float32 steps (NumPy's own differs: it
multiplies by the reciprocal of the denominator and overflows for tiny ones).
"""
from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jitcore import njit
from jitcore.typeinfer import registry
from jitcore.typeinfer import types as t
from tests.e2e.numgrid import ALL, jtype, outcome, py, same, values, wrap

I8, I64, U8, U32, U64 = np.int8, np.int64, np.uint8, np.uint32, np.uint64
F32, F64, C64, C128, B = np.float32, np.float64, np.complex64, np.complex128, np.bool_
PAIRS = [(c, c) for c in ALL] + [
    (B, I64), (I8, U8), (I64, U64), (U64, I64), (U32, I8), (np.int32, F32), (F32, I64),
    (F32, F64), (I64, F64), (U64, F64), (F64, I64), (F64, U64), (C64, F32), (F32, C64),
    (C64, F64), (I64, C128), (C128, F64), (B, F64), (U8, C64), (B, C128)]
NEG_POW = ("integers to negative integer powers are not allowed in compiled code; "
           "use a float base")


def convert(x: Any, ty: t.Type) -> Any:
    """x converted to `ty` as the compiled code converts operands (NumPy casts)."""
    x = py(x)
    if isinstance(ty, t.Boolean):
        return bool(x)
    if isinstance(ty, t.Integer):
        return wrap(int(x), ty)
    if isinstance(ty, t.Float):
        return np.float32(x) if ty.bitwidth == 32 else float(x)
    return np.complex64(x) if ty.bitwidth == 64 else complex(x)


def c_quot32(a: Any, b: Any) -> complex:
    """CPython's _Py_c_quot (Smith's method) with every step rounded to float32."""
    f = np.float32
    ar, ai, br, bi = f(a.real), f(a.imag), f(b.real), f(b.imag)
    with np.errstate(all="ignore"):
        if abs(br) >= abs(bi):
            ratio = bi / br
            denom = br + bi * ratio
            return complex(float((ar + ai * ratio) / denom), float((ai - ar * ratio) / denom))
        if abs(bi) >= abs(br):
            ratio = br / bi
            denom = br * ratio + bi
            return complex(float((ar * ratio + ai) / denom), float((ai * ratio - ar) / denom))
    return complex(math.nan, math.nan)


def reference(opname: str, op: Callable[..., Any], *args: Any) -> Any:
    sig = registry.resolve(opname, *map(jtype, args))
    assert sig is not None
    ops = [convert(a, ty) for a, ty in zip(args, sig.args)]
    ret = sig.return_type
    # Exceptions are Python's, on the operands as Python numbers.
    first = outcome(lambda: op(*(py(o) for o in ops)))
    if isinstance(first, tuple) and isinstance(first[0], type):
        return first
    if opname == "truediv" and isinstance(ret, t.Complex) and ret.bitwidth == 64:
        return c_quot32(*ops)
    result = outcome(lambda: op(*ops))
    if isinstance(result, tuple):  # several operators at once: all of one result type
        return tuple(finish(r, ret) for r in result)
    return finish(result, ret)


def finish(result: Any, ret: t.Type) -> Any:
    result = py(result)
    if isinstance(ret, t.Integer) and not isinstance(result, bool):
        return wrap(result, ret)
    if isinstance(ret, t.Float) and ret.bitwidth == 32:
        return float(np.float32(result))
    return result


def run(fn: Callable[..., Any], *args: Any) -> Any:
    return outcome(lambda: fn(*args))


def check_grid(opname: str, op: Callable[..., Any], compiled: Callable[..., Any],
               pairs: list[tuple[Any, Any]] = PAIRS, rel: Callable[..., float] | None = None,
               ref: Callable[..., Any] | None = None) -> int:
    """Compare compiled(a, b) with the reference on every pair of edge values; returns count."""
    count = 0
    for ca, cb in pairs:
        if registry.resolve(opname, jtype(values(ca)[0]), jtype(values(cb)[0])) is None:
            continue
        for a in values(ca):
            for b in values(cb):
                expected = (ref or reference)(opname, op, a, b)
                got = run(compiled, a, b)
                tol = rel(a, b) if rel else 0.0
                assert same(got, expected, tol), f"{a!r} {opname} {b!r}: {got!r} != {expected!r}"
                count += 1
    return count


@njit
def add(a, b):
    return a + b


@njit
def sub(a, b):
    return a - b


@njit
def mul(a, b):
    return a * b


@njit
def truediv(a, b):
    return a / b


@njit
def floordiv(a, b):
    return a // b


@njit
def mod(a, b):
    return a % b


@njit
def power(a, b):
    return a ** b


@njit
def compare(a, b):
    return a < b, a <= b, a > b, a >= b


@njit
def equal(a, b):
    return a == b, a != b


@njit
def bitwise(a, b):
    return a & b, a | b, a ^ b


@njit
def lshift(a, b):
    return a << b


@njit
def rshift(a, b):
    return a >> b


@njit
def unary(a):
    return -a, +a, not a


@njit
def invert(a):
    return ~a


def test_add_sub_mul():
    assert check_grid("add", operator.add, add) > 1000
    check_grid("sub", operator.sub, sub)
    check_grid("mul", operator.mul, mul)


def test_truediv():
    def rel(a: Any, b: Any) -> float:
        # int / int: operands above 2**53 round to float64 before dividing (NumPy's way),
        # where CPython divides exactly; complex64: NumPy's reciprocal-based division.
        if all(isinstance(py(x), int) for x in (a, b)) and max(abs(py(a)), abs(py(b))) > 2**53:
            return 2.0 ** -52
        return 0.0

    check_grid("truediv", operator.truediv, truediv, rel=rel)


def test_floordiv_mod():
    check_grid("floordiv", operator.floordiv, floordiv)
    check_grid("mod", operator.mod, mod)


def _pow_reference(opname: str, op: Callable[..., Any], a: Any, b: Any) -> Any:
    sig = registry.resolve("pow", jtype(a), jtype(b))
    assert sig is not None
    if isinstance(sig.return_type, t.Integer):
        x, n = (convert(v, ty) for v, ty in zip((a, b), sig.args))
        if n < 0:
            return (ValueError, NEG_POW)
        return wrap(pow(x, n, 2**64), sig.return_type)  # exact low bits, then wrap
    expected = reference(opname, op, a, b)
    if isinstance(sig.return_type, t.Float):
        # IEEE where CPython raises OverflowError (as Numba and C; error_model="cpython"
        # raises it: test_mathfuncs). A complex from CPython (negative ** fraction) is nan.
        if (isinstance(expected, tuple) and expected[0] is OverflowError) \
                or isinstance(expected, complex):
            dtype = np.float32 if sig.return_type.bitwidth == 32 else np.float64
            with np.errstate(all="ignore"):
                return float(np.power(dtype(convert(a, sig.args[0])),
                                      dtype(convert(b, sig.args[1]))))
    if isinstance(sig.return_type, t.Complex) and sig.return_type.bitwidth == 64 and \
            isinstance(expected, complex):
        # complex64 ** computes in double and rounds once, like CPython then NumPy's cast.
        with np.errstate(all="ignore"):
            return complex(np.complex64(complex(py(a)) ** complex(py(b))))
    return expected


def test_pow():
    check_grid("pow", operator.pow, power, ref=_pow_reference)


def test_int_pow_negative_exponent_raises():
    with pytest.raises(ValueError, match="negative integer powers"):
        power(2, -1)


def test_comparisons():
    assert check_grid("lt", lambda a, b: (a < b, a <= b, a > b, a >= b), compare) > 1000
    check_grid("eq", lambda a, b: (a == b, a != b), equal)


def test_mixed_signedness_and_int_float_compare_exactly():
    assert compare(np.uint64(2**63), np.int64(-1)) == (False, False, True, True)
    assert compare(np.int64(-1), np.uint64(2**64 - 1)) == (True, True, False, False)
    assert equal(np.uint64(2**64 - 1), np.int64(-1)) == (False, True)
    assert compare(2**63 - 1, 2.0**63) == (True, True, False, False)  # float rounding says ==
    assert equal(2**53 + 1, float(2**53)) == (False, True)
    assert equal(np.uint64(2**64 - 1), 2.0**64) == (False, True)


INT_PAIRS = [(a, b) for a, b in PAIRS if all(c is B or c in (I8, np.int16, np.int32, I64, U8,
                                                             np.uint16, U32, U64) for c in (a, b))]


def test_bitwise():
    check_grid("and_", lambda a, b: (a & b, a | b, a ^ b), bitwise, INT_PAIRS)


def _shift_reference(opname: str, op: Callable[..., Any], a: Any, b: Any) -> Any:
    sig = registry.resolve(opname, jtype(a), jtype(b))
    assert sig is not None
    x, n = (convert(v, ty) for v, ty in zip((a, b), sig.args))
    if n < 0:
        return (ValueError, "negative shift count")
    return wrap(op(int(x), min(n, 64)), sig.return_type)  # a count >= 64 shifts all bits out


def test_shifts():
    counts = [(c, d) for c in (I8, I64, U64, B) for d in (I64, U8, U64, B)]
    check_grid("lshift", operator.lshift, lshift, counts, ref=_shift_reference)
    check_grid("rshift", operator.rshift, rshift, counts, ref=_shift_reference)


def test_unary():
    for cls in ALL:
        for a in values(cls):
            ty = jtype(a)
            out = t.int64 if isinstance(ty, t.Boolean) else ty
            if isinstance(out, t.Integer):
                out = t.promote_ints(out)
            x = convert(a, out)
            neg, pos = py(-x), py(+x)
            if isinstance(out, t.Integer):
                neg, pos = wrap(neg, out), wrap(pos, out)
            expected = (neg, pos, not py(a))
            assert same(unary(a), expected), a
            if isinstance(ty, (t.Integer, t.Boolean)):
                assert same(invert(a), wrap(~int(py(a)), out)), a


def test_float32_stays_float32():
    for opname in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow"):
        sig = registry.resolve(opname, t.float32, t.float32)
        assert sig is not None and sig.return_type == t.float32
    assert registry.resolve("add", t.float32, t.int64).return_type == t.float64  # type: ignore
    a, b = np.float32(0.1), np.float32(0.2)
    assert add(a, b) == float(np.float32(a + b)) != 0.1 + 0.2


def test_complex_division_by_zero():
    for z in (1 + 2j, 0j, complex(math.inf, 0)):
        with pytest.raises(ZeroDivisionError, match="complex division by zero"):
            truediv(z, 0j)
    with pytest.raises(ZeroDivisionError, match="complex division by zero"):
        truediv(1.5, 0j)


def test_complex_division_is_robust():
    # Smith's method: no overflow in |b|**2 for huge or tiny denominators.
    for a, b in [(1e300 + 1e300j, 1e300 + 1e300j), (1e-300 + 1e-300j, 1e-300 - 2e-300j),
                 (1 + 1j, 1e-320 + 1e-320j), (3 + 4j, 1e308 + 1e308j)]:
        assert same(truediv(a, b), a / b), (a, b)


def test_complex_pow_errors_and_paths():
    with pytest.raises(ZeroDivisionError, match="0.0 to a negative or complex power"):
        power(0j, -2)
    with pytest.raises(ZeroDivisionError, match="0.0 to a negative or complex power"):
        power(0j, 1j)
    with pytest.raises(OverflowError, match="complex exponentiation"):
        power(1e200j, 2)
    for z in (1 + 2j, -0.5 + 0.25j, 1.0001 - 1j):
        for w in (0, 1, 2, 3, -1, -7, 100, 101, -100, 0.5, 2.5j, 1 + 1j, 100.0 + 0j):
            assert same(power(z, complex(w)), z ** complex(w)), (z, w)


def test_attributes_and_conjugate():
    @njit
    def parts(x):
        return x.real, x.imag, x.conjugate()

    for x in [True, 3, -7, np.int8(-3), np.uint64(2**64 - 1), 2.5, -0.0, np.float32(1.5),
              1 - 2j, complex(math.nan, -0.0), np.complex64(1.5 + 2.5j)]:
        p = py(x)
        assert same(parts(x), (p.real, p.imag, p.conjugate())), x


@settings(max_examples=300, deadline=None)
@given(st.integers(-2**63, 2**63 - 1), st.integers(-2**63, 2**63 - 1))
def test_int64_random(a: int, b: int) -> None:
    assert add(a, b) == wrap(a + b, t.int64)
    assert mul(a, b) == wrap(a * b, t.int64)
    assert compare(a, b) == (a < b, a <= b, a > b, a >= b)
    if b != 0:
        assert floordiv(a, b) == wrap(a // b, t.int64)
        assert mod(a, b) == wrap(a % b, t.int64)


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True),
       st.floats(allow_nan=True, allow_infinity=True))
def test_float_random(a: float, b: float) -> None:
    for fn, op in ((floordiv, operator.floordiv), (mod, operator.mod), (mul, operator.mul),
                   (truediv, operator.truediv)):
        assert same(run(fn, a, b), outcome(lambda: op(a, b))), (fn, a, b)


@settings(max_examples=200, deadline=None)
@given(st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True, allow_infinity=True))
def test_int_float_compare_random(i: int, f: float) -> None:
    assert compare(i, f) == (i < f, i <= f, i > f, i >= f)
    assert equal(i, f) == (i == f, i != f)


@settings(max_examples=200, deadline=None)
@given(st.complex_numbers(max_magnitude=1e150), st.complex_numbers(max_magnitude=1e150))
def test_complex_random(a: complex, b: complex) -> None:
    for fn, op in ((add, operator.add), (mul, operator.mul), (truediv, operator.truediv)):
        assert same(run(fn, a, b), outcome(lambda: op(a, b))), (fn, a, b)


def _pow_neg_literal(x):
    return x ** -1, x ** -2, 2 ** -2


def _zero_pow_neg_literal():
    return 0 ** -1


def _ipow_neg_literal(x):
    x **= -3
    return x


def test_negative_literal_exponent_is_a_float_power():
    """Issue 13: `2 ** -2` is 0.25 and `0 ** -1` raises ZeroDivisionError when it runs."""
    from tests.conftest import check_each, check_same

    check_each(_pow_neg_literal, [(2,), (-3,), (True,), (2.5,), (-0.5,)])
    check_each(_pow_neg_literal, [(0,), (0.0,)])  # ZeroDivisionError, with Python's message
    check_each(_ipow_neg_literal, [(2,), (0,), (1.5,)])
    check_same(_zero_pow_neg_literal)
