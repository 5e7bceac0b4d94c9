"""Typing rules for creating arrays in compiled code: np.empty, zeros, ones, full, *_like,
np.ascontiguousarray, np.asfortranarray, and the `order=` arguments they share.

    np.zeros((n, 3), np.float32)   -> array(float32, 2d, C)
    np.ones((n, 3), order="F")     -> array(float64, 2d, F)
    np.ones(n)                     -> array(float64, 1d, C)
    np.empty_like(a)               -> a's dtype and ndim, laid out as `a` is (order="K")
    np.asfortranarray(a)           -> array(a.dtype, a.ndim, F): `a` itself when it already is

An order the compiler cannot fix (order="K" or "A" of an A array) is decided at run time
between C and F and typed A; the lowering does the same test (impls/arraycreate.py).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from jitcore.frontend.errors import TypingError

from ..binder import Bound, Params
from ..registry import call_rule
from ..types import (BY_NAME, Array, Boolean, Integer, NoneType, PyObjectConst, Signature,
                     Tuple, Type, UniTuple, float64, int64)

_PY_DTYPES = {float: "float64", int: "int64", bool: "bool", complex: "complex128"}


def dtype_of(ty: Type | None, default: Type = float64) -> Type:
    """The element type named by a dtype argument (np.float32, float, 'int8', np.dtype(...))."""
    if ty is None or isinstance(ty, NoneType) or (
            isinstance(ty, PyObjectConst) and ty.value is None):
        return default
    if isinstance(ty, PyObjectConst):
        value: Any = ty.value
        name = _PY_DTYPES.get(value)
        if name is None:
            try:
                name = np.dtype(value).name
            except TypeError:
                name = None
        if name in BY_NAME:
            return BY_NAME[name]
    raise TypingError(f"unsupported dtype {ty}", None,
                      "use a NumPy type such as np.float64, np.int32 or np.bool_")


def order_of(ty: Type | None, default: str) -> str:
    """The order named by an `order=` argument: "C", "F", "A" or "K"."""
    if ty is None:
        return default
    if isinstance(ty, PyObjectConst) and ty.value in ("C", "F", "A", "K"):
        return str(ty.value)
    raise TypingError(f"order must be one of 'C', 'F', 'A' or 'K' and a constant, not {ty}")


def ordered_layout(order: str, ndim: int, like: Array | None = None) -> str:
    """The layout of a new array made in `order` (like "K"/"A" keep `like`'s)."""
    if ndim <= 1:
        return "C"  # one contiguous axis is both; typeof calls it C
    if order in ("K", "A"):
        return "C" if like is None or like.ndim != ndim else like.layout
    return order


def shape_type(ty: Type) -> Type | None:
    """The shape argument converted to int64 or a tuple of int64s (an int n means (n,))."""
    if isinstance(ty, (Integer, Boolean)):
        return int64
    if isinstance(ty, Tuple) and all(isinstance(i, Integer) for i in ty.items):
        return UniTuple(int64, len(ty.items))
    return None


def _constant_dtype(bound: Bound) -> bool:
    """A dtype must be a compile-time constant (or None)."""
    dtype = bound["dtype"]
    return isinstance(dtype, (PyObjectConst, NoneType))


def _creator(with_fill: bool) -> Any:
    def rule(bound: Bound) -> Signature | None:
        shape = shape_type(bound["shape"])
        if shape is None or not _constant_dtype(bound):
            return None
        fill = bound["fill_value"] if with_fill else None
        if fill is not None and not fill.is_number:
            return None
        dtype = dtype_of(bound["dtype"], float64 if fill is None else fill)
        order = order_of(bound["order"], "C")
        if order not in ("C", "F"):
            raise TypingError(f"only 'C' or 'F' order is permitted, not {order!r}")
        ndim = len(shape.items) if isinstance(shape, Tuple) else 1
        ret = Array(dtype, ndim, ordered_layout(order, ndim))
        return Signature(ret, bound.types({"shape": shape, "fill_value": dtype}))
    return rule


def _params(fn: Any, *names: str) -> Params:
    return Params.of(fn, names)


_CREATE = ("shape", "dtype", "order")
call_rule(np.empty, params=_params(np.empty, *_CREATE))(_creator(False))
call_rule(np.zeros, params=_params(np.zeros, *_CREATE))(_creator(False))
call_rule(np.ones, params=_params(np.ones, *_CREATE))(_creator(False))
call_rule(np.full, params=_params(np.full, "fill_value", *_CREATE))(_creator(True))


def _like(with_fill: bool) -> Any:
    def rule(bound: Bound) -> Signature | None:
        like = next(iter(bound.values()))  # `prototype` of empty_like, `a` of the others
        if not isinstance(like, Array) or not _constant_dtype(bound):
            return None
        fill = bound["fill_value"] if with_fill else None
        if fill is not None and not fill.is_number:
            return None
        dtype = dtype_of(bound["dtype"], like.dtype)
        layout = ordered_layout(order_of(bound["order"], "K"), like.ndim, like)
        ret = Array(dtype, like.ndim, layout)
        return Signature(ret, bound.types({"fill_value": dtype}))
    return rule


_LIKE = ("dtype", "order")
call_rule(np.empty_like, params=_params(np.empty_like, "prototype", *_LIKE))(_like(False))
call_rule(np.zeros_like, params=_params(np.zeros_like, "a", *_LIKE))(_like(False))
call_rule(np.ones_like, params=_params(np.ones_like, "a", *_LIKE))(_like(False))
call_rule(np.full_like, params=_params(np.full_like, "a", "fill_value", *_LIKE))(_like(True))


def _as_layout(layout: str) -> Any:
    def rule(bound: Bound) -> Signature | None:
        arr = bound["a"]
        if not isinstance(arr, Array) or not _constant_dtype(bound):
            return None
        ndim = max(arr.ndim, 1)
        ret = Array(dtype_of(bound["dtype"], arr.dtype), ndim, ordered_layout(layout, ndim))
        return Signature(ret, bound.types())
    return rule


# np.ascontiguousarray(a[, dtype]), np.asfortranarray(a[, dtype]): `a` itself when it fits
call_rule(np.ascontiguousarray,
          params=_params(np.ascontiguousarray, "a", "dtype"))(_as_layout("C"))
call_rule(np.asfortranarray, params=_params(np.asfortranarray, "a", "dtype"))(_as_layout("F"))
