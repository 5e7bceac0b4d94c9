"""Creating arrays in compiled code: memory from the native runtime, C or F order.

np.empty leaves the memory as it is, np.zeros clears it with memset, np.ones and
np.full fill it with a loop LLVM vectorises. An F-typed result gets F strides; an
A-typed one made in order "K" or "A" picks C or F strides at run time (fortran_order).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir

from jitcore.typeinfer import types as t

from .. import arrayloops as loops
from .. import arraymodel as am
from .. import runtime
from ..context import Context
from ..models import i8, i8p, i64, llvm_type
from ..registry import lower


TOO_BIG = ("array is too big; `arr.size * arr.dtype.itemsize` is larger than the maximum "
           "possible size.")


def allocate(ctx: Context, ty: t.Array, dims: list[ir.Value]) -> ir.Value:
    """A new C-contiguous array of `ty` with shape `dims`, owning one reference.

    As NumPy does, the byte size of the non-zero dimensions must fit in an int64
    (ValueError otherwise, even when another dimension is zero), and memory the
    allocator refuses is a MemoryError.
    """
    b = ctx.b
    zero, one = ir.Constant(i64, 0), ir.Constant(i64, 1)
    per_item = am.itemsize(ty)
    nitems: ir.Value = one
    nbytes_nonzero: ir.Value = ir.Constant(i64, per_item)
    overflow: ir.Value = ir.Constant(ir.IntType(1), 0)
    for size in dims:
        with b.if_then(b.icmp_signed("<", size, zero), likely=False):
            ctx.raise_exception(ValueError, ("negative dimensions are not allowed",))
        nitems = b.mul(nitems, size)
        factor = b.select(b.icmp_signed("==", size, zero), one, size)
        product = b.smul_with_overflow(nbytes_nonzero, factor)
        nbytes_nonzero = b.extract_value(product, 0)
        overflow = b.or_(overflow, b.extract_value(product, 1))
    if dims:
        with b.if_then(overflow, likely=False):
            ctx.raise_exception(ValueError, (TOO_BIG,))
    nbytes = b.mul(nitems, ir.Constant(i64, per_item), flags=["nsw", "nuw"])
    meminfo = b.call(runtime.alloc(ctx.module), [nbytes], name="meminfo")
    with b.if_then(b.icmp_unsigned("==", meminfo, ir.Constant(i8p, None)), likely=False):
        ctx.raise_formatted(MemoryError, "Unable to allocate %lld bytes for an array with "
                            f"{ty.ndim} dimension(s) and data type {ty.dtype}", nbytes)
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


def allocate_ordered(ctx: Context, ty: t.Array, dims: list[ir.Value],
                     fortran: ir.Value | bool) -> ir.Value:
    """allocate() with F strides when `fortran` (a bool or a run-time i1) holds."""
    out = allocate(ctx, ty, dims)
    if fortran is False or ty.ndim <= 1:
        return out
    b = ctx.b
    stride: ir.Value = ir.Constant(i64, am.itemsize(ty))
    for axis in range(ty.ndim):
        own = stride if fortran is True else b.select(fortran, stride, am.stride(b, out, axis))
        out = b.insert_value(out, own, [am.STRIDES, axis])
        stride = b.mul(stride, dims[axis])
    return out


def fortran_order(ctx: Context, order: str, like_ty: t.Array,
                  like: ir.Value) -> ir.Value | bool:
    """Whether an array made from `like` in `order` is F-ordered (a bool or an i1)."""
    if order in ("C", "F") or like_ty.ndim <= 1:
        return order == "F" and like_ty.ndim > 1
    if like_ty.layout != "A":
        return like_ty.layout == "F"
    if order == "A":
        return ctx.b.and_(loops.is_f_contiguous(ctx, like_ty, like),
                          ctx.b.not_(loops.is_c_contiguous(ctx, like_ty, like)))
    return loops.is_f_ordered(ctx, like_ty, like)


def named_arg(sig: t.Signature, kwnames: tuple[str, ...], names: tuple[str, ...],
              name: str) -> t.Type | None:
    """The type of the argument bound to `name` (`names` lists every parameter, receiver
    included), or None when it was not given."""
    positional = len(sig.args) - len(kwnames)
    if name in kwnames:
        return sig.args[positional + kwnames.index(name)]
    k = names.index(name)
    return sig.args[k] if k < positional else None


def order_arg(sig: t.Signature, kwnames: tuple[str, ...], names: tuple[str, ...],
              default: str) -> str:
    ty = named_arg(sig, kwnames, names, "order")
    return default if ty is None else str(ty.value)  # type: ignore[attr-defined]


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


def _fill_value(kind: str, names: tuple[str, ...], rest: tuple[Any, ...],
                kwnames: tuple[str, ...]) -> Any:
    """The fill value of np.full/full_like among the arguments after the first."""
    if kind != "full":
        return None
    positional = len(rest) + 1 - len(kwnames)
    if "fill_value" in kwnames:
        return rest[positional - 1 + kwnames.index("fill_value")]
    return rest[names.index("fill_value") - 1]


def _make(kind: str) -> Any:
    names = ("shape", "fill_value", "dtype", "order") if kind == "full" else ("shape", "dtype",
                                                                               "order")

    def impl(ctx: Context, sig: t.Signature, shape: ir.Value, *rest: Any,
             kwnames: tuple[str, ...] = ()) -> ir.Value:
        ty = sig.return_type
        assert isinstance(ty, t.Array)
        arr = allocate_ordered(ctx, ty, _dims(ctx, shape, sig.args[0]), ty.layout == "F")
        _initialise(ctx, kind, ty, arr, _fill_value(kind, names, rest, kwnames))
        return arr
    return impl


def _initialise(ctx: Context, kind: str, ty: t.Array, arr: ir.Value, value: Any) -> None:
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
        fill(ctx, ty, arr, value)


def _make_like(kind: str) -> Any:
    names = ("a", "fill_value", "dtype", "order") if kind == "full" else ("a", "dtype", "order")

    def impl(ctx: Context, sig: t.Signature, like: ir.Value, *rest: Any,
             kwnames: tuple[str, ...] = ()) -> ir.Value:
        ty = sig.return_type
        like_ty = sig.args[0]
        assert isinstance(ty, t.Array) and isinstance(like_ty, t.Array)
        dims = [am.shape(ctx.b, like, axis) for axis in range(like_ty.ndim)]
        order = order_arg(sig, kwnames, names, "K")
        arr = allocate_ordered(ctx, ty, dims, fortran_order(ctx, order, like_ty, like))
        _initialise(ctx, kind, ty, arr, _fill_value(kind, names, rest, kwnames))
        return arr
    return impl


for _fn, _kind in ((np.empty, "empty"), (np.zeros, "zeros"), (np.ones, "ones"),
                   (np.full, "full")):
    lower(_fn)(_make(_kind))
for _like, _kind in ((np.empty_like, "empty"), (np.zeros_like, "zeros"),
                     (np.ones_like, "ones"), (np.full_like, "full")):
    lower(_like)(_make_like(_kind))


def _as_layout(fortran: bool) -> Any:
    def impl(ctx: Context, sig: t.Signature, arr: ir.Value, *rest: Any,
             kwnames: tuple[str, ...] = ()) -> ir.Value:
        """`arr` itself (a new reference) when it is laid out so already, else a copy."""
        b = ctx.b
        src_ty, ret = sig.args[0], sig.return_type
        assert isinstance(src_ty, t.Array) and isinstance(ret, t.Array)
        if src_ty.ndim == 0:  # NumPy gives these a dimension
            item = ir.Constant(i64, am.itemsize(src_ty))
            src_ty, arr = src_ty.copy(ndim=1, layout="C"), loops.build(
                ctx, src_ty.copy(ndim=1, layout="C"), arr, am.data(b, arr), [loops.ONE], [item])
        if src_ty.dtype != ret.dtype:
            return copied(ctx, src_ty, arr, ret, fortran)
        fits = (loops.is_f_contiguous if fortran else loops.is_c_contiguous)(ctx, src_ty, arr)
        if isinstance(fits, ir.Constant) and fits.constant:
            ctx.incref(arr, ret)
            return arr
        slot = ctx.alloca(llvm_type(ret), "as.layout")
        with b.if_else(fits) as (same, other):
            with same:
                ctx.incref(arr, ret)
                b.store(arr, slot)
            with other:
                b.store(copied(ctx, src_ty, arr, ret, fortran), slot)
        return b.load(slot)
    return impl


def copied(ctx: Context, src_ty: t.Array, src: ir.Value, ty: t.Array,
           fortran: ir.Value | bool) -> ir.Value:
    """A new array of `ty` holding `src`'s values, in F order when `fortran` holds."""
    out = allocate_ordered(ctx, ty, loops.shapes(ctx, src_ty, src), fortran)
    loops.copy_into(ctx, ty, out, src_ty, src)
    return out


lower(np.ascontiguousarray)(_as_layout(False))
lower(np.asfortranarray)(_as_layout(True))
