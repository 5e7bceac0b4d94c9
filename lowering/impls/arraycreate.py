"""Creating arrays in compiled code: memory from the native runtime, C order.

np.empty leaves the memory as it is, np.zeros clears it with memset, np.ones and
np.full fill it with a loop LLVM vectorises.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir

from typeinfer import types as t

from .. import arraymodel as am
from .. import runtime
from ..context import Context
from ..models import i8, i8p, i64, llvm_type
from ..registry import lower


def allocate(ctx: Context, ty: t.Array, dims: list[ir.Value]) -> ir.Value:
    """A new C-contiguous array of `ty` with shape `dims`, owning one reference."""
    b = ctx.b
    zero = ir.Constant(i64, 0)
    nitems: ir.Value = ir.Constant(i64, 1)
    for size in dims:
        with b.if_then(b.icmp_signed("<", size, zero), likely=False):
            ctx.raise_exception(ValueError, ("negative dimensions are not allowed",))
        nitems = b.mul(nitems, size)
    per_item = am.itemsize(ty)
    nbytes = b.mul(nitems, ir.Constant(i64, per_item))
    meminfo = b.call(runtime.alloc(ctx.module), [nbytes], name="meminfo")
    with b.if_then(b.icmp_unsigned("==", meminfo, ir.Constant(i8p, None)), likely=False):
        ctx.raise_exception(MemoryError, ("cannot allocate an array",))
    data = b.bitcast(runtime.data_pointer(b, meminfo), am.storage_type(ty.dtype).as_pointer())
    out = ir.Constant(llvm_type(ty), ir.Undefined)
    for index, value in ((am.MEMINFO, meminfo), (am.PARENT, ir.Constant(i8p, None)),
                         (am.NITEMS, nitems), (am.ITEMSIZE, ir.Constant(i64, per_item)),
                         (am.DATA, data)):
        out = b.insert_value(out, value, index)
    stride: ir.Value = ir.Constant(i64, per_item)
    for axis in reversed(range(ty.ndim)):
        out = b.insert_value(out, dims[axis], [am.SHAPE, axis])
        out = b.insert_value(out, stride, [am.STRIDES, axis])
        stride = b.mul(stride, dims[axis])
    return out


def fill(ctx: Context, ty: t.Array, arr: ir.Value, value: ir.Value) -> None:
    """Store `value` in every element of the contiguous array `arr`."""
    b = ctx.b
    data = am.data(b, arr)
    nitems = b.extract_value(arr, am.NITEMS)
    if isinstance(ty.dtype, t.Boolean):
        value = b.zext(value, i8)
    loop = ctx.llfn.append_basic_block("fill.loop")
    body = ctx.llfn.append_basic_block("fill.body")
    done = ctx.llfn.append_basic_block("fill.done")
    start = b.block
    b.branch(loop)
    b.position_at_end(loop)
    i = b.phi(i64, name="i")
    i.add_incoming(ir.Constant(i64, 0), start)
    b.cbranch(b.icmp_unsigned("<", i, nitems), body, done)
    b.position_at_end(body)
    b.store(value, b.gep(data, [i], inbounds=True), align=am.itemsize(ty))
    i.add_incoming(b.add(i, ir.Constant(i64, 1), flags=["nuw"]), body)
    b.branch(loop)
    b.position_at_end(done)


def _dims(ctx: Context, shape: ir.Value, shape_ty: t.Type) -> list[ir.Value]:
    if not isinstance(shape_ty, t.Tuple):
        return [shape]
    return [ctx.b.extract_value(shape, k) for k in range(len(shape_ty.items))]


def _make(kind: str) -> Any:
    def impl(ctx: Context, sig: t.Signature, shape: ir.Value, *rest: Any,
             kwnames: tuple[str, ...] = ()) -> ir.Value:
        ty = sig.return_type
        assert isinstance(ty, t.Array)
        arr = allocate(ctx, ty, _dims(ctx, shape, sig.args[0]))
        _initialise(ctx, kind, ty, arr, rest)
        return arr
    return impl


def _initialise(ctx: Context, kind: str, ty: t.Array, arr: ir.Value, rest: Any) -> None:
    b = ctx.b
    if kind == "zeros":
        memset = ctx.declare("llvm.memset.p0.i64", ir.VoidType(),
                             [i8p, i8, i64, ir.IntType(1)])
        nbytes = b.mul(b.extract_value(arr, am.NITEMS), ir.Constant(i64, am.itemsize(ty)))
        b.call(memset, [b.bitcast(am.data(b, arr), i8p), ir.Constant(i8, 0), nbytes,
                        ir.Constant(ir.IntType(1), 0)])
    elif kind == "ones":
        fill(ctx, ty, arr, ctx.constant(1, ty.dtype))
    elif kind == "full":
        fill(ctx, ty, arr, rest[0])


def _make_like(kind: str) -> Any:
    def impl(ctx: Context, sig: t.Signature, like: ir.Value, *rest: Any,
             kwnames: tuple[str, ...] = ()) -> ir.Value:
        ty = sig.return_type
        like_ty = sig.args[0]
        assert isinstance(ty, t.Array) and isinstance(like_ty, t.Array)
        dims = [am.shape(ctx.b, like, axis) for axis in range(like_ty.ndim)]
        arr = allocate(ctx, ty, dims)
        _initialise(ctx, kind, ty, arr, rest)
        return arr
    return impl


for _fn, _kind in ((np.empty, "empty"), (np.zeros, "zeros"), (np.ones, "ones"),
                   (np.full, "full")):
    lower(_fn)(_make(_kind))
for _fn, _kind in ((np.empty_like, "empty"), (np.zeros_like, "zeros"),
                   (np.ones_like, "ones"), (np.full_like, "full")):
    lower(_fn)(_make_like(_kind))
