"""Builtins: range and its iterator, len.

A range iterator is a {next, stop, step} struct on the stack; LLVM promotes
it to registers, so `for i in range(n)` becomes a plain counted loop.
"""
from __future__ import annotations

import builtins

from llvmlite import ir

from typeinfer import types as t

from ..context import Context
from ..models import i1, llvm_type
from ..registry import lower


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


@lower("iter", t.Range)
def range_iter(ctx: Context, sig: t.Signature, r: ir.Value) -> ir.Value:
    state = ctx.alloca(llvm_type(sig.args[0]), "range.state")
    ctx.b.store(r, state)
    return state


@lower("iternext", t.RangeIter)
def range_iternext(ctx: Context, sig: t.Signature, state: ir.Value) -> ir.Value:
    b = ctx.b
    i32_ = ir.IntType(32)
    ptrs = [b.gep(state, [ir.Constant(i32_, 0), ir.Constant(i32_, k)], inbounds=True)
            for k in range(3)]
    current, stop, step = (b.load(p) for p in ptrs)
    zero = ir.Constant(step.type, 0)
    valid = b.select(b.icmp_signed(">", step, zero), b.icmp_signed("<", current, stop),
                     b.icmp_signed(">", current, stop))
    b.store(b.add(current, step), ptrs[0])
    pair = ir.Constant(ir.LiteralStructType([current.type, i1]), ir.Undefined)
    return b.insert_value(b.insert_value(pair, current, 0), valid, 1)


@lower(builtins.len)
def len_(ctx: Context, sig: t.Signature, obj: ir.Value) -> ir.Value:
    ty = sig.args[0]
    if isinstance(ty, t.Tuple):
        return ir.Constant(ir.IntType(64), len(ty.items))
    b = ctx.b
    start, stop, step = (b.extract_value(obj, k) for k in range(3))
    zero = ir.Constant(step.type, 0)
    one = ir.Constant(step.type, 1)
    # ceil((stop - start) / step) clamped at 0, for either sign of step
    pos = b.icmp_signed(">", step, zero)
    span = b.select(pos, b.sub(stop, start), b.sub(start, stop))
    mag = b.select(pos, step, b.sub(zero, step))
    count = b.sdiv(b.add(span, b.sub(mag, one)), mag)
    count = b.select(b.icmp_signed(">", span, zero), count, zero)
    return b.sext(count, ir.IntType(64)) if count.type.width < 64 else count
