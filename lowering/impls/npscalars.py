"""NumPy's scalar constructors: np.float64(x), np.int8(x), np.bool_(x), np.complex64(x), ...

    np.int8(x: int64)     trunc (wraps, as astype)
    np.int8(x: float64)   x86-64 C cast: cvttsd2si to int32, then trunc
    np.float32(x: int64)  sitofp;  np.bool_(x) is x != 0 (nan is true)

A float becomes an integer the way NumPy's C casts compile on x86-64, the machine
NumPy is tested against here: to int8..int32, uint8 and uint16 through a 32-bit
truncation, to int64 and uint32 through a 64-bit one, to uint64 through the unsigned
sequence C compilers emit. A value outside the intermediate range (and nan) becomes its
"integer indefinite" INT_MIN before narrowing, so np.int32(nan) is -2**31, np.int8(1e10)
is 0 and np.uint64(-1.0) is 2**64 - 1, as in NumPy. Finite values whose truncation fits
the target agree with NumPy on every machine; the rest is undefined in C and NumPy's
answers differ between machines (aarch64 saturates). LLVM's fptosi is poison out of
range, so each conversion guards it and yields INT_MIN explicitly.
"""
from __future__ import annotations

from llvmlite import ir

from jitcore.typeinfer import types as t
from jitcore.typeinfer.rules.npscalars import SCALAR_CLASSES

from ..context import Context
from ..models import llvm_type
from ..registry import lower


def construct(ctx: Context, sig: t.Signature, *args: ir.Value) -> ir.Value:
    """np.<type>(x): zero without an argument, else x converted as NumPy casts it."""
    dst = sig.return_type
    if not args:  # False converted to any number type is its zero (LLVM folds the cast)
        return ctx.cast(ir.Constant(ir.IntType(1), 0), t.boolean, dst)
    (src,) = sig.args
    if isinstance(src, t.Float) and isinstance(dst, t.Integer):
        return float_to_int(ctx, args[0], dst)
    return ctx.cast(args[0], src, dst)


def float_to_int(ctx: Context, x: ir.Value, dst: t.Integer) -> ir.Value:
    """Float `x` truncated to integer type `dst` as x86-64 NumPy does (module docstring)."""
    b = ctx.b
    dst_ll = llvm_type(dst)
    if dst.bitwidth == 64 and not dst.signed:
        # C's (uint64_t)x: below 2**63 a signed conversion; from 2**63 on, convert x - 2**63
        # and set the top bit back (so nan and -x give 2**63, and 1e20 gives 0).
        top = ir.Constant(x.type, 2.0 ** 63)
        high = b.xor(truncate(ctx, b.fsub(x, top), 64), ir.Constant(dst_ll, 1 << 63))
        return b.select(b.fcmp_ordered(">=", x, top), high, truncate(ctx, x, 64))
    via = 32 if dst.bitwidth < 32 or (dst.bitwidth == 32 and dst.signed) else 64
    value = truncate(ctx, x, via)
    return b.trunc(value, dst_ll) if dst.bitwidth < via else value


def truncate(ctx: Context, x: ir.Value, bits: int) -> ir.Value:
    """cvttsd2si: `x` truncated to a signed `bits`-bit integer, INT_MIN when out of range."""
    b = ctx.b
    limit = 2.0 ** (bits - 1)  # exact in float32 and float64
    in_range = b.and_(b.fcmp_ordered(">=", x, ir.Constant(x.type, -limit)),
                      b.fcmp_ordered("<", x, ir.Constant(x.type, limit)))
    safe = b.select(in_range, x, ir.Constant(x.type, 0.0))
    ity = ir.IntType(bits)
    return b.select(in_range, b.fptosi(safe, ity), ir.Constant(ity, -(1 << (bits - 1))))


for _cls in SCALAR_CLASSES:
    lower(_cls)(construct)
