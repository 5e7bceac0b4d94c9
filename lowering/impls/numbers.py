"""Arithmetic, bitwise, comparison and unary operators on numbers, with Python semantics.

    //, %      floor toward -inf with the divisor's sign; ZeroDivisionError on 0
    <<, >>     ValueError on a negative count; counts >= the width give 0 (or -1)
    int ops    wrap around at the type's width, as NumPy's do
    int / int  ZeroDivisionError "division by zero", then float64 division (exact when both
               operands are below 2**53 in magnitude; larger ones round first, as NumPy does)
    compares   exact across signedness (uint64 vs int64) and between ints and floats

Complex numbers live in lowering/impls/complexes.py.
"""
from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any

from llvmlite import ir

from jitcore.typeinfer import types as t

from ..context import Context
from ..models import i1
from ..registry import lower

Number = (t.Boolean, t.Integer, t.Float, t.Complex)
IntLike = (t.Boolean, t.Integer)

# CPython's float ** overflow: OverflowError(34, strerror(ERANGE)), glibc's words
_ERANGE_TEXT = "Numerical result out of range"


def _zero(llv: ir.Value) -> ir.Constant:
    return ir.Constant(llv.type, 0)


def _python_errors(ctx: Context) -> bool:
    """Python's errors of arithmetic (ZeroDivisionError...): every error model but numpy's."""
    error_model: str = ctx.options.get("error_model", "python")
    return error_model != "numpy"


# --- integers -----------------------------------------------------------------------------

def _int_binop(method: str) -> Callable[..., ir.Value]:
    def impl(ctx: Context, sig: t.Signature, a: ir.Value, b: ir.Value) -> ir.Value:
        return getattr(ctx.b, method)(a, b)
    return impl


for _op, _method in (("add", "add"), ("sub", "sub"), ("mul", "mul"), ("and_", "and_"),
                     ("or_", "or_"), ("xor", "xor")):
    lower(_op, t.Integer, t.Integer)(_int_binop(_method))
for _op, _method in (("and_", "and_"), ("or_", "or_"), ("xor", "xor")):
    lower(_op, t.Boolean, t.Boolean)(_int_binop(_method))


def _check_int_divisor(ctx: Context, divisor: ir.Value, message: str) -> None:
    with ctx.b.if_then(ctx.b.icmp_unsigned("==", divisor, _zero(divisor)), likely=False):
        ctx.raise_exception(ZeroDivisionError, (message,))


def _signed_divmod(ctx: Context, a: ir.Value, d: ir.Value) -> tuple[ir.Value, ir.Value]:
    """Python's floor quotient and remainder; d != 0. MIN // -1 wraps, as in NumPy.

    Written as sdiv/srem plus a sign fix-up, the shape LLVM reduces to shifts and masks
    for constant power-of-two divisors (n % 2 becomes n & 1).
    """
    b = ctx.b
    is_m1 = b.icmp_signed("==", d, ir.Constant(d.type, -1))
    safe_d = b.select(is_m1, ir.Constant(d.type, 1), d)  # MIN / -1 is undefined in LLVM
    q = b.sdiv(a, safe_d)
    r = b.srem(a, safe_d)
    q = b.select(is_m1, b.sub(_zero(a), a), q)
    r = b.select(is_m1, _zero(r), r)
    signs_differ = b.xor(b.icmp_signed("<", r, _zero(r)), b.icmp_signed("<", d, _zero(d)))
    adjust = b.and_(b.icmp_signed("!=", r, _zero(r)), signs_differ)
    q = b.select(adjust, b.sub(q, ir.Constant(q.type, 1)), q)
    r = b.select(adjust, b.add(r, d), r)
    return q, r


def _int_divmod(ctx: Context, sig: t.Signature, a: ir.Value, d: ir.Value, which: int,
                message: str) -> ir.Value:
    """Python's // (which=0) or % (which=1); by zero: ZeroDivisionError, or 0 as NumPy gives
    under error_model="numpy" (array expressions), which keeps loops free of branches."""
    b = ctx.b
    numpy_errors = not _python_errors(ctx)
    is_zero = b.icmp_unsigned("==", d, _zero(d))
    if numpy_errors:
        d = b.select(is_zero, ir.Constant(d.type, 1), d)
    else:
        _check_int_divisor(ctx, d, message)
    if sig.args[0].signed:  # type: ignore[attr-defined]
        result = _signed_divmod(ctx, a, d)[which]
    else:
        result = b.urem(a, d) if which else b.udiv(a, d)
    return b.select(is_zero, _zero(result), result) if numpy_errors else result


