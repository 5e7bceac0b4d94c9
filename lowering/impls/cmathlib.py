"""The cmath module's basics, with CPython's algorithms (Modules/cmathmodule.c) for finite z.

    cmath.sqrt(z)   scaled to avoid overflow and subnormal loss, as CPython's cmath_sqrt
    cmath.log(z)    log1p near |z| = 1, rescaled for huge and tiny |z|, as CPython's c_log
    cmath.exp(z)    exp(re) * (cos(im), sin(im)), pre-scaled near overflow

As in lowering/impls/mathlib.py, domain errors and overflow give IEEE values
instead of exceptions (cmath.log(0) is -inf+0j, cmath.exp(1000) is inf or nan
parts). For non-finite z, CPython consults tables of special values; here the
formulas apply, with the C99 rules for sqrt of an infinite part added. Results
for finite z equal CPython's (both use libm's hypot, atan2, log1p, ...).
"""
from __future__ import annotations

import cmath
import math
import sys

from llvmlite import ir

from jitcore.typeinfer import types as t

from ..context import Context
from ..models import f64
from ..registry import lower
from .complexes import c_quot, pack, parts
from .mathlib import call_math, is_finite, is_inf, is_nan

_LARGE = sys.float_info.max / 4  # CPython's CM_LARGE_DOUBLE
_LOG_LARGE = math.log(_LARGE)
_DBL_MIN = sys.float_info.min


def _c(value: float) -> ir.Constant:
    return ir.Constant(f64, value)


def _libm(ctx: Context, name: str, *args: ir.Value) -> ir.Value:
    intrinsic = {"log": "llvm.log", "exp": "llvm.exp", "sqrt": "llvm.sqrt", "cos": "llvm.cos",
                 "sin": "llvm.sin", "fabs": "llvm.fabs", "copysign": "llvm.copysign"}.get(name)
    return call_math(ctx, intrinsic, name, *args)


@lower(cmath.sqrt)
def sqrt(ctx: Context, sig: t.Signature, z: ir.Value) -> ir.Value:
    b = ctx.b
    re, im = parts(ctx, z)
    ax, ay = _libm(ctx, "fabs", re), _libm(ctx, "fabs", im)
    tiny = b.and_(b.fcmp_ordered("<", ax, _c(_DBL_MIN)), b.fcmp_ordered("<", ay, _c(_DBL_MIN)))
    # subnormal |z|: scale up by 2**53, take the root, scale down by 2**27
    ax_up = b.fmul(ax, _c(2.0 ** 53))
    s_tiny = b.fmul(_libm(ctx, "sqrt", b.fadd(ax_up, _libm(ctx, "hypot", ax_up, b.fmul(
        ay, _c(2.0 ** 53))))), _c(2.0 ** -27))
    ax8 = b.fdiv(ax, _c(8.0))
    s_norm = b.fmul(_c(2.0), _libm(ctx, "sqrt", b.fadd(ax8, _libm(
        ctx, "hypot", ax8, b.fdiv(ay, _c(8.0))))))
    s = b.select(tiny, s_tiny, s_norm)
    d = b.fdiv(ay, b.fmul(_c(2.0), s))
    nonneg = b.fcmp_ordered(">=", re, _c(0.0))
    out_re = b.select(nonneg, s, d)
    out_im = _libm(ctx, "copysign", b.select(nonneg, d, s), im)
    # sqrt(0 +- 0j) = 0 +- 0j
    is_zero = b.and_(b.fcmp_ordered("==", re, _c(0.0)), b.fcmp_ordered("==", im, _c(0.0)))
    out_re = b.select(is_zero, _c(0.0), out_re)
    out_im = b.select(is_zero, im, out_im)
    # C99 Annex G: an infinite imaginary part wins; sqrt(-inf + yj) = 0 + inf j, etc.
    inf = _c(float("inf"))
    re_inf = b.and_(is_inf(ctx, re), b.not_(is_nan(ctx, im)))
    neg_inf = b.and_(re_inf, b.fcmp_ordered("<", re, _c(0.0)))
    pos_inf = b.and_(re_inf, b.fcmp_ordered(">", re, _c(0.0)))
    finite_im = is_finite(ctx, im)
    out_re = b.select(b.and_(neg_inf, finite_im), _c(0.0), out_re)
    out_im = b.select(b.and_(neg_inf, finite_im), _libm(ctx, "copysign", inf, im), out_im)
    out_re = b.select(pos_inf, inf, out_re)
    out_im = b.select(b.and_(pos_inf, finite_im), _libm(ctx, "copysign", _c(0.0), im), out_im)
    im_inf = is_inf(ctx, im)
    out_re = b.select(im_inf, inf, out_re)
    out_im = b.select(im_inf, im, out_im)
    return pack(ctx, out_re, out_im, t.complex128)


