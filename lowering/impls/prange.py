"""prange, and the outlined parallel loops of lowering/parfor.py run on the thread pool.

    v = call parallel_loop[L](r, a, s0)   ->   chunk = L.chunk emitted as a native function
                                               env = {start, step, a, 0.0, partials*}
                                               k = jc.pool.nchunks(len(r))
                                               jc.pool.run(trampoline, env, len(r), k)
                                               s = s0 + partial[0] + ... + partial[k-1]

The trampoline `i32 (i8* env, i64 lo, i64 hi, i64 c)` unpacks the environment
and calls the chunk in the native convention, its result going to partial slot c.
Partials combine in chunk order, so a run is deterministic for a given number of
threads. Outside parallel=True functions prange is range.
"""
from __future__ import annotations

import builtins
import itertools
from collections.abc import Callable
from typing import Any

from llvmlite import ir

from jitcore.frontend.markers import prange
from jitcore.typeinfer import types as t

from .. import arraymodel as am
from ..context import Context
from ..models import i8p, i32, i64, llvm_type
from ..parfor import ParallelLoop, Reduction, parallel_array_expr, parallel_loop, private_array
from ..registry import find, lower
from .builtins import len_, range_

CHUNK_FN = ir.FunctionType(i32, [i8p, i64, i64, i64])  # as targets/threadpool.py runs it
_ids = itertools.count()

lower(prange)(range_)


def pool_functions(ctx: Context) -> tuple[ir.Function, ir.Function]:
    """jc.pool.nchunks and jc.pool.run, defined by the process's thread pool."""
    nchunks = ctx.process_function("jc.pool.nchunks", i64, [i64])
    run = ctx.process_function("jc.pool.run", i32, [CHUNK_FN.as_pointer(), i8p, i64, i64])
    return nchunks, run


@lower(parallel_loop)
def lower_parallel_loop(ctx: Context, sig: t.Signature, _loop: Any, rng: ir.Value,
                        *env: ir.Value) -> ir.Value:
    from ..emit import emit_function

    loop = sig.args[0].value  # type: ignore[attr-defined]
    assert isinstance(loop, ParallelLoop)
    b = ctx.b
    rng_ty = sig.args[1]
    symbol = f"{ctx.llfn.name}.prange{loop.index}.{next(_ids)}"
    chunk = emit_function(loop.chunk, symbol, ctx.module, ctx.info, ctx.callees, ctx.options)
    slot_ty = chunk.args[0].type.pointee
    # The environment: range start and step, one value per free variable, the partials.
    start, step = b.extract_value(rng, 0), b.extract_value(rng, 2)
    fields = [start, step]
    for value, red, ty in zip(env, loop.reductions, sig.args[2:]):
        fields.append(_identity(ctx, red, ty) if red is not None and not red.is_array
                      and red.kind in ("add", "mul") else value)
    n = len_(ctx, t.Signature(t.int64, (rng_ty,)), rng)
    nchunks, run = pool_functions(ctx)
    k = b.call(nchunks, [n], name="k")
    # Zeroed, so that after an error the slots of chunks that never ran release nothing.
    calloc = ctx.declare("calloc", i8p, [i64, i64])
    free = ctx.declare("free", ir.VoidType(), [i8p])
    raw = b.call(calloc, [k, _sizeof(b, slot_ty)], name="partials.raw")
    partials = b.bitcast(raw, slot_ty.as_pointer(), name="partials")
    env_ty = ir.LiteralStructType([f.type for f in fields] + [partials.type])
    env_ptr = ctx.alloca(env_ty, "parallel.env")
    for i, value in enumerate([*fields, partials]):
        b.store(value, b.gep(env_ptr, [ir.Constant(i32, 0), ir.Constant(i32, i)]))
    tramp = _trampoline(ctx, chunk, env_ty, symbol)
    with b.if_then(b.icmp_signed(">", n, ir.Constant(i64, 0))):
        status = b.call(run, [tramp, b.bitcast(env_ptr, i8p), n, k], name="status")
        with b.if_then(b.icmp_signed("!=", status, ir.Constant(i32, 0)), likely=False):
            _release_partials(ctx, loop, partials, k)
            b.call(free, [raw])
            ctx.return_error(status)
    chunks = b.select(b.icmp_signed(">", n, ir.Constant(i64, 0)), k, ir.Constant(i64, 0))
    result = _combine(ctx, loop, sig, env, partials, chunks)
    b.call(free, [raw])
    return result