@lower("floordiv", t.Integer, t.Integer)
def int_floordiv(ctx: Context, sig: t.Signature, a: ir.Value, d: ir.Value) -> ir.Value:
    return _int_divmod(ctx, sig, a, d, 0, "integer division or modulo by zero")


@lower("mod", t.Integer, t.Integer)
def int_mod(ctx: Context, sig: t.Signature, a: ir.Value, d: ir.Value) -> ir.Value:
    return _int_divmod(ctx, sig, a, d, 1, "integer modulo by zero")


def _shift(kind: str) -> Callable[..., ir.Value]:
    def impl(ctx: Context, sig: t.Signature, a: ir.Value, n: ir.Value) -> ir.Value:
        b = ctx.b
        signed = sig.args[1].signed  # type: ignore[attr-defined]
        if signed:
            with b.if_then(b.icmp_signed("<", n, _zero(n)), likely=False):
                ctx.raise_exception(ValueError, ("negative shift count",))
        width = ir.Constant(n.type, a.type.width)
        too_far = b.icmp_unsigned(">=", n, width)
        safe_n = b.select(too_far, _zero(n), n)  # shifting by >= width is poison in LLVM
        if kind == "lshift":
            return b.select(too_far, _zero(a), b.shl(a, safe_n))
        if sig.args[0].signed:  # type: ignore[attr-defined]
            sign_fill = b.ashr(a, ir.Constant(a.type, a.type.width - 1))
            return b.select(too_far, sign_fill, b.ashr(a, safe_n))
        return b.select(too_far, _zero(a), b.lshr(a, safe_n))
    return impl


lower("lshift", t.Integer, t.Integer)(_shift("lshift"))
lower("rshift", t.Integer, t.Integer)(_shift("rshift"))


@lower("pow", t.Integer, t.Integer)
def int_pow(ctx: Context, sig: t.Signature, base: ir.Value, exp: ir.Value) -> ir.Value:
    """Exponentiation by squaring, wrapping like int64 multiplication."""
    b = ctx.b
    if sig.args[1].signed:  # type: ignore[attr-defined]
        with b.if_then(b.icmp_signed("<", exp, _zero(exp)), likely=False):
            ctx.raise_exception(ValueError, (
                "integers to negative integer powers are not allowed in compiled code; "
                "use a float base",))
    result_slot = ctx.alloca(base.type, "pow.result")
    base_slot = ctx.alloca(base.type, "pow.base")
    exp_slot = ctx.alloca(exp.type, "pow.exp")
    b.store(ir.Constant(base.type, 1), result_slot)
    b.store(base, base_slot)
    b.store(exp, exp_slot)
    cond_bb = ctx.llfn.append_basic_block("pow.cond")
    body_bb = ctx.llfn.append_basic_block("pow.body")
    done_bb = ctx.llfn.append_basic_block("pow.done")
    b.branch(cond_bb)
    b.position_at_end(cond_bb)
    e = b.load(exp_slot)
    b.cbranch(b.icmp_unsigned("!=", e, _zero(e)), body_bb, done_bb)
    b.position_at_end(body_bb)
    e = b.load(exp_slot)
    x = b.load(base_slot)
    odd = b.trunc(e, i1)
    r = b.load(result_slot)
    b.store(b.select(odd, b.mul(r, x), r), result_slot)
    b.store(b.mul(x, x), base_slot)
    b.store(b.lshr(e, ir.Constant(e.type, 1)), exp_slot)
    b.branch(cond_bb)
    b.position_at_end(done_bb)
    return b.load(result_slot, name="pow")


_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _mixed_cmp(ctx: Context, pred: str, s: ir.Value, u: ir.Value) -> ir.Value:
    """signed `s` <pred> unsigned `u`, mathematically: a negative s is below every u."""
    b = ctx.b
    negative = b.icmp_signed("<", s, _zero(s))
    unsigned = b.icmp_unsigned(pred, s, u)
    if pred in ("<", "<=", "!="):
        return b.or_(negative, unsigned)
    return b.and_(b.not_(negative), unsigned)


