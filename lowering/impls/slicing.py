"""Array indexing: integers, slices, None, `...` (views) and masks, index arrays (copies).

    a[1:-1, ::-1]    view: data += start * stride per axis; shape = slice length;
                     stride *= step (slice bounds clipped as Python's slice.indices)
    a[mask]          count the true elements, allocate, copy them in C order
    a[idx]           one row of `a` per index (wrapped, always bounds-checked)
    a[idx, 1:3]      index arrays mixed with integers and slices: impls/mixedindex.py
    a[...] = value   a scalar is stored everywhere; an array is broadcast, and copied to a
                     temporary first if it may overlap the destination

Plain integers wrap negatives and are checked only with `boundscheck` (as for
items); integers inside an index array are always checked, as NumPy does.
"""
from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from llvmlite import ir

from jitcore.frontend import config
from jitcore.typeinfer import types as t
from jitcore.typeinfer.rules.slicing import index_items, index_kind, is_mixed

from .. import arrayloops as loops
from .. import arraymodel as am
from ..context import Context
from ..models import i32, i64, llvm_type
from ..registry import lower

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


# slice(start, stop, step)
@lower(builtins.slice)
def make_slice(ctx: Context, sig: t.Signature, *parts: ir.Value) -> ir.Value:
    ty = sig.return_type
    assert isinstance(ty, t.Slice)
    given = list(zip(sig.args, parts)) if len(parts) > 1 else [(t.none, None), (sig.args[0],
                                                                                parts[0])]
    out = ir.Constant(llvm_type(ty), [ir.Constant(i64, 0)] * 3)
    for k, (part_ty, llv) in enumerate(given):
        if is_unsigned64(part_ty):  # a bound past int64 clips as any bound past the end
            llv = ctx.b.select(ctx.b.icmp_signed("<", llv, loops.ZERO),
                               ir.Constant(i64, _INT64_MAX), llv)
        if not isinstance(part_ty, t.NoneType):
            out = ctx.b.insert_value(out, llv, k)
    return out


def is_unsigned64(ty: t.Type | None) -> bool:
    """A uint64 index: its values past 2**63 are huge, not negative."""
    return isinstance(ty, t.Integer) and ty.bitwidth == 64 and not ty.signed


def fix_index(ctx: Context, size: ir.Value, axis: int, idx: ir.Value, check: bool = False,
              cleanup: Callable[[], None] | None = None, unsigned: bool = False) -> ir.Value:
    """Wrap a negative index; check bounds when asked to (or with boundscheck).

    An `unsigned` (uint64) index never wraps: one past int64 is NumPy's OverflowError,
    checked or not. `cleanup` releases what the caller holds before an error returns.
    """
    b = ctx.b
    if unsigned:
        with b.if_then(b.icmp_signed("<", idx, loops.ZERO), likely=False):
            if cleanup is not None:
                cleanup()
            ctx.raise_exception(OverflowError, ("Python int too large to convert to C long",))
        if check or ctx.options.get("boundscheck") or config.BOUNDSCHECK:
            with b.if_then(b.icmp_unsigned(">=", idx, size), likely=False):
                if cleanup is not None:
                    cleanup()
                ctx.raise_formatted(IndexError, "index %llu is out of bounds for axis %d with "
                                    "size %lld", idx, ir.Constant(i32, axis), size)
        return idx
    wrapped = b.select(b.icmp_signed("<", idx, loops.ZERO), b.add(idx, size), idx)
    if check or ctx.options.get("boundscheck") or config.BOUNDSCHECK:
        out = b.icmp_unsigned(">=", wrapped, size)  # negative after wrapping is huge unsigned
        with b.if_then(out, likely=False):
            if cleanup is not None:
                cleanup()
            ctx.raise_formatted(IndexError, "index %lld is out of bounds for axis %d with size "
                                "%lld", idx, ir.Constant(i32, axis), size)
    return wrapped


