"""Tuples: variable indexing, constant slices, iteration, comparison, `in`, concatenation.

A tuple is an LLVM literal struct held in registers. A variable index selects
among the items with a chain of `select`s (no memory, no out-of-bounds read):

    t[i]   ->  i < 0 ? i + n : i;  IndexError unless 0 <= i < n;  select(i == 1, t.1, t.0) ...

A tuple iterator is a {next index, tuple} struct on the stack, like a range's.
Comparisons apply the items' own `==` / `<` implementations, found through the
registries, so nested tuples and mixed number types compare as Python does.
"""
from __future__ import annotations

from typing import Any

from llvmlite import ir

from jitcore.typeinfer import registry as rules
from jitcore.typeinfer import types as t

from .. import registry
from ..context import Context
from ..models import i1, i64, llvm_type
from ..registry import lower

_I32 = ir.IntType(32)


def _items(ctx: Context, tup: ir.Value, ty: t.Tuple) -> list[ir.Value]:
    return [ctx.b.extract_value(tup, k) for k in range(len(ty.items))]


def _items_as(ctx: Context, tup: ir.Value, ty: t.Tuple, item: t.Type) -> list[ir.Value]:
    """The items as values of `item` (the run-time choice a tuple of functions yields)."""
    return [ctx.cast(v, s, item) for v, s in zip(_items(ctx, tup, ty), ty.items)]


def _build(ctx: Context, ty: t.Tuple, items: list[ir.Value]) -> ir.Value:
    out = ir.Constant(llvm_type(ty), ir.Undefined)
    for k, item in enumerate(items):
        out = ctx.b.insert_value(out, item, k)
    return out


def _select_item(ctx: Context, items: list[ir.Value], index: ir.Value) -> ir.Value:
    """items[index] for 0 <= index < len(items); items[0] otherwise."""
    result = items[0]
    for k in range(1, len(items)):
        hit = ctx.b.icmp_unsigned("==", index, ir.Constant(index.type, k))
        result = ctx.b.select(hit, items[k], result)
    return result


# tup[i]
@lower("getitem", t.Tuple, t.Integer)
def getitem_var(ctx: Context, sig: t.Signature, tup: ir.Value, index: ir.Value) -> ir.Value:
    b = ctx.b
    ty = sig.args[0]
    assert isinstance(ty, t.Tuple)
    n = ir.Constant(index.type, len(ty.items))
    wrapped = b.select(b.icmp_signed("<", index, ir.Constant(index.type, 0)),
                       b.add(index, n), index, name="index")
    with b.if_then(b.icmp_unsigned(">=", wrapped, n), likely=False):
        ctx.raise_exception(IndexError, ("tuple index out of range",))
    return _select_item(ctx, _items_as(ctx, tup, ty, sig.return_type), wrapped)


# tup[a:b:c], constant bounds
@lower("getitem", t.Tuple, t.PyObjectConst)
def getitem_slice(ctx: Context, sig: t.Signature, tup: ir.Value, _slice: Any) -> ir.Value:
    ty, index = sig.args
    assert isinstance(ty, t.Tuple) and isinstance(index, t.PyObjectConst)
    picked = range(len(ty.items))[index.value]
    items = [ctx.b.extract_value(tup, k) for k in picked]
    return _build(ctx, sig.return_type, items)  # type: ignore[arg-type]


# iter(tup)
@lower("iter", t.Tuple)
def tuple_iter(ctx: Context, sig: t.Signature, tup: ir.Value) -> ir.Value:
    state = ctx.alloca(llvm_type(sig.return_type).pointee, "tuple.iter")
    b = ctx.b
    b.store(ir.Constant(i64, 0), b.gep(state, [ir.Constant(_I32, 0), ir.Constant(_I32, 0)]))
    b.store(tup, b.gep(state, [ir.Constant(_I32, 0), ir.Constant(_I32, 1)]))
    return state


# next(it) -> (value, valid)
@lower("iternext", t.TupleIter)
def tuple_iternext(ctx: Context, sig: t.Signature, state: ir.Value) -> ir.Value:
    b = ctx.b
    it = sig.args[0]
    assert isinstance(it, t.TupleIter)
    index_ptr = b.gep(state, [ir.Constant(_I32, 0), ir.Constant(_I32, 0)], inbounds=True)
    tup_ptr = b.gep(state, [ir.Constant(_I32, 0), ir.Constant(_I32, 1)], inbounds=True)
    index = b.load(index_ptr, name="index")
    valid = b.icmp_signed("<", index, ir.Constant(i64, len(it.tuple_type.items)))
    value = _select_item(ctx, _items_as(ctx, b.load(tup_ptr), it.tuple_type, sig.return_type),
                         index)
    b.store(b.add(index, ir.Constant(i64, 1)), index_ptr)
    return ctx.pack([value, valid])


