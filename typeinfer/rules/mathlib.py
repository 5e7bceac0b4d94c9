"""Typing rules for the math and cmath modules.

    math.sqrt(float32)     -> float32   (float32 stays float32, as in Numba)
    math.sqrt(int64)       -> float64   (integers and bools convert to float64)
    math.floor(float64)    -> int64     (floor, ceil and trunc return int, as in Python)
    math.isnan(int64)      -> bool
    math.atan2(float32, int64) -> float64
    cmath.sqrt(float64)    -> complex128
    cmath.polar(complex64) -> tuple(float64, float64)
"""
from __future__ import annotations

import cmath
import math

from collections.abc import Callable
from typing import Any

from ..binder import Bound, Params
from ..registry import Rule, call_rule
from ..types import (Array, Boolean, Complex, Float, Integer, NoneType, Signature, Tuple,
                     Type, boolean, complex128, float32, float64, int64, none, promote)

Real = (Boolean, Integer, Float)
IntLike = (Boolean, Integer)

UNARY = [math.sqrt, math.exp, math.log2, math.log10, math.log1p, math.expm1, math.sin,
         math.cos, math.tan, math.asin, math.acos, math.atan, math.sinh, math.cosh, math.tanh,
         math.asinh, math.acosh, math.atanh, math.fabs, math.erf, math.erfc, math.gamma,
         math.lgamma, math.degrees, math.radians, math.exp2, math.cbrt, math.ulp]
BINARY = [math.atan2, math.copysign, math.fmod, math.pow, math.nextafter,
          math.remainder]


def params(fn: Any, text: str | None = None) -> Params:
    """A math/cmath function's parameters: its own signature (or `text` where it has none);
    its TypeError texts for a wrong call are the C function's own."""
    if text is None:
        return Params.of(fn, callee=fn)
    return Params.declare(fn.__name__, text, callee=fn)


def _float(types: tuple[Type, ...]) -> Type | None:
    """float32 when every operand is float32, else float64; None unless all are real."""
    if not types or not all(isinstance(a, Real) for a in types):
        return None
    return float32 if all(a == float32 for a in types) else float64


def _same_rule(fns: list[Any]) -> Callable[[Rule], Rule]:
    """One rule for several functions of the same parameters, each declaring its own."""
    def decorator(rule: Rule) -> Rule:
        for fn in fns:
            call_rule(fn, params=params(fn))(rule)
        return rule
    return decorator


@_same_rule(UNARY)
def unary(bound: Bound) -> Signature | None:
    ty = _float(bound.types())
    return None if ty is None else Signature(ty, (ty,))


@_same_rule(BINARY)
def binary(bound: Bound) -> Signature | None:
    ty = _float(bound.types())
    return None if ty is None else Signature(ty, (ty, ty))


@call_rule(math.hypot, params=params(math.hypot, "*coordinates"))
def hypot(bound: Bound) -> Signature | None:
    """math.hypot(*coordinates): the Euclidean norm of any number of coordinates."""
    types = bound.types()
    if types and _float(types) is None:
        return None
    return Signature(float64, (float64,) * len(types))


@call_rule(math.log, params=params(math.log, "x, base=None, /"))
def log(bound: Bound) -> Signature | None:
    """math.log(x) and math.log(x, base) = log(x) / log(base)."""
    if isinstance(bound["base"], NoneType):
        ty = _float((bound["x"],))
        return None if ty is None else Signature(ty, (ty, none))
    ty = _float(bound.types())
    return None if ty is None else Signature(ty, (ty, ty))


@_same_rule([math.floor, math.ceil, math.trunc])
def to_int(bound: Bound) -> Signature | None:
    x = bound["x"]
    if not isinstance(x, Real):
        return None
    return Signature(int64, (x if isinstance(x, Float) else int64,))


@_same_rule([math.isnan, math.isinf, math.isfinite])
def classify(bound: Bound) -> Signature | None:
    x = bound["x"]
    if not isinstance(x, Real):
        return None
    return Signature(boolean, (x if isinstance(x, Float) else int64,))


@call_rule(math.isclose, params=params(math.isclose))
def isclose(bound: Bound) -> Signature | None:
    """math.isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0)."""
    if not all(isinstance(a, Real) for a in bound.types()):
        return None
    return Signature(boolean, (float64,) * 4)


# --- integer functions: int64 results, CPython's ValueError texts ---------------------------

def _ints(types: tuple[Type, ...]) -> bool:
    return all(isinstance(a, IntLike) for a in types)


@_same_rule([math.gcd, math.lcm])
def gcd_lcm(bound: Bound) -> Signature | None:
    types = bound.types()
    return Signature(int64, (int64,) * len(types)) if _ints(types) else None


