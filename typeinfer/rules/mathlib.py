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

from ..registry import call_rule
from ..types import (Boolean, Complex, Float, Integer, Signature, Tuple, Type, boolean,
                     complex128, float32, float64, int64)

Real = (Boolean, Integer, Float)

UNARY = [math.sqrt, math.exp, math.log2, math.log10, math.log1p, math.expm1, math.sin,
         math.cos, math.tan, math.asin, math.acos, math.atan, math.sinh, math.cosh, math.tanh,
         math.asinh, math.acosh, math.atanh, math.fabs, math.erf, math.erfc, math.gamma,
         math.lgamma, math.degrees, math.radians, math.exp2, math.cbrt]
BINARY = [math.atan2, math.hypot, math.copysign, math.fmod, math.pow]


def _float(types: tuple[Type, ...]) -> Type | None:
    """float32 when every operand is float32, else float64; None unless all are real."""
    if not types or not all(isinstance(a, Real) for a in types):
        return None
    return float32 if all(a == float32 for a in types) else float64


@call_rule(*UNARY)
def unary(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    ty = _float(args) if len(args) == 1 and not kws else None
    return None if ty is None else Signature(ty, (ty,))


@call_rule(*BINARY)
def binary(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    ty = _float(args) if len(args) == 2 and not kws else None
    return None if ty is None else Signature(ty, (ty, ty))


@call_rule(math.log)
def log(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    """math.log(x) and math.log(x, base) = log(x) / log(base)."""
    ty = _float(args) if 1 <= len(args) <= 2 and not kws else None
    return None if ty is None else Signature(ty, (ty,) * len(args))


@call_rule(math.floor, math.ceil, math.trunc)
def to_int(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if kws or len(args) != 1 or not isinstance(args[0], Real):
        return None
    return Signature(int64, (args[0] if isinstance(args[0], Float) else int64,))


@call_rule(math.isnan, math.isinf, math.isfinite)
def classify(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if kws or len(args) != 1 or not isinstance(args[0], Real):
        return None
    return Signature(boolean, (args[0] if isinstance(args[0], Float) else int64,))


@call_rule(math.isclose)
def isclose(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    """math.isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0)."""
    if len(args) != 2 or set(kws) - {"rel_tol", "abs_tol"}:
        return None
    if not all(isinstance(a, Real) for a in (*args, *kws.values())):
        return None
    return Signature(boolean, (float64,) * (2 + len(kws)))


# --- cmath ----------------------------------------------------------------------------------


def _complex_arg(args: tuple[Type, ...], kws: dict[str, Type]) -> bool:
    return not kws and len(args) == 1 and isinstance(args[0], (*Real, Complex))


@call_rule(cmath.sqrt, cmath.exp)
def cmath_unary(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    return Signature(complex128, (complex128,)) if _complex_arg(args, kws) else None


@call_rule(cmath.log)
def cmath_log(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if kws or not 1 <= len(args) <= 2 or not all(
            isinstance(a, (*Real, Complex)) for a in args):
        return None
    return Signature(complex128, (complex128,) * len(args))


@call_rule(cmath.phase)
def phase(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    return Signature(float64, (complex128,)) if _complex_arg(args, kws) else None


@call_rule(cmath.polar)
def polar(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if not _complex_arg(args, kws):
        return None
    return Signature(Tuple((float64, float64)), (complex128,))


@call_rule(cmath.rect)
def rect(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if kws or len(args) != 2 or not all(isinstance(a, Real) for a in args):
        return None
    return Signature(complex128, (float64, float64))


@call_rule(cmath.isnan, cmath.isinf, cmath.isfinite)
def cmath_classify(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    return Signature(boolean, (complex128,)) if _complex_arg(args, kws) else None
