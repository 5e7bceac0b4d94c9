"""Loops over arrays for the lowering: counted and nested loops, copies with broadcasting.

    with counted_loop(ctx, n) as i:          # for i in range(n), i is an i64
        ...
    with nd_loop(ctx, dims) as idx:          # C order over every index tuple of `dims`
        ...
    copy_into(ctx, dst_ty, dst, src_ty, src) # dst[...] = src, NumPy's broadcasting rules

Copies between two contiguous arrays of one shape run as one flat loop LLVM can
vectorise; everything else goes through strides. A source that may overlap its
destination is copied to a temporary first, as NumPy does.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from llvmlite import ir

from jitcore.typeinfer import types as t

from . import arraymodel as am
from .context import Context
from .models import i1, i8p, i64, llvm_type

ZERO = ir.Constant(i64, 0)
ONE = ir.Constant(i64, 1)


@contextmanager
def counted_loop(ctx: Context, count: ir.Value, name: str = "i") -> Iterator[ir.Value]:
    """for i in range(count): the body is emitted inside the `with`."""
    b = ctx.b
    pre = b.block
    head = b.append_basic_block(f"{name}.head")
    body = b.append_basic_block(f"{name}.body")
    end = b.append_basic_block(f"{name}.end")
    b.branch(head)
    b.position_at_end(head)
    i = b.phi(i64, name=name)
    i.add_incoming(ZERO, pre)
    b.cbranch(b.icmp_signed("<", i, count), body, end)
    b.position_at_end(body)
    yield i
    if not b.block.is_terminated:
        i.add_incoming(b.add(i, ONE, flags=["nsw", "nuw"]), b.block)
        b.branch(head)
    b.position_at_end(end)


@contextmanager
def nd_loop(ctx: Context, dims: list[ir.Value]) -> Iterator[list[ir.Value]]:
    """Nested loops over `dims`, the last axis innermost; yields the index list."""
    with ExitStack() as stack:
        idx = [stack.enter_context(counted_loop(ctx, d, f"ax{k}")) for k, d in enumerate(dims)]
        yield idx


def shapes(ctx: Context, ty: t.Array, arr: ir.Value) -> list[ir.Value]:
    return [am.shape(ctx.b, arr, k) for k in range(ty.ndim)]


def build(ctx: Context, ty: t.Array, like: ir.Value, data: ir.Value, dims: list[ir.Value],
          steps: list[ir.Value]) -> ir.Value:
    """An array value of `ty` sharing `like`'s memory (no reference taken) with new geometry."""
    b = ctx.b
    out = ir.Constant(llvm_type(ty), ir.Undefined)
    for field in (am.MEMINFO, am.PARENT, am.ITEMSIZE):
        out = b.insert_value(out, b.extract_value(like, field), field)
    out = b.insert_value(out, b.bitcast(data, am.storage_type(ty.dtype).as_pointer()), am.DATA)
    nitems: ir.Value = ONE
    for k, (size, step) in enumerate(zip(dims, steps)):
        nitems = b.mul(nitems, size)
        out = b.insert_value(out, size, [am.SHAPE, k])
        out = b.insert_value(out, step, [am.STRIDES, k])
    return b.insert_value(out, nitems, am.NITEMS)


def byte_offset(ctx: Context, arr: ir.Value, offset: ir.Value) -> ir.Value:
    """The data pointer of `arr` moved by `offset` bytes, as an i8*."""
    return ctx.b.gep(ctx.b.bitcast(am.data(ctx.b, arr), i8p), [offset])


def is_c_contiguous(ctx: Context, ty: t.Array, arr: ir.Value) -> ir.Value:
    """Whether `arr` is C-contiguous at run time (axes of size 1 do not count, as in NumPy)."""
    b = ctx.b
    if ty.layout == "C" or ty.ndim == 0:
        return ir.Constant(i1, 1)
    ok: ir.Value = ir.Constant(i1, 1)
    expected: ir.Value = ir.Constant(i64, am.itemsize(ty))
    for axis in reversed(range(ty.ndim)):
        size = am.shape(b, arr, axis)
        fits = b.or_(b.icmp_signed("==", am.stride(b, arr, axis), expected),
                     b.icmp_signed("==", size, ONE))
        ok = b.and_(ok, fits)
        expected = b.mul(expected, size)
    return b.or_(ok, b.icmp_signed("==", b.extract_value(arr, am.NITEMS), ZERO))


def is_f_contiguous(ctx: Context, ty: t.Array, arr: ir.Value) -> ir.Value:
    """Whether `arr` is F-contiguous at run time: its transpose is C-contiguous."""
    if ty.layout == "F":
        return ir.Constant(i1, 1)
    if ty.ndim <= 1:
        return is_c_contiguous(ctx, ty, arr)
    return is_c_contiguous(ctx, *transposed(ctx, ty, arr))