def _apply(ctx: Context, opname: str, lhs: tuple[t.Type, ir.Value],
           rhs: tuple[t.Type, ir.Value]) -> ir.Value:
    """`lhs <opname> rhs` on two items, through their typing rule and implementation."""
    sig = rules.resolve(opname, lhs[0], rhs[0])
    assert sig is not None, (opname, lhs[0], rhs[0])
    impl = registry.find(opname, sig.args)
    assert impl is not None, (opname, sig)
    a = ctx.cast(lhs[1], lhs[0], sig.args[0])
    b = ctx.cast(rhs[1], rhs[0], sig.args[1])
    return impl(ctx, sig, a, b)


def _all_equal(ctx: Context, lt: t.Tuple, a: ir.Value, rt: t.Tuple, b: ir.Value) -> ir.Value:
    if len(lt.items) != len(rt.items):
        return ir.Constant(i1, 0)
    result: ir.Value = ir.Constant(i1, 1)
    for k, (x, y) in enumerate(zip(lt.items, rt.items)):
        eq = _apply(ctx, "eq", (x, ctx.b.extract_value(a, k)), (y, ctx.b.extract_value(b, k)))
        result = ctx.b.and_(result, eq)
    return result


@lower("eq", t.Tuple, t.Tuple)
def tuple_eq(ctx: Context, sig: t.Signature, a: ir.Value, b: ir.Value) -> ir.Value:
    return _all_equal(ctx, sig.args[0], a, sig.args[1], b)  # type: ignore[arg-type]


@lower("ne", t.Tuple, t.Tuple)
def tuple_ne(ctx: Context, sig: t.Signature, a: ir.Value, b: ir.Value) -> ir.Value:
    eq = _all_equal(ctx, sig.args[0], a, sig.args[1], b)  # type: ignore[arg-type]
    return ctx.b.xor(eq, ir.Constant(i1, 1))


_LENGTH_ORDER = {"lt": int.__lt__, "le": int.__le__, "gt": int.__gt__, "ge": int.__ge__}


def _register_ordering(opname: str) -> None:
    @lower(opname, t.Tuple, t.Tuple)
    def ordering(ctx: Context, sig: t.Signature, a: ir.Value, b: ir.Value) -> ir.Value:
        # Python: the first pair of items that differ decides; if none does, the lengths.
        lt, rt = sig.args
        assert isinstance(lt, t.Tuple) and isinstance(rt, t.Tuple)
        result: ir.Value = ir.Constant(i1, int(_LENGTH_ORDER[opname](len(lt.items),
                                                                     len(rt.items))))
        for k in reversed(range(min(len(lt.items), len(rt.items)))):
            x = (lt.items[k], ctx.b.extract_value(a, k))
            y = (rt.items[k], ctx.b.extract_value(b, k))
            decided = _apply(ctx, opname, x, y)
            result = ctx.b.select(_apply(ctx, "eq", x, y), result, decided)
        return result


for _op in _LENGTH_ORDER:
    _register_ordering(_op)


def _contains(ctx: Context, sig: t.Signature, item: ir.Value, tup: ir.Value) -> ir.Value:
    item_ty, tup_ty = sig.args
    assert isinstance(tup_ty, t.Tuple)
    found: ir.Value = ir.Constant(i1, 0)
    for k, ty in enumerate(tup_ty.items):
        if rules.resolve("eq", item_ty, ty) is None:
            continue  # no `==` between them: Python's == is False
        eq = _apply(ctx, "eq", (item_ty, item), (ty, ctx.b.extract_value(tup, k)))
        found = ctx.b.or_(found, eq)
    return found


@lower("in_", t.Type, t.Tuple)
def contains(ctx: Context, sig: t.Signature, item: ir.Value, tup: ir.Value) -> ir.Value:
    return _contains(ctx, sig, item, tup)


@lower("not_in", t.Type, t.Tuple)
def not_contains(ctx: Context, sig: t.Signature, item: ir.Value, tup: ir.Value) -> ir.Value:
    return ctx.b.xor(_contains(ctx, sig, item, tup), ir.Constant(i1, 1))


@lower("add", t.Tuple, t.Tuple)
def concat(ctx: Context, sig: t.Signature, a: ir.Value, b: ir.Value) -> ir.Value:
    (lt, rt), ret = sig.args, sig.return_type
    assert isinstance(lt, t.Tuple) and isinstance(rt, t.Tuple) and isinstance(ret, t.Tuple)
    return _build(ctx, ret, _items(ctx, a, lt) + _items(ctx, b, rt))
