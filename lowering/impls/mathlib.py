"""The math module: LLVM intrinsics where they exist (so loops vectorise), libm otherwise.

    math.sqrt(x)     llvm.sqrt.f64 (llvm.sqrt.f32 for a float32 x)
    math.erf(x)      erf / erff from libm
    math.floor(x)    llvm.floor, then to int64 (ValueError on nan, OverflowError on inf)

By default (error_model="python", as in Numba) results outside the domain are IEEE's:
math.sqrt(-1.0) is nan, math.exp(1000.0) is inf, and a loop of math calls stays free of
branches, so LLVM vectorises it through libmvec (a check after each call made
pairwise_distances 2.5x slower). With error_model="cpython" errors follow CPython: a nan
from a non-nan argument is `ValueError: math domain error` (math.sqrt(-1.0),
math.sin(inf)), an infinity from finite arguments is either a pole (`ValueError`:
math.log(0.0), math.atanh(1.0), math.gamma(0.0)) or an overflow (`OverflowError: math
range error`: math.exp(1000.0)), each function classified as CPython's mathmodule.c
does; the check is one cold branch on the result.
Inside the domain the results are libm's, which is what CPython calls too, except for
math.hypot, math.gamma and math.lgamma, which CPython computes with its own algorithms
(they agree with libm to within a few ulps).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from llvmlite import ir

from jitcore.typeinfer import types as t

from ..context import Context
from ..models import f64, i1, i64
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
    math.atan2: (None, "atan2"), math.nextafter: (None, "nextafter"),
    math.remainder: (None, "remainder"),
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


# How each function reports an error, as CPython's mathmodule.c classifies it:
# "domain": nan from non-nan, or inf from finite (a pole), is ValueError;
# "overflow": inf from finite is OverflowError; absent: never raises.
_DOMAIN = "domain"
_OVERFLOW = "overflow"
_ERRORS: dict[Any, str] = {
    math.sqrt: _DOMAIN, math.log2: _DOMAIN, math.log10: _DOMAIN, math.log1p: _DOMAIN,
    math.sin: _DOMAIN, math.cos: _DOMAIN, math.tan: _DOMAIN, math.asin: _DOMAIN,
    math.acos: _DOMAIN, math.acosh: _DOMAIN, math.atanh: _DOMAIN,
    math.exp: _OVERFLOW, math.expm1: _OVERFLOW, math.exp2: _OVERFLOW, math.sinh: _OVERFLOW,
    math.cosh: _OVERFLOW, math.remainder: _DOMAIN,
}


def python_math_errors(ctx: Context) -> bool:
    """Whether math functions raise as CPython's do: only under error_model="cpython" (by
    default their results are IEEE's, as in Numba, so loops of them vectorise), and not
    under the fastmath flags that assume no nan or inf."""
    model: str = ctx.options.get("error_model", "python")
    return model == "cpython" and not {"fast", "nnan", "ninf"} & set(ctx.fastmath)


def raise_if(ctx: Context, cond: ir.Value, cls: type, message: str) -> None:
    with ctx.b.if_then(cond, likely=False):
        ctx.raise_exception(cls, (message,))


def domain_error(ctx: Context, cond: ir.Value) -> None:
    raise_if(ctx, cond, ValueError, "math domain error")


def range_error(ctx: Context, cond: ir.Value) -> None:
    raise_if(ctx, cond, OverflowError, "math range error")


def nan_from_number(ctx: Context, r: ir.Value, *args: ir.Value) -> ir.Value:
    """r is nan although no argument is."""
    b = ctx.b
    cond = is_nan(ctx, r)
    for x in args:
        cond = b.and_(cond, b.not_(is_nan(ctx, x)))
    return cond


def inf_from_finite(ctx: Context, r: ir.Value, *args: ir.Value) -> ir.Value:
    """r is infinite although every argument is finite."""
    b = ctx.b
    cond = is_inf(ctx, r)
    for x in args:
        cond = b.and_(cond, is_finite(ctx, x))
    return cond


def check_unary(ctx: Context, kind: str, r: ir.Value, x: ir.Value) -> None:
    """CPython's math_1: ValueError for nan from non-nan, ValueError or OverflowError for
    inf from finite."""
    if kind == _DOMAIN:
        domain_error(ctx, ctx.b.or_(nan_from_number(ctx, r, x), inf_from_finite(ctx, r, x)))
    else:
        range_error(ctx, inf_from_finite(ctx, r, x))


def _impl(intrinsic: str | None, libm: str, kind: str | None) -> Callable[..., ir.Value]:
    def impl(ctx: Context, sig: t.Signature, *args: ir.Value) -> ir.Value:
        r = call_math(ctx, intrinsic, libm, *args)
        if kind is not None and python_math_errors(ctx):
            if len(args) == 1:
                check_unary(ctx, kind, r, args[0])
            else:  # math.remainder(inf, y), remainder(x, 0.0)
                domain_error(ctx, nan_from_number(ctx, r, *args))
        return r
    return impl


@lower(math.hypot)
def hypot(ctx: Context, sig: t.Signature, *coords: ir.Value) -> ir.Value:
    """libm's hypot folded over the coordinates (CPython scales a vector norm instead:
    the results agree within an ulp or two). inf wins over nan, as in CPython."""
    if not coords:
        return ir.Constant(f64, 0.0)
    r = call_math(ctx, "llvm.fabs", "fabs", coords[0])
    for x in coords[1:]:
        r = call_math(ctx, None, "hypot", r, x)
    return r


@lower(math.ulp)
def ulp(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    """CPython's math.ulp: the distance from |x| to the next float away from zero (to the
    next one below for the largest float); nan and inf are returned as they are."""
    b = ctx.b
    inf = ir.Constant(x.type, math.inf)
    ax = call_math(ctx, "llvm.fabs", "fabs", x)
    up = call_math(ctx, None, "nextafter", ax, inf)
    down = call_math(ctx, None, "nextafter", ax, b.fneg(inf))
    top = is_inf(ctx, up)
    r = b.select(top, b.fsub(ax, down), b.fsub(up, ax))
    return b.select(is_finite(ctx, x), r, ax, name="ulp")


for _fn, (_intr, _name) in (_UNARY | _BINARY).items():
    if _fn not in (math.gamma, math.lgamma, math.pow):
        lower(_fn)(_impl(_intr, _name, _ERRORS.get(_fn)))


@lower(math.gamma)
def gamma(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    """A pole (0, negative integers, -inf) is ValueError, overflow OverflowError."""
    r = call_math(ctx, None, "tgamma", x)
    if python_math_errors(ctx):
        b = ctx.b
        zero = ir.Constant(x.type, 0.0)
        domain_error(ctx, b.or_(nan_from_number(ctx, r, x), b.and_(
            inf_from_finite(ctx, r, x), b.fcmp_ordered("==", x, zero))))
        range_error(ctx, inf_from_finite(ctx, r, x))
    return r


@lower(math.lgamma)
def lgamma(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    """A pole (0 and the negative integers) is ValueError, overflow OverflowError."""
    r = call_math(ctx, None, "lgamma", x)
    if python_math_errors(ctx):
        b = ctx.b
        floor = b.call(ctx.intrinsic("llvm.floor", x.type), [x])
        pole = b.and_(b.fcmp_ordered("<=", x, ir.Constant(x.type, 0.0)),
                      b.fcmp_ordered("==", floor, x))
        bad = inf_from_finite(ctx, r, x)
        domain_error(ctx, b.and_(bad, pole))
        range_error(ctx, bad)
    return r


@lower(math.pow)
def pow_(ctx: Context, sig: t.Signature, x: ir.Value, y: ir.Value) -> ir.Value:
    """CPython's math.pow: C99's special cases; for finite x and y, nan (a negative base to
    a fractional power) and 0.0 to a negative power are ValueError, overflow OverflowError."""
    r = call_math(ctx, "llvm.pow", "pow", x, y)
    if python_math_errors(ctx):
        b = ctx.b
        finite = b.and_(is_finite(ctx, x), is_finite(ctx, y))
        zero = ir.Constant(x.type, 0.0)
        domain_error(ctx, b.and_(finite, b.or_(is_nan(ctx, r), b.and_(
            is_inf(ctx, r), b.fcmp_ordered("==", x, zero)))))
        range_error(ctx, b.and_(finite, is_inf(ctx, r)))
    return r


def _log(ctx: Context, x: ir.Value) -> ir.Value:
    r = call_math(ctx, "llvm.log", "log", x)
    if python_math_errors(ctx):
        check_unary(ctx, _DOMAIN, r, x)
    return r


@lower(math.log)
def log(ctx: Context, sig: t.Signature, x: ir.Value, base: ir.Value) -> ir.Value:
    num = _log(ctx, x)
    if isinstance(sig.args[1], t.NoneType):
        return num
    den = _log(ctx, base)
    if python_math_errors(ctx):  # log(x, 1.0): CPython divides by log(1.0) == 0
        raise_if(ctx, ctx.b.fcmp_ordered("==", den, ir.Constant(den.type, 0.0)),
                 ZeroDivisionError, "float division by zero")
    return ctx.b.fdiv(num, den, name="log")


@lower(math.fmod)
def fmod(ctx: Context, sig: t.Signature, x: ir.Value, y: ir.Value) -> ir.Value:
    r = ctx.b.frem(x, y, name="fmod")  # frem is C's fmod
    if python_math_errors(ctx):  # fmod(inf, y) and fmod(x, 0.0)
        domain_error(ctx, nan_from_number(ctx, r, x, y))
    return r


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
def isclose(ctx: Context, sig: t.Signature, a: ir.Value, b_: ir.Value, rel: ir.Value,
            abs_tol: ir.Value) -> ir.Value:
    """CPython's math.isclose, including its ValueError on negative tolerances."""
    b = ctx.b
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


