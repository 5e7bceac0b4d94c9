"""Complex arithmetic with CPython's algorithms (Objects/complexobject.c, 3.11).

    (1+2j) / (3-4j)   Smith's division as _Py_c_quot does it; ZeroDivisionError on 0
    z ** 3            repeated squaring for integral exponents |n| <= 100, as c_powi
    z ** w            polar form otherwise, as _Py_c_pow; an infinite result raises
                      OverflowError("complex exponentiation") like CPython

complex64 computes in float32 except `**`, which computes in double and rounds.
"""
from __future__ import annotations

from collections.abc import Callable

from llvmlite import ir

from jitcore.typeinfer import types as t

from ..context import Context
from ..models import i1, i64
from ..registry import lower

Parts = tuple[ir.Value, ir.Value]


def parts(ctx: Context, z: ir.Value) -> Parts:
    return ctx.b.extract_value(z, 0, name="re"), ctx.b.extract_value(z, 1, name="im")


def pack(ctx: Context, re: ir.Value, im: ir.Value, ty: t.Type) -> ir.Value:
    assert isinstance(ty, t.Complex)
    return ctx.make_complex(re, im, ty)


def c_prod(ctx: Context, a: Parts, b: Parts) -> Parts:
    """(a.re*b.re - a.im*b.im) + (a.re*b.im + a.im*b.re)j, without inf/nan recovery."""
    bb, fm = ctx.b, ctx.fastmath
    re = bb.fsub(bb.fmul(a[0], b[0], flags=fm), bb.fmul(a[1], b[1], flags=fm), flags=fm)
    im = bb.fadd(bb.fmul(a[0], b[1], flags=fm), bb.fmul(a[1], b[0], flags=fm), flags=fm)
    return re, im


def c_quot(ctx: Context, a: Parts, d: Parts) -> tuple[ir.Value, ir.Value, ir.Value]:
    """a / d by Smith's method, branch-free; also returns the i1 "d is zero"."""
    b = ctx.b
    fabs = ctx.intrinsic("llvm.fabs", d[0].type)
    zero = ir.Constant(d[0].type, 0.0)
    nan = ir.Constant(d[0].type, float("nan"))
    abs_re, abs_im = b.call(fabs, [d[0]]), b.call(fabs, [d[1]])
    re_big = b.fcmp_ordered(">=", abs_re, abs_im)
    im_big = b.fcmp_ordered(">=", abs_im, abs_re)  # neither: a nan in d
    is_zero = b.and_(re_big, b.fcmp_ordered("==", abs_re, zero))
    ratio = b.fdiv(d[1], d[0])
    denom = b.fadd(d[0], b.fmul(d[1], ratio))
    re1 = b.fdiv(b.fadd(a[0], b.fmul(a[1], ratio)), denom)
    im1 = b.fdiv(b.fsub(a[1], b.fmul(a[0], ratio)), denom)
    ratio2 = b.fdiv(d[0], d[1])
    denom2 = b.fadd(b.fmul(d[0], ratio2), d[1])
    re2 = b.fdiv(b.fadd(b.fmul(a[0], ratio2), a[1]), denom2)
    im2 = b.fdiv(b.fsub(b.fmul(a[1], ratio2), a[0]), denom2)
    re = b.select(re_big, b.select(is_zero, zero, re1), b.select(im_big, re2, nan))
    im = b.select(re_big, b.select(is_zero, zero, im1), b.select(im_big, im2, nan))
    return re, im, is_zero


def _complex_binop(fn: Callable[[Context, Parts, Parts], Parts]) -> Callable[..., ir.Value]:
    def impl(ctx: Context, sig: t.Signature, a: ir.Value, b: ir.Value) -> ir.Value:
        return pack(ctx, *fn(ctx, parts(ctx, a), parts(ctx, b)), sig.return_type)
    return impl


