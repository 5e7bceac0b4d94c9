"""Typing rules for NumPy functions: creation (arange, linspace, eye, identity, array, copy)
and array routines (concatenate, stack, sort, argsort, unique, searchsorted, histogram,
round, isclose, allclose).

    np.arange(n)                    -> array(int64, 1d, C)
    np.linspace(0.0, 1.0, 5)        -> array(float64, 1d, C)
    np.array(((1, 2), (3, 4.5)))    -> array(float64, 2d, C)
    np.sort(a)                      -> array(a.dtype, 1d, C)     (1-d arrays)
    np.histogram(a, 10)             -> (array(int64, 1d, C), array(float64, 1d, C))

Each rule declares the parameters it supports from NumPy's own signature (`Params.of`);
the call is bound to them before typing (defaults filled in), so a rule sees every supported
parameter by name and its signature lists them in parameter order, the order in which the
implementation receives them.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..binder import Bound, Params
from ..registry import attr_rule, call_rule, method_rule
from ..types import (
    BY_NAME,
    Array,
    Boolean,
    BoundMethod,
    Complex,
    Float,
    Integer,
    NoneType,
    PyObjectConst,
    Signature,
    Tuple,
    Type,
    boolean,
    float64,
    int64,
)
from .arraycreate import dtype_of


def is_none(ty: Type | None) -> bool:
    return ty is None or isinstance(ty, NoneType) or (
        isinstance(ty, PyObjectConst) and ty.value is None)


def _dtype(ty: Type | None, default: Type) -> Type | None:
    """The dtype a dtype argument names; None (no rule applies) unless it is a constant."""
    if ty is not None and not is_none(ty) and not isinstance(ty, PyObjectConst):
        return None
    return dtype_of(ty, default)


def _real(ty: Type | None) -> bool:
    return isinstance(ty, (Integer, Float, Boolean))


def common_dtype(types: list[Type]) -> Type | None:
    """NumPy's result type of scalars typed as these (Python ints count as int64)."""
    if not types or not all(ty.is_number for ty in types):
        return None
    result = np.result_type(*(np.dtype(ty.name) for ty in types))
    return BY_NAME.get(result.name)


# np.arange(stop) / (start, stop[, step]), dtype=: a lone start_or_stop is the stop. NumPy's
# text signature says dtype is keyword-only; np.arange itself takes it fourth.
ARANGE = Params.declare("arange", "start_or_stop, /, stop=None, step=None, dtype=None, *, "
                        "device=None, like=None", ("start_or_stop", "stop", "step", "dtype"))


@call_rule(np.arange, params=ARANGE)
def arange(bound: Bound) -> Signature | None:
    numbers = [bound[n] for n in ("start_or_stop", "stop", "step") if not is_none(bound[n])]
    if not all(_real(ty) for ty in numbers):
        return None
    dtype_ty = bound["dtype"]
    if not is_none(dtype_ty) and not isinstance(dtype_ty, PyObjectConst):
        return None
    natural = float64 if any(isinstance(ty, Float) for ty in numbers) else int64
    dtype = dtype_of(dtype_ty, natural)
    if isinstance(dtype, Complex):
        return None
    calc = float64 if isinstance(dtype, Float) or natural == float64 else int64
    convert = {n: calc for n in ("start_or_stop", "stop", "step") if not is_none(bound[n])}
    return Signature(Array(dtype, 1, "C"), bound.types(convert))


# np.linspace(start, stop, num=50, endpoint=True)
@call_rule(np.linspace, params=Params.of(np.linspace, ("start", "stop", "num", "endpoint")))
def linspace(bound: Bound) -> Signature | None:
    if not (_real(bound["start"]) and _real(bound["stop"])):
        return None
    if not isinstance(bound["num"], (Integer, Boolean)):
        return None
    if not isinstance(bound["endpoint"], (Boolean, Integer)):
        return None
    convert = {"start": float64, "stop": float64, "num": int64, "endpoint": boolean}
    return Signature(Array(float64, 1, "C"), bound.types(convert))


# np.eye(N, M=None, k=0, dtype=float)
@call_rule(np.eye, params=Params.of(np.eye, ("N", "M", "k", "dtype")))
def eye(bound: Bound) -> Signature | None:
    if not isinstance(bound["N"], (Integer, Boolean)):
        return None
    if not (is_none(bound["M"]) or isinstance(bound["M"], (Integer, Boolean))):
        return None
    if not isinstance(bound["k"], (Integer, Boolean)):
        return None
    dtype = _dtype(bound["dtype"], float64)
    if dtype is None:
        return None
    convert = {"N": int64, "k": int64, **({} if is_none(bound["M"]) else {"M": int64})}
    return Signature(Array(dtype, 2, "C"), bound.types(convert))