def _sizeof(b: ir.IRBuilder, ty: ir.Type) -> ir.Value:
    """sizeof(ty) as an i64, by the null-pointer GEP idiom (folded by LLVM)."""
    null = ir.Constant(ty.as_pointer(), None)
    return b.ptrtoint(b.gep(null, [ir.Constant(i32, 1)]), i64)


def _identity(ctx: Context, red: Reduction, ty: t.Type) -> ir.Value:
    return ctx.constant(0 if red.kind == "add" else 1, ty)


def _trampoline(ctx: Context, chunk: ir.Function, env_ty: ir.Type, symbol: str) -> ir.Function:
    fn = ir.Function(ctx.module, CHUNK_FN, f"{symbol}.run")
    fn.attributes.add("nounwind")
    envp, lo, hi, c = fn.args
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    env = b.bitcast(envp, env_ty.as_pointer())
    values = [b.load(b.gep(env, [ir.Constant(i32, 0), ir.Constant(i32, i)]))
              for i in range(len(env_ty.elements))]
    *fields, partials = values
    start, step, *free = fields
    slot = b.gep(partials, [c])
    bound = chunk.args[3].type
    # The pool hands out 0 <= lo <= hi: knowing it, LLVM drops negative-index wraparound
    # and vectorises the chunk's loop as it would the serial one.
    assume = ctx.declare("llvm.assume", ir.VoidType(), [ir.IntType(1)])
    b.call(assume, [b.icmp_signed(">=", lo, ir.Constant(i64, 0))])
    b.call(assume, [b.icmp_signed("<=", lo, hi)])
    chunk.attributes.add("alwaysinline")
    b.ret(b.call(chunk, [slot, lo, hi, _int(b, start, bound), _int(b, step, bound), *free]))
    return fn


def _int(b: ir.IRBuilder, v: ir.Value, ty: ir.Type) -> ir.Value:
    return v if v.type == ty else b.sext(v, ty) if v.type.width < ty.width else b.trunc(v, ty)


def _combine(ctx: Context, loop: ParallelLoop, sig: t.Signature, env: tuple[ir.Value, ...],
             partials: ir.Value, chunks: ir.Value) -> ir.Value:
    """Each reduction's value before the loop, combined with the partials in chunk order.

    A scalar's partials fold into a phi; an array's are added into the array itself
    (acc += x) or into a copy of it (acc = acc + x), then released."""
    b = ctx.b
    reds = [(value, red) for value, red in zip(env, loop.reductions) if red is not None]
    if not reds:
        return ir.Constant(ir.IntType(8), 0)  # none
    targets = [_array_target(ctx, value, red) if red.is_array else None for value, red in reds]
    before = b.block
    head = ctx.llfn.append_basic_block("combine.head")
    body = ctx.llfn.append_basic_block("combine.body")
    done = ctx.llfn.append_basic_block("combine.done")
    b.branch(head)
    b.position_at_end(head)
    c = b.phi(i64, name="c")
    c.add_incoming(ir.Constant(i64, 0), before)
    accs: list[ir.Value] = []
    for (value, _), target in zip(reds, targets):
        if target is not None:
            accs.append(target)
            continue
        acc = b.phi(value.type, name="acc")
        acc.add_incoming(value, before)
        accs.append(acc)
    b.cbranch(b.icmp_signed("<", c, chunks), body, done)
    b.position_at_end(body)
    slot = b.load(b.gep(partials, [c]))
    for j, ((_, red), acc) in enumerate(zip(reds, accs)):
        part = b.extract_value(slot, j)
        if red.is_array:
            _accumulate(ctx, red, acc, part)
            ctx.decref(part, red.type)
            continue
        acc.add_incoming(_combine_one(ctx, red, acc, part), b.block)
    c.add_incoming(b.add(c, ir.Constant(i64, 1)), b.block)
    b.branch(head)
    b.position_at_end(done)
    out = ir.Constant(llvm_type(sig.return_type), ir.Undefined)
    for j, acc in enumerate(accs):
        out = b.insert_value(out, acc, j)
    return out


def _array_target(ctx: Context, value: ir.Value, red: Reduction) -> ir.Value:
    """The array the partials are added into, as a new reference: the accumulator itself
    for `acc += x`, a copy for `acc = acc + x` (which leaves the original alone)."""
    from ..arrayloops import copy_into

    ty = red.type
    assert isinstance(ty, t.Array)
    if red.inplace:
        ctx.incref(value, ty)
        return value
    out = _allocate_as(ctx, ty, [am.shape(ctx.b, value, k) for k in range(ty.ndim)])
    copy_into(ctx, ty, out, ty, value)
    return out


