"""enumerate() and zip(), iterators built from the iterators of their iterables, and
sum(), max(), min(), any() and all(), loops over any iterable's own iterator.

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

from jitcore.typeinfer import registry as registry_types
from jitcore.typeinfer import types as t

from .. import registry
from ..context import Context
from ..models import i64, llvm_type


def _inner(ctx: Context, key: str, operand: t.Type, result: t.Type, value: ir.Value) -> ir.Value:
    impl = registry.find(key, (operand,))
    assert impl is not None, (key, operand)
    return impl(ctx, t.Signature(result, (operand,)), value)


@registry.lower(enumerate)
def enumerate_(ctx: Context, sig: t.Signature, iterable: ir.Value,
               start: ir.Value | None = None, kwnames: tuple[str, ...] = ()) -> ir.Value:
    ctx.incref(iterable, sig.args[0])  # the enumerate value holds the iterable
    return ctx.pack([iterable, start if start is not None else ir.Constant(i64, 0)])


@registry.lower("iter", t.Enumerate)
def enumerate_iter(ctx: Context, sig: t.Signature, value: ir.Value) -> ir.Value:
    e = sig.args[0]
    assert isinstance(e, t.Enumerate)
    b = ctx.b
    count = ctx.alloca(i64, "enumerate.count")
    b.store(b.extract_value(value, 1), count)
    inner = _inner(ctx, "iter", e.iterable, e.inner, b.extract_value(value, 0))
    return ctx.pack([count, inner])


@registry.lower("iternext", t.EnumerateIter)
def enumerate_iternext(ctx: Context, sig: t.Signature, state: ir.Value) -> ir.Value:
    it = sig.args[0]
    assert isinstance(it, t.EnumerateIter)
    b = ctx.b
    count_ptr = b.extract_value(state, 0)
    pair = _inner(ctx, "iternext", it.inner, it.item, b.extract_value(state, 1))
    count = b.load(count_ptr)
    b.store(b.add(count, ir.Constant(i64, 1)), count_ptr)
    item = ctx.pack([count, b.extract_value(pair, 0)])
    return ctx.pack([item, b.extract_value(pair, 1)])


@registry.lower(zip)
def zip_(ctx: Context, sig: t.Signature, *iterables: ir.Value) -> ir.Value:
    for value, ty in zip(iterables, sig.args):
        ctx.incref(value, ty)
    return ctx.pack(list(iterables))


@registry.lower("iter", t.Zip)
def zip_iter(ctx: Context, sig: t.Signature, value: ir.Value) -> ir.Value:
    z = sig.args[0]
    assert isinstance(z, t.Zip)
    inners = [_inner(ctx, "iter", ty, inner, ctx.b.extract_value(value, k))
              for k, (ty, inner) in enumerate(zip(z.iterables, z.inners))]
    return ctx.pack(inners)


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
    return ctx.pack([ctx.pack(items), valid])


# --- sum, max, min, any, all over an iterable ------------------------------------------------

_ITERABLES = (t.Array, t.ArrayFlat, t.Range, t.Tuple)


def _for_each(ctx: Context, ty: t.Type, value: ir.Value, body: Any) -> None:
    """Emit `for x in value: body(x)`; the iterator's own references are released after."""
    it = registry_types.resolve("iter", ty)
    assert it is not None
    item = registry_types.resolve("iternext", it.return_type)
    assert item is not None
    state = _inner(ctx, "iter", ty, it.return_type, value)
    b = ctx.b
    head, loop, done = (b.append_basic_block(f"each.{n}") for n in ("head", "body", "done"))
    b.branch(head)
    b.position_at_end(head)
    pair = _inner(ctx, "iternext", it.return_type, item.return_type, state)
    b.cbranch(b.extract_value(pair, 1), loop, done)
    b.position_at_end(loop)
    body(b.extract_value(pair, 0), item.return_type)
    b.branch(head)
    b.position_at_end(done)
    ctx.decref(state, it.return_type)


def _sum(ctx: Context, sig: t.Signature, iterable: ir.Value, start: ir.Value | None = None,
         kwnames: tuple[str, ...] = ()) -> ir.Value:
    result = sig.return_type
    add = registry.find("add", (result, result))
    assert add is not None
    acc = ctx.alloca(llvm_type(result), "sum")
    ctx.b.store(start if start is not None else ctx.cast(ir.Constant(i64, 0), t.int64, result),
                acc)

    def body(x: ir.Value, item: t.Type) -> None:
        total = add(ctx, t.Signature(result, (result, result)), ctx.b.load(acc),
                    ctx.cast(x, item, result))
        ctx.b.store(total, acc)

    _for_each(ctx, sig.args[0], iterable, body)
    return ctx.b.load(acc)


def _extreme(is_min: bool) -> Any:
    """Python's rule: the first item, replaced only by a strictly smaller (larger) one, so
    a NaN after the first item is skipped and a NaN first item stays."""
    from .builtins import _less

    def impl(ctx: Context, sig: t.Signature, iterable: ir.Value) -> ir.Value:
        b, ty = ctx.b, sig.return_type
        best = ctx.alloca(llvm_type(ty), "best")
        seen = ctx.alloca(ir.IntType(1), "seen")
        b.store(ir.Constant(ir.IntType(1), 0), seen)

        def body(x: ir.Value, item: t.Type) -> None:
            current = b.load(best)
            better = _less(ctx, ty, x, current) if is_min else _less(ctx, ty, current, x)
            b.store(b.select(b.or_(b.not_(b.load(seen)), better), x, current), best)
            b.store(ir.Constant(ir.IntType(1), 1), seen)

        _for_each(ctx, sig.args[0], iterable, body)
        with b.if_then(b.not_(b.load(seen)), likely=False):
            name = "min" if is_min else "max"
            ctx.raise_exception(ValueError, (f"{name}() arg is an empty sequence",))
        return b.load(best)
    return impl


def _truth(ctx: Context, x: ir.Value, ty: t.Type) -> ir.Value:
    return ctx.cast(x, ty, t.boolean)


def _any_all(is_all: bool) -> Any:
    def impl(ctx: Context, sig: t.Signature, iterable: ir.Value) -> ir.Value:
        b = ctx.b
        acc = ctx.alloca(ir.IntType(1), "all" if is_all else "any")
        b.store(ir.Constant(ir.IntType(1), int(is_all)), acc)

        def body(x: ir.Value, item: t.Type) -> None:
            truth = _truth(ctx, x, item)
            b.store((b.and_ if is_all else b.or_)(b.load(acc), truth), acc)

        _for_each(ctx, sig.args[0], iterable, body)
        return b.load(acc)
    return impl


for _cls in _ITERABLES:
    registry.lower(sum, _cls)(_sum)
    registry.lower(sum, _cls, t.Type)(_sum)  # with a start
    registry.lower(any, _cls)(_any_all(False))
    registry.lower(all, _cls)(_any_all(True))
    if _cls is not t.Tuple:  # max/min of a tuple: lowering/impls/builtins.py
        registry.lower(max, _cls)(_extreme(False))
        registry.lower(min, _cls)(_extreme(True))