def slice_parts(ctx: Context, ty: t.Type, llv: ir.Value) -> list[ir.Value | None]:
    """(start, stop, step) as i64 values or None where the part is absent."""
    if isinstance(ty, t.PyObjectConst):
        s: slice = ty.value
        return [None if v is None else ir.Constant(i64, max(_INT64_MIN, min(_INT64_MAX, v)))
                for v in (s.start, s.stop, s.step)]
    assert isinstance(ty, t.Slice)
    return [ctx.b.extract_value(llv, k) if present else None
            for k, present in enumerate(ty.present)]


def slice_bounds(ctx: Context, size: ir.Value, parts: list[ir.Value | None]) -> tuple[
        ir.Value, ir.Value, ir.Value]:
    """(start, length, step) of a slice over `size` items, as PySlice_AdjustIndices."""
    b = ctx.b
    start, stop, step = parts
    if step is None:
        step = loops.ONE
    if not isinstance(step, ir.Constant) or step.constant == 0:
        with b.if_then(b.icmp_signed("==", step, loops.ZERO), likely=False):
            ctx.raise_exception(ValueError, ("slice step cannot be zero",))
    neg = b.icmp_signed("<", step, loops.ZERO)
    minus_one = ir.Constant(i64, -1)
    lower = b.select(neg, minus_one, loops.ZERO)
    upper = b.select(neg, b.sub(size, loops.ONE), size)

    def adjust(v: ir.Value | None, default_pos: ir.Value, default_neg: ir.Value) -> ir.Value:
        if v is None:
            return b.select(neg, default_neg, default_pos)
        v = b.select(b.icmp_signed("<", v, loops.ZERO), b.add(v, size), v)
        v = b.select(b.icmp_signed("<", v, lower), lower, v)
        return b.select(b.icmp_signed(">", v, upper), upper, v)

    first = adjust(start, loops.ZERO, b.sub(size, loops.ONE))
    last = adjust(stop, size, minus_one)
    diff = b.select(neg, b.sub(first, last), b.sub(last, first))
    magnitude = b.select(neg, b.neg(step), step)
    count = b.add(b.udiv(b.sub(diff, loops.ONE), magnitude), loops.ONE)
    length = b.select(b.icmp_signed(">", diff, loops.ZERO), count, loops.ZERO)
    return first, length, step


def basic_view(ctx: Context, arr_ty: t.Array, arr: ir.Value, index_ty: t.Type,
               index: ir.Value, view_ty: t.Array) -> ir.Value:
    """The view `arr[index]` for a basic index (no reference taken)."""
    b = ctx.b
    items = index_items(index_ty)
    values = ([b.extract_value(index, k) for k in range(len(items))]
              if isinstance(index_ty, t.Tuple) else [index])
    offset: ir.Value = loops.ZERO
    dims: list[ir.Value] = []
    steps: list[ir.Value] = []
    axis = 0
    for item, value in _expanded(arr_ty, items, values):
        kind = "slice" if item is None else index_kind(item)
        if kind == "newaxis":
            dims.append(loops.ONE)
            steps.append(loops.ZERO)
            continue
        size, stride = am.shape(b, arr, axis), am.stride(b, arr, axis)
        if kind == "int":
            idx = fix_index(ctx, size, axis, value, unsigned=is_unsigned64(item))
            offset = b.add(offset, b.mul(idx, stride))
        else:
            parts = [None, None, None] if item is None else slice_parts(ctx, item, value)
            start, length, step = slice_bounds(ctx, size, parts)
            offset = b.add(offset, b.mul(start, stride))
            dims.append(length)
            steps.append(b.mul(stride, step))
        axis += 1
    return loops.build(ctx, view_ty, arr, loops.byte_offset(ctx, arr, offset), dims, steps)


def _expanded(arr_ty: t.Array, items: tuple[t.Type, ...],
              values: list[ir.Value]) -> list[tuple[t.Type | None, Any]]:
    """(item, value) pairs with `...` and the implicit trailing axes as (None, None): ':'."""
    kinds = [index_kind(i) for i in items]
    fill: list[tuple[t.Type | None, Any]] = [(None, None)] * (
        arr_ty.ndim - sum(k in ("int", "slice") for k in kinds))
    out: list[tuple[t.Type | None, Any]] = []
    for item, kind, value in zip(items, kinds, values):
        out += fill if kind == "ellipsis" else [(item, value)]
    if "ellipsis" not in kinds:
        out += fill
    return out


