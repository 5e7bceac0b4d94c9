"""The math module: LLVM intrinsics where they exist (so loops vectorise), libm otherwise.

    math.sqrt(x)     llvm.sqrt.f64 (llvm.sqrt.f32 for a float32 x)
    math.erf(x)      erf / erff from libm
    math.floor(x)    llvm.floor, then to int64 (ValueError on nan, OverflowError on inf)

Domain errors follow Numba and IEEE 754, not CPython: math.sqrt(-1.0) is nan,
math.log(0.0) is -inf, math.gamma(-1.0) is nan, math.fmod(1.0, 0.0) is nan,
math.exp(1000.0) is inf, where CPython raises ValueError or OverflowError. A
raise inside a loop would stop LLVM from vectorising it. Inside the domain
the results are libm's, which is what CPython calls too, except for
math.hypot, math.gamma and math.lgamma, which CPython computes with its own
algorithms (they agree with libm to within a few ulps).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from llvmlite import ir

from jitcore.typeinfer import types as t

from ..context import Context
from ..models import f64, i1
from ..registry import lower
from .builtins import float_to_int

# function -> (LLVM intrinsic or None, libm name of the double version)
_UNARY: dict[Any, tuple[str | None, str]] = {
    math.sqrt: ("llvm.sqrt", "sqrt"), math.exp: ("llvm.exp", "exp"),
    math.log2: ("llvm.log2", "log2"), math.log10: ("llvm.log10", "log10"),
    math.sin: ("llvm.sin", "sin"), math.cos: ("llvm.cos", "cos"),
    math.fabs: ("llvm.fabs", "fabs"), math.exp2: ("llvm.exp2", "exp2"),
    math.log1p: (None, "log1p"), math.expm1: (None, "expm1"), math.tan: (None, "tan"),
    math.asin: (None, "asin"), math.acos: (None, "acos"), math.atan: (None, "atan"),
    math.sinh: (None, "sinh"), math.cosh: (None, "cosh"), math.tanh: (None, "tanh"),
    math.asinh: (None, "asinh"), math.acosh: (None, "acosh"), math.atanh: (None, "atanh"),
    math.erf: (None, "erf"), math.erfc: (None, "erfc"), math.gamma: (None, "tgamma"),
    math.lgamma: (None, "lgamma"), math.cbrt: (None, "cbrt"),
}
_BINARY: dict[Any, tuple[str | None, str]] = {
    math.copysign: ("llvm.copysign", "copysign"), math.pow: ("llvm.pow", "pow"),
    math.atan2: (None, "atan2"), math.hypot: (None, "hypot"),
}


def call_math(ctx: Context, intrinsic: str | None, libm: str, *args: ir.Value) -> ir.Value:
    """Call the float or double version of a math function on same-typed arguments.

    Under fastmath the call carries the fast-math flags (`afn` among them): that is what
    lets targets/specialise.py give it a vector variant from the C library.
    """
    ty = args[0].type
    if intrinsic is not None:
        fn = ctx.intrinsic(intrinsic, ty, len(args))
    else:
        fn = ctx.declare(libm if ty == f64 else libm + "f", ty, [ty] * len(args))
    return ctx.b.call(fn, list(args), name=libm, fastmath=ctx.fastmath)


def _impl(intrinsic: str | None, libm: str) -> Callable[..., ir.Value]:
    def impl(ctx: Context, sig: t.Signature, *args: ir.Value) -> ir.Value:
        return call_math(ctx, intrinsic, libm, *args)
    return impl


for _fn, (_intr, _name) in (_UNARY | _BINARY).items():
    lower(_fn)(_impl(_intr, _name))


@lower(math.log)
def log(ctx: Context, sig: t.Signature, x: ir.Value, *base: ir.Value) -> ir.Value:
    num = call_math(ctx, "llvm.log", "log", x)
    if not base:
        return num
    return ctx.b.fdiv(num, call_math(ctx, "llvm.log", "log", base[0]), name="log")


@lower(math.fmod)
def fmod(ctx: Context, sig: t.Signature, x: ir.Value, y: ir.Value) -> ir.Value:
    return ctx.b.frem(x, y, name="fmod")  # frem is C's fmod


@lower(math.degrees)
def degrees(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    return ctx.b.fmul(x, ir.Constant(x.type, 180.0 / math.pi), name="degrees")


@lower(math.radians)
def radians(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    return ctx.b.fmul(x, ir.Constant(x.type, math.pi / 180.0), name="radians")


def _rounding(intrinsic: str) -> Callable[..., ir.Value]:
    def impl(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
        if isinstance(sig.args[0], t.Integer):
            return x
        rounded = ctx.b.call(ctx.intrinsic(intrinsic, x.type), [x])
        return float_to_int(ctx, rounded, nonneg=ctx.first_arg_nonneg)
    return impl


lower(math.floor)(_rounding("llvm.floor"))
lower(math.ceil)(_rounding("llvm.ceil"))
lower(math.trunc)(_rounding("llvm.trunc"))


def is_nan(ctx: Context, x: ir.Value) -> ir.Value:
    return ctx.b.fcmp_unordered("uno", x, x)


def is_inf(ctx: Context, x: ir.Value) -> ir.Value:
    fabs = ctx.b.call(ctx.intrinsic("llvm.fabs", x.type), [x])
    return ctx.b.fcmp_ordered("==", fabs, ir.Constant(x.type, float("inf")))


def is_finite(ctx: Context, x: ir.Value) -> ir.Value:
    fabs = ctx.b.call(ctx.intrinsic("llvm.fabs", x.type), [x])
    return ctx.b.fcmp_ordered("<", fabs, ir.Constant(x.type, float("inf")))


def _classify(test: Callable[[Context, ir.Value], ir.Value],
              int_answer: bool) -> Callable[..., ir.Value]:
    def impl(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
        if isinstance(sig.args[0], t.Integer):
            return ir.Constant(i1, int(int_answer))
        return test(ctx, x)
    return impl


lower(math.isnan)(_classify(is_nan, False))
lower(math.isinf)(_classify(is_inf, False))
lower(math.isfinite)(_classify(is_finite, True))


@lower(math.isclose)
def isclose(ctx: Context, sig: t.Signature, a: ir.Value, b_: ir.Value, *tols: ir.Value,
            kwnames: tuple[str, ...] = ()) -> ir.Value:
    """CPython's math.isclose, including its ValueError on negative tolerances."""
    b = ctx.b
    given = dict(zip(kwnames, tols))
    rel = given.get("rel_tol", ir.Constant(f64, 1e-09))
    abs_tol = given.get("abs_tol", ir.Constant(f64, 0.0))
    zero = ir.Constant(f64, 0.0)
    negative = b.or_(b.fcmp_ordered("<", rel, zero), b.fcmp_ordered("<", abs_tol, zero))
    with b.if_then(negative, likely=False):
        ctx.raise_exception(ValueError, ("tolerances must be non-negative",))
    fabs = ctx.intrinsic("llvm.fabs", f64)
    diff = b.call(fabs, [b.fsub(b_, a)])
    near = b.or_(b.or_(b.fcmp_ordered("<=", diff, b.call(fabs, [b.fmul(rel, b_)])),
                       b.fcmp_ordered("<=", diff, b.call(fabs, [b.fmul(rel, a)]))),
                 b.fcmp_ordered("<=", diff, abs_tol))
    near = b.and_(near, b.not_(b.or_(is_inf(ctx, a), is_inf(ctx, b_))))
    return b.or_(b.fcmp_ordered("==", a, b_), near, name="isclose")
