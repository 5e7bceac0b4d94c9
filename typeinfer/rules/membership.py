"""Typing rules for `x in a` and `x not in a` on arrays: (a == x).any() as NumPy does.

    1.5 in a: array(float64, 1d, C)   -> bool   (jitcore.library.arrays.contains)
"""
from __future__ import annotations

from ..registry import binop_rule
from ..types import Array, Signature, Type, boolean


@binop_rule("in_", Type, Array)
@binop_rule("not_in", Type, Array)
def array_contains(item: Type, arr: Array) -> Signature | None:
    if not (item.is_number and arr.dtype.is_number):
        return None
    return Signature(boolean, (item, arr))