def _int_cmp(pred: str) -> Callable[..., ir.Value]:
    def impl(ctx: Context, sig: t.Signature, a: ir.Value, b: ir.Value) -> ir.Value:
        lt, rt = sig.args
        ls = isinstance(lt, t.Integer) and lt.signed
        rs = isinstance(rt, t.Integer) and rt.signed
        if ls != rs:
            return _mixed_cmp(ctx, pred, a, b) if ls else _mixed_cmp(ctx, _MIRROR[pred], b, a)
        cmp = ctx.b.icmp_signed if ls else ctx.b.icmp_unsigned
        return cmp(pred, a, b)
    return impl


_PRED = {"lt": "<", "le": "<=", "eq": "==", "ne": "!=", "gt": ">", "ge": ">="}
for _op, _pred in _PRED.items():
    lower(_op, t.Integer, t.Integer)(_int_cmp(_pred))
    lower(_op, t.Boolean, t.Boolean)(_int_cmp(_pred))


def _int_float_cmp(ctx: Context, pred: str, i: ir.Value, ity: t.Integer,
                   f: ir.Value) -> ir.Value:
    """int <pred> float exactly, as Python compares them.

    Rounding the int to a float is monotone, so a strict difference after
    rounding is the true answer; on a tie, f is integral and is compared as an
    integer instead (or is 2**63 / 2**64, above every int of the type).
    """
    b = ctx.b
    fi = b.sitofp(i, f.type) if ity.signed else b.uitofp(i, f.type)
    by_float = (b.fcmp_unordered if pred == "!=" else b.fcmp_ordered)(pred, fi, f)
    tie = b.fcmp_ordered("==", fi, f)
    limit = ir.Constant(f.type, 2.0 ** (63 if ity.signed else 64))
    above = b.fcmp_ordered(">=", f, limit)
    f_safe = b.select(b.and_(tie, b.not_(above)), f, ir.Constant(f.type, 0.0))
    fint = b.fptosi(f_safe, i.type) if ity.signed else b.fptoui(f_safe, i.type)
    by_int = (b.icmp_signed if ity.signed else b.icmp_unsigned)(pred, i, fint)
    when_above = ir.Constant(i1, int(pred in ("<", "<=", "!=")))
    return b.select(tie, b.select(above, when_above, by_int), by_float)


def _int_float_impl(pred: str, int_first: bool) -> Callable[..., ir.Value]:
    def impl(ctx: Context, sig: t.Signature, a: ir.Value, b: ir.Value) -> ir.Value:
        if int_first:
            return _int_float_cmp(ctx, pred, a, sig.args[0], b)  # type: ignore[arg-type]
        return _int_float_cmp(ctx, _MIRROR[pred], b, sig.args[1], a)  # type: ignore[arg-type]
    return impl


for _op, _pred in _PRED.items():
    lower(_op, t.Integer, t.Float)(_int_float_impl(_pred, True))
    lower(_op, t.Float, t.Integer)(_int_float_impl(_pred, False))


@lower("truediv", t.Integer, t.Integer)
def int_truediv(ctx: Context, sig: t.Signature, a: ir.Value, d: ir.Value) -> ir.Value:
    if _python_errors(ctx):
        with ctx.b.if_then(ctx.b.icmp_unsigned("==", d, _zero(d)), likely=False):
            ctx.raise_exception(ZeroDivisionError, ("division by zero",))
    fa = ctx.cast(a, sig.args[0], t.float64)
    fd = ctx.cast(d, sig.args[1], t.float64)
    return ctx.b.fdiv(fa, fd, flags=ctx.fastmath)


# --- floats -------------------------------------------------------------------------------

def _float_binop(method: str) -> Callable[..., ir.Value]:
    def impl(ctx: Context, sig: t.Signature, a: ir.Value, b: ir.Value) -> ir.Value:
        return getattr(ctx.b, method)(a, b, flags=ctx.fastmath)
    return impl


