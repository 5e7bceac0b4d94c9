"""Builtins: range and its iterator, len, and the numeric builtins.

A range iterator is a {current, stop, step, remaining} struct on the stack; LLVM promotes
it to registers, so `for i in range(n)` becomes a plain counted loop.

    abs(int64 min)      wraps to int64 min, as NumPy's absolute does
    abs(complex)        hypot(re, im); inf rather than OverflowError when it overflows
    min/max             Python's left-to-right rule: min(nan, 1.0) is nan, min(1.0, nan) 1.0
    int(float)          ValueError on nan, OverflowError on inf, and OverflowError when the
                        value is outside int64 (Python would return a big int)
    round(x, n)         exact for 0 <= n <= 22 and -22 <= n < 0 (the product is corrected
                        with an FMA before rounding half to even); beyond that within an ulp
    pow(a, b, m)        Python's modular power, including inverses for negative exponents
"""
from __future__ import annotations

import builtins
import operator
from typing import Any

from llvmlite import ir

from jitcore.frontend.errors import LoweringError
from jitcore.frontend.operations import plain
from jitcore.typeinfer import types as t

from ..context import Context
from ..models import f64, i1, i64, llvm_type
from ..registry import find, lower
from .numbers import _float_divmod, _signed_divmod


@lower(builtins.range)
def range_(ctx: Context, sig: t.Signature, *args: ir.Value) -> ir.Value:
    b = ctx.b
    llty = llvm_type(sig.return_type.dtype)  # type: ignore[attr-defined]
    zero, one = ir.Constant(llty, 0), ir.Constant(llty, 1)
    start, stop, step = {1: (zero, args[0] if args else zero, one),
                         2: (args[0], args[1] if len(args) > 1 else zero, one),
                         3: tuple(args)}[len(args)]
    if len(args) == 3:
        with b.if_then(b.icmp_signed("==", step, zero), likely=False):
            ctx.raise_exception(ValueError, ("range() arg 3 must not be zero",))
    out = ir.Constant(llvm_type(sig.return_type), ir.Undefined)
    for i, v in enumerate((start, stop, step)):
        out = b.insert_value(out, v, i)
    return out


def range_length(ctx: Context, signed: bool, start: ir.Value, stop: ir.Value,
                 step: ir.Value) -> ir.Value:
    """len(range(start, stop, step)), exact for every value of the type.

    The distance is taken in unsigned arithmetic (it always fits), then divided by the
    step's magnitude: ceil(distance / |step|) = (distance - 1) // |step| + 1.
    """
    b = ctx.b
    zero, one = ir.Constant(step.type, 0), ir.Constant(step.type, 1)
    less = b.icmp_signed if signed else b.icmp_unsigned
    upward = less(">", step, zero) if signed else ir.Constant(i1, 1)
    nonempty = b.select(upward, less("<", start, stop), less(">", start, stop))
    distance = b.select(upward, b.sub(stop, start), b.sub(start, stop))
    magnitude = b.select(upward, step, b.sub(zero, step))
    count = b.add(b.udiv(b.sub(distance, one), magnitude), one)
    return b.select(nonempty, count, zero)


@lower("iter", t.Range)
def range_iter(ctx: Context, sig: t.Signature, r: ir.Value) -> ir.Value:
    """State {current, stop, step, remaining}, on the stack (promoted to registers).

    The trip count is computed here, once, before the loop (see `range_iternext` for
    which of the two exit tests the loop uses).
    """
    b = ctx.b
    start, stop, step = (b.extract_value(r, k) for k in range(3))
    signed = sig.args[0].dtype.signed  # type: ignore[attr-defined]
    count = range_length(ctx, signed, start, stop, step)
    state = ctx.alloca(ir.LiteralStructType([start.type] * 4), "range.state")
    for k, v in enumerate((start, stop, step, count)):
        b.store(v, b.gep(state, [ir.Constant(ir.IntType(32), 0),
                                 ir.Constant(ir.IntType(32), k)], inbounds=True))
    return state


