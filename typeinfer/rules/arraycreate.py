"""Typing rules for creating arrays in compiled code: np.empty, zeros, ones, full, *_like.

    np.zeros((n, 3), np.float32)   -> array(float32, 2d, C)
    np.ones(n)                     -> array(float64, 1d, C)
    np.empty_like(a)               -> a C array of a's dtype and ndim
"""
from __future__ import annotations

from typing import Any

import numpy as np

from jitcore.errors import TypingError

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
    dtype = bound[-1]
    if names[-1] == "dtype" and dtype is not None and not isinstance(dtype, PyObjectConst):
        return []  # a dtype must be a compile-time constant
    return bound


def _creator(with_fill: bool) -> Any:
    names = ("shape", "fill_value", "dtype") if with_fill else ("shape", "dtype")

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
        default = fill if with_fill and fill is not None and bound[-1] is None else float64
        dtype = dtype_of(bound[-1], default)
        ret = Array(dtype, len(shape.items) if isinstance(shape, Tuple) else 1, "C")
        sig_args: list[Type] = [shape] + ([dtype] if with_fill else [])
        sig_args += [bound[-1]] if bound[-1] is not None else []
        return Signature(ret, tuple(sig_args))
    return rule


call_rule(np.empty)(_creator(False))
call_rule(np.zeros)(_creator(False))
call_rule(np.ones)(_creator(False))
call_rule(np.full)(_creator(True))


def _like(with_fill: bool) -> Any:
    names = ("a", "fill_value", "dtype") if with_fill else ("a", "dtype")

    def rule(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
        bound = _args(args, kws, names)
        if not bound or not isinstance(bound[0], Array):
            return None
        like = bound[0]
        fill = bound[1] if with_fill else None
        if with_fill and (fill is None or not fill.is_number):
            return None
        dtype = dtype_of(bound[-1], like.dtype)
        ret = Array(dtype, like.ndim, "C")
        sig_args: list[Type] = [like] + ([dtype] if with_fill else [])
        sig_args += [bound[-1]] if bound[-1] is not None else []
        return Signature(ret, tuple(sig_args))
    return rule


call_rule(np.empty_like)(_like(False))
call_rule(np.zeros_like)(_like(False))
call_rule(np.ones_like)(_like(False))
call_rule(np.full_like)(_like(True))