for _op, _method in (("add", "fadd"), ("sub", "fsub"), ("mul", "fmul")):
    lower(_op, t.Float, t.Float)(_float_binop(_method))


def _check_float_divisor(ctx: Context, d: ir.Value, message: str) -> None:
    if _python_errors(ctx):
        with ctx.b.if_then(ctx.b.fcmp_ordered("==", d, ir.Constant(d.type, 0.0)),
                           likely=False):
            ctx.raise_exception(ZeroDivisionError, (message,))


@lower("truediv", t.Float, t.Float)
def float_truediv(ctx: Context, sig: t.Signature, a: ir.Value, d: ir.Value) -> ir.Value:
    _check_float_divisor(ctx, d, "float division by zero")
    return ctx.b.fdiv(a, d, flags=ctx.fastmath)


def _float_divmod(ctx: Context, a: ir.Value, d: ir.Value) -> tuple[ir.Value, ir.Value]:
    """Python's float floor division and modulo (Objects/floatobject.c, float_divmod)."""
    b = ctx.b
    zero = ir.Constant(a.type, 0.0)
    copysign = ctx.intrinsic("llvm.copysign", a.type, 2)
    floor = ctx.intrinsic("llvm.floor", a.type)
    mod = b.frem(a, d)
    div = b.fdiv(b.fsub(a, mod), d)
    mod_nonzero = b.fcmp_unordered("!=", mod, zero)
    signs_differ = b.xor(b.fcmp_ordered("<", d, zero), b.fcmp_ordered("<", mod, zero))
    fix = b.and_(mod_nonzero, signs_differ)
    mod = b.select(fix, b.fadd(mod, d), mod)
    div = b.select(fix, b.fsub(div, ir.Constant(a.type, 1.0)), div)
    mod = b.select(mod_nonzero, mod, b.call(copysign, [zero, d]))
    floordiv = b.call(floor, [div])
    round_up = b.fcmp_ordered(">", b.fsub(div, floordiv), ir.Constant(a.type, 0.5))
    floordiv = b.select(round_up, b.fadd(floordiv, ir.Constant(a.type, 1.0)), floordiv)
    div_nonzero = b.fcmp_unordered("!=", div, zero)
    signed_zero = b.call(copysign, [zero, b.fdiv(a, d)])
    return b.select(div_nonzero, floordiv, signed_zero), mod


@lower("floordiv", t.Float, t.Float)
def float_floordiv(ctx: Context, sig: t.Signature, a: ir.Value, d: ir.Value) -> ir.Value:
    _check_float_divisor(ctx, d, "float floor division by zero")
    quotient = _float_divmod(ctx, a, d)[0]
    if _python_errors(ctx):
        return quotient
    by_zero = ctx.b.fcmp_ordered("==", d, ir.Constant(d.type, 0.0))
    return ctx.b.select(by_zero, ctx.b.fdiv(a, d), quotient)  # NumPy: a // 0.0 is a / 0.0


@lower("mod", t.Float, t.Float)
def float_mod(ctx: Context, sig: t.Signature, a: ir.Value, d: ir.Value) -> ir.Value:
    _check_float_divisor(ctx, d, "float modulo")
    return _float_divmod(ctx, a, d)[1]


@lower("pow", t.Float, t.Float)
def float_pow(ctx: Context, sig: t.Signature, a: ir.Value, e: ir.Value) -> ir.Value:
    b = ctx.b
    if _python_errors(ctx):
        zero = ir.Constant(a.type, 0.0)
        # CPython: 0.0 ** -inf is inf; only a finite negative exponent raises.
        negative = b.and_(b.fcmp_ordered("<", e, zero),
                          b.fcmp_ordered("!=", e, ir.Constant(e.type, float("-inf"))))
        bad = b.and_(b.fcmp_ordered("==", a, zero), negative)
        with b.if_then(bad, likely=False):
            ctx.raise_exception(ZeroDivisionError,
                                ("0.0 cannot be raised to a negative power",))
    r = b.call(ctx.intrinsic("llvm.pow", a.type, 2), [a, e], name="pow")
    if ctx.options.get("error_model") == "cpython" and sig.return_type == t.float64:
        # CPython's float_pow reports libm's ERANGE; by default inf, as in Numba and C
        from .mathlib import inf_from_finite
        with b.if_then(inf_from_finite(ctx, r, a, e), likely=False):
            ctx.raise_exception(OverflowError, (errno.ERANGE, _ERANGE_TEXT))
    return r