@lower("iternext", t.RangeIter)
def range_iternext(ctx: Context, sig: t.Signature, state: ir.Value) -> ir.Value:
    """Yield `current` while the loop has iterations left.

    A constant step of +1 or -1 ends on `current < stop` (or `>`): it cannot overflow and
    it is the shape LLVM knows best (it proves the index non-negative and vectorises).
    Any other step, and a step only known at run time, counts the exact number of
    iterations down instead: stepping past `stop` could wrap around near the ends of the
    integer range and never end (range(2**63 - 2, 2**63 - 1, 5)), and a counted loop is
    what LLVM's loop passes need (a trip count, no per-iteration sign test of the step).
    The choice is made by LLVM, not here: `llvm.is.constant` folds to true once the step
    is a known constant and to false before the loop vectoriser runs otherwise, so the
    loop never carries a select between the two tests.
    """
    b = ctx.b
    i32_ = ir.IntType(32)
    ptrs = [b.gep(state, [ir.Constant(i32_, 0), ir.Constant(i32_, k)], inbounds=True)
            for k in range(4)]
    current, stop, step, remaining = (b.load(p) for p in ptrs)
    signed = sig.args[0].dtype.signed  # type: ignore[attr-defined]
    less = b.icmp_signed if signed else b.icmp_unsigned
    zero, one = ir.Constant(step.type, 0), ir.Constant(step.type, 1)
    upward = less(">", step, zero) if signed else ir.Constant(i1, 1)
    by_bound = b.select(upward, less("<", current, stop), less(">", current, stop))
    unit = b.or_(b.icmp_unsigned("==", step, one),
                 b.icmp_unsigned("==", step, ir.Constant(step.type, -1)))
    is_constant = ctx.declare(f"llvm.is.constant.i{step.type.width}", i1, [step.type])
    known_unit = b.and_(b.call(is_constant, [step]), unit)
    valid = b.select(known_unit, by_bound, b.icmp_unsigned("!=", remaining, zero))
    # The state advances only on the edge that enters the body. Stored unconditionally, the
    # next value would be computed before the exit test and live on the exit edge too; after
    # loop rotation LLVM then carries two phis per loop (`current` and `current + step`) and
    # the outer loops of a nest keep both in registers (or spill one). Stored here, the value
    # carried round the back-edge is the one the body sees: one induction variable.
    # The increment can only overflow on the last iteration, and that value is never read
    # (the loop exits): `nsw` is exact, and lets LLVM widen and fold the variable.
    with b.if_then(valid, likely=True):
        b.store(b.add(current, step, flags=["nsw"] if signed else []), ptrs[0])
        b.store(b.sub(remaining, one), ptrs[3])
    return ctx.pack([current, valid])


@lower(builtins.len)
def len_(ctx: Context, sig: t.Signature, obj: ir.Value) -> ir.Value:
    ty = sig.args[0]
    if isinstance(ty, t.Tuple):
        return ir.Constant(ir.IntType(64), len(ty.items))
    b = ctx.b
    start, stop, step = (b.extract_value(obj, k) for k in range(3))
    signed = ty.dtype.signed  # type: ignore[attr-defined]
    count = range_length(ctx, signed, start, stop, step)
    return b.zext(count, ir.IntType(64)) if count.type.width < 64 else count


# --- numeric builtins ------------------------------------------------------------------------

TRUNCATE_HELPER = "jc.fptosi.checked"  # + ".f64" / ".f32"; targets/specialise.py knows it
# np.int8(x) of a float x and its siblings (npscalars.py), + ".f64.int8" etc.; likewise
CAST_HELPER = "jc.npcast"


def float_to_int(ctx: Context, x: ir.Value, dst: ir.Type = i64, nonneg: bool = False) -> ir.Value:
    """Truncate float `x` to int64, raising as Python's int() does when it cannot.

    One well-predicted branch guards the hot path: `truncate_checked` says whether the
    value may be out of range (nan, inf and every value outside int64 are); the cold path
    sorts out which error it is, and lets -2**63 itself through. `nonneg`: x is known to
    be >= 0 or NaN, so a result that gets past the check is >= 0, and LLVM is told so
    (an index made from it then needs no negative wraparound).
    """
    b = ctx.b
    result, suspect = truncate_checked(ctx, x)
    with b.if_then(suspect, likely=False):
        with b.if_then(b.fcmp_unordered("!=", x, ir.Constant(x.type, -(2.0 ** 63))),
                       likely=False):
            with b.if_then(b.fcmp_unordered("!=", x, x), likely=False):
                ctx.raise_exception(ValueError, ("cannot convert float NaN to integer",))
            magnitude = b.call(ctx.intrinsic("llvm.fabs", x.type), [x])
            is_inf = b.fcmp_ordered("==", magnitude, ir.Constant(x.type, float("inf")))
            with b.if_then(is_inf, likely=False):
                ctx.raise_exception(OverflowError, ("cannot convert float infinity to integer",))
            ctx.raise_exception(OverflowError, ("float is out of the int64 range",))
    if nonneg:
        assume = ctx.declare("llvm.assume", ir.VoidType(), [i1])
        b.call(assume, [b.icmp_signed(">=", result, ir.Constant(i64, 0))])
    return result if dst == i64 else b.trunc(result, dst)


