"""Loop builders for whole-array routines: counted loops and walks over every element.

    with counted_loop(ctx, n, "row") as i:        # for i in range(n)
        ...
    walk(ctx, arr_ty, arr, body)                  # body(ptr) for each element, C order

Contiguous arrays are walked with one flat loop indexed by element count (the form
LLVM vectorises); other layouts with a loop per axis that adds byte strides.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from llvmlite import ir

from jitcore.typeinfer import types as t

from .. import arraymodel as am
from ..context import Context
from ..models import i8p, i64

ZERO = ir.Constant(i64, 0)
ONE = ir.Constant(i64, 1)


@contextmanager
def counted_loop(ctx: Context, count: ir.Value, name: str = "loop",
                 start: ir.Value | None = None) -> Iterator[ir.Value]:
    """`for i in range(start, count)` with a phi counter; the body is the with-block."""
    b = ctx.b
    head = ctx.llfn.append_basic_block(f"{name}.head")
    body = ctx.llfn.append_basic_block(f"{name}.body")
    done = ctx.llfn.append_basic_block(f"{name}.done")
    before = b.block
    b.branch(head)
    b.position_at_end(head)
    i = b.phi(i64, name=f"{name}.i")
    i.add_incoming(start if start is not None else ZERO, before)
    b.cbranch(b.icmp_signed("<", i, count), body, done)
    b.position_at_end(body)
    yield i
    i.add_incoming(b.add(i, ONE, flags=["nsw"]), b.block)
    b.branch(head)
    b.position_at_end(done)


def byte_offset(b: ir.IRBuilder, ptr: ir.Value, offset: ir.Value) -> ir.Value:
    """`ptr` moved by `offset` bytes, keeping its pointer type."""
    return b.bitcast(b.gep(b.bitcast(ptr, i8p), [offset], inbounds=True), ptr.type)


def walk(ctx: Context, ty: t.Array, arr: ir.Value, body: Callable[[ir.Value], None],
         any_order: bool = False) -> None:
    """Call body(element pointer) for every element, in C order.

    With `any_order` an F-contiguous array is walked in memory order (for sums and the like).
    """
    b = ctx.b
    if ty.ndim == 0 or ty.layout == "C" or (ty.layout == "F" and any_order):
        count = b.extract_value(arr, am.NITEMS) if ty.ndim else ONE
        data = am.data(b, arr)
        with counted_loop(ctx, count, "flat") as i:
            body(b.gep(data, [i], inbounds=True))
        return
    walk_axes(ctx, arr, list(range(ty.ndim)), am.data(b, arr), body)


def walk_axes(ctx: Context, arr: ir.Value, axes: list[int], ptr: ir.Value,
              body: Callable[[ir.Value], None]) -> None:
    """Nested loops over `axes` (outermost first) of `arr`, moving `ptr` by its strides."""
    if not axes:
        body(ptr)
        return
    b = ctx.b
    axis = axes[0]
    stride = am.stride(b, arr, axis)
    with counted_loop(ctx, am.shape(b, arr, axis), f"ax{axis}") as i:
        walk_axes(ctx, arr, axes[1:], byte_offset(b, ptr, b.mul(i, stride)), body)


def nested_loops(ctx: Context, dims: list[ir.Value], ptrs: list[ir.Value],
                 strides: list[list[ir.Value]], body: Callable[[list[ir.Value]], None],
                 name: str = "nest") -> None:
    """Loops over `dims` (outermost first), moving each pointer by its own byte stride per
    level: body(pointers) runs once per position."""
    if not dims:
        body(ptrs)
        return
    b = ctx.b
    with counted_loop(ctx, dims[0], f"{name}{len(dims)}") as i:
        moved = [byte_offset(b, p, b.mul(i, s[0])) for p, s in zip(ptrs, strides)]
        nested_loops(ctx, dims[1:], moved, [s[1:] for s in strides], body, name)


def copy_elements(ctx: Context, src_ty: t.Array, src: ir.Value, dst_ty: t.Array,
                  dst_ptr: ir.Value, dst_strides: list[ir.Value]) -> None:
    """Copy every element of `src` to the positions `dst_ptr` + index . `dst_strides`,
    converting to dst_ty's dtype."""
    b = ctx.b
    if src_ty.ndim == 0:
        value = ctx.cast(am.load_element(b, src_ty, am.data(b, src)), src_ty.dtype, dst_ty.dtype)
        am.store_element(b, dst_ty, dst_ptr, value)
        return
    dims = [am.shape(b, src, a) for a in range(src_ty.ndim)]
    src_strides = [am.stride(b, src, a) for a in range(src_ty.ndim)]

    def body(ptrs: list[ir.Value]) -> None:
        value = ctx.cast(am.load_element(b, src_ty, ptrs[0]), src_ty.dtype, dst_ty.dtype)
        am.store_element(b, dst_ty, ptrs[1], value)

    nested_loops(ctx, dims, [am.data(b, src), dst_ptr], [src_strides, dst_strides], body, "copy")