def _c_sum(ctx: Context, a: Parts, b: Parts) -> Parts:
    fm = ctx.fastmath
    return ctx.b.fadd(a[0], b[0], flags=fm), ctx.b.fadd(a[1], b[1], flags=fm)


def _c_diff(ctx: Context, a: Parts, b: Parts) -> Parts:
    fm = ctx.fastmath
    return ctx.b.fsub(a[0], b[0], flags=fm), ctx.b.fsub(a[1], b[1], flags=fm)


lower("add", t.Complex, t.Complex)(_complex_binop(_c_sum))
lower("sub", t.Complex, t.Complex)(_complex_binop(_c_diff))
lower("mul", t.Complex, t.Complex)(_complex_binop(c_prod))


@lower("truediv", t.Complex, t.Complex)
def complex_truediv(ctx: Context, sig: t.Signature, a: ir.Value, d: ir.Value) -> ir.Value:
    num = parts(ctx, a)
    re, im, is_zero = c_quot(ctx, num, parts(ctx, d))
    if ctx.options.get("error_model", "python") != "numpy":
        with ctx.b.if_then(is_zero, likely=False):
            ctx.raise_exception(ZeroDivisionError, ("complex division by zero",))
    else:  # NumPy: each part divided by +0.0 (inf, or nan for 0/0)
        zero = ir.Constant(re.type, 0.0)
        re = ctx.b.select(is_zero, ctx.b.fdiv(num[0], zero), re)
        im = ctx.b.select(is_zero, ctx.b.fdiv(num[1], zero), im)
    return pack(ctx, re, im, sig.return_type)


@lower("eq", t.Complex, t.Complex)
def complex_eq(ctx: Context, sig: t.Signature, a: ir.Value, b: ir.Value) -> ir.Value:
    (ar, ai), (br, bi) = parts(ctx, a), parts(ctx, b)
    return ctx.b.and_(ctx.b.fcmp_ordered("==", ar, br), ctx.b.fcmp_ordered("==", ai, bi))


@lower("ne", t.Complex, t.Complex)
def complex_ne(ctx: Context, sig: t.Signature, a: ir.Value, b: ir.Value) -> ir.Value:
    (ar, ai), (br, bi) = parts(ctx, a), parts(ctx, b)
    return ctx.b.or_(ctx.b.fcmp_unordered("!=", ar, br), ctx.b.fcmp_unordered("!=", ai, bi))


@lower("neg", t.Complex)
def complex_neg(ctx: Context, sig: t.Signature, z: ir.Value) -> ir.Value:
    re, im = parts(ctx, z)
    return pack(ctx, ctx.b.fneg(re), ctx.b.fneg(im), sig.return_type)


# --- ** -------------------------------------------------------------------------------------

def _c_powi(ctx: Context, z: Parts, n: ir.Value) -> tuple[ir.Value, ir.Value, ir.Value]:
    """z ** n for |n| <= 100 by squaring (unrolled over n's 7 bits), as CPython's c_powi."""
    b = ctx.b
    one = (ir.Constant(z[0].type, 1.0), ir.Constant(z[0].type, 0.0))
    negative = b.icmp_signed("<", n, ir.Constant(i64, 0))
    m = b.select(negative, b.neg(n), n)
    r, p = one, z
    for bit in range(7):
        take = b.trunc(b.lshr(m, ir.Constant(i64, bit)), i1)
        rp = c_prod(ctx, r, p)
        r = (b.select(take, rp[0], r[0]), b.select(take, rp[1], r[1]))
        p = c_prod(ctx, p, p)
    inv_re, inv_im, is_zero = c_quot(ctx, one, r)
    return (b.select(negative, inv_re, r[0]), b.select(negative, inv_im, r[1]),
            b.and_(negative, is_zero))