def truncate_checked(ctx: Context, x: ir.Value) -> tuple[ir.Value, ir.Value]:
    """(the int64 truncation of `x`, whether `x` may be outside int64), with no branch.

    `result` is exact whenever `suspect` is false, and when `x` is -2**63. The portable
    test is |x| < 2**63 (andpd and a compare on x86). It lives in a small
    always-inlined function of the module, so that targets/specialise.py can give it a
    cheaper body where the machine allows (on x86-64, cvttsd2si's own out-of-range
    answer, one integer compare) without lowering knowing the target.
    """
    b = ctx.b
    pair_ty = ir.LiteralStructType([i64, i1])
    name = f"{TRUNCATE_HELPER}.{'f64' if x.type == f64 else 'f32'}"
    helper = ctx.module.globals.get(name)
    if helper is None:
        helper = ir.Function(ctx.module, ir.FunctionType(pair_ty, [x.type]), name)
        helper.linkage = "internal"
        helper.attributes.add("alwaysinline")
        helper.attributes.add("nounwind")
        hb = ir.IRBuilder(helper.append_basic_block("entry"))
        (arg,) = helper.args
        fabs = ctx.declare(f"llvm.fabs.{'f64' if x.type == f64 else 'f32'}", x.type, [x.type])
        in_range = hb.fcmp_ordered("<", hb.call(fabs, [arg]), ir.Constant(x.type, 2.0 ** 63))
        pair = hb.insert_value(ir.Constant(pair_ty, ir.Undefined), hb.fptosi(arg, i64), 0)
        hb.ret(hb.insert_value(pair, hb.not_(in_range), 1))
    pair = b.call(helper, [x])
    return b.extract_value(pair, 0), b.extract_value(pair, 1)