def is_f_ordered(ctx: Context, ty: t.Array, arr: ir.Value) -> ir.Value:
    """Whether NumPy's order='K' lays a copy of `arr` out in F order: not C-contiguous, and
    the byte strides grow from the first axis to the last (axes of size 1 do not count)."""
    b = ctx.b
    if ty.layout in ("C", "F") or ty.ndim <= 1:
        return ir.Constant(i1, int(ty.layout == "F" and ty.ndim > 1))
    ok: ir.Value = ir.Constant(i1, 1)
    smallest: ir.Value = ZERO
    for axis in range(ty.ndim):
        stride, size = am.stride(b, arr, axis), am.shape(b, arr, axis)
        step = b.select(b.icmp_signed("<", stride, ZERO), b.neg(stride), stride)
        skip = b.icmp_signed("==", size, ONE)
        ok = b.and_(ok, b.or_(skip, b.icmp_signed("<=", smallest, step)))
        smallest = b.select(skip, smallest, step)
    return b.and_(ok, b.not_(is_c_contiguous(ctx, ty, arr)))


def transposed(ctx: Context, ty: t.Array, arr: ir.Value,
               flag: ir.Value | bool = True) -> tuple[t.Array, ir.Value]:
    """`arr` with its axes reversed (a view, no reference taken); with a run-time `flag`,
    reversed only when it is true (typed A)."""
    b = ctx.b
    if flag is False or ty.ndim <= 1:
        return ty, arr
    n = ty.ndim
    if flag is True:
        out_ty = ty.copy(layout={"C": "F", "F": "C"}.get(ty.layout, "A"))
        return out_ty, build(ctx, out_ty, arr, am.data(b, arr),
                             [am.shape(b, arr, n - 1 - k) for k in range(n)],
                             [am.stride(b, arr, n - 1 - k) for k in range(n)])
    out_ty = ty.copy(layout="A")
    dims = [b.select(flag, am.shape(b, arr, n - 1 - k), am.shape(b, arr, k)) for k in range(n)]
    steps = [b.select(flag, am.stride(b, arr, n - 1 - k), am.stride(b, arr, k))
             for k in range(n)]
    return out_ty, build(ctx, out_ty, arr, am.data(b, arr), dims, steps)


def broadcast_to(ctx: Context, src_ty: t.Array, src: ir.Value,
                 dims: list[ir.Value]) -> tuple[t.Array, ir.Value]:
    """`src` seen with shape `dims` (NumPy's rules; stride 0 on stretched axes), or ValueError."""
    b = ctx.b
    lead = len(dims) - src_ty.ndim
    ok: ir.Value = ir.Constant(i1, 1)
    steps = []
    for k, size in enumerate(dims):
        if k < lead:
            steps.append(ZERO)
            continue
        own = am.shape(b, src, k - lead)
        stretch = b.icmp_signed("==", own, ONE)
        ok = b.and_(ok, b.or_(stretch, b.icmp_signed("==", own, size)))
        steps.append(b.select(stretch, ZERO, am.stride(b, src, k - lead)))
    with b.if_then(b.not_(ok), likely=False):
        raise_broadcast_error(ctx, shapes(ctx, src_ty, src), dims)
    out_ty = src_ty.copy(ndim=len(dims), layout="A")
    return out_ty, build(ctx, out_ty, src, am.data(b, src), dims, steps)


def shape_format(ndim: int) -> str:
    """A printf format of a shape as NumPy prints it: (3,) or (2,3)."""
    if ndim == 1:
        return "(%lld,)"
    return "(" + ",".join(["%lld"] * ndim) + ")"


def raise_broadcast_error(ctx: Context, src: list[ir.Value], dst: list[ir.Value]) -> None:
    fmt = (f"could not broadcast input array from shape {shape_format(len(src))} into shape "
           f"{shape_format(len(dst))}")
    ctx.raise_formatted(ValueError, fmt, *src, *dst)


def _extent(ctx: Context, ty: t.Array, arr: ir.Value) -> tuple[ir.Value, ir.Value]:
    """The first and one-past-last byte addresses `arr` can touch."""
    b = ctx.b
    lo = hi = b.ptrtoint(am.data(b, arr), i64)
    for axis in range(ty.ndim):
        reach = b.mul(b.sub(am.shape(b, arr, axis), ONE), am.stride(b, arr, axis))
        neg = b.icmp_signed("<", reach, ZERO)
        lo = b.add(lo, b.select(neg, reach, ZERO))
        hi = b.add(hi, b.select(neg, ZERO, reach))
    return lo, b.add(hi, ir.Constant(i64, am.itemsize(ty)))


def may_overlap(ctx: Context, a_ty: t.Array, a: ir.Value, b_ty: t.Array,
                other: ir.Value) -> ir.Value:
    """Whether two arrays may share memory (their address ranges meet and neither is empty)."""
    b = ctx.b
    a_lo, a_hi = _extent(ctx, a_ty, a)
    b_lo, b_hi = _extent(ctx, b_ty, other)
    meet = b.and_(b.icmp_unsigned("<", a_lo, b_hi), b.icmp_unsigned("<", b_lo, a_hi))
    empty = b.or_(b.icmp_signed("==", b.extract_value(a, am.NITEMS), ZERO),
                  b.icmp_signed("==", b.extract_value(other, am.NITEMS), ZERO))
    return b.and_(meet, b.not_(empty))


