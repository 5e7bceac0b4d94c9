"""enumerate() and zip(): iterators built from the iterators of their iterables.

    enumerate(a, start)   {a, start}                 iter -> {i64* count, iter(a)}
    zip(a, b)             {a, b}                     iter -> {iter(a), iter(b)}

Each step advances every inner iterator with its own implementation. A zip ends at its
shortest iterable. A row that a longer iterable yielded in that last step still carries
its reference: the step's result holds it, and the emitter releases that result, as it
does after every step (lowering/refcount.py).
"""
from __future__ import annotations

from typing import Any

from llvmlite import ir

from typeinfer import types as t

from .. import registry
from ..context import Context
from ..models import i64


def _inner(ctx: Context, key: str, operand: t.Type, result: t.Type, value: ir.Value) -> ir.Value:
    impl = registry.find(key, (operand,))
    assert impl is not None, (key, operand)
    return impl(ctx, t.Signature(result, (operand,)), value)  # type: ignore[no-any-return]


def _struct(ctx: Context, ty: Any, values: list[ir.Value]) -> ir.Value:
    out: ir.Value = ir.Constant(ir.LiteralStructType([v.type for v in values]), ir.Undefined)
    for k, v in enumerate(values):
        out = ctx.b.insert_value(out, v, k)
    return out


def _pair(ctx: Context, value: ir.Value, valid: ir.Value) -> ir.Value:
    return _struct(ctx, None, [value, valid])


@registry.lower(enumerate)
def enumerate_(ctx: Context, sig: t.Signature, iterable: ir.Value,
               start: ir.Value | None = None, kwnames: tuple[str, ...] = ()) -> ir.Value:
    ctx.incref(iterable, sig.args[0])  # the enumerate value holds the iterable
    return _struct(ctx, sig.return_type, [iterable, start if start is not None
                                           else ir.Constant(i64, 0)])


@registry.lower("iter", t.Enumerate)
def enumerate_iter(ctx: Context, sig: t.Signature, value: ir.Value) -> ir.Value:
    e = sig.args[0]
    assert isinstance(e, t.Enumerate)
    b = ctx.b
    count = ctx.alloca(i64, "enumerate.count")
    b.store(b.extract_value(value, 1), count)
    inner = _inner(ctx, "iter", e.iterable, e.inner, b.extract_value(value, 0))
    return _struct(ctx, sig.return_type, [count, inner])


@registry.lower("iternext", t.EnumerateIter)
def enumerate_iternext(ctx: Context, sig: t.Signature, state: ir.Value) -> ir.Value:
    it = sig.args[0]
    assert isinstance(it, t.EnumerateIter)
    b = ctx.b
    count_ptr = b.extract_value(state, 0)
    pair = _inner(ctx, "iternext", it.inner, it.item, b.extract_value(state, 1))
    count = b.load(count_ptr)
    b.store(b.add(count, ir.Constant(i64, 1)), count_ptr)
    item = _struct(ctx, None, [count, b.extract_value(pair, 0)])
    return _pair(ctx, item, b.extract_value(pair, 1))


@registry.lower(zip)
def zip_(ctx: Context, sig: t.Signature, *iterables: ir.Value) -> ir.Value:
    for value, ty in zip(iterables, sig.args):
        ctx.incref(value, ty)
    return _struct(ctx, sig.return_type, list(iterables))


@registry.lower("iter", t.Zip)
def zip_iter(ctx: Context, sig: t.Signature, value: ir.Value) -> ir.Value:
    z = sig.args[0]
    assert isinstance(z, t.Zip)
    inners = [_inner(ctx, "iter", ty, inner, ctx.b.extract_value(value, k))
              for k, (ty, inner) in enumerate(zip(z.iterables, z.inners))]
    return _struct(ctx, sig.return_type, inners)


@registry.lower("iternext", t.ZipIter)
def zip_iternext(ctx: Context, sig: t.Signature, state: ir.Value) -> ir.Value:
    it = sig.args[0]
    assert isinstance(it, t.ZipIter)
    b = ctx.b
    pairs = [_inner(ctx, "iternext", inner, item, b.extract_value(state, k))
             for k, (inner, item) in enumerate(zip(it.inners, it.items))]
    valids = [b.extract_value(p, 1) for p in pairs]
    items = [b.extract_value(p, 0) for p in pairs]
    valid = valids[0]
    for v in valids[1:]:
        valid = b.and_(valid, v)
    return _pair(ctx, _struct(ctx, None, items), valid)