@lower(builtins.abs, t.Integer)
def abs_int(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    if not sig.args[0].signed:  # type: ignore[attr-defined]
        return x
    b = ctx.b
    return b.select(b.icmp_signed("<", x, ir.Constant(x.type, 0)), b.neg(x), x, name="abs")


@lower(builtins.abs, t.Boolean)
def abs_bool(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    """Only np.absolute of a bool array gets here (bool -> bool, as in NumPy); the scalar
    abs(True) is typed on int64 and returns 1."""
    return x


@lower(builtins.abs, t.Float)
def abs_float(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    return ctx.b.call(ctx.intrinsic("llvm.fabs", x.type), [x], name="abs")


@lower(builtins.abs, t.Complex)
def abs_complex(ctx: Context, sig: t.Signature, z: ir.Value) -> ir.Value:
    re, im = ctx.b.extract_value(z, 0), ctx.b.extract_value(z, 1)
    name = "hypot" if re.type == f64 else "hypotf"
    return ctx.b.call(ctx.declare(name, re.type, [re.type, re.type]), [re, im], name="abs")


def _less(ctx: Context, ty: t.Type, a: ir.Value, b: ir.Value) -> ir.Value:
    if isinstance(ty, t.Float):
        return ctx.b.fcmp_ordered("<", a, b)
    signed = isinstance(ty, t.Integer) and ty.signed
    return (ctx.b.icmp_signed if signed else ctx.b.icmp_unsigned)("<", a, b)


def _min_max(is_min: bool):  # type: ignore[no-untyped-def]
    def impl(ctx: Context, sig: t.Signature, *args: ir.Value) -> ir.Value:
        ty = sig.return_type
        if len(args) == 1:  # a tuple
            n = len(sig.args[0].items)  # type: ignore[attr-defined]
            args = tuple(ctx.b.extract_value(args[0], i) for i in range(n))
        best = args[0]
        for x in args[1:]:
            # Python keeps the current value unless the new one is strictly better.
            better = _less(ctx, ty, x, best) if is_min else _less(ctx, ty, best, x)
            best = ctx.b.select(better, x, best)
        return best
    return impl


lower(builtins.min)(_min_max(True))
lower(builtins.max)(_min_max(False))


def _pair(ctx: Context, ty: t.Type, q: ir.Value, r: ir.Value) -> ir.Value:
    out = ir.Constant(llvm_type(t.Tuple((ty, ty))), ir.Undefined)
    return ctx.b.insert_value(ctx.b.insert_value(out, q, 0), r, 1)


@lower(builtins.divmod, t.Integer, t.Integer)
def divmod_int(ctx: Context, sig: t.Signature, a: ir.Value, d: ir.Value) -> ir.Value:
    b = ctx.b
    with b.if_then(b.icmp_unsigned("==", d, ir.Constant(d.type, 0)), likely=False):
        ctx.raise_exception(ZeroDivisionError, ("integer division or modulo by zero",))
    if sig.args[0].signed:  # type: ignore[attr-defined]
        q, r = _signed_divmod(ctx, a, d)
    else:
        q, r = b.udiv(a, d), b.urem(a, d)
    return _pair(ctx, sig.args[0], q, r)


@lower(builtins.divmod, t.Float, t.Float)
def divmod_float(ctx: Context, sig: t.Signature, a: ir.Value, d: ir.Value) -> ir.Value:
    b = ctx.b
    with b.if_then(b.fcmp_ordered("==", d, ir.Constant(d.type, 0.0)), likely=False):
        ctx.raise_exception(ZeroDivisionError, ("float divmod()",))
    return _pair(ctx, sig.args[0], *_float_divmod(ctx, a, d))


@lower(builtins.pow)
def pow_(ctx: Context, sig: t.Signature, *args: ir.Value) -> ir.Value:
    if isinstance(sig.args[2], t.NoneType):  # pow(a, b) is a ** b
        inner = t.Signature(sig.return_type, sig.args[:2])
        impl = find("pow", inner.args)
        assert impl is not None
        return impl(ctx, inner, *args[:2])
    from .npfuncs import call_library

    return call_library(ctx, "intmath.pow_mod", sig.args, list(args))


@lower(builtins.round, t.Float, t.NoneType)
def round_float_to_int(ctx: Context, sig: t.Signature, x: ir.Value, _: ir.Value) -> ir.Value:
    rint = ctx.intrinsic("llvm.rint", x.type)  # the default rounding mode: half to even
    return float_to_int(ctx, ctx.b.call(rint, [x], name="rounded"), nonneg=ctx.first_arg_nonneg)


@lower(builtins.round, t.Integer, t.NoneType)
def round_int_identity(ctx: Context, sig: t.Signature, x: ir.Value, _: ir.Value) -> ir.Value:
    return x


@lower(builtins.int, t.Integer)
def int_identity(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    return x


@lower(builtins.round, t.Float, t.Integer)
def round_ndigits(ctx: Context, sig: t.Signature, x: ir.Value, n: ir.Value) -> ir.Value:
    from .rounding import round_float

    return round_float(ctx, x, n)


@lower(builtins.round, t.Integer, t.Integer)
def round_int_ndigits(ctx: Context, sig: t.Signature, x: ir.Value, n: ir.Value) -> ir.Value:
    from .rounding import round_int

    return round_int(ctx, x, n)


@lower(builtins.int)
def int_(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    return float_to_int(ctx, x, nonneg=ctx.first_arg_nonneg)


@lower(builtins.float)
@lower(builtins.bool)
def converted(ctx: Context, sig: t.Signature, x: ir.Value) -> ir.Value:
    return x  # converted to the parameter type by the caller


@lower(builtins.complex)
def complex_(ctx: Context, sig: t.Signature, *args: ir.Value) -> ir.Value:
    if len(sig.args) == 1 and isinstance(sig.args[0], t.Complex):
        return args[0]
    zero = ir.Constant(f64, 0.0)
    re = args[0] if args else zero
    im = args[1] if len(args) > 1 else zero
    return ctx.make_complex(re, im, t.complex128)


# --- the operator module: each function lowers as its operator -----------------------------

def _operator_impl(opname: str, swapped: bool) -> Any:
    def impl(ctx: Context, sig: t.Signature, *args: ir.Value) -> ir.Value:
        inner = t.Signature(sig.return_type, sig.args[::-1] if swapped else sig.args)
        fn = find(opname, inner.args)
        if fn is None and plain(opname) != opname:
            fn = find(plain(opname), inner.args)
        if fn is None:
            raise LoweringError(f"no native implementation of {opname} for {inner}")
        return fn(ctx, inner, *(args[::-1] if swapped else args))
    return impl


def _register_operator_functions() -> None:
    from jitcore.typeinfer.rules.builtins import OPERATOR_FUNCTIONS

    for fn, (opname, swapped) in OPERATOR_FUNCTIONS.items():
        lower(fn)(_operator_impl(opname, swapped))


_register_operator_functions()


@lower(operator.index)
def operator_index(ctx: Context, sig: t.Signature, a: ir.Value) -> ir.Value:
    return a