# --- integer functions: library routines in jitcore/library/intmath.py ---------------------

def _library(ctx: Context, name: str, *args: ir.Value) -> ir.Value:
    from .npfuncs import call_library  # the library call helper lives with the NumPy impls
    return call_library(ctx, f"intmath.{name}", (t.int64,) * len(args), list(args))


def _fold(name: str, empty: int) -> Callable[..., ir.Value]:
    def impl(ctx: Context, sig: t.Signature, *args: ir.Value) -> ir.Value:
        if not args:
            return ir.Constant(i64, empty)
        if len(args) == 1:  # gcd(x) is |x|: the pairwise routine with the identity
            return _library(ctx, name, args[0], ir.Constant(i64, empty))
        r = args[0]
        for x in args[1:]:
            r = _library(ctx, name, r, x)
        return r
    return impl


lower(math.gcd)(_fold("gcd", 0))


@lower(math.lcm)
def lcm(ctx: Context, sig: t.Signature, *args: ir.Value) -> ir.Value:
    if len(args) == 1:  # lcm(x) is |x|, as gcd(x, 0)
        return _library(ctx, "gcd", args[0], ir.Constant(i64, 0))
    return _fold("lcm", 1)(ctx, sig, *args)


@lower(math.factorial)
def factorial(ctx: Context, sig: t.Signature, n: ir.Value) -> ir.Value:
    return _library(ctx, "factorial", n)


