"""Mixed advanced indexing: index arrays or a mask together with integers and slices.

    a[idx, 1:3]     out[i, j] = a[idx[i], 1 + j]       (advanced axes where they stand)
    a[0, :, idx]    out[i, j] = a[0, j, idx[i]]        (separated: advanced axes first)
    a[mask, 0]      the mask becomes its nonzero() coordinates, then as above
    a[idx, 0] = v   the same walk, storing v broadcast to the selection's shape

The index arrays are broadcast together and each is bounds-checked once before the walk,
in axis order, so the error names the index NumPy names; the walk then only wraps
negatives. Where the result axes go is decided at typing time (typeinfer.rules.slicing.Mixed).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from llvmlite import ir

from jitcore.typeinfer import types as t
from jitcore.typeinfer.rules.slicing import Mixed, mixed_plan

from .. import arrayloops as loops
from .. import arraymodel as am
from ..context import Context
from ..models import i1, i64
from .slicing import fix_index, is_unsigned64, slice_bounds, slice_parts

_TABLE = t.Array(t.int64, 2, "C")
_COLUMN = t.Array(t.int64, 1, "A")


@dataclass
class Selection:
    """The elements a mixed index selects, as a walk over the result's shape."""
    dims: list[ir.Value]                                     # the result's shape
    base: ir.Value                                           # bytes for ints and slice starts
    steps: list[tuple[int, ir.Value]] = field(default_factory=list)   # (result axis, bytes)
    # (broadcast index view, its type, size of the indexed axis, its stride in bytes)
    arrays: list[tuple[ir.Value, t.Array, ir.Value, ir.Value]] = field(default_factory=list)
    adv_axes: list[int] = field(default_factory=list)        # result axes of the arrays
    temps: list[ir.Value] = field(default_factory=list)      # nonzero tables to release

    def release(self, ctx: Context) -> None:
        for table in self.temps:
            ctx.decref(table, _TABLE)


def select(ctx: Context, arr_ty: t.Array, arr: ir.Value, index_ty: t.Tuple,
           index: ir.Value) -> Selection:
    """Check the index against `arr` and work out the selection (raises as NumPy does)."""
    b = ctx.b
    plan = mixed_plan(arr_ty, index_ty.items)
    sel = Selection([], loops.ZERO)
    basic: list[tuple[ir.Value, ir.Value | None]] = []     # (length, byte step) per basic axis
    sources: list[tuple[int, t.Array, ir.Value, bool]] = []  # (axis, type, value, checked)
    axis = 0
    for kind, pos in plan.entries:
        item = None if pos is None else index_ty.items[pos]
        value = None if pos is None else b.extract_value(index, pos)
        if kind == "newaxis":
            basic.append((loops.ONE, None))
            continue
        size, stride = am.shape(b, arr, axis), am.stride(b, arr, axis)
        if kind == "slice":
            parts = [None, None, None] if item is None else slice_parts(ctx, item, value)
            start, length, step = slice_bounds(ctx, size, parts)
            sel.base = b.add(sel.base, b.mul(start, stride))
            basic.append((length, b.mul(stride, step)))
        elif kind == "int":
            i = fix_index(ctx, size, axis, value, check=True, cleanup=lambda: sel.release(ctx),
                          unsigned=is_unsigned64(item))
            sel.base = b.add(sel.base, b.mul(i, stride))
        elif isinstance(item, t.Array) and isinstance(item.dtype, t.Boolean):
            for k, column in enumerate(_nonzero(ctx, sel, arr, axis, item, value)):
                sources.append((axis + k, _COLUMN, column, True))
            axis += item.ndim - 1
        else:
            assert isinstance(item, t.Array)
            sources.append((axis, item, value, False))
        axis += 1
    adv_dims = _broadcast_indexes(ctx, sel, [(ty, v) for _, ty, v, _ in sources],
                                  plan.adv_ndim)
    for axis, ty, value, checked in sources:
        size = am.shape(b, arr, axis)
        if not checked:
            _check_bounds(ctx, sel, ty, value, axis, size)
        view_ty, view = loops.broadcast_to(ctx, ty, value, adv_dims)
        sel.arrays.append((view, view_ty, size, am.stride(b, arr, axis)))
    _place_axes(sel, plan, basic, adv_dims)
    return sel