def _element(ctx: Context, arr_ty: t.Array, arr: ir.Value, index_ty: t.Type,
             index: ir.Value) -> ir.Value:
    """The address of the element a full integer index selects."""
    b = ctx.b
    values = ([b.extract_value(index, k) for k in range(len(index_ty.items))]
              if isinstance(index_ty, t.Tuple) else [index])
    items = index_items(index_ty)
    idx = [fix_index(ctx, am.shape(b, arr, axis), axis, v, unsigned=is_unsigned64(item))
           for axis, (item, v) in enumerate(zip(items, values))]
    return am.element_pointer(b, arr_ty, arr, idx)


@lower("getitem", t.Array, t.Type)
def getitem(ctx: Context, sig: t.Signature, arr: ir.Value, index: ir.Value) -> ir.Value:
    arr_ty, index_ty = sig.args
    assert isinstance(arr_ty, t.Array)
    if isinstance(index_ty, t.Array):
        return fancy_get(ctx, arr_ty, arr, index_ty, index, sig.return_type)
    if is_mixed(index_ty):
        from .mixedindex import mixed_get

        assert isinstance(index_ty, t.Tuple) and isinstance(sig.return_type, t.Array)
        return mixed_get(ctx, arr_ty, arr, index_ty, index, sig.return_type)
    if not isinstance(sig.return_type, t.Array):
        return am.load_element(ctx.b, arr_ty, _element(ctx, arr_ty, arr, index_ty, index))
    view = basic_view(ctx, arr_ty, arr, index_ty, index, sig.return_type)
    ctx.incref(view, sig.return_type)  # the view shares the array's memory
    return view


@lower("setitem", t.Array, t.Type, t.Type)
def setitem(ctx: Context, sig: t.Signature, arr: ir.Value, index: ir.Value,
            value: ir.Value) -> None:
    arr_ty, index_ty, value_ty = sig.args
    assert isinstance(arr_ty, t.Array)
    if isinstance(index_ty, t.Array):
        fancy_set(ctx, arr_ty, arr, index_ty, index, value_ty, value)
        return
    if is_mixed(index_ty):
        from .mixedindex import mixed_set

        assert isinstance(index_ty, t.Tuple)
        mixed_set(ctx, arr_ty, arr, index_ty, index, value_ty, value)
        return
    from jitcore.typeinfer.rules.slicing import view_type

    target = view_type(arr_ty, index_items(index_ty))
    if not isinstance(target, t.Array):
        am.store_element(ctx.b, arr_ty, _element(ctx, arr_ty, arr, index_ty, index), value)
        return
    view = basic_view(ctx, arr_ty, arr, index_ty, index, target)
    store(ctx, target, view, value_ty, value)


def store(ctx: Context, target_ty: t.Array, target: ir.Value, value_ty: t.Type,
          value: ir.Value) -> None:
    """target[...] = value for a scalar (already of the dtype), an array or a tuple of
    scalars of the dtype (stored through a temporary 1-d array, as NumPy converts it)."""
    if isinstance(value_ty, t.Tuple):
        from .arraycreate import allocate

        tmp_ty = t.Array(target_ty.dtype, 1, "C")
        n = len(value_ty.items)
        tmp = allocate(ctx, tmp_ty, [ir.Constant(i64, n)])
        for k in range(n):
            ptr = am.element_pointer(ctx.b, tmp_ty, tmp, [ir.Constant(i64, k)])
            am.store_element(ctx.b, tmp_ty, ptr, ctx.b.extract_value(value, k))
        ctx.live_references = [*ctx.live_references, (tmp, tmp_ty)]  # freed if the shapes differ
        loops.assign(ctx, target_ty, target, tmp_ty, tmp)
        ctx.live_references = ctx.live_references[:-1]
        ctx.decref(tmp, tmp_ty)
    elif isinstance(value_ty, t.Array):
        loops.assign(ctx, target_ty, target, value_ty, value)
    else:
        loops.fill(ctx, target_ty, target, value)


# --- fancy indexing ------------------------------------------------------------------------