# np.identity(n, dtype=float)
@call_rule(np.identity, params=Params.of(np.identity, ("n", "dtype")))
def identity(bound: Bound) -> Signature | None:
    if not isinstance(bound["n"], (Integer, Boolean)):
        return None
    dtype = _dtype(bound["dtype"], float64)
    if dtype is None:
        return None
    return Signature(Array(dtype, 2, "C"), bound.types({"n": int64}))


def nested_shape(ty: Type) -> tuple[list[int], list[Type]] | None:
    """The shape and the scalar types of a (nested) tuple of numbers, if rectangular."""
    if ty.is_number:
        return [], [ty]
    if not isinstance(ty, Tuple):
        return None
    parts = [nested_shape(item) for item in ty.items]
    if any(p is None for p in parts):
        return None
    shapes = [p[0] for p in parts if p is not None]
    if any(s != shapes[0] for s in shapes):
        return None
    scalars = [s for p in parts if p is not None for s in p[1]]
    return [len(ty.items), *(shapes[0] if shapes else [])], scalars


def _array(obj: Type, dtype_ty: Type, types: tuple[Type, ...]) -> Signature | None:
    if isinstance(obj, Array):
        dtype = _dtype(dtype_ty, obj.dtype)
        if dtype is None:
            return None
        return Signature(Array(dtype, obj.ndim, "C"), types)
    found = nested_shape(obj)
    if found is None or not found[0] or 0 in found[0]:
        return None
    shape, scalars = found
    natural = common_dtype(scalars)
    if natural is None:
        return None
    dtype = _dtype(dtype_ty, natural)
    if dtype is None:
        return None
    return Signature(Array(dtype, len(shape), "C"), types)


# np.array(tuple or nested tuples, dtype=None)
@call_rule(np.array, params=Params.of(np.array, ("object", "dtype")))
def array(bound: Bound) -> Signature | None:
    return _array(bound["object"], bound["dtype"], bound.types())


# np.asarray(a, dtype=None): `a` itself when it is an array of that dtype, else np.array's
@call_rule(np.asarray, params=Params.of(np.asarray, ("a", "dtype")))
def asarray(bound: Bound) -> Signature | None:
    obj = bound["a"]
    sig = _array(obj, bound["dtype"], bound.types())
    if (sig is not None and isinstance(obj, Array) and isinstance(sig.return_type, Array)
            and sig.return_type.dtype == obj.dtype):
        return Signature(obj, sig.args)
    return sig


# np.copy(a): keeps an F-contiguous array F-contiguous, as order='K' does
@call_rule(np.copy, params=Params.of(np.copy, ("a",)))
def copy(bound: Bound) -> Signature | None:
    arr = bound["a"]
    if not isinstance(arr, Array):
        return None
    layout = "F" if arr.layout == "F" and arr.ndim > 1 else "C"
    return Signature(arr.copy(layout=layout, readonly=False), bound.types())


def _axis_ok(ty: Type | None) -> bool:
    return isinstance(ty, (Integer, Boolean))


def _array_sequence(ty: Type) -> list[Array] | None:
    if not isinstance(ty, Tuple) or not ty.items:
        return None
    items = list(ty.items)
    if not all(isinstance(a, Array) for a in items):
        return None
    arrays = [a for a in items if isinstance(a, Array)]
    if any(a.ndim != arrays[0].ndim for a in arrays):
        return None
    return arrays


# np.concatenate((a, b, ...), axis=0)
@call_rule(np.concatenate, params=Params.of(np.concatenate, ("arrays", "axis")))
def concatenate(bound: Bound) -> Signature | None:
    if not _axis_ok(bound["axis"]):
        return None
    arrays = _array_sequence(bound["arrays"])
    if arrays is None or arrays[0].ndim == 0:
        return None
    dtype = common_dtype([a.dtype for a in arrays])
    if dtype is None:
        return None
    return Signature(Array(dtype, arrays[0].ndim, "C"), bound.types({"axis": int64}))


# np.stack((a, b, ...), axis=0)
@call_rule(np.stack, params=Params.of(np.stack, ("arrays", "axis")))
def stack(bound: Bound) -> Signature | None:
    if not _axis_ok(bound["axis"]):
        return None
    arrays = _array_sequence(bound["arrays"])
    if arrays is None:
        return None
    dtype = common_dtype([a.dtype for a in arrays])
    if dtype is None:
        return None
    return Signature(Array(dtype, arrays[0].ndim + 1, "C"), bound.types({"axis": int64}))


def _sortable(ty: Type | None) -> bool:
    return isinstance(ty, Array) and ty.ndim == 1 and isinstance(ty.dtype, (
        Integer, Float, Boolean))


# np.sort(a), np.argsort(a), np.unique(a): 1-d arrays of real numbers
@call_rule(np.sort, params=Params.of(np.sort, ("a",)))
def sort(bound: Bound) -> Signature | None:
    arr = bound["a"]
    if not isinstance(arr, Array) or not _sortable(arr):
        return None
    return Signature(arr.copy(layout="C", readonly=False), bound.types())


