"""Typing rules for NumPy arrays: indexing, item assignment, attributes, len.

    array(float64, 2d, C)[int64, int64]   -> float64
    array(float64, 2d, C)[int64]          -> array(float64, 1d, C)     (a view of a row)
    array(float64, 1d, A).shape           -> UniTuple(int64 x 1)
"""
from __future__ import annotations

import builtins

from jitcore.errors import TypingError

from ..registry import attr_rule, binop_rule, call_rule, op_rule
from ..types import Array, Integer, Signature, Tuple, Type, UniTuple, int64


def _int_index(ty: Type) -> bool:
    return isinstance(ty, Integer)


def _result_of_indexing(arr: Array, count: int) -> Type:
    """The element for a full index, otherwise a view of the remaining axes."""
    if count == arr.ndim:
        return arr.dtype
    # Fixing leading axes of a C array leaves a C array; anything else may be strided.
    layout = "C" if arr.layout == "C" else "A"
    return arr.copy(ndim=arr.ndim - count, layout=layout)


@binop_rule("getitem", Array, Integer)
def getitem_int(arr: Array, index: Integer) -> Signature:
    if arr.ndim == 0:
        raise TypingError("a 0-d array cannot be indexed with an integer", None,
                          "use a[()] to read its value")
    return Signature(_result_of_indexing(arr, 1), (arr, int64))


@binop_rule("getitem", Array, Tuple)
def getitem_tuple(arr: Array, index: Tuple) -> Signature | None:
    if not all(_int_index(i) for i in index.items):
        return None
    if len(index.items) > arr.ndim:
        raise TypingError(f"too many indices for {arr}: {len(index.items)} given")
    return Signature(_result_of_indexing(arr, len(index.items)),
                     (arr, UniTuple(int64, len(index.items))))


def _check_writable(arr: Array) -> None:
    if arr.readonly:
        raise TypingError(f"cannot assign to an element of a read-only array ({arr})", None,
                          "pass a writeable array or copy it first")


@op_rule("setitem", Array, Integer, Type)
@op_rule("setitem", Array, Tuple, Type)
def setitem(arr: Array, index: Type, value: Type) -> Signature | None:
    _check_writable(arr)
    if not value.is_number:
        return None
    if isinstance(index, Integer):
        count, index_ty = 1, int64
    elif isinstance(index, Tuple) and all(_int_index(i) for i in index.items):
        count, index_ty = len(index.items), UniTuple(int64, len(index.items))
    else:
        return None
    if count != arr.ndim:
        return None  # assigning to a view (broadcast) comes with slicing
    return Signature(arr.dtype, (arr, index_ty, arr.dtype))


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


@call_rule(builtins.len)
def len_array(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if len(args) != 1 or kws or not isinstance(args[0], Array):
        return None
    if args[0].ndim == 0:
        raise TypingError("len() of a 0-d array", None, "a 0-d array has no length")
    return Signature(int64, args)