def _float_cmp(pred: str) -> Callable[..., ir.Value]:
    def impl(ctx: Context, sig: t.Signature, a: ir.Value, b: ir.Value) -> ir.Value:
        if pred == "!=":  # nan != x is True, as in Python
            return ctx.b.fcmp_unordered(pred, a, b)
        return ctx.b.fcmp_ordered(pred, a, b)
    return impl


for _op, _pred in _PRED.items():
    lower(_op, t.Float, t.Float)(_float_cmp(_pred))


# --- unary --------------------------------------------------------------------------------

@lower("neg", t.Integer)
def int_neg(ctx: Context, sig: t.Signature, a: ir.Value) -> ir.Value:
    return ctx.b.sub(_zero(a), a)


@lower("neg", t.Float)
def float_neg(ctx: Context, sig: t.Signature, a: ir.Value) -> ir.Value:
    return ctx.b.fneg(a)


@lower("pos", t.Integer)
@lower("pos", t.Float)
@lower("pos", t.Complex)
def pos(ctx: Context, sig: t.Signature, a: ir.Value) -> ir.Value:
    return a


@lower("invert", t.Integer)
def int_invert(ctx: Context, sig: t.Signature, a: ir.Value) -> ir.Value:
    return ctx.b.xor(a, ir.Constant(a.type, -1))


@lower("truth", t.Type)
def truth(ctx: Context, sig: t.Signature, a: ir.Value) -> ir.Value:
    return ctx.truth(a, sig.args[0])


@lower("not_", t.Type)
def not_(ctx: Context, sig: t.Signature, a: ir.Value) -> ir.Value:
    return ctx.b.xor(ctx.truth(a, sig.args[0]), ir.Constant(i1, 1))


@lower("is_", t.Type, t.NoneType)
def is_none(ctx: Context, sig: t.Signature, a: Any, b: Any) -> ir.Value:
    if isinstance(sig.args[0], t.Optional):
        return ctx.b.xor(ctx.b.extract_value(a, 0), ir.Constant(i1, 1))
    return ir.Constant(i1, int(isinstance(sig.args[0], t.NoneType)))


@lower("is_not", t.Type, t.NoneType)
def is_not_none(ctx: Context, sig: t.Signature, a: Any, b: Any) -> ir.Value:
    if isinstance(sig.args[0], t.Optional):
        return ctx.b.extract_value(a, 0)
    return ir.Constant(i1, int(not isinstance(sig.args[0], t.NoneType)))


# --- attributes and methods of numbers ------------------------------------------------------

@lower("getattr.real", t.Boolean)
@lower("getattr.real", t.Integer)
@lower("getattr.real", t.Float)
def real_of_real(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    return ctx.cast(x, sig.args[0], sig.return_type)


@lower("getattr.imag", t.Boolean)
@lower("getattr.imag", t.Integer)
@lower("getattr.imag", t.Float)
def imag_of_real(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    return ctx.constant(0, sig.return_type)


@lower("getattr.real", t.Complex)
def complex_real(ctx: Context, sig: t.Signature, z: ir.Value) -> ir.Value:
    return ctx.b.extract_value(z, 0, name="re")


@lower("getattr.imag", t.Complex)
def complex_imag(ctx: Context, sig: t.Signature, z: ir.Value) -> ir.Value:
    return ctx.b.extract_value(z, 1, name="im")


@lower("getattr.conjugate")
def bind_method(ctx: Context, sig: t.Signature, obj: ir.Value) -> ir.Value:
    """A bound method is represented by its receiver until it is called."""
    return obj


@lower("method.conjugate", t.Boolean)
@lower("method.conjugate", t.Integer)
@lower("method.conjugate", t.Float)
def conjugate_real(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    return x


@lower("method.conjugate", t.Complex)
def conjugate_complex(ctx: Context, sig: t.Signature, z: ir.Value) -> ir.Value:
    b = ctx.b
    return b.insert_value(z, b.fneg(b.extract_value(z, 1)), 1, name="conj")