def _accumulate(ctx: Context, red: Reduction, target: ir.Value, part: ir.Value) -> None:
    """target += part (or *=), through the array-expression emitter."""
    import numpy as np  # only where arrays exist: compiling must not import NumPy

    from jitcore.frontend import ir as jir
    from jitcore.typeinfer.rules.arrayexpr import loop_signature

    from .arrayexpr import emit_array_expr

    ty = red.type
    ufunc = np.add if red.kind == "add" else np.multiply
    acc_v, part_v = jir.Variable("acc"), jir.Variable("partial")
    acc_v.type = part_v.type = ty
    loop_sig = loop_signature(ufunc, (ty, ty))
    tree = ("apply", ufunc, loop_sig, [("leaf", 0), ("leaf", 1)])
    op = jir.ArrayExpr(acc_v, None, tree, [acc_v, part_v], True)  # type: ignore[arg-type]
    ctx.decref(emit_array_expr(ctx, op, [target, part]), ty)  # its result is target, increfed


def _release_partials(ctx: Context, loop: ParallelLoop, partials: ir.Value,
                      k: ir.Value) -> None:
    """After a failed run: drop the private arrays the chunks that finished handed back."""
    arrays = [red for red in loop.reductions if red is not None]
    if not any(red.is_array for red in arrays):
        return
    from ..arrayloops import counted_loop

    with counted_loop(ctx, k, "c") as c:
        slot = ctx.b.load(ctx.b.gep(partials, [c]))
        for j, red in enumerate(arrays):
            if red.is_array:
                ctx.decref(ctx.b.extract_value(slot, j), red.type)  # null: never filled


def _allocate_as(ctx: Context, ty: t.Array, dims: list[ir.Value]) -> ir.Value:
    """A new contiguous array with shape `dims` in `ty`'s layout (Fortran order for 'F')."""
    from .arraycreate import allocate  # array domains load with NumPy, not before

    if ty.layout != "F":
        return allocate(ctx, ty, dims)
    out = allocate(ctx, ty, dims[::-1])  # the transpose of a C array is an F array
    b = ctx.b
    strides = [b.extract_value(out, [am.STRIDES, axis]) for axis in range(ty.ndim)]
    for axis in range(ty.ndim):
        out = b.insert_value(out, dims[axis], [am.SHAPE, axis])
        out = b.insert_value(out, strides[ty.ndim - 1 - axis], [am.STRIDES, axis])
    return out


@lower(private_array)
def lower_private_array(ctx: Context, sig: t.Signature, acc: ir.Value,
                        identity: ir.Value) -> ir.Value:
    """A chunk's own accumulator: acc's shape, every element the reduction's identity."""
    from ..arrayloops import fill

    ty = sig.return_type
    assert isinstance(ty, t.Array)
    out = _allocate_as(ctx, ty, [am.shape(ctx.b, acc, k) for k in range(ty.ndim)])
    fill(ctx, ty, out, ctx.cast(identity, t.int64, ty.dtype))
    return out


def _combine_one(ctx: Context, red: Reduction, acc: ir.Value, part: ir.Value) -> ir.Value:
    ty = red.type
    pair = t.Signature(ty, (ty, ty))
    if red.kind in ("add", "mul"):
        return find(red.kind, pair.args)(ctx, pair, acc, part)  # type: ignore[misc]
    if red.kind in ("min", "max"):
        fn = builtins.min if red.kind == "min" else builtins.max
        return find(fn, pair.args)(ctx, pair, acc, part)  # type: ignore[misc]
    assert red.compare is not None
    opname, acc_on_rhs = red.compare
    test = t.Signature(t.boolean, (ty, ty))
    impl = find(opname, test.args)
    assert impl is not None
    wins = impl(ctx, test, part, acc) if acc_on_rhs else impl(ctx, test, acc, part)
    return ctx.b.select(wins, part, acc)


# --- whole-array expressions -------------------------------------------------------------

PARALLEL_MIN_ITEMS = 1 << 15  # below this, waking the pool costs more than the loop


