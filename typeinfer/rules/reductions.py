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

from ..binder import Bound, Params
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


def _extras(kind: str) -> tuple[str, ...]:
    """The parameters after the array that compiled code supports."""
    return ("axis", "ddof") if kind in ("var", "std") else ("axis",)


# The methods' parameters as NumPy documents them (ndarray's own signatures hide some in
# **kwargs); the functions take NumPy's signatures.
_METHOD_PARAMS = {
    "sum": "axis=None, dtype=None, out=None, keepdims=False, initial=_NV, where=True",
    "mean": "axis=None, dtype=None, out=None, keepdims=False, *, where=True",
    "var": "axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, mean=_NV, "
           "correction=_NV",
    "min": "axis=None, out=None, keepdims=False, initial=_NV, where=True",
    "argmin": "axis=None, out=None, *, keepdims=False",
    "all": "axis=None, out=None, keepdims=False, *, where=True",
    "cumsum": "axis=None, dtype=None, out=None",
}
_SAME_PARAMS = {"prod": "sum", "std": "var", "max": "min", "argmax": "argmin", "any": "all",
                "cumprod": "cumsum"}


def reduction_signature(kind: str, arr: Type, bound: Bound,
                        lead: tuple[Type, ...]) -> Signature | None:
    """The signature of `kind` on `arr` with the bound extra arguments (axis[, ddof])."""
    if not isinstance(arr, Array):
        return None
    bound = {n: bound[n] for n in _extras(kind)}  # type: ignore[assignment]
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

    params = Params.declare(kind, _METHOD_PARAMS[_SAME_PARAMS.get(kind, kind)],
                            _extras(kind), {"_NV": object()})

    @method_rule(Array, kind, params=params)
    def method(this: Array, bound: Bound) -> Signature | None:
        return reduction_signature(kind, this, bound, (this,))


def _function_rule(fn: Any, kind: str) -> None:
    @call_rule(fn, params=Params.of(fn, ("a", *_extras(kind))))
    def rule(bound: Bound) -> Signature | None:
        return reduction_signature(kind, bound["a"], bound, (bound["a"],))


for _kind in REDUCTIONS + SCANS:
    _method_rules(_kind)
for _fn, _kind in NP_FUNCS.items():
    _function_rule(_fn, _kind)