def _place_axes(sel: Selection, plan: Mixed, basic: list[tuple[ir.Value, ir.Value | None]],
                adv_dims: list[ir.Value]) -> None:
    """The result's shape: the basic axes with the broadcast index axes at `adv_at`."""
    sel.adv_axes = list(range(plan.adv_at, plan.adv_at + plan.adv_ndim))
    for k, (_, step) in enumerate(basic):
        out_axis = k if k < plan.adv_at else k + plan.adv_ndim
        if step is not None:
            sel.steps.append((out_axis, step))
    lengths = [length for length, _ in basic]
    sel.dims = lengths[:plan.adv_at] + adv_dims + lengths[plan.adv_at:]


def _nonzero(ctx: Context, sel: Selection, arr: ir.Value, axis: int, mask_ty: t.Array,
             mask: ir.Value) -> list[ir.Value]:
    """The coordinates of the mask's true elements: one int64 column view per mask axis."""
    from .arraycreate import allocate
    from .slicing import count_true

    b = ctx.b
    for k in range(mask_ty.ndim):
        size, got = am.shape(b, arr, axis + k), am.shape(b, mask, k)
        with b.if_then(b.icmp_signed("!=", size, got), likely=False):
            sel.release(ctx)
            ctx.raise_formatted(IndexError, "boolean index did not match indexed array along "
                                "axis %d; size of axis is %lld but size of corresponding "
                                "boolean axis is %lld", ir.Constant(ir.IntType(32), axis + k),
                                size, got)
    count = count_true(ctx, mask_ty, mask)
    width = ir.Constant(i64, mask_ty.ndim)
    table = allocate(ctx, _TABLE, [count, width])
    sel.temps.append(table)
    row = ctx.alloca(i64, "nonzero.row")
    b.store(loops.ZERO, row)
    data = am.data(b, table)
    with loops.nd_loop(ctx, loops.shapes(ctx, mask_ty, mask)) as idx:
        bit = am.load_element(b, mask_ty, am.element_pointer(b, mask_ty, mask, idx))
        with b.if_then(bit):
            here = b.load(row)
            for k, i in enumerate(idx):
                slot = b.add(b.mul(here, width), ir.Constant(i64, k))
                b.store(i, b.gep(data, [slot], inbounds=True))
            b.store(b.add(here, loops.ONE), row)
    stride = ir.Constant(i64, 8 * mask_ty.ndim)
    return [loops.build(ctx, _COLUMN, table,
                        loops.byte_offset(ctx, table, ir.Constant(i64, 8 * k)), [count], [stride])
            for k in range(mask_ty.ndim)]


def _broadcast_indexes(ctx: Context, sel: Selection, arrays: list[tuple[t.Array, ir.Value]],
                       ndim: int) -> list[ir.Value]:
    """The broadcast shape of the index arrays, or NumPy's IndexError."""
    b = ctx.b
    dims: list[ir.Value] = [loops.ONE] * ndim
    ok: ir.Value = ir.Constant(i1, 1)
    for ty, value in arrays:
        lead = ndim - ty.ndim
        for k in range(ty.ndim):
            own, so_far = am.shape(b, value, k), dims[lead + k]
            fits = b.or_(b.icmp_signed("==", own, so_far),
                         b.or_(b.icmp_signed("==", own, loops.ONE),
                               b.icmp_signed("==", so_far, loops.ONE)))
            ok = b.and_(ok, fits)
            dims[lead + k] = b.select(b.icmp_signed("==", own, loops.ONE), so_far, own)
    if len(arrays) > 1:
        with b.if_then(b.not_(ok), likely=False):
            sel.release(ctx)
            shapes = "".join(loops.shape_format(ty.ndim) + " " for ty, _ in arrays)
            ctx.raise_formatted(IndexError, "shape mismatch: indexing arrays could not be "
                                "broadcast together with shapes " + shapes,
                                *(s for ty, v in arrays for s in loops.shapes(ctx, ty, v)))
    return dims


def _check_bounds(ctx: Context, sel: Selection, ty: t.Array, value: ir.Value, axis: int,
                  size: ir.Value) -> None:
    """IndexError for the first element of an index array outside -size..size-1."""
    b = ctx.b
    with loops.nd_loop(ctx, loops.shapes(ctx, ty, value)) as idx:
        i = am.load_element(b, ty, am.element_pointer(b, ty, value, idx))
        fix_index(ctx, size, axis, ctx.cast(i, ty.dtype, t.int64), check=True,
                  cleanup=lambda: sel.release(ctx))


