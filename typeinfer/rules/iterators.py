"""Typing rules for enumerate() and zip(), iterators made of other iterators, and for
sum(), max(), min(), any() and all() over anything `for` iterates.

    enumerate(array(float64, 1d, C))      -> enumerate(...); its items tuple(int64, float64)
    zip(range(int64), UniTuple(int64 x 3)) -> zip(...);      its items tuple(int64, int64)

Anything `for` can iterate can be enumerated or zipped: ranges, arrays (elements or rows),
`a.flat`, homogeneous tuples, and enumerate/zip themselves.
"""
from __future__ import annotations

import builtins

from ..binder import Bound, Params
from ..registry import call_rule, resolve, unop_rule
from ..types import (Boolean, Enumerate, EnumerateIter, Integer, Signature, Tuple, Type, Zip,
                     ZipIter, boolean, int64, promote)


def _iteration(iterable: Type) -> tuple[Type, Type] | None:
    """(iterator type, item type) of `for x in iterable`, or None if it cannot be iterated."""
    it = resolve("iter", iterable)
    if it is None:
        return None
    item = resolve("iternext", it.return_type)
    return None if item is None else (it.return_type, item.return_type)


@call_rule(builtins.enumerate, params=Params.of(builtins.enumerate, callee=builtins.enumerate))
def enumerate_(bound: Bound) -> Signature | None:
    iterable, start = bound.types()
    found = _iteration(iterable)
    if found is None or not isinstance(start, (Boolean, Integer)):
        return None
    return Signature(Enumerate(iterable, found[0]), (iterable, int64))


@unop_rule("iter", Enumerate)
def enumerate_iter(e: Enumerate) -> Signature | None:
    item = resolve("iternext", e.inner)
    return None if item is None else Signature(EnumerateIter(e.inner, item.return_type), (e,))


@unop_rule("iternext", EnumerateIter)
def enumerate_iternext(it: EnumerateIter) -> Signature:
    return Signature(Tuple((int64, it.item)), (it,))


@call_rule(builtins.zip, params=Params.declare("zip", "*iterables, strict=False",
                                               ("iterables",), callee=builtins.zip))
def zip_(bound: Bound) -> Signature | None:
    args = bound.types()
    if not args:
        return None  # zip() is empty: its item type is unknown
    found = [_iteration(a) for a in args]
    if any(f is None for f in found):
        return None
    return Signature(Zip(tuple(args), tuple(f[0] for f in found if f)), tuple(args))


@unop_rule("iter", Zip)
def zip_iter(z: Zip) -> Signature | None:
    items = [resolve("iternext", inner) for inner in z.inners]
    if any(i is None for i in items):
        return None
    return Signature(ZipIter(z.inners, tuple(i.return_type for i in items if i)), (z,))


@unop_rule("iternext", ZipIter)
def zip_iternext(it: ZipIter) -> Signature:
    return Signature(Tuple(it.items), (it,))


# --- sum, max, min, any, all over an iterable ------------------------------------------------

def _numbers(iterable: Type) -> Type | None:
    """The item type when `for x in iterable` yields numbers (not rows, not tuples)."""
    if isinstance(iterable, Tuple) and not iterable.items:
        return None
    found = _iteration(iterable)
    return found[1] if found is not None and found[1].is_number else None


@call_rule(builtins.sum, params=Params.of(builtins.sum, callee=builtins.sum))
def sum_(bound: Bound) -> Signature | None:
    """sum(iterable, /, start=0): start + x0 + x1 + ..., left to right, as Python adds."""
    iterable, start = bound.types()
    item = _numbers(iterable)
    if item is None or not start.is_number:
        return None
    result = promote(start, item)
    return Signature(result, (iterable, result))


@call_rule(builtins.max, builtins.min)
def max_min(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    """max(iterable) / min(iterable) of numbers other than a tuple (builtins.py has those)."""
    if kws or len(args) != 1 or isinstance(args[0], Tuple):
        return None
    item = _numbers(args[0])
    return None if item is None else Signature(item, args)


def _any_all(bound: Bound) -> Signature | None:
    iterable = bound["iterable"]
    return None if _numbers(iterable) is None else Signature(boolean, (iterable,))


for _fn in (builtins.any, builtins.all):
    call_rule(_fn, params=Params.of(_fn, callee=_fn))(_any_all)