@_same_rule([math.factorial, math.isqrt])
def int_unary(bound: Bound) -> Signature | None:
    return Signature(int64, (int64,)) if _ints(bound.types()) else None


@call_rule(math.comb, params=params(math.comb))
def comb(bound: Bound) -> Signature | None:
    return Signature(int64, (int64, int64)) if _ints(bound.types()) else None


@call_rule(math.perm, params=params(math.perm))
def perm(bound: Bound) -> Signature | None:
    if isinstance(bound["k"], NoneType) and isinstance(bound["n"], IntLike):
        return Signature(int64, (int64, none))
    return Signature(int64, (int64, int64)) if _ints(bound.types()) else None


# --- float decomposition ---------------------------------------------------------------------

@call_rule(math.frexp, params=params(math.frexp))
def frexp(bound: Bound) -> Signature | None:
    if not isinstance(bound["x"], Real):
        return None
    return Signature(Tuple((float64, int64)), (float64,))


@call_rule(math.ldexp, params=params(math.ldexp))
def ldexp(bound: Bound) -> Signature | None:
    if not isinstance(bound["x"], Real) or not isinstance(bound["i"], IntLike):
        return None
    return Signature(float64, (float64, int64))


@call_rule(math.modf, params=params(math.modf))
def modf(bound: Bound) -> Signature | None:
    if not isinstance(bound["x"], Real):
        return None
    return Signature(Tuple((float64, float64)), (float64,))


# --- sequences: library routines (jitcore/library/floatmath.py) ----------------------------

def _real_items(seq: Type) -> Type | None:
    """The item type of a 1-d array or homogeneous tuple of real numbers."""
    if isinstance(seq, Array) and seq.ndim == 1 and isinstance(seq.dtype, Real):
        return seq.dtype
    if isinstance(seq, Tuple) and seq.items and len(set(seq.items)) == 1 and isinstance(
            seq.items[0], Real):
        return seq.items[0]
    return None


@call_rule(math.fsum, params=params(math.fsum))
def fsum(bound: Bound) -> Signature | None:
    seq = bound["seq"]
    return None if _real_items(seq) is None else Signature(float64, (seq,))


@call_rule(math.prod, params=params(math.prod))
def prod(bound: Bound) -> Signature | None:
    """math.prod(iterable, /, *, start=1): ints multiply in int64 (wrapping, as NumPy)."""
    seq, start = bound.types()
    item = _real_items(seq)
    if item is None or not isinstance(start, Real):
        return None
    result = promote(_wide(start), _wide(item))
    return Signature(result, (seq, result))


@call_rule(math.dist, params=params(math.dist))
def dist(bound: Bound) -> Signature | None:
    p, q = bound.types()
    if _real_items(p) is None or _real_items(q) is None:
        return None
    return Signature(float64, (p, q))


def _wide(ty: Type) -> Type:
    return int64 if isinstance(ty, (Boolean, Integer)) else float64


# --- cmath ----------------------------------------------------------------------------------

def _complex_arg(ty: Type) -> bool:
    return isinstance(ty, (*Real, Complex))


@_same_rule([cmath.sqrt, cmath.exp])
def cmath_unary(bound: Bound) -> Signature | None:
    return Signature(complex128, (complex128,)) if _complex_arg(bound["z"]) else None


@call_rule(cmath.log, params=params(cmath.log, "x, base=None, /"))
def cmath_log(bound: Bound) -> Signature | None:
    if not _complex_arg(bound["x"]):
        return None
    if isinstance(bound["base"], NoneType):
        return Signature(complex128, (complex128, none))
    return Signature(complex128, (complex128, complex128)) if _complex_arg(
        bound["base"]) else None


@call_rule(cmath.phase, params=params(cmath.phase))
def phase(bound: Bound) -> Signature | None:
    return Signature(float64, (complex128,)) if _complex_arg(bound["z"]) else None


@call_rule(cmath.polar, params=params(cmath.polar))
def polar(bound: Bound) -> Signature | None:
    if not _complex_arg(bound["z"]):
        return None
    return Signature(Tuple((float64, float64)), (complex128,))


@call_rule(cmath.rect, params=params(cmath.rect))
def rect(bound: Bound) -> Signature | None:
    if not all(isinstance(a, Real) for a in bound.types()):
        return None
    return Signature(complex128, (float64, float64))


@_same_rule([cmath.isnan, cmath.isinf, cmath.isfinite])
def cmath_classify(bound: Bound) -> Signature | None:
    return Signature(boolean, (complex128,)) if _complex_arg(bound["z"]) else None