def walk(ctx: Context, sel: Selection, arr_ty: t.Array, arr: ir.Value,
         body: Callable[[list[ir.Value], ir.Value], None]) -> None:
    """body(result index, element pointer in arr) for every selected element, C order."""
    b = ctx.b
    with loops.nd_loop(ctx, sel.dims) as idx:
        offset = sel.base
        for axis, step in sel.steps:
            offset = b.add(offset, b.mul(idx[axis], step))
        at = [idx[axis] for axis in sel.adv_axes]
        for view, view_ty, size, stride in sel.arrays:
            i = am.load_element(b, view_ty, am.element_pointer(b, view_ty, view, at))
            i = ctx.cast(i, view_ty.dtype, t.int64)
            i = b.select(b.icmp_signed("<", i, loops.ZERO), b.add(i, size), i)
            offset = b.add(offset, b.mul(i, stride))
        ptr = b.bitcast(loops.byte_offset(ctx, arr, offset),
                        am.storage_type(arr_ty.dtype).as_pointer())
        body(idx, ptr)


def mixed_get(ctx: Context, arr_ty: t.Array, arr: ir.Value, index_ty: t.Tuple,
              index: ir.Value, out_ty: t.Array) -> ir.Value:
    """arr[index]: a new C array."""
    from .arraycreate import allocate

    b = ctx.b
    sel = select(ctx, arr_ty, arr, index_ty, index)
    out = allocate(ctx, out_ty, sel.dims)
    cursor = ctx.alloca(i64, "mixed.k")
    b.store(loops.ZERO, cursor)
    data = am.data(b, out)

    def copy(idx: list[ir.Value], src: ir.Value) -> None:
        k = b.load(cursor)
        am.store_element(b, out_ty, b.gep(data, [k], inbounds=True),
                         am.load_element(b, arr_ty, src))
        b.store(b.add(k, loops.ONE), cursor)

    walk(ctx, sel, arr_ty, arr, copy)
    sel.release(ctx)
    return out


def mixed_set(ctx: Context, arr_ty: t.Array, arr: ir.Value, index_ty: t.Tuple,
              index: ir.Value, value_ty: t.Type, value: ir.Value) -> None:
    """arr[index] = value: a scalar (of arr's dtype) or an array broadcast to the selection."""
    b = ctx.b
    sel = select(ctx, arr_ty, arr, index_ty, index)
    if not isinstance(value_ty, t.Array):
        walk(ctx, sel, arr_ty, arr, lambda idx, ptr: am.store_element(b, arr_ty, ptr, value))
        sel.release(ctx)
        return
    _check_value_shape(ctx, sel, value_ty, value)
    src_ty, src = loops.broadcast_to(ctx, value_ty, value, sel.dims)
    source, release = loops.unaliased(ctx, arr_ty, arr, src_ty, src)

    def put(idx: list[ir.Value], dst: ir.Value) -> None:
        item = am.load_element(b, src_ty, am.element_pointer(b, src_ty, source, idx))
        am.store_element(b, arr_ty, dst, ctx.cast(item, value_ty.dtype, arr_ty.dtype))

    walk(ctx, sel, arr_ty, arr, put)
    release()
    sel.release(ctx)


def _check_value_shape(ctx: Context, sel: Selection, value_ty: t.Array,
                       value: ir.Value) -> None:
    """NumPy's ValueError when the value does not broadcast to the selection."""
    b = ctx.b
    own = loops.shapes(ctx, value_ty, value)
    lead = len(sel.dims) - value_ty.ndim
    ok: ir.Value = ir.Constant(i1, 1)
    for k, size in enumerate(own):
        ok = b.and_(ok, b.or_(b.icmp_signed("==", size, loops.ONE),
                              b.icmp_signed("==", size, sel.dims[lead + k])))
    with b.if_then(b.not_(ok), likely=False):
        sel.release(ctx)
        fmt = (f"shape mismatch: value array of shape {loops.shape_format(value_ty.ndim)} "
               f"could not be broadcast to indexing result of shape "
               f"{loops.shape_format(len(sel.dims))}")
        ctx.raise_formatted(ValueError, fmt, *own, *sel.dims)
