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

from ..registry import call_rule
from ..types import (BY_NAME, Array, Boolean, Integer, PyObjectConst, Signature, Tuple, Type,
                     UniTuple, float64, int64)

_PY_DTYPES = {float: "float64", int: "int64", bool: "bool", complex: "complex128"}


def dtype_of(ty: Type | None, default: Type = float64) -> Type:
    """The element type named by a dtype argument (np.float32, float, 'int8', np.dtype(...))."""
    if ty is None or (isinstance(ty, PyObjectConst) and ty.value is None):
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


def _args(args: tuple[Type, ...], kws: dict[str, Type], names: tuple[str, ...]) -> list[
        Type | None]:
    """Arguments bound to `names` (None where omitted); [] if they don't fit the signature."""
    if len(args) > len(names) or set(kws) - set(names):
        return []
    bound: list[Type | None] = list(args) + [None] * (len(names) - len(args))
    for k, v in kws.items():
        if bound[names.index(k)] is not None:
            return []
        bound[names.index(k)] = v
    dtype = bound[names.index("dtype")] if "dtype" in names else None
    if dtype is not None and not isinstance(dtype, PyObjectConst):
        return []  # a dtype must be a compile-time constant
    return bound


def call_order(args: tuple[Type, ...], kws: dict[str, Type], names: tuple[str, ...],
               converted: dict[str, Type]) -> tuple[Type, ...]:
    """The argument types in call order (positional, then keywords), some converted."""
    given = list(names[:len(args)]) + list(kws)
    return tuple(converted.get(n, v) for n, v in zip(given, [*args, *kws.values()]))


def _creator(with_fill: bool) -> Any:
    names = ("shape", "fill_value", "dtype", "order") if with_fill else ("shape", "dtype",
                                                                         "order")

    def rule(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
        bound = _args(args, kws, names)
        if not bound or bound[0] is None:
            return None
        shape = shape_type(bound[0])
        if shape is None:
            return None
        fill = bound[1] if with_fill else None
        if with_fill and (fill is None or not fill.is_number):
            return None
        given_dtype, given_order = bound[-2], bound[-1]
        default = fill if with_fill and fill is not None and given_dtype is None else float64
        dtype = dtype_of(given_dtype, default)
        order = order_of(given_order, "C")
        if order not in ("C", "F"):
            raise TypingError(f"only 'C' or 'F' order is permitted, not {order!r}")
        ndim = len(shape.items) if isinstance(shape, Tuple) else 1
        ret = Array(dtype, ndim, ordered_layout(order, ndim))
        return Signature(ret, call_order(args, kws, names, {"shape": shape,
                                                            "fill_value": dtype}))
    return rule


call_rule(np.empty)(_creator(False))
call_rule(np.zeros)(_creator(False))
call_rule(np.ones)(_creator(False))
call_rule(np.full)(_creator(True))


def _like(with_fill: bool) -> Any:
    names = ("a", "fill_value", "dtype", "order") if with_fill else ("a", "dtype", "order")

    def rule(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
        bound = _args(args, kws, names)
        if not bound or not isinstance(bound[0], Array):
            return None
        like = bound[0]
        fill = bound[1] if with_fill else None
        if with_fill and (fill is None or not fill.is_number):
            return None
        given_dtype, given_order = bound[-2], bound[-1]
        dtype = dtype_of(given_dtype, like.dtype)
        layout = ordered_layout(order_of(given_order, "K"), like.ndim, like)
        ret = Array(dtype, like.ndim, layout)
        return Signature(ret, call_order(args, kws, names, {"fill_value": dtype}))
    return rule


call_rule(np.empty_like)(_like(False))
call_rule(np.zeros_like)(_like(False))
call_rule(np.ones_like)(_like(False))
call_rule(np.full_like)(_like(True))


def _as_layout(layout: str) -> Any:
    def rule(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
        bound = _args(args, kws, ("a", "dtype"))
        if not bound or not isinstance(bound[0], Array):
            return None
        arr = bound[0]
        ret = Array(dtype_of(bound[1], arr.dtype), max(arr.ndim, 1),
                    ordered_layout(layout, max(arr.ndim, 1)))
        return Signature(ret, call_order(args, kws, ("a", "dtype"), {}))
    return rule


# np.ascontiguousarray(a[, dtype]), np.asfortranarray(a[, dtype]): `a` itself when it fits
call_rule(np.ascontiguousarray)(_as_layout("C"))
call_rule(np.asfortranarray)(_as_layout("F"))
