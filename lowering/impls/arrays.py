"""Array indexing, item assignment, attributes and len().

Negative indices wrap around as in Python. Without `boundscheck` an index out of
range is undefined, as in Numba (and costs nothing); with `boundscheck=True` or
JITCORE_BOUNDSCHECK=1 it raises IndexError naming the index, the axis and the size.
"""
from __future__ import annotations

import builtins

from llvmlite import ir

from jitcore import config
from typeinfer import types as t

from .. import arraymodel as am
from ..context import Context
from ..models import i32, i64, llvm_type
from ..registry import lower


def _indices(ctx: Context, sig: t.Signature, index: ir.Value) -> list[ir.Value]:
    if isinstance(sig.args[1], t.Tuple):
        return [ctx.b.extract_value(index, k) for k in range(len(sig.args[1].items))]
    return [index]


def _fix_index(ctx: Context, arr: ir.Value, axis: int, idx: ir.Value) -> ir.Value:
    """Wrap a negative index; check bounds when asked to."""
    b = ctx.b
    size = am.shape(b, arr, axis)
    zero = ir.Constant(i64, 0)
    wrapped = b.select(b.icmp_signed("<", idx, zero), b.add(idx, size), idx)
    if ctx.options.get("boundscheck") or config.BOUNDSCHECK:
        out = b.icmp_unsigned(">=", wrapped, size)  # negative after wrapping is huge unsigned
        with b.if_then(out, likely=False):
            ctx.raise_formatted(IndexError, "index %lld is out of bounds for axis %d with size "
                                "%lld", idx, ir.Constant(i32, axis), size)
    return wrapped


def _view(ctx: Context, arr_ty: t.Array, arr: ir.Value, fixed: list[ir.Value],
          view_ty: t.Array) -> ir.Value:
    """The sub-array with the leading axes fixed at `fixed` (no copy)."""
    b = ctx.b
    count = len(fixed)
    # The address of the first element of the view, through byte strides (any layout).
    offset: ir.Value = ir.Constant(i64, 0)
    for axis, idx in enumerate(fixed):
        offset = b.add(offset, b.mul(idx, am.stride(b, arr, axis)))
    base = am.data(b, arr)
    ptr = b.bitcast(b.gep(b.bitcast(base, ir.IntType(8).as_pointer()), [offset]), base.type)
    out = ir.Constant(llvm_type(view_ty), ir.Undefined)
    out = b.insert_value(out, b.extract_value(arr, am.MEMINFO), am.MEMINFO)
    out = b.insert_value(out, b.extract_value(arr, am.PARENT), am.PARENT)
    out = b.insert_value(out, b.extract_value(arr, am.ITEMSIZE), am.ITEMSIZE)
    out = b.insert_value(out, ptr, am.DATA)
    nitems: ir.Value = ir.Constant(i64, 1)
    for k, axis in enumerate(range(count, arr_ty.ndim)):
        size = am.shape(b, arr, axis)
        nitems = b.mul(nitems, size)
        out = b.insert_value(out, size, [am.SHAPE, k])
        out = b.insert_value(out, am.stride(b, arr, axis), [am.STRIDES, k])
    out = b.insert_value(out, nitems, am.NITEMS)
    ctx.incref(out, view_ty)  # the view shares the array's memory
    return out


@lower("getitem", t.Array, t.Integer)
@lower("getitem", t.Array, t.Tuple)
def getitem(ctx: Context, sig: t.Signature, arr: ir.Value, index: ir.Value) -> ir.Value:
    arr_ty = sig.args[0]
    assert isinstance(arr_ty, t.Array)
    idx = [_fix_index(ctx, arr, axis, i) for axis, i in enumerate(_indices(ctx, sig, index))]
    if isinstance(sig.return_type, t.Array):
        return _view(ctx, arr_ty, arr, idx, sig.return_type)
    return am.load_element(ctx.b, arr_ty, am.element_pointer(ctx.b, arr_ty, arr, idx))


@lower("setitem", t.Array, t.Integer, t.Type)
@lower("setitem", t.Array, t.Tuple, t.Type)
def setitem(ctx: Context, sig: t.Signature, arr: ir.Value, index: ir.Value,
            value: ir.Value) -> None:
    arr_ty = sig.args[0]
    assert isinstance(arr_ty, t.Array)
    idx = [_fix_index(ctx, arr, axis, i) for axis, i in enumerate(_indices(ctx, sig, index))]
    am.store_element(ctx.b, arr_ty, am.element_pointer(ctx.b, arr_ty, arr, idx), value)


@lower("getattr.shape", t.Array)
def shape(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    return _dims_tuple(ctx, arr, sig, am.SHAPE)


@lower("getattr.strides", t.Array)
def strides(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    return _dims_tuple(ctx, arr, sig, am.STRIDES)


def _dims_tuple(ctx: Context, arr: ir.Value, sig: t.Signature, field: int) -> ir.Value:
    b = ctx.b
    out = ir.Constant(llvm_type(sig.return_type), ir.Undefined)
    for axis in range(sig.args[0].ndim):  # type: ignore[attr-defined]
        out = b.insert_value(out, b.extract_value(arr, [field, axis]), axis)
    return out


@lower("getattr.ndim", t.Array)
def ndim(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    return ir.Constant(i64, sig.args[0].ndim)  # type: ignore[attr-defined]


@lower("getattr.size", t.Array)
def size(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    return ctx.b.extract_value(arr, am.NITEMS)


@lower("getattr.itemsize", t.Array)
def itemsize(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    return ir.Constant(i64, am.itemsize(sig.args[0]))  # type: ignore[arg-type]


@lower("getattr.nbytes", t.Array)
def nbytes(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    per_item = ir.Constant(i64, am.itemsize(sig.args[0]))  # type: ignore[arg-type]
    return ctx.b.mul(ctx.b.extract_value(arr, am.NITEMS), per_item)


@lower(builtins.len, t.Array)
def len_array(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    return am.shape(ctx.b, arr, 0)