@lower(math.isqrt)
def isqrt(ctx: Context, sig: t.Signature, n: ir.Value) -> ir.Value:
    return _library(ctx, "isqrt", n)


@lower(math.comb)
def comb(ctx: Context, sig: t.Signature, n: ir.Value, k: ir.Value) -> ir.Value:
    return _library(ctx, "comb", n, k)


@lower(math.perm)
def perm(ctx: Context, sig: t.Signature, n: ir.Value, k: ir.Value) -> ir.Value:
    if isinstance(sig.args[1], t.NoneType):
        return _library(ctx, "perm_all", n)
    return _library(ctx, "perm", n, k)


# --- float decomposition: libm ---------------------------------------------------------------

@lower(math.frexp)
def frexp(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    """libm's frexp; CPython returns (x, 0) for 0, inf and nan, as C99's frexp does."""
    i32 = ir.IntType(32)
    slot = ctx.alloca(i32, "exponent")
    m = ctx.b.call(ctx.declare("frexp", f64, [f64, i32.as_pointer()]), [x, slot])
    out = ir.Constant(ir.LiteralStructType([f64, i64]), ir.Undefined)
    out = ctx.b.insert_value(out, m, 0)
    # the exponent is unspecified for inf and nan: CPython gives 0
    e = ctx.b.select(is_finite(ctx, x), ctx.b.sext(ctx.b.load(slot), i64), ir.Constant(i64, 0))
    return ctx.b.insert_value(out, e, 1)


@lower(math.modf)
def modf(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    """(fractional part, integral part), both with x's sign; modf(inf) is (0.0, inf)."""
    slot = ctx.alloca(f64, "integral")
    frac = ctx.b.call(ctx.declare("modf", f64, [f64, f64.as_pointer()]), [x, slot])
    out = ir.Constant(ir.LiteralStructType([f64, f64]), ir.Undefined)
    out = ctx.b.insert_value(out, frac, 0)
    return ctx.b.insert_value(out, ctx.b.load(slot), 1)


@lower(math.ldexp)
def ldexp(ctx: Context, sig: t.Signature, x: ir.Value, i: ir.Value) -> ir.Value:
    """x * 2**i: the exponent clamped to C's int (beyond +-2**14 the result is already
    0 or inf), overflow of a finite x is OverflowError as in CPython."""
    b = ctx.b
    limit = 1 << 14
    i = b.select(b.icmp_signed(">", i, ir.Constant(i64, limit)), ir.Constant(i64, limit), i)
    i = b.select(b.icmp_signed("<", i, ir.Constant(i64, -limit)), ir.Constant(i64, -limit), i)
    i32 = ir.IntType(32)
    r = b.call(ctx.declare("ldexp", f64, [f64, i32]), [x, b.trunc(i, i32)], name="ldexp")
    if python_math_errors(ctx):
        range_error(ctx, inf_from_finite(ctx, r, x))
    return r


# --- sequences: library routines in jitcore/library/floatmath.py ---------------------------

@lower(math.fsum)
def fsum(ctx: Context, sig: t.Signature, seq: ir.Value) -> ir.Value:
    from .npfuncs import call_library
    return call_library(ctx, "floatmath.fsum", sig.args, [seq])


@lower(math.prod)
def prod(ctx: Context, sig: t.Signature, seq: ir.Value, start: ir.Value) -> ir.Value:
    from .npfuncs import call_library
    return call_library(ctx, "floatmath.prod", sig.args, [seq, start])


@lower(math.dist)
def dist(ctx: Context, sig: t.Signature, p: ir.Value, q: ir.Value) -> ir.Value:
    from .npfuncs import call_library
    return call_library(ctx, "floatmath.dist", sig.args, [p, q])
