"""Typing rules for Python builtins: range, len, abs, min, max, int, float, bool, ...

    range(int32, int64) -> range(int64)
    abs(int8)           -> int64
"""
from __future__ import annotations

import builtins

from ..registry import call_rule, unop_rule
from ..types import (Boolean, Integer, Range, RangeIter, Signature, Tuple, Type, int64,
                     promote_ints)


@call_rule(builtins.range)
def range_(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if kws or not 1 <= len(args) <= 3:
        return None
    if not all(isinstance(a, (Integer, Boolean)) for a in args):
        return None
    ty = promote_ints(*(a if isinstance(a, Integer) else int64 for a in args))
    return Signature(Range(ty), (ty,) * len(args))


@unop_rule("iter", Range)
def range_iter(r: Range) -> Signature:
    return Signature(RangeIter(r.dtype), (r,))


@unop_rule("iternext", RangeIter)
def range_iternext(it: RangeIter) -> Signature:
    return Signature(it.dtype, (it,))


@call_rule(builtins.len)
def len_(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if len(args) == 1 and not kws and isinstance(args[0], (Tuple, Range)):
        return Signature(int64, args)
    return None
