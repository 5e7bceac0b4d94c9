"""Array attributes and methods that reshape, copy or iterate, and `a.flat`.

    a.T / a.transpose(axes)  a view with permuted shape and strides (axes checked at run time)
    a.reshape(dims)          a view of C-contiguous memory, else a C copy reshaped;
                             one negative dimension is inferred, as NumPy does
    a.copy() / flatten()     new C arrays filled by one loop (vectorised when contiguous)
    order="F"                copies get F strides; flatten/ravel/reshape work on the
                             transpose in C order (and reshape transposes back)
    for row in m             an iterator {next index, array} on the stack; rows are views
    a.flat[i]                the C-order element i, unravelled through the shape
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from llvmlite import ir

from jitcore.typeinfer import types as t

from .. import arrayloops as loops
from .. import arraymodel as am
from ..context import Context
from ..models import DUMMY, i1, i8p, i32, i64, llvm_type
from ..registry import Impl, lower
from .arraycreate import copied, fortran_order, order_arg

_METHODS = ("copy", "reshape", "ravel", "flatten", "transpose", "astype", "fill")


def _receiver(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    ctx.incref(arr, sig.args[0])  # the bound method holds the array until the call
    return arr


for _name in _METHODS:
    lower(f"getattr.{_name}", t.Array)(_receiver)


@lower("getattr.flat", t.Array)
def flat(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    ctx.incref(arr, sig.args[0])
    return arr


@lower("getattr.dtype", t.Array)
def dtype(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    return DUMMY  # a compile-time constant


def _any_arity(key: str, most: int = 8) -> Callable[[Impl], Impl]:
    """Register a method taking up to `most` arguments after the receiver."""
    def decorator(fn: Impl) -> Impl:
        for count in range(most + 1):
            lower(key, t.Array, *[t.Type] * count)(fn)
        return fn
    return decorator


def _dtype_compare(equal: bool) -> Any:
    def impl(ctx: Context, sig: t.Signature, lhs: Any, rhs: Any) -> ir.Value:
        a, b = (np.dtype(ty.value) for ty in sig.args)  # type: ignore[attr-defined]
        return ir.Constant(i1, int((a == b) == equal))
    return impl


# a.dtype == np.float64: a constant
lower("eq", t.PyObjectConst, t.PyObjectConst)(_dtype_compare(True))
lower("ne", t.PyObjectConst, t.PyObjectConst)(_dtype_compare(False))


def _permuted(ctx: Context, ty: t.Array, arr: ir.Value, out_ty: t.Array,
              order: list[int]) -> ir.Value:
    b = ctx.b
    return loops.build(ctx, out_ty, arr, am.data(b, arr),
                       [am.shape(b, arr, k) for k in order],
                       [am.stride(b, arr, k) for k in order])


@lower("getattr.T", t.Array)
def attr_t(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    ty, out_ty = sig.args[0], sig.return_type
    assert isinstance(ty, t.Array) and isinstance(out_ty, t.Array)
    out = _permuted(ctx, ty, arr, out_ty, list(reversed(range(ty.ndim))))
    ctx.incref(out, sig.return_type)
    return out


def _int_args(ctx: Context, sig: t.Signature, args: tuple[ir.Value, ...]) -> list[ir.Value]:
    """Integer arguments given separately or as one tuple, as a list of i64 values."""
    if len(args) == 1 and isinstance(sig.args[1], t.Tuple):
        return [ctx.b.extract_value(args[0], k) for k in range(len(sig.args[1].items))]
    return list(args)


@_any_arity("method.transpose")
def transpose(ctx: Context, sig: t.Signature, arr: ir.Value, *args: ir.Value) -> ir.Value:
    ty, out_ty = sig.args[0], sig.return_type
    assert isinstance(ty, t.Array) and isinstance(out_ty, t.Array)
    if len(sig.args) == 1 or isinstance(sig.args[1], t.PyObjectConst):
        out = _permuted(ctx, ty, arr, out_ty, list(reversed(range(ty.ndim))))
    else:
        b = ctx.b
        ndim = ir.Constant(i64, ty.ndim)
        axes = []
        seen: ir.Value = ir.Constant(i64, 0)
        for value in _int_args(ctx, sig, args):
            axis = b.select(b.icmp_signed("<", value, loops.ZERO), b.add(value, ndim), value)
            with b.if_then(b.icmp_unsigned(">=", axis, ndim), likely=False):
                ctx.raise_formatted(np.exceptions.AxisError, "axis %lld is out of bounds for "
                                    "array of dimension %d", value, ir.Constant(i32, ty.ndim))
            seen = b.or_(seen, b.shl(loops.ONE, axis))
            axes.append(axis)
        with b.if_then(b.icmp_unsigned("!=", seen, ir.Constant(i64, (1 << ty.ndim) - 1)),
                       likely=False):
            ctx.raise_exception(ValueError, ("repeated axis in transpose",))
        dims, steps = [], []
        for axis in axes:
            size, step = am.shape(b, arr, 0), am.stride(b, arr, 0)
            for k in range(1, ty.ndim):
                hit = b.icmp_unsigned("==", axis, ir.Constant(i64, k))
                size = b.select(hit, am.shape(b, arr, k), size)
                step = b.select(hit, am.stride(b, arr, k), step)
            dims.append(size)
            steps.append(step)
        out = loops.build(ctx, out_ty, arr, am.data(b, arr), dims, steps)
    ctx.incref(out, out_ty)
    return out


@lower("method.copy", t.Array)
@lower("method.copy", t.Array, t.Type)
def copy(ctx: Context, sig: t.Signature, arr: ir.Value, *order: ir.Value,
         kwnames: tuple[str, ...] = ()) -> ir.Value:
    ty, out_ty = sig.args[0], sig.return_type
    assert isinstance(ty, t.Array) and isinstance(out_ty, t.Array)
    fortran = fortran_order(ctx, order_arg(sig, kwnames, ("self", "order"), "C"), ty, arr)
    return copied(ctx, ty, arr, out_ty, fortran)


@lower("method.flatten", t.Array)
@lower("method.flatten", t.Array, t.Type)
def flatten(ctx: Context, sig: t.Signature, arr: ir.Value, *order: ir.Value,
            kwnames: tuple[str, ...] = ()) -> ir.Value:
    ty, out_ty = sig.args[0], sig.return_type
    assert isinstance(ty, t.Array) and isinstance(out_ty, t.Array)
    fortran = fortran_order(ctx, order_arg(sig, kwnames, ("self", "order"), "C"), ty, arr)
    view_ty, view = loops.transposed(ctx, ty, arr, fortran)  # F order: the transpose in C
    out = loops.new_copy(ctx, view_ty, view, out_ty.copy(ndim=ty.ndim))
    if out_ty.ndim == ty.ndim:
        return out
    return _with_dims(ctx, out_ty, out, [ctx.b.extract_value(out, am.NITEMS)])


# a.astype(dtype, order='K')
@lower("method.astype", t.Array, t.Type)
@lower("method.astype", t.Array, t.Type, t.Type)
def astype(ctx: Context, sig: t.Signature, arr: ir.Value, *rest: ir.Value,
           kwnames: tuple[str, ...] = ()) -> ir.Value:
    ty, out_ty = sig.args[0], sig.return_type
    assert isinstance(ty, t.Array) and isinstance(out_ty, t.Array)
    order = order_arg(sig, kwnames, ("self", "dtype", "order"), "K")
    return copied(ctx, ty, arr, out_ty, fortran_order(ctx, order, ty, arr))


@lower("method.fill", t.Array, t.Type)
def fill(ctx: Context, sig: t.Signature, arr: ir.Value, value: ir.Value) -> ir.Value:
    ty = sig.args[0]
    assert isinstance(ty, t.Array)
    loops.fill(ctx, ty, arr, value)
    return DUMMY


def _with_dims(ctx: Context, ty: t.Array, arr: ir.Value, dims: list[ir.Value]) -> ir.Value:
    """C-contiguous `arr` seen with shape `dims` (same element count), no reference taken."""
    steps: list[ir.Value] = []
    stride: ir.Value = ir.Constant(i64, am.itemsize(ty))
    for size in reversed(dims):
        steps.insert(0, stride)
        stride = ctx.b.mul(stride, size)
    return loops.build(ctx, ty, arr, am.data(ctx.b, arr), dims, steps)


def _raise_with_format(ctx: Context, fmt: ir.Value, size: ir.Value, dims: list[ir.Value],
                       unknown: ir.Value) -> None:
    b = ctx.b
    # Drop the unknown dimension from the argument list: each slot takes the next known one.
    shifted = []
    for k in range(len(dims)):
        nxt = dims[k + 1] if k + 1 < len(dims) else dims[k]
        past = b.icmp_signed("<=", unknown, ir.Constant(i64, k))
        shifted.append(b.select(b.and_(past, b.icmp_signed(">=", unknown, loops.ZERO)), nxt,
                                dims[k]))
    ensure = ctx.declare("PyGILState_Ensure", i32, [])
    release = ctx.declare("PyGILState_Release", ir.VoidType(), [i32])
    fmt_fn = ctx.declare("PyErr_Format", i8p, [i8p, i8p], varargs=True)
    state = b.call(ensure, [])
    b.call(fmt_fn, [ctx.py_constant(ValueError), fmt, size, *shifted])
    b.call(release, [state])
    ctx.return_error(ir.Constant(i32, 1))


def reshape_dims(ctx: Context, size: ir.Value, given: list[ir.Value]) -> list[ir.Value]:
    """The new shape with one negative dimension inferred; ValueError if it does not fit."""
    b = ctx.b
    unknown: ir.Value = ir.Constant(i64, -1)
    negatives: ir.Value = loops.ZERO
    known: ir.Value = loops.ONE
    overflow: ir.Value = ir.Constant(ir.IntType(1), 0)  # a wrapped product never fits
    for k, dim in enumerate(given):
        neg = b.icmp_signed("<", dim, loops.ZERO)
        negatives = b.add(negatives, b.zext(neg, i64))
        unknown = b.select(neg, ir.Constant(i64, k), unknown)
        product = b.smul_with_overflow(known, b.select(neg, loops.ONE, dim))
        known = b.extract_value(product, 0)
        overflow = b.or_(overflow, b.extract_value(product, 1))
    with b.if_then(b.icmp_signed(">", negatives, loops.ONE), likely=False):
        ctx.raise_exception(ValueError, ("can only specify one unknown dimension",))
    has_unknown = b.icmp_signed("==", negatives, loops.ONE)
    safe_known = b.select(b.icmp_signed("==", known, loops.ZERO), loops.ONE, known)
    inferred = b.sdiv(size, safe_known)
    fits = b.select(has_unknown,
                    b.and_(b.icmp_signed("!=", known, loops.ZERO),
                           b.icmp_signed("==", b.srem(size, safe_known), loops.ZERO)),
                    b.icmp_signed("==", known, size))
    with b.if_then(b.or_(overflow, b.not_(fits)), likely=False):
        _raise_with_format(ctx, _reshape_format(ctx, unknown, len(given)), size, given, unknown)
    return [b.select(b.icmp_signed("==", unknown, ir.Constant(i64, k)), inferred, dim)
            for k, dim in enumerate(given)]


def _reshape_format(ctx: Context, unknown: ir.Value, n: int) -> ir.Value:
    text = "cannot reshape array of size %lld into shape "
    fmt = ctx.c_string(text + loops.shape_format(n))
    for k in range(n):
        parts = ["newaxis" if j == k else "%lld" for j in range(n)]
        here = ctx.c_string(text + "(" + ",".join(parts) + ("," if n == 1 else "") + ")")
        fmt = ctx.b.select(ctx.b.icmp_signed("==", unknown, ir.Constant(i64, k)), here, fmt)
    return fmt


def reshaped(ctx: Context, ty: t.Array, arr: ir.Value, out_ty: t.Array,
             dims: list[ir.Value]) -> ir.Value:
    """A new reference to `arr` with shape `dims`: a view if C-contiguous, else a C copy."""
    b = ctx.b
    dims = reshape_dims(ctx, b.extract_value(arr, am.NITEMS), dims)
    slot = ctx.alloca(llvm_type(out_ty), "reshaped")
    contiguous = loops.is_c_contiguous(ctx, ty, arr)
    if isinstance(contiguous, ir.Constant) and contiguous.constant:
        view = _with_dims(ctx, out_ty, arr, dims)
        ctx.incref(view, out_ty)
        return view
    with b.if_else(contiguous) as (view_bb, copy_bb):
        with view_bb:
            view = _with_dims(ctx, out_ty, arr, dims)
            ctx.incref(view, out_ty)
            b.store(view, slot)
        with copy_bb:
            fresh = loops.new_copy(ctx, ty, arr, ty.copy(layout="C", readonly=False))
            b.store(_with_dims(ctx, out_ty, fresh, dims), slot)
    return b.load(slot)


@_any_arity("method.reshape")
def reshape(ctx: Context, sig: t.Signature, arr: ir.Value, *args: ir.Value,
            kwnames: tuple[str, ...] = ()) -> ir.Value:
    ty, out_ty = sig.args[0], sig.return_type
    assert isinstance(ty, t.Array) and isinstance(out_ty, t.Array)
    given = _int_args(ctx, sig, args[:len(args) - len(kwnames)])
    order = "C" if not kwnames else str(sig.args[-1].value)  # type: ignore[attr-defined]
    fortran = order == "F" or (order == "A" and fortran_order(ctx, "A", ty, arr))
    if fortran is False:
        return reshaped(ctx, ty, arr, out_ty, given)
    # In F order: reshape the transpose in C order to the reversed shape, transpose back.
    b = ctx.b
    dims = reshape_dims(ctx, b.extract_value(arr, am.NITEMS), given)  # errors name `given`
    n = len(dims)
    flipped = [dims[n - 1 - k] if fortran is True else b.select(fortran, dims[n - 1 - k], dims[k])
               for k in range(n)]
    view_ty, view = loops.transposed(ctx, ty, arr, fortran)
    mid_ty = out_ty.copy(layout="C")
    return loops.transposed(ctx, mid_ty, reshaped(ctx, view_ty, view, mid_ty, flipped),
                            fortran)[1]


@lower("method.ravel", t.Array)
@lower("method.ravel", t.Array, t.Type)
def ravel(ctx: Context, sig: t.Signature, arr: ir.Value, *order: ir.Value,
          kwnames: tuple[str, ...] = ()) -> ir.Value:
    ty, out_ty = sig.args[0], sig.return_type
    assert isinstance(ty, t.Array) and isinstance(out_ty, t.Array)
    fortran = fortran_order(ctx, order_arg(sig, kwnames, ("self", "order"), "C"), ty, arr)
    view_ty, view = loops.transposed(ctx, ty, arr, fortran)  # F order: the transpose in C
    return reshaped(ctx, view_ty, view, out_ty, [ctx.b.extract_value(arr, am.NITEMS)])


# --- a.flat ---------------------------------------------------------------------------------

def _unravel(ctx: Context, ty: t.Array, arr: ir.Value, flat: ir.Value) -> ir.Value:
    """The address of the element at C-order position `flat`."""
    b = ctx.b
    if ty.layout == "C":
        return b.gep(am.data(b, arr), [flat], inbounds=True)
    idx: list[ir.Value] = []
    for axis in reversed(range(ty.ndim)):
        size = am.shape(b, arr, axis)
        if axis == 0:
            idx.append(flat)
        else:
            idx.append(b.urem(flat, size))
            flat = b.udiv(flat, size)
    return am.element_pointer(b, ty, arr, idx[::-1])


def _flat_index(ctx: Context, arr: ir.Value, index: ir.Value) -> ir.Value:
    b = ctx.b
    size = b.extract_value(arr, am.NITEMS)
    wrapped = b.select(b.icmp_signed("<", index, loops.ZERO), b.add(index, size), index)
    with b.if_then(b.icmp_unsigned(">=", wrapped, size), likely=False):
        ctx.raise_formatted(IndexError, "index %lld is out of bounds for size %lld", index, size)
    return wrapped


@lower("getitem", t.ArrayFlat, t.Integer)
def flat_getitem(ctx: Context, sig: t.Signature, arr: ir.Value, index: ir.Value) -> ir.Value:
    ty = sig.args[0].array  # type: ignore[attr-defined]
    return am.load_element(ctx.b, ty, _unravel(ctx, ty, arr, _flat_index(ctx, arr, index)))


@lower("setitem", t.ArrayFlat, t.Integer, t.Type)
def flat_setitem(ctx: Context, sig: t.Signature, arr: ir.Value, index: ir.Value,
                 value: ir.Value) -> None:
    ty = sig.args[0].array  # type: ignore[attr-defined]
    am.store_element(ctx.b, ty, _unravel(ctx, ty, arr, _flat_index(ctx, arr, index)), value)


# --- iteration ------------------------------------------------------------------------------

@lower("iter", t.Array)
@lower("iter", t.ArrayFlat)
def array_iter(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    state = ctx.alloca(llvm_type(sig.return_type).pointee, "array.iter")
    b = ctx.b
    zero32 = ir.Constant(i32, 0)
    b.store(loops.ZERO, b.gep(state, [zero32, zero32]))
    b.store(arr, b.gep(state, [zero32, ir.Constant(i32, 1)]))
    ctx.incref(arr, sig.return_type.array)  # type: ignore[attr-defined]  # the iterator's own
    return state


@lower("iternext", t.ArrayIter)
def array_iternext(ctx: Context, sig: t.Signature, state: ir.Value) -> ir.Value:
    b = ctx.b
    it = sig.args[0]
    assert isinstance(it, t.ArrayIter)
    ty = it.array
    zero32 = ir.Constant(i32, 0)
    index_ptr = b.gep(state, [zero32, zero32])
    index = b.load(index_ptr)
    arr = b.load(b.gep(state, [zero32, ir.Constant(i32, 1)]))
    count = b.extract_value(arr, am.NITEMS) if it.flat else am.shape(b, arr, 0)
    valid = b.icmp_signed("<", index, count)
    b.store(b.add(index, loops.ONE), index_ptr)
    item_ty = sig.return_type
    if isinstance(item_ty, t.Array):  # a row: a view whose reference exists only when valid
        from .slicing import fixed_view

        _, row = fixed_view(ctx, ty, arr, [index])
        meminfo = b.select(valid, b.extract_value(row, am.MEMINFO), ir.Constant(i8p, None))
        item = b.insert_value(row, meminfo, am.MEMINFO)
        ctx.incref(item, item_ty)
    else:  # an element, read only when there is one
        slot = ctx.alloca(llvm_type(item_ty), "item")
        b.store(ir.Constant(llvm_type(item_ty), None), slot)
        with b.if_then(valid, likely=True):
            ptr = _unravel(ctx, ty, arr, index) if it.flat else am.element_pointer(
                b, ty, arr, [index])
            b.store(am.load_element(b, ty, ptr), slot)
        item = b.load(slot)
    return ctx.pack([item, valid])