@call_rule(np.argsort, params=Params.of(np.argsort, ("a",)))
def argsort(bound: Bound) -> Signature | None:
    if not _sortable(bound["a"]):
        return None
    return Signature(Array(int64, 1, "C"), bound.types())


@call_rule(np.unique, params=Params.of(np.unique, ("ar",)))
def unique(bound: Bound) -> Signature | None:
    arr = bound["ar"]
    if not isinstance(arr, Array) or not isinstance(arr.dtype, (Integer, Float, Boolean)):
        return None
    return Signature(Array(arr.dtype, 1, "C"), bound.types())


@attr_rule(Array, "sort")
def sort_attr(arr: Array) -> Type:
    return BoundMethod(arr, "sort")


@attr_rule(Array, "argsort")
def argsort_attr(arr: Array) -> Type:
    return BoundMethod(arr, "argsort")


_SORT_METHOD = "axis=-1, kind=None, order=None, *, stable=None"  # ndarray.sort, .argsort


@method_rule(Array, "sort", params=Params.declare("sort", _SORT_METHOD, ()))
def sort_method(this: Array, bound: Bound) -> Signature | None:
    if not _sortable(this) or this.readonly:
        return None
    return Signature(BY_NAME["none"], (this,))


@method_rule(Array, "argsort", params=Params.declare("argsort", _SORT_METHOD, ()))
def argsort_method(this: Array, bound: Bound) -> Signature | None:
    if not _sortable(this):
        return None
    return Signature(Array(int64, 1, "C"), (this,))


# np.searchsorted(a, v, side='left'): v a scalar or an array
@call_rule(np.searchsorted, params=Params.of(np.searchsorted, ("a", "v", "side")))
def searchsorted(bound: Bound) -> Signature | None:
    if not _sortable(bound["a"]):
        return None
    side = bound["side"]
    if not (isinstance(side, PyObjectConst) and side.value in ("left", "right")):
        return None
    v = bound["v"]
    if _real(v):
        return Signature(int64, bound.types())
    if isinstance(v, Array) and isinstance(v.dtype, (Integer, Float, Boolean)):
        return Signature(Array(int64, v.ndim, "C"), bound.types())
    return None


# np.histogram(a, bins=10, range=None) -> (counts, edges)
@call_rule(np.histogram, params=Params.of(np.histogram, ("a", "bins", "range")))
def histogram(bound: Bound) -> Signature | None:
    a = bound["a"]
    if not isinstance(a, Array) or not isinstance(a.dtype, (Integer, Float, Boolean)):
        return None
    if not isinstance(bound["bins"], Integer):
        return None
    rng = bound["range"]
    if not (is_none(rng) or (isinstance(rng, Tuple) and len(rng.items) == 2
                             and all(_real(x) for x in rng.items))):
        return None
    convert: dict[str, Type] = {"bins": int64}
    if isinstance(rng, Tuple):
        convert["range"] = Tuple((float64, float64))
    ret = Tuple((Array(int64, 1, "C"), Array(float64, 1, "C")))
    return Signature(ret, bound.types(convert))


# np.round(x, decimals=0) / np.around: scalars and arrays
def _round(bound: Bound) -> Signature | None:
    if not isinstance(bound["decimals"], (Integer, Boolean)):
        return None
    a = bound["a"]
    if isinstance(a, Array):
        if not isinstance(a.dtype, (Integer, Float, Complex)):
            return None
        ret: Type = Array(a.dtype, a.ndim, "C")
    elif isinstance(a, (Integer, Float)):
        ret = a
    else:
        return None
    return Signature(ret, bound.types({"decimals": int64}))


call_rule(np.round, params=Params.of(np.round, ("a", "decimals")))(_round)
call_rule(np.around, params=Params.of(np.around, ("a", "decimals")))(_round)


# np.isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False), np.allclose (same arguments)
def _close(all_: bool) -> Any:
    def rule(bound: Bound) -> Signature | None:
        a, b = bound["a"], bound["b"]
        operands = [a, b]
        if not all(_real(x) or (isinstance(x, Array) and _real(x.dtype)) for x in operands):
            return None
        if not all(_real(bound[n]) for n in ("rtol", "atol", "equal_nan")):
            return None
        arrays = sorted((x for x in operands if isinstance(x, Array)), key=lambda x: -x.ndim)
        convert = {"rtol": float64, "atol": float64, "equal_nan": boolean}
        if all_ or not arrays:
            ret: Type = boolean
        else:
            ret = Array(boolean, arrays[0].ndim, "C")
        return Signature(ret, bound.types(convert))
    return rule


call_rule(np.isclose, params=Params.of(np.isclose))(_close(False))
call_rule(np.allclose, params=Params.of(np.allclose))(_close(True))
