"""Typing rules for reductions and scans of arrays, as methods and as NumPy functions.

    a.sum()               array(int8, 2d, C)  -> int64        (NumPy's accumulator types)
    np.mean(a, axis=0)    array(int32, 2d, C) -> array(float64, 1d, C)
    a.argmax()            -> int64 (index into the C-order flattened array)
    np.cumsum(a)          -> array(<sum type>, 1d, C); with axis=, the shape of a

Without `axis` a reduction gives a scalar; with an integer axis (negative allowed,
checked when the code runs) an array of one dimension less, or a scalar for 1-d input.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..registry import attr_rule, call_rule, method_rule
from ..types import (
    Array,
    Boolean,
    BoundMethod,
    Complex,
    Integer,
    NoneType,
    PyObjectConst,
    Signature,
    Type,
    float64,
    int64,
    uint64,
)

REDUCTIONS = ("sum", "prod", "mean", "var", "std", "min", "max", "argmin", "argmax", "all",
              "any")
SCANS = ("cumsum", "cumprod")
NP_FUNCS = {np.sum: "sum", np.prod: "prod", np.mean: "mean", np.var: "var", np.std: "std",
            np.min: "min", np.max: "max", np.amin: "min", np.amax: "max",
            np.argmin: "argmin", np.argmax: "argmax", np.all: "all", np.any: "any",
            np.cumsum: "cumsum", np.cumprod: "cumprod"}


def result_dtype(kind: str, dtype: Type) -> Type | None:
    """NumPy's result dtype of reduction `kind` over `dtype`; None if unsupported."""
    if kind in ("sum", "prod", "cumsum", "cumprod"):
        if isinstance(dtype, Boolean):
            return int64
        if isinstance(dtype, Integer) and dtype.bitwidth < 64:
            return int64 if dtype.signed else uint64
        return dtype
    if kind in ("mean", "var", "std"):
        if isinstance(dtype, (Boolean, Integer)):
            return float64
        if isinstance(dtype, Complex) and kind != "mean":
            return dtype.underlying
        return dtype
    if kind in ("min", "max"):
        return None if isinstance(dtype, Complex) else dtype
    if kind in ("argmin", "argmax"):
        return None if isinstance(dtype, Complex) else int64
    if kind in ("all", "any"):
        return Boolean()
    return None


def _is_none(ty: Type | None) -> bool:
    return ty is None or isinstance(ty, NoneType) or (
        isinstance(ty, PyObjectConst) and ty.value is None)


def reduction_signature(kind: str, arr: Type, args: tuple[Type, ...],
                        kws: dict[str, Type], lead: tuple[Type, ...]) -> Signature | None:
    """The signature of `kind` on `arr` with extra arguments (axis[, ddof]) and keywords."""
    if not isinstance(arr, Array):
        return None
    names = ("axis", "ddof") if kind in ("var", "std") else ("axis",)
    if len(args) > len(names) or set(kws) - set(names):
        return None
    bound: dict[str, Type] = dict(zip(names, args))
    for k, v in kws.items():
        if k in bound:
            return None
        bound[k] = v
    if any(not _is_none(v) and not isinstance(v, (Integer, Boolean)) for v in bound.values()):
        return None
    dtype = result_dtype(kind, arr.dtype)
    if dtype is None:
        return None
    axis = bound.get("axis")
    if _is_none(axis):
        ret: Type = Array(dtype, 1, "C") if kind in SCANS else dtype
    elif arr.ndim == 0:
        return None
    elif kind in SCANS:
        ret = Array(dtype, arr.ndim, "C")
    else:
        ret = dtype if arr.ndim == 1 else Array(dtype, arr.ndim - 1, "C")
    if kind in SCANS and arr.ndim == 0:
        ret = Array(dtype, 1, "C")
    extra = tuple(int64 if isinstance(v, (Integer, Boolean)) else v for v in bound.values())
    return Signature(ret, (*lead, *extra))


def _method_rules(kind: str) -> None:
    @attr_rule(Array, kind)
    def attr(arr: Array) -> Type:
        return BoundMethod(arr, kind)

    @method_rule(Array, kind)
    def method(this: Array, args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
        return reduction_signature(kind, this, args, kws, (this,))


def _function_rule(fn: Any, kind: str) -> None:
    @call_rule(fn)
    def rule(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
        if not args:
            return None  # the array is passed positionally
        arr = args[0]
        return reduction_signature(kind, arr, args[1:], kws, (arr,))


for _kind in REDUCTIONS + SCANS:
    _method_rules(_kind)
for _fn, _kind in NP_FUNCS.items():
    _function_rule(_fn, _kind)