def _c_pow(ctx: Context, a: Parts, e: Parts) -> tuple[ir.Value, ir.Value, ir.Value]:
    """a ** e in polar form, as CPython's _Py_c_pow; also the i1 "0 to a bad power"."""
    b = ctx.b
    ty = a[0].type
    zero, one = ir.Constant(ty, 0.0), ir.Constant(ty, 1.0)

    def libm(name: str, *args: ir.Value) -> ir.Value:
        return b.call(ctx.declare(name, ty, [ty] * len(args)), list(args))

    vabs = libm("hypot", a[0], a[1])
    length = libm("pow", vabs, e[0])
    at = libm("atan2", a[1], a[0])
    phase = b.fmul(at, e[0])
    has_imag = b.fcmp_unordered("!=", e[1], zero)
    length = b.select(has_imag, b.fdiv(length, libm("exp", b.fmul(at, e[1]))), length)
    phase = b.select(has_imag, b.fadd(phase, b.fmul(e[1], libm("log", vabs))), phase)
    re, im = b.fmul(length, libm("cos", phase)), b.fmul(length, libm("sin", phase))
    e_zero = b.and_(b.fcmp_ordered("==", e[0], zero), b.fcmp_ordered("==", e[1], zero))
    a_zero = b.and_(b.fcmp_ordered("==", a[0], zero), b.fcmp_ordered("==", a[1], zero))
    bad = b.or_(has_imag, b.fcmp_ordered("<", e[0], zero))
    re = b.select(e_zero, one, b.select(a_zero, zero, re))
    im = b.select(e_zero, zero, b.select(a_zero, zero, im))
    # CPython reports libm's errno: cos/sin of an infinite phase set EDOM, which it
    # turns into the same ZeroDivisionError as 0 ** -1.
    inf_phase = b.and_(b.not_(a_zero), _is_inf(ctx, phase))
    return re, im, b.and_(b.not_(e_zero), b.or_(b.and_(a_zero, bad), inf_phase))


def _is_inf(ctx: Context, x: ir.Value) -> ir.Value:
    fabs = ctx.intrinsic("llvm.fabs", x.type)
    return ctx.b.fcmp_ordered("==", ctx.b.call(fabs, [x]), ir.Constant(x.type, float("inf")))


@lower("pow", t.Complex, t.Complex)
def complex_pow(ctx: Context, sig: t.Signature, a: ir.Value, e: ir.Value) -> ir.Value:
    b = ctx.b
    a = ctx.cast(a, sig.args[0], t.complex128)
    e = ctx.cast(e, sig.args[1], t.complex128)
    ap, ep = parts(ctx, a), parts(ctx, e)
    floor = ctx.intrinsic("llvm.floor", ep[0].type)
    fabs = ctx.intrinsic("llvm.fabs", ep[0].type)
    integral = b.and_(b.fcmp_ordered("==", ep[1], ir.Constant(ep[1].type, 0.0)),
                      b.and_(b.fcmp_ordered("==", ep[0], b.call(floor, [ep[0]])),
                             b.fcmp_ordered("<=", b.call(fabs, [ep[0]]),
                                            ir.Constant(ep[0].type, 100.0))))
    entry = b.block
    with b.if_else(integral) as (then, otherwise):
        with then:
            n = b.fptosi(b.select(integral, ep[0], ir.Constant(ep[0].type, 0.0)), i64)
            r1 = _c_powi(ctx, ap, n)
            then_bb = b.block
        with otherwise:
            r2 = _c_pow(ctx, ap, ep)
            else_bb = b.block
    del entry
    merged = []
    for v1, v2 in zip(r1, r2):
        phi = b.phi(v1.type)
        phi.add_incoming(v1, then_bb)
        phi.add_incoming(v2, else_bb)
        merged.append(phi)
    re, im, domain = merged
    with b.if_then(domain, likely=False):
        ctx.raise_exception(ZeroDivisionError, ("0.0 to a negative or complex power",))
    with b.if_then(b.or_(_is_inf(ctx, re), _is_inf(ctx, im)), likely=False):
        ctx.raise_exception(OverflowError, ("complex exponentiation",))
    return ctx.cast(pack(ctx, re, im, t.complex128), t.complex128, sig.return_type)