@lower(parallel_array_expr)
def lower_parallel_array_expr(ctx: Context, sig: t.Signature, _op: Any,
                              *leaf_values: ir.Value) -> ir.Value:
    """emit_array_expr, with the flat contiguous loop split across the pool when large."""
    from . import arrayexpr as ax

    op = sig.args[0].value  # type: ignore[attr-defined]
    out_ty = op.result.type
    values = list(leaf_values)
    types = [v.type for v in op.leaves]
    dims = ax._broadcast_shape(ctx, out_ty.ndim, values, types)
    copies: list[ir.Value] = []
    if op.inplace:
        out = values[0]
        ax._check_target_shape(ctx, out, out_ty, dims)
        values, copies = ax._separate_overlaps(ctx, out, out_ty, values, types)
        ctx.incref(out, out_ty)
    else:
        from .arraycreate import allocate

        out = allocate(ctx, out_ty, dims)
    ax._numpy_semantics(ctx, lambda: _array_loops(ctx, op, out, out_ty, dims, values, types))
    from .. import runtime

    for meminfo_slot in copies:
        ctx.b.call(runtime.decref(ctx.module), [ctx.b.load(meminfo_slot)])
    return out


def _array_loops(ctx: Context, op: Any, out: ir.Value, out_ty: t.Array, dims: list[ir.Value],
                 values: list[ir.Value], types: list[t.Type]) -> ir.Value:
    from . import arrayexpr as ax

    b = ctx.b
    flat_ok = out_ty.layout == "C" and all(
        not isinstance(ty, t.Array) or (ty.layout == "C" and ty.ndim == out_ty.ndim)
        for ty in types)
    nitems: ir.Value = ir.Constant(i64, 1)
    for d in dims:
        nitems = b.mul(nitems, d)
    large = b.icmp_signed(">=", nitems, ir.Constant(i64, PARALLEL_MIN_ITEMS))
    if not flat_ok:  # strided or broadcast operands: split the result's first axis
        with b.if_else(b.and_(large, b.icmp_signed(">", dims[0], ir.Constant(i64, 1))),
                       likely=False) as (parallel, serial):
            with parallel:
                _run_axis_chunks(ctx, op, out, out_ty, dims, values, types)
            with serial:
                ax._emit_loops(ctx, op, out, out_ty, dims, values, types)
        return out
    same_shape: ir.Value = ir.Constant(ir.IntType(1), 1)
    for v, ty in zip(values, types):
        if isinstance(ty, t.Array):
            for k in range(ty.ndim):
                same_shape = b.and_(same_shape, b.icmp_signed("==", am.shape(b, v, k), dims[k]))
    with b.if_else(b.and_(same_shape, large), likely=False) as (parallel, serial):
        with parallel:
            _run_flat_chunks(ctx, op, out, out_ty, nitems, values, types)
        with serial:
            ax._emit_loops(ctx, op, out, out_ty, dims, values, types)
    return out


def _run_flat_chunks(ctx: Context, op: Any, out: ir.Value, out_ty: t.Array, nitems: ir.Value,
                     values: list[ir.Value], types: list[t.Type]) -> None:
    _run_on_pool(ctx, [out, *values], nitems,
                 lambda env_ty: _flat_chunk(ctx, op, out_ty, env_ty, types))


def _run_on_pool(ctx: Context, fields: list[ir.Value], n: ir.Value,
                 make_chunk: Callable[[ir.LiteralStructType], ir.Function]) -> None:
    """Run the chunk(env, lo, hi, c) that `make_chunk` builds for the env type over range(n)
    on the pool, `fields` packed as its env; an error in any chunk returns from the caller."""
    b = ctx.b
    env_ty = ir.LiteralStructType([f.type for f in fields])
    chunk = make_chunk(env_ty)
    env = ctx.alloca(env_ty, "arrayexpr.env")
    for i, v in enumerate(fields):
        b.store(v, b.gep(env, [ir.Constant(i32, 0), ir.Constant(i32, i)]))
    nchunks, run = pool_functions(ctx)
    k = b.call(nchunks, [n], name="k")
    status = b.call(run, [chunk, b.bitcast(env, i8p), n, k], name="status")
    with b.if_then(b.icmp_signed("!=", status, ir.Constant(i32, 0)), likely=False):
        ctx.return_error(status)


def _chunk_function(ctx: Context, env_ty: ir.LiteralStructType) -> tuple[
        ir.Function, Context, ir.Value, ir.Value, list[ir.Value]]:
    """A new chunk(env, lo, hi, c) function, its emission context, lo, hi and the env's
    fields loaded at entry."""
    fn = ir.Function(ctx.module, CHUNK_FN, f"{ctx.llfn.name}.arrayexpr.{next(_ids)}")
    fn.attributes.add("nounwind")
    sub = Context(ctx.module, fn, ctx.info, ctx.callees, ctx.options)
    b = sub.b
    envp, lo, hi, _ = fn.args
    env = b.bitcast(envp, env_ty.as_pointer())
    fields = [b.load(b.gep(env, [ir.Constant(i32, 0), ir.Constant(i32, i)]))
              for i in range(len(env_ty.elements))]
    return fn, sub, lo, hi, fields