@lower(cmath.exp)
def exp(ctx: Context, sig: t.Signature, z: ir.Value) -> ir.Value:
    b = ctx.b
    re, im = parts(ctx, z)
    large = b.fcmp_ordered(">", re, _c(_LOG_LARGE))
    scale = b.select(large, _c(math.e), _c(1.0))
    length = _libm(ctx, "exp", b.select(large, b.fsub(re, _c(1.0)), re))
    out_re = b.fmul(b.fmul(length, _libm(ctx, "cos", im)), scale)
    out_im = b.fmul(b.fmul(length, _libm(ctx, "sin", im)), scale)
    # A real z stays real: exp(x + 0j) has imaginary part +-0, even when exp(x) is inf.
    real_axis = b.fcmp_ordered("==", im, _c(0.0))
    out_im = b.select(real_axis, im, out_im)
    return pack(ctx, out_re, out_im, t.complex128)


def c_log(ctx: Context, z: ir.Value) -> tuple[ir.Value, ir.Value]:
    b = ctx.b
    re, im = parts(ctx, z)
    ax, ay = _libm(ctx, "fabs", re), _libm(ctx, "fabs", im)
    big = b.or_(b.fcmp_ordered(">", ax, _c(_LARGE)), b.fcmp_ordered(">", ay, _c(_LARGE)))
    tiny = b.and_(b.fcmp_ordered("<", ax, _c(_DBL_MIN)), b.fcmp_ordered("<", ay, _c(_DBL_MIN)))
    r_big = b.fadd(_libm(ctx, "log", _libm(ctx, "hypot", b.fmul(ax, _c(0.5)),
                                           b.fmul(ay, _c(0.5)))), _c(math.log(2)))
    up = _c(2.0 ** 53)
    r_tiny = b.fsub(_libm(ctx, "log", _libm(ctx, "hypot", b.fmul(ax, up), b.fmul(ay, up))),
                    _c(53 * math.log(2)))
    h = _libm(ctx, "hypot", ax, ay)
    near_one = b.and_(b.fcmp_ordered(">=", h, _c(0.71)), b.fcmp_ordered("<=", h, _c(1.73)))
    ax_bigger = b.fcmp_ordered(">", ax, ay)
    am, an = b.select(ax_bigger, ax, ay), b.select(ax_bigger, ay, ax)
    arg = b.fadd(b.fmul(b.fsub(am, _c(1.0)), b.fadd(am, _c(1.0))), b.fmul(an, an))
    r_near = b.fmul(_libm(ctx, "log1p", arg), _c(0.5))
    r_mid = b.select(near_one, r_near, _libm(ctx, "log", h))
    out_re = b.select(big, r_big, b.select(tiny, r_tiny, r_mid))
    return out_re, _libm(ctx, "atan2", im, re)


@lower(cmath.log)
def log(ctx: Context, sig: t.Signature, z: ir.Value, base: ir.Value) -> ir.Value:
    re, im = c_log(ctx, z)
    if not isinstance(sig.args[1], t.NoneType):
        re, im, _ = c_quot(ctx, (re, im), c_log(ctx, base))
    return pack(ctx, re, im, t.complex128)


@lower(cmath.phase)
def phase(ctx: Context, sig: t.Signature, z: ir.Value) -> ir.Value:
    re, im = parts(ctx, z)
    return _libm(ctx, "atan2", im, re)


@lower(cmath.polar)
def polar(ctx: Context, sig: t.Signature, z: ir.Value) -> ir.Value:
    re, im = parts(ctx, z)
    out = ir.Constant(ir.LiteralStructType([f64, f64]), ir.Undefined)
    out = ctx.b.insert_value(out, _libm(ctx, "hypot", re, im), 0)
    return ctx.b.insert_value(out, _libm(ctx, "atan2", im, re), 1)


@lower(cmath.rect)
def rect(ctx: Context, sig: t.Signature, r: ir.Value, phi: ir.Value) -> ir.Value:
    b = ctx.b
    out_re = b.fmul(r, _libm(ctx, "cos", phi))
    out_im = b.fmul(r, _libm(ctx, "sin", phi))
    return pack(ctx, out_re, out_im, t.complex128)


@lower(cmath.isnan)
def isnan(ctx: Context, sig: t.Signature, z: ir.Value) -> ir.Value:
    re, im = parts(ctx, z)
    return ctx.b.or_(is_nan(ctx, re), is_nan(ctx, im))


@lower(cmath.isinf)
def isinf(ctx: Context, sig: t.Signature, z: ir.Value) -> ir.Value:
    re, im = parts(ctx, z)
    return ctx.b.or_(is_inf(ctx, re), is_inf(ctx, im))


@lower(cmath.isfinite)
def isfinite(ctx: Context, sig: t.Signature, z: ir.Value) -> ir.Value:
    re, im = parts(ctx, z)
    return ctx.b.and_(is_finite(ctx, re), is_finite(ctx, im))
