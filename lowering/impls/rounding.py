"""round(x, ndigits) for floats and ints, matching CPython's float.__round__ and int.__round__.

    round(2.675, 2)   -> 2.67   (2.675 is really 2.67499999...)
    round(0.125, 2)   -> 0.12   (an exact tie: half to even)
    round(1250, -2)   -> 1200

CPython rounds through a correctly rounded decimal string. Here y = x * 10**n
is rounded half to even; when y looks like an exact tie, the FMA gives the
rounding error of the product (or the remainder of the quotient for n < 0) and
decides the direction, so for |n| <= 22 (10**n exact) the result equals
CPython's. For 22 < |n| the power of ten is inexact and the result may differ
from CPython's in the last place for values with more than 22 significant
decimals below the point (tiny x with large n). As in CPython: nan and inf
round to themselves, n > 323 returns x, n < -308 returns 0.0 * x, and an
overflowing result raises OverflowError("rounded value too large to represent").
"""
from __future__ import annotations

from llvmlite import ir

from ..context import Context
from ..models import f64, i1, i64
from .numbers import _signed_divmod

_EXACT = 22  # 10**22 is the largest exact power of ten in a double


def _pow10_table(ctx: Context) -> ir.GlobalVariable:
    name = "jc.pow10.f64"
    gv = ctx.module.globals.get(name)
    if gv is None:
        arr = ir.ArrayType(f64, _EXACT + 1)
        gv = ir.GlobalVariable(ctx.module, arr, name)
        gv.initializer = ir.Constant(arr, [float(10 ** k) for k in range(_EXACT + 1)])
        gv.global_constant = True
        gv.linkage = "internal"
    return gv


def _pow10(ctx: Context, k: ir.Value) -> ir.Value:
    """10.0 ** k for k >= 0: from the exact table up to 22, else libm pow."""
    b = ctx.b
    small = b.icmp_signed("<=", k, ir.Constant(i64, _EXACT))
    idx = b.select(small, k, ir.Constant(i64, 0))
    exact = b.load(b.gep(_pow10_table(ctx), [ir.Constant(i64, 0), idx], inbounds=True))
    pow_ = ctx.intrinsic("llvm.pow", f64, 2)
    approx = b.call(pow_, [ir.Constant(f64, 10.0), b.sitofp(k, f64)])
    return b.select(small, exact, approx)


def round_float(ctx: Context, x: ir.Value, n: ir.Value) -> ir.Value:
    b = ctx.b
    zero = ir.Constant(f64, 0.0)

    def call(name: str, *args: ir.Value) -> ir.Value:
        return b.call(ctx.intrinsic(name, f64, len(args)), list(args))

    negative = b.icmp_signed("<", n, ir.Constant(i64, 0))
    k = b.select(negative, b.neg(n), n)
    k = b.select(b.icmp_signed(">", k, ir.Constant(i64, 400)), ir.Constant(i64, 400), k)
    p = _pow10(ctx, k)
    y = b.select(negative, b.fdiv(x, p), b.fmul(x, p))
    # The exact error of y: x*p - y (n >= 0) or x - y*p (n < 0, same sign as x/p - y).
    err = b.select(negative, call("llvm.fma", b.fneg(y), p, x),
                   call("llvm.fma", x, p, b.fneg(y)))
    z = call("llvm.rint", y)
    tie = b.fcmp_ordered("==", call("llvm.fabs", b.fsub(y, z)), ir.Constant(f64, 0.5))
    z = b.select(b.and_(tie, b.fcmp_ordered(">", err, zero)), call("llvm.ceil", y),
                 b.select(b.and_(tie, b.fcmp_ordered("<", err, zero)), call("llvm.floor", y),
                          z))
    result = b.select(negative, b.fmul(z, p), b.fdiv(z, p))
    # y beyond 2**53: x has no digits at that position, it rounds to itself.
    result = b.select(b.fcmp_ordered("<", call("llvm.fabs", y), ir.Constant(f64, 2.0 ** 53)),
                      result, x)
    finite = b.fcmp_ordered("<", call("llvm.fabs", x), ir.Constant(f64, float("inf")))
    with b.if_then(b.and_(finite, b.fcmp_ordered(
            "==", call("llvm.fabs", result), ir.Constant(f64, float("inf")))), likely=False):
        ctx.raise_exception(OverflowError, ("rounded value too large to represent",))
    result = b.select(b.icmp_signed(">", n, ir.Constant(i64, 323)), x, result)
    result = b.select(b.icmp_signed("<", n, ir.Constant(i64, -308)), b.fmul(zero, x), result)
    return b.select(finite, result, x, name="rounded")


def round_int(ctx: Context, x: ir.Value, n: ir.Value) -> ir.Value:
    """int.__round__: multiples of 10**-n, ties to even; results beyond int64 wrap."""
    b = ctx.b
    k = b.select(b.icmp_signed("<", n, ir.Constant(i64, 0)), b.neg(n), ir.Constant(i64, 0))
    small = b.icmp_signed("<=", k, ir.Constant(i64, 18))
    arr = ir.ArrayType(i64, 19)
    table = ctx.module.globals.get("jc.pow10.i64")
    if table is None:
        table = ir.GlobalVariable(ctx.module, arr, "jc.pow10.i64")
        table.initializer = ir.Constant(arr, [10 ** j for j in range(19)])
        table.global_constant = True
        table.linkage = "internal"
    idx = b.select(small, k, ir.Constant(i64, 0))
    p = b.load(b.gep(table, [ir.Constant(i64, 0), idx], inbounds=True))
    q, r = _signed_divmod(ctx, x, p)
    twice = b.shl(r, ir.Constant(i64, 1))
    odd = b.trunc(q, i1)
    up = b.or_(b.icmp_signed(">", twice, p), b.and_(b.icmp_signed("==", twice, p), odd))
    q = b.select(up, b.add(q, ir.Constant(i64, 1)), q)
    near = b.mul(q, p)
    # 10**19 exceeds int64: only |x| > 5 * 10**18 rounds away from 0 (to +-10**19, wrapped);
    # for k >= 20 every int64 rounds to 0.
    five = 5 * 10 ** 18
    ten19 = ir.Constant(i64, (10 ** 19) - 2 ** 64)
    far = b.select(b.icmp_signed(">", x, ir.Constant(i64, five)), ten19,
                   b.select(b.icmp_signed("<", x, ir.Constant(i64, -five)), b.neg(ten19),
                            ir.Constant(i64, 0)))
    far = b.select(b.icmp_signed("==", k, ir.Constant(i64, 19)), far, ir.Constant(i64, 0))
    return b.select(small, near, far, name="rounded")
