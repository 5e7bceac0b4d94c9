"""Typing rules for array attributes and methods that reshape, copy or iterate.

    a.T, a.transpose()            -> a view, C <-> F
    a.transpose(1, 0, 2)          -> a view of layout A (the axes are known at run time)
    a.reshape(2, -1)              -> array(dtype, 2d, C)  (a view when `a` is C-contiguous)
    a.copy(), a.flatten()         -> new C arrays;  a.ravel() -> a view when it can be
    a.astype(np.float32)          -> array(float32, nd, C)
    a.fill(0), a.dtype, a.flat, for row in m, for x in a.flat
"""
from __future__ import annotations

import numpy as np

from jitcore.errors import TypingError

from ..registry import attr_rule, binop_rule, method_rule, op_rule, unop_rule
from ..types import (
    Array,
    ArrayFlat,
    ArrayIter,
    Boolean,
    BoundMethod,
    Integer,
    PyObjectConst,
    Signature,
    Tuple,
    Type,
    UniTuple,
    boolean,
    int64,
    none,
)
from .arraycreate import dtype_of
from .slicing import check_writable

_METHODS = ("copy", "reshape", "ravel", "flatten", "transpose", "astype", "fill")


def _method_attr(name: str) -> None:
    @attr_rule(Array, name)
    def rule(arr: Array) -> Type:
        return BoundMethod(arr, name)


for _name in _METHODS:
    _method_attr(_name)


def transposed(arr: Array) -> Array:
    return arr.copy(layout={"C": "F", "F": "C"}.get(arr.layout, "A") if arr.ndim > 1
                    else arr.layout)


@attr_rule(Array, "T")
def attr_t(arr: Array) -> Type:
    return transposed(arr)


@attr_rule(Array, "dtype")
def attr_dtype(arr: Array) -> Type:
    return PyObjectConst(np.dtype(arr.dtype.name))


def _dtype_value(ty: Type) -> np.dtype | None:
    if not isinstance(ty, PyObjectConst) or isinstance(ty.value, (str, slice)):
        return None
    try:
        return np.dtype(ty.value)
    except TypeError:
        return None


# a.dtype == np.float64, a.dtype != b.dtype: decided at compile time
@binop_rule("eq", PyObjectConst, PyObjectConst)
@binop_rule("ne", PyObjectConst, PyObjectConst)
def dtype_compare(lhs: PyObjectConst, rhs: PyObjectConst) -> Signature | None:
    if not (isinstance(lhs.value, np.dtype) or isinstance(rhs.value, np.dtype)):
        return None
    if _dtype_value(lhs) is None or _dtype_value(rhs) is None:
        return None
    return Signature(boolean, (lhs, rhs))


@attr_rule(Array, "flat")
def attr_flat(arr: Array) -> Type:
    return ArrayFlat(arr)


def _ints(args: tuple[Type, ...]) -> tuple[Type, ...] | None:
    """Integer arguments given either separately or as one tuple, converted to int64."""
    if len(args) == 1 and isinstance(args[0], Tuple):
        items = args[0].items
        if all(isinstance(i, (Integer, Boolean)) for i in items):
            return (UniTuple(int64, len(items)),)
        return None
    if all(isinstance(a, (Integer, Boolean)) for a in args):
        return tuple(int64 for _ in args)
    return None


def shape_length(converted: tuple[Type, ...]) -> int:
    if len(converted) == 1 and isinstance(converted[0], Tuple):
        return len(converted[0].items)
    return len(converted)


def _no_args(name: str, args: tuple[Type, ...], kws: dict[str, Type]) -> None:
    if args or kws:
        raise TypingError(f"array.{name}() takes no arguments in compiled code")


@method_rule(Array, "copy")
def copy(arr: Array, args: tuple[Type, ...], kws: dict[str, Type]) -> Signature:
    _no_args("copy", args, kws)
    return Signature(arr.copy(layout="C", readonly=False), (arr,))


@method_rule(Array, "flatten")
def flatten(arr: Array, args: tuple[Type, ...], kws: dict[str, Type]) -> Signature:
    _no_args("flatten", args, kws)
    return Signature(arr.copy(ndim=1, layout="C", readonly=False), (arr,))


@method_rule(Array, "ravel")
def ravel(arr: Array, args: tuple[Type, ...], kws: dict[str, Type]) -> Signature:
    _no_args("ravel", args, kws)
    return Signature(arr.copy(ndim=1, layout="C"), (arr,))


@method_rule(Array, "reshape")
def reshape(arr: Array, args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    converted = _ints(args)
    if kws or not args or converted is None:
        return None
    return Signature(arr.copy(ndim=shape_length(converted), layout="C"), (arr, *converted))


@method_rule(Array, "transpose")
def transpose(arr: Array, args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if kws:
        return None
    if not args or (len(args) == 1 and isinstance(args[0], PyObjectConst)
                    and args[0].value is None):
        return Signature(transposed(arr), (arr, *args))
    converted = _ints(args)
    if converted is None:
        return None
    if shape_length(converted) != arr.ndim:
        raise TypingError(f"axes don't match array: {shape_length(converted)} axes given for "
                          f"{arr}")
    return Signature(arr.copy(layout="A" if arr.ndim > 1 else arr.layout), (arr, *converted))


@method_rule(Array, "astype")
def astype(arr: Array, args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if len(args) != 1 or kws or not isinstance(args[0], PyObjectConst):
        return None
    return Signature(arr.copy(dtype=dtype_of(args[0]), layout="C", readonly=False), (arr, args[0]))


@method_rule(Array, "fill")
def fill(arr: Array, args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if len(args) != 1 or kws or not args[0].is_number:
        return None
    check_writable(arr)
    return Signature(none, (arr, arr.dtype))


# --- iteration and .flat ---------------------------------------------------------------------

@unop_rule("iter", Array)
def array_iter(arr: Array) -> Signature | None:
    if arr.ndim == 0:
        raise TypingError("iteration over a 0-d array")
    return Signature(ArrayIter(arr), (arr,))


@unop_rule("iter", ArrayFlat)
def flat_iter(flat: ArrayFlat) -> Signature:
    return Signature(ArrayIter(flat.array, flat=True), (flat,))


@unop_rule("iternext", ArrayIter)
def array_iternext(it: ArrayIter) -> Signature:
    arr = it.array
    if it.flat or arr.ndim == 1:
        return Signature(arr.dtype, (it,))
    return Signature(arr.copy(ndim=arr.ndim - 1, layout="C" if arr.layout == "C" else "A"), (it,))


# a.flat[i]
@binop_rule("getitem", ArrayFlat, Integer)
def flat_getitem(flat: ArrayFlat, index: Integer) -> Signature:
    return Signature(flat.array.dtype, (flat, int64))


# a.flat[i] = v
@op_rule("setitem", ArrayFlat, Integer, Type)
def flat_setitem(flat: ArrayFlat, index: Integer, value: Type) -> Signature | None:
    if not value.is_number:
        return None
    check_writable(flat.array)
    return Signature(none, (flat, int64, flat.array.dtype))
