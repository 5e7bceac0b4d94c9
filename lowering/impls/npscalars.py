"""NumPy's scalar constructors: np.float64(x), np.int8(x), np.bool_(x), np.complex64(x), ...

    np.int8(x: int64)     trunc (wraps, as astype)
    np.int8(x: float64)   call jc.npcast.f64.int8(x): C's (int8_t)x on the target machine
    np.float32(x: int64)  sitofp;  np.bool_(x) is x != 0 (nan is true)

A float becomes an integer the way NumPy's C casts compile on the machine the code is
for. Finite values whose truncation fits the target agree everywhere; the rest is
undefined in C, and NumPy's answers differ between machines: x86-64 gives the "integer
indefinite" INT_MIN of cvttsd2si (np.int32(nan) is -2**31), AArch64 saturates
(np.int32(nan) is 0, np.int8(1e10) is -1). So the conversion is a small internal,
always-inlined function per (float type, integer type), named CAST_HELPER.<f64|f32>.<int>,
whose portable body is LLVM's saturating conversion (fptosi.sat / fptoui.sat) to 32 bits
(64 for 64-bit targets) in the target's signedness, then truncation: C's cast as
AArch64 compiles it (fcvtzs / fcvtzu). targets/specialise.py gives it the body of other
machines (x86-64), as it does for builtins.truncate_checked.
"""
from __future__ import annotations

from llvmlite import ir

from jitcore.typeinfer import types as t
from jitcore.typeinfer.rules.npscalars import SCALAR_CLASSES

from ..context import Context
from ..models import DUMMY, f64, llvm_type
from ..registry import lower
from .builtins import CAST_HELPER


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
    """Float `x` converted to integer type `dst` as C casts on the target (module docstring)."""
    src = "f64" if x.type == f64 else "f32"
    name = f"{CAST_HELPER}.{src}.{dst.name}"
    helper = ctx.module.globals.get(name)
    if helper is None:
        helper = ir.Function(ctx.module, ir.FunctionType(llvm_type(dst), [x.type]), name)
        helper.linkage = "internal"
        helper.attributes.add("alwaysinline")
        helper.attributes.add("nounwind")
        b = ir.IRBuilder(helper.append_basic_block("entry"))
        (arg,) = helper.args
        via = ir.IntType(64 if dst.bitwidth == 64 else 32)
        kind = "fptosi" if dst.signed else "fptoui"
        sat = ctx.declare(f"llvm.{kind}.sat.i{via.width}.{src}", via, [x.type])
        value = b.call(sat, [arg])
        b.ret(b.trunc(value, llvm_type(dst)) if dst.bitwidth < via.width else value)
    return ctx.b.call(helper, [x])


for _cls in SCALAR_CLASSES:
    lower(_cls)(construct)


@lower("getattr.type", t.PyObjectConst)
def dtype_type(ctx: Context, sig: t.Signature, dtype: ir.Value) -> ir.Value:
    return DUMMY  # the scalar class is a compile-time value
