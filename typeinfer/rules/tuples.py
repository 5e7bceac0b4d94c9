"""Typing rules for tuples: indexing, slicing, iteration, comparison, `in`, concatenation.

    UniTuple(int64 x 3)[int64]          -> int64      (variable index: homogeneous only)
    tuple(int64, float64)[1:]           -> tuple(float64)   (constant slices only)
    iter(UniTuple(float64 x 2))         -> iter(UniTuple(float64 x 2))
    tuple(a, b) < tuple(c, d)           -> bool       (lexicographic, as Python)
    int64 in UniTuple(float64 x 3)      -> bool

Constant integer indexes (`t[0]`, `t[-1]`) are typed by the annotator itself,
since they select an item type from a heterogeneous tuple.
"""
from __future__ import annotations

from ..registry import binop_rule, resolve, unop_rule
from ..types import (Boolean, Dispatcher, FunctionChoice, Integer, PyObjectConst, Signature,
                     Tuple, TupleIter, Type, boolean, int64, unify)


def _item_type(tup: Tuple) -> Type | None:
    """The type of `tup[i]` for a variable i: the items' one type, or for jitted functions
    the run-time choice among them (`(square, cube)[i]`)."""
    if not tup.items:
        return None
    if tup.is_homogeneous:
        return tup.items[0]
    if not all(isinstance(i, (Dispatcher, FunctionChoice)) for i in tup.items):
        return None
    common: Type | None = tup.items[0]
    for item in tup.items[1:]:
        common = unify(common, item) if common is not None else None
    return common


# tup[i] for a variable integer i: the items must share one type.
@binop_rule("getitem", Tuple, Integer)
@binop_rule("getitem", Tuple, Boolean)
def getitem_var(tup: Tuple, index: Type) -> Signature | None:
    item = _item_type(tup)
    return None if item is None else Signature(item, (tup, int64))


# tup[a:b:c] with constant bounds (the flow builder folds them into a slice constant).
@binop_rule("getitem", Tuple, PyObjectConst)
def getitem_slice(tup: Tuple, index: PyObjectConst) -> Signature | None:
    if not isinstance(index.value, slice):
        return None
    return Signature(Tuple(tup.items[index.value]), (tup, index))


# for x in tup
@unop_rule("iter", Tuple)
def tuple_iter(tup: Tuple) -> Signature | None:
    if _item_type(tup) is None:
        return None
    return Signature(TupleIter(tup), (tup,))


@unop_rule("iternext", TupleIter)
def tuple_iternext(it: TupleIter) -> Signature:
    item = _item_type(it.tuple_type)
    assert item is not None
    return Signature(item, (it,))


def _pairwise(opname: str, lhs: Tuple, rhs: Tuple) -> Signature | None:
    """Tuple comparison: every compared pair of items needs `==` (and `opname` for ordering)."""
    ops = ("eq",) if opname in ("eq", "ne") else ("eq", opname)
    for a, b in zip(lhs.items, rhs.items):
        if any(resolve(op, a, b) is None for op in ops):
            return None
    return Signature(boolean, (lhs, rhs))


def _register_compare(opname: str) -> None:
    @binop_rule(opname, Tuple, Tuple)
    def compare(lhs: Tuple, rhs: Tuple) -> Signature | None:
        return _pairwise(opname, lhs, rhs)


for _op in ("eq", "ne", "lt", "le", "gt", "ge"):
    _register_compare(_op)


# x in tup, x not in tup: some item compares equal to x.
@binop_rule("in_", Type, Tuple)
@binop_rule("not_in", Type, Tuple)
def contains(item: Type, tup: Tuple) -> Signature | None:
    if tup.items and all(resolve("eq", item, it) is None for it in tup.items):
        return None
    return Signature(boolean, (item, tup))


# tup1 + tup2
@binop_rule("add", Tuple, Tuple)
def concat(lhs: Tuple, rhs: Tuple) -> Signature:
    return Signature(Tuple(lhs.items + rhs.items), (lhs, rhs))