def fixed_view(ctx: Context, arr_ty: t.Array, arr: ir.Value, idx: list[ir.Value]) -> tuple[
        t.Array, ir.Value]:
    """arr with its leading axes fixed at `idx` (a view, no reference taken)."""
    b = ctx.b
    offset: ir.Value = loops.ZERO
    for axis, i in enumerate(idx):
        offset = b.add(offset, b.mul(i, am.stride(b, arr, axis)))
    rest = range(len(idx), arr_ty.ndim)
    ty = arr_ty.copy(ndim=arr_ty.ndim - len(idx), layout="C" if arr_ty.layout == "C" else "A")
    return ty, loops.build(ctx, ty, arr, loops.byte_offset(ctx, arr, offset),
                           [am.shape(b, arr, a) for a in rest],
                           [am.stride(b, arr, a) for a in rest])


def _check_mask(ctx: Context, arr: ir.Value, mask_ty: t.Array, mask: ir.Value) -> None:
    b = ctx.b
    for axis in range(mask_ty.ndim):
        size, got = am.shape(b, arr, axis), am.shape(b, mask, axis)
        with b.if_then(b.icmp_signed("!=", size, got), likely=False):
            ctx.raise_formatted(IndexError, "boolean index did not match indexed array along "
                                "axis %d; size of axis is %lld but size of corresponding "
                                "boolean axis is %lld", ir.Constant(i32, axis), size, got)


def count_true(ctx: Context, mask_ty: t.Array, mask: ir.Value) -> ir.Value:
    b = ctx.b
    total = ctx.alloca(i64, "count")
    b.store(loops.ZERO, total)
    with loops.nd_loop(ctx, loops.shapes(ctx, mask_ty, mask)) as idx:
        bit = am.load_element(b, mask_ty, am.element_pointer(b, mask_ty, mask, idx))
        b.store(b.add(b.load(total), b.zext(bit, i64)), total)
    return b.load(total)


def _index_dims(ctx: Context, arr_ty: t.Array, arr: ir.Value, index_ty: t.Array,
                index: ir.Value) -> tuple[list[ir.Value], ir.Value | None]:
    """The shape of the selection and, for masks, the number of true elements."""
    b = ctx.b
    if isinstance(index_ty.dtype, t.Boolean):
        _check_mask(ctx, arr, index_ty, index)
        count = count_true(ctx, index_ty, index)
        rest = [am.shape(b, arr, a) for a in range(index_ty.ndim, arr_ty.ndim)]
        return [count, *rest], count
    rest = [am.shape(b, arr, a) for a in range(1, arr_ty.ndim)]
    return [*loops.shapes(ctx, index_ty, index), *rest], None


def _each_selected(ctx: Context, arr_ty: t.Array, arr: ir.Value, index_ty: t.Array,
                   index: ir.Value, body: Any,
                   cleanup: Callable[[], None] | None = None) -> None:
    """Call body(position, sub-array type, sub-array) for each selected sub-array in order.

    `cleanup` runs before an out-of-bounds index raises (to release what the caller made).
    """
    b = ctx.b
    pos = ctx.alloca(i64, "pos")
    b.store(loops.ZERO, pos)
    with loops.nd_loop(ctx, loops.shapes(ctx, index_ty, index)) as idx:
        item = am.load_element(b, index_ty, am.element_pointer(b, index_ty, index, idx))
        if isinstance(index_ty.dtype, t.Boolean):
            with b.if_then(item):
                here = b.load(pos)
                sub_ty, sub = fixed_view(ctx, arr_ty, arr, idx)
                body(here, sub_ty, sub)
                b.store(b.add(here, loops.ONE), pos)
        else:
            here = b.load(pos)
            row = ctx.cast(item, index_ty.dtype, t.int64)
            row = fix_index(ctx, am.shape(b, arr, 0), 0, row, check=True, cleanup=cleanup)
            sub_ty, sub = fixed_view(ctx, arr_ty, arr, [row])
            body(here, sub_ty, sub)
            b.store(b.add(here, loops.ONE), pos)