def copy_into(ctx: Context, dst_ty: t.Array, dst: ir.Value, src_ty: t.Array,
              src: ir.Value) -> None:
    """dst[...] = src: src broadcast to dst's shape, elements cast to dst's dtype."""
    b = ctx.b
    dims = shapes(ctx, dst_ty, dst)
    if src_ty.ndim == dst_ty.ndim and src_ty.layout == dst_ty.layout and dst_ty.layout in "CF":
        same = ir.Constant(i1, 1)
        for axis in range(dst_ty.ndim):
            same = b.and_(same, b.icmp_signed("==", dims[axis], am.shape(b, src, axis)))
        with b.if_else(same, likely=True) as (flat, general):
            with flat:
                _flat_copy(ctx, dst_ty, dst, src_ty, src)
            with general:
                _strided_copy(ctx, dst_ty, dst, src_ty, src, dims)
        return
    _strided_copy(ctx, dst_ty, dst, src_ty, src, dims)


def _flat_copy(ctx: Context, dst_ty: t.Array, dst: ir.Value, src_ty: t.Array,
               src: ir.Value) -> None:
    b = ctx.b
    dst_data, src_data = am.data(b, dst), am.data(b, src)
    with counted_loop(ctx, b.extract_value(dst, am.NITEMS), "k") as k:
        value = am.load_element(b, src_ty, b.gep(src_data, [k], inbounds=True))
        value = ctx.cast(value, src_ty.dtype, dst_ty.dtype)
        am.store_element(b, dst_ty, b.gep(dst_data, [k], inbounds=True), value)


def _strided_copy(ctx: Context, dst_ty: t.Array, dst: ir.Value, src_ty: t.Array,
                  src: ir.Value, dims: list[ir.Value]) -> None:
    b = ctx.b
    view_ty, view = broadcast_to(ctx, src_ty, src, dims)
    with nd_loop(ctx, dims) as idx:
        value = am.load_element(b, view_ty, am.element_pointer(b, view_ty, view, idx))
        value = ctx.cast(value, src_ty.dtype, dst_ty.dtype)
        am.store_element(b, dst_ty, am.element_pointer(b, dst_ty, dst, idx), value)


def unaliased(ctx: Context, dst_ty: t.Array, dst: ir.Value, src_ty: t.Array,
              src: ir.Value) -> tuple[ir.Value, Callable[[], None]]:
    """`src`, or a C copy of it when it may share memory with `dst` (so that writing `dst`
    cannot change what is still to be read), and the function that drops that copy.

        source, release = unaliased(ctx, dst_ty, dst, src_ty, src)
        ... read source while writing dst ...
        release()
    """
    b = ctx.b
    overlap = may_overlap(ctx, dst_ty, dst, src_ty, src)
    slot = ctx.alloca(llvm_type(src_ty), "unaliased.src")
    b.store(src, slot)
    tmp_ty = src_ty.copy(layout="C", readonly=False)
    with b.if_then(overlap, likely=False):
        b.store(new_copy(ctx, src_ty, src, tmp_ty), slot)
    source = b.load(slot)

    def release() -> None:
        with b.if_then(overlap, likely=False):
            ctx.decref(source, tmp_ty)

    return source, release


def assign(ctx: Context, dst_ty: t.Array, dst: ir.Value, src_ty: t.Array,
           src: ir.Value) -> None:
    """dst[...] = src, copying src first when the two may share memory."""
    source, release = unaliased(ctx, dst_ty, dst, src_ty, src)
    copy_into(ctx, dst_ty, dst, src_ty, source)
    release()


def new_copy(ctx: Context, src_ty: t.Array, src: ir.Value, ty: t.Array) -> ir.Value:
    """A new C array of `ty` (its dtype may differ) holding `src`'s elements."""
    from .impls.arraycreate import allocate

    out = allocate(ctx, ty, shapes(ctx, src_ty, src))
    copy_into(ctx, ty, out, src_ty, src)
    return out


def fill(ctx: Context, ty: t.Array, arr: ir.Value, value: ir.Value) -> None:
    """Every element of `arr` (any layout) set to `value` (already of the dtype)."""
    b = ctx.b
    if ty.layout in ("C", "F"):
        data = am.data(b, arr)
        with counted_loop(ctx, b.extract_value(arr, am.NITEMS), "k") as k:
            am.store_element(b, ty, b.gep(data, [k], inbounds=True), value)
        return
    with nd_loop(ctx, shapes(ctx, ty, arr)) as idx:
        am.store_element(b, ty, am.element_pointer(b, ty, arr, idx), value)
