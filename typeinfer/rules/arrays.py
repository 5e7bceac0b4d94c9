"""Typing rules for NumPy arrays: attributes and len (indexing is in slicing.py).

    array(float64, 1d, A).shape           -> UniTuple(int64 x 1)
    len(array(float64, 2d, C))            -> int64
"""
from __future__ import annotations

import builtins

from jitcore.frontend.errors import TypingError

from ..binder import LEN, Bound
from ..registry import attr_rule, call_rule
from ..types import Array, Signature, Type, UniTuple, int64


@attr_rule(Array, "shape")
def shape(arr: Array) -> Type:
    return UniTuple(int64, arr.ndim)


@attr_rule(Array, "strides")
def strides(arr: Array) -> Type:
    return UniTuple(int64, arr.ndim)


@attr_rule(Array, "ndim")
@attr_rule(Array, "size")
@attr_rule(Array, "itemsize")
@attr_rule(Array, "nbytes")
def int_attr(arr: Array) -> Type:
    return int64


@call_rule(builtins.len, params=LEN)
def len_array(bound: Bound) -> Signature | None:
    obj = bound["obj"]
    if not isinstance(obj, Array):
        return None
    if obj.ndim == 0:
        raise TypingError("len() of a 0-d array", None, "a 0-d array has no length")
    return Signature(int64, (obj,))