def fancy_get(ctx: Context, arr_ty: t.Array, arr: ir.Value, index_ty: t.Array,
              index: ir.Value, out_ty: t.Type) -> ir.Value:
    from .arraycreate import allocate

    assert isinstance(out_ty, t.Array)
    dims, _ = _index_dims(ctx, arr_ty, arr, index_ty, index)
    out = allocate(ctx, out_ty, dims)
    flat_ty, flat = _rows(ctx, out_ty, out, len(dims) - (arr_ty.ndim - _consumed(index_ty)))

    def body(pos: ir.Value, sub_ty: t.Array, sub: ir.Value) -> None:
        row_ty, row = fixed_view(ctx, flat_ty, flat, [pos])
        loops.copy_into(ctx, row_ty, row, sub_ty, sub)

    _each_selected(ctx, arr_ty, arr, index_ty, index, body,
                   cleanup=lambda: ctx.decref(out, out_ty))
    return out


def _consumed(index_ty: t.Array) -> int:
    """How many axes of the indexed array one index element selects."""
    return index_ty.ndim if isinstance(index_ty.dtype, t.Boolean) else 1


def _rows(ctx: Context, ty: t.Array, arr: ir.Value, lead: int) -> tuple[t.Array, ir.Value]:
    """A C array with its `lead` leading axes merged into one (no reference taken)."""
    b = ctx.b
    count: ir.Value = loops.ONE
    for axis in range(lead):
        count = b.mul(count, am.shape(b, arr, axis))
    rest = range(lead, ty.ndim)
    row_bytes: ir.Value = ir.Constant(i64, am.itemsize(ty))
    for axis in rest:
        row_bytes = b.mul(row_bytes, am.shape(b, arr, axis))
    flat_ty = ty.copy(ndim=1 + len(rest))
    return flat_ty, loops.build(ctx, flat_ty, arr, am.data(b, arr),
                                [count, *(am.shape(b, arr, a) for a in rest)],
                                [row_bytes, *(am.stride(b, arr, a) for a in rest)])


def fancy_set(ctx: Context, arr_ty: t.Array, arr: ir.Value, index_ty: t.Array,
              index: ir.Value, value_ty: t.Type, value: ir.Value) -> None:
    b = ctx.b
    if not isinstance(value_ty, t.Array):
        _each_selected(ctx, arr_ty, arr, index_ty, index,
                       lambda pos, sub_ty, sub: loops.fill(ctx, sub_ty, sub, value))
        return
    dims, count = _index_dims(ctx, arr_ty, arr, index_ty, index)
    if count is not None and value_ty.ndim == 1 and len(dims) == 1:
        got = am.shape(b, value, 0)
        bad = b.and_(b.icmp_signed("!=", got, count), b.icmp_signed("!=", got, loops.ONE))
        with b.if_then(bad, likely=False):
            ctx.raise_formatted(ValueError, "NumPy boolean array indexing assignment cannot "
                                "assign %lld input values to the %lld output values where the "
                                "mask is true", got, count)
    # The value as a whole, shaped like the selection; copied first if it may overlap.
    src_ty, src = loops.broadcast_to(ctx, value_ty, value, dims)
    source, release = loops.unaliased(ctx, arr_ty, arr, src_ty, src)
    lead = len(dims) - (arr_ty.ndim - _consumed(index_ty))

    def body(pos: ir.Value, sub_ty: t.Array, sub: ir.Value) -> None:
        row_ty, row = _row_of(ctx, src_ty, source, pos, lead)
        loops.copy_into(ctx, sub_ty, sub, row_ty, row)

    _each_selected(ctx, arr_ty, arr, index_ty, index, body, cleanup=release)
    release()


def _row_of(ctx: Context, ty: t.Array, arr: ir.Value, pos: ir.Value,
            lead: int) -> tuple[t.Array, ir.Value]:
    """Sub-array number `pos` (C order) over the `lead` leading axes of `arr`."""
    b = ctx.b
    idx: list[ir.Value] = []
    remaining = pos
    for axis in reversed(range(lead)):
        size = am.shape(b, arr, axis)
        if axis == 0:
            idx.append(remaining)
        else:
            idx.append(b.urem(remaining, size))
            remaining = b.udiv(remaining, size)
    return fixed_view(ctx, ty, arr, idx[::-1])


