"""Typing rules for array attributes and methods that reshape, copy or iterate.

    a.T, a.transpose()            -> a view, C <-> F
    a.transpose(1, 0, 2)          -> a view of layout A (the axes are known at run time)
    a.reshape(2, -1)              -> array(dtype, 2d, C)  (a view when `a` is C-contiguous)
    a.copy(), a.flatten()         -> new C arrays;  a.ravel() -> a view when it can be
    a.copy(order="F")             -> array(dtype, nd, F)  (order= on copy/flatten/ravel/reshape)
    a.astype(np.float32)          -> array(float32, nd, layout of a)  (order="K")
    a.fill(0), a.dtype, a.flat, for row in m, for x in a.flat
"""
from __future__ import annotations

import numpy as np

from jitcore.frontend.errors import TypingError

from ..binder import Bound, Params
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
from .arraycreate import dtype_of, order_of, ordered_layout
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
        dtype: np.dtype = np.dtype(ty.value)
    except TypeError:
        return None
    return dtype


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


def _method(name: str, *supported: str) -> Params:
    return Params.method(getattr(np.ndarray, name), supported)


# a.copy(order='C'): order "K"/"A" of an A array is decided at run time (typed A)
@method_rule(Array, "copy", params=_method("copy", "order"))
def copy(arr: Array, bound: Bound) -> Signature:
    layout = ordered_layout(order_of(bound["order"], "C"), arr.ndim, arr)
    return Signature(arr.copy(layout=layout, readonly=False), (arr, *bound.types()))


# a.flatten(order='C'), a.ravel(order='C'): "F" reads the array in F order
@method_rule(Array, "flatten", params=_method("flatten", "order"))
def flatten(arr: Array, bound: Bound) -> Signature:
    order_of(bound["order"], "C")
    return Signature(arr.copy(ndim=1, layout="C", readonly=False), (arr, *bound.types()))


@method_rule(Array, "ravel", params=_method("ravel", "order"))
def ravel(arr: Array, bound: Bound) -> Signature:
    order_of(bound["order"], "C")
    return Signature(arr.copy(ndim=1, layout="C"), (arr, *bound.types()))


# a.reshape(shape, order='C'): "F" fills the new shape in F order (an F result)
@method_rule(Array, "reshape")
def reshape(arr: Array, args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    converted = _ints(args)
    if not args or converted is None or set(kws) - {"order"}:
        return None
    ndim = shape_length(converted)
    order = order_of(kws.get("order"), "C")
    if order == "K":
        raise TypingError("order 'K' is not permitted for reshaping")
    if order == "A":  # F when `a` is F-contiguous only (a run-time test for A arrays)
        order = arr.layout if arr.layout != "C" and arr.ndim > 1 else "C"
    ret = arr.copy(ndim=ndim, layout=order if ndim > 1 else "C")
    return Signature(ret, (arr, *converted, *kws.values()))


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


# a.astype(dtype, order='K'): a copy laid out as `a` is, unless an order is given
@method_rule(Array, "astype", params=_method("astype", "dtype", "order"))
def astype(arr: Array, bound: Bound) -> Signature | None:
    if not isinstance(bound["dtype"], PyObjectConst):
        return None
    layout = ordered_layout(order_of(bound["order"], "K"), arr.ndim, arr)
    ret = arr.copy(dtype=dtype_of(bound["dtype"]), layout=layout, readonly=False)
    return Signature(ret, (arr, *bound.types()))


@method_rule(Array, "fill", params=Params.declare("fill", "value, /"))  # NumPy's text says
# value may be a keyword; ndarray.fill takes none
def fill(arr: Array, bound: Bound) -> Signature | None:
    if not bound["value"].is_number:
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