def _flat_chunk(ctx: Context, op: Any, out_ty: t.Array, env_ty: ir.LiteralStructType,
                types: list[t.Type]) -> ir.Function:
    """i32 chunk(env, lo, hi, c): out[i] = expression(leaves[i]) for i in [lo, hi)."""
    from . import arrayexpr as ax

    fn, sub, lo, hi, (out, *values) = _chunk_function(ctx, env_ty)
    b = sub.b
    datas = [am.data(b, v) if isinstance(ty, t.Array) else None for v, ty in zip(values, types)]
    out_data = am.data(b, out)
    result_type = ax._tree_type(op.tree, types)
    entry = b.block
    head = fn.append_basic_block("head")
    body = fn.append_basic_block("body")
    done = fn.append_basic_block("done")
    b.branch(head)
    b.position_at_end(head)
    i = b.phi(i64, name="i")
    i.add_incoming(lo, entry)
    b.cbranch(b.icmp_signed("<", i, hi), body, done)
    b.position_at_end(body)
    elements = [am.load_element(b, ty, b.gep(ptr, [i], inbounds=True))
                if isinstance(ty, t.Array) else v for v, ty, ptr in zip(values, types, datas)]
    element = ax._evaluate(sub, op.tree, elements, types)
    am.store_element(b, out_ty, b.gep(out_data, [i], inbounds=True),
                     sub.cast(element, result_type, out_ty.dtype))
    i.add_incoming(b.add(i, ir.Constant(i64, 1), flags=["nsw"]), b.block)
    b.branch(head)
    b.position_at_end(done)
    b.ret(ir.Constant(i32, 0))
    return fn


def _run_axis_chunks(ctx: Context, op: Any, out: ir.Value, out_ty: t.Array,
                     dims: list[ir.Value], values: list[ir.Value], types: list[t.Type]) -> None:
    """Chunks of the result's first axis, each computed by the serial loops on views."""
    _run_on_pool(ctx, [out, *values, *dims], dims[0],
                 lambda env_ty: _axis_chunk(ctx, op, out_ty, env_ty, types))


def _axis_chunk(ctx: Context, op: Any, out_ty: t.Array, env_ty: ir.LiteralStructType,
                types: list[t.Type]) -> ir.Function:
    """i32 chunk(env, lo, hi, c): the expression on rows [lo, hi) of the result."""
    from . import arrayexpr as ax

    fn, sub, lo, hi, loaded = _chunk_function(ctx, env_ty)
    b = sub.b
    out, values, dims = loaded[0], loaded[1:1 + len(types)], loaded[1 + len(types):]
    rows = b.sub(hi, lo)
    out = _rows(b, out, out_ty, lo, rows)
    sliced = []
    for v, ty in zip(values, types):
        # An operand with the result's rank and first axis is sliced; a broadcast one is not.
        if isinstance(ty, t.Array) and ty.ndim == out_ty.ndim:
            whole = b.icmp_signed("==", am.shape(b, v, 0), dims[0])
            v = b.select(whole, _rows(b, v, ty, lo, rows), v)
        sliced.append(v)
    ax._emit_loops(sub, op, out, out_ty, [rows, *dims[1:]], sliced, types)
    b.ret(ir.Constant(i32, 0))
    return fn


def _rows(b: ir.IRBuilder, v: ir.Value, ty: t.Array, lo: ir.Value, rows: ir.Value) -> ir.Value:
    """The view v[lo:lo + rows] (the struct with data, shape[0] and nitems moved)."""
    step = am.stride(b, v, 0)
    raw = b.gep(b.bitcast(am.data(b, v), i8p), [b.mul(lo, step)], inbounds=True)
    v = b.insert_value(v, b.bitcast(raw, am.data(b, v).type), am.DATA)
    inner = b.sdiv(b.extract_value(v, am.NITEMS), b.select(
        b.icmp_signed("==", am.shape(b, v, 0), ir.Constant(i64, 0)), ir.Constant(i64, 1),
        am.shape(b, v, 0)))
    v = b.insert_value(v, b.mul(inner, rows), am.NITEMS)
    return b.insert_value(v, rows, [am.SHAPE, 0])
