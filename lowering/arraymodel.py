"""The array data model: how an array value is laid out and how elements are addressed.

    { i8* meminfo,  i8* parent,  i64 nitems,  i64 itemsize,  T* data,
      [ndim x i64] shape,  [ndim x i64] strides }          (strides in bytes)

`meminfo` is the native owner of memory allocated by compiled code (null for
arrays that came from Python); `parent` is the Python array the value views
(null for fresh memory). Booleans are stored as one byte each.

    ptr = element_pointer(ctx, arr_ty, llv, [i, j])   # after wraparound of negatives
    value = load_element(ctx, arr_ty, ptr)
"""
from __future__ import annotations

from llvmlite import ir

from jitcore.typeinfer import types as t

from .models import i8, i8p, i64

MEMINFO, PARENT, NITEMS, ITEMSIZE, DATA, SHAPE, STRIDES = range(7)


def storage_type(dtype: t.Type) -> ir.Type:
    """The LLVM type of one element in memory (bool is a byte there, i1 in registers)."""
    from .models import llvm_type

    return i8 if isinstance(dtype, t.Boolean) else llvm_type(dtype)


def array_struct(ty: t.Array) -> ir.LiteralStructType:
    dims = ir.ArrayType(i64, ty.ndim)
    return ir.LiteralStructType([i8p, i8p, i64, i64, storage_type(ty.dtype).as_pointer(), dims,
                                 dims])


def itemsize(ty: t.Array) -> int:
    dtype = ty.dtype
    if isinstance(dtype, t.Boolean):
        return 1
    return dtype.bitwidth // 8  # type: ignore[attr-defined, no-any-return]


def shape(b: ir.IRBuilder, llv: ir.Value, axis: int) -> ir.Value:
    return b.extract_value(llv, [SHAPE, axis])


def stride(b: ir.IRBuilder, llv: ir.Value, axis: int) -> ir.Value:
    return b.extract_value(llv, [STRIDES, axis])


def data(b: ir.IRBuilder, llv: ir.Value) -> ir.Value:
    return b.extract_value(llv, DATA)


def element_pointer(b: ir.IRBuilder, ty: t.Array, llv: ir.Value,
                    indices: list[ir.Value]) -> ir.Value:
    """The address of element `indices` (already non-negative and in bounds).

    Contiguous layouts index with element counts so LLVM sees unit strides and can
    vectorise; other layouts add byte offsets from the strides.
    """
    base = data(b, llv)
    if ty.layout in ("C", "F") and ty.ndim > 0:
        order = range(ty.ndim) if ty.layout == "C" else reversed(range(ty.ndim))
        flat: ir.Value | None = None
        for axis in order:
            idx = indices[axis]
            flat = idx if flat is None else b.add(b.mul(flat, shape(b, llv, axis)), idx)
        return b.gep(base, [flat], inbounds=True)
    offset: ir.Value = ir.Constant(i64, 0)
    for axis, idx in enumerate(indices):
        offset = b.add(offset, b.mul(idx, stride(b, llv, axis)))
    raw = b.gep(b.bitcast(base, i8p), [offset], inbounds=True)
    return b.bitcast(raw, base.type)


def alignment(ty: t.Array) -> int:
    """What element accesses may assume: the item size, or 1 for unaligned data."""
    return itemsize(ty) if ty.aligned else 1


def load_element(b: ir.IRBuilder, ty: t.Array, ptr: ir.Value) -> ir.Value:
    value = b.load(ptr, align=alignment(ty))
    if isinstance(ty.dtype, t.Boolean):
        return b.icmp_unsigned("!=", value, ir.Constant(i8, 0))
    return value


def store_element(b: ir.IRBuilder, ty: t.Array, ptr: ir.Value, value: ir.Value) -> None:
    if isinstance(ty.dtype, t.Boolean):
        value = b.zext(value, i8)
    b.store(value, ptr, align=alignment(ty))
