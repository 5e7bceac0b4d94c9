"""Typing rules for NumPy functions: creation (arange, linspace, eye, identity, array, copy)
and array routines (concatenate, stack, sort, argsort, unique, searchsorted, histogram,
round, isclose, allclose).

    np.arange(n)                    -> array(int64, 1d, C)
    np.linspace(0.0, 1.0, 5)        -> array(float64, 1d, C)
    np.array(((1, 2), (3, 4.5)))    -> array(float64, 2d, C)
    np.sort(a)                      -> array(a.dtype, 1d, C)     (1-d arrays)
    np.histogram(a, 10)             -> (array(int64, 1d, C), array(float64, 1d, C))

Arguments are bound to NumPy's parameter names; the signature lists them in call order
(positional, then keywords), which is the order the implementation receives them.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

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


def bind(args: tuple[Type, ...], kws: dict[str, Type],
         names: tuple[str, ...]) -> dict[str, Type] | None:
    """Arguments by parameter name, or None if they don't fit `names`."""
    if len(args) > len(names) or set(kws) - set(names):
        return None
    bound = dict(zip(names, args))
    for k, v in kws.items():
        if k in bound:
            return None
        bound[k] = v
    return bound


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


def _signature(ret: Type, args: tuple[Type, ...], kws: dict[str, Type],
               convert: Mapping[str, Type], names: tuple[str, ...]) -> Signature:
    """The signature in call order, converting the named arguments listed in `convert`."""
    order = list(names[:len(args)]) + list(kws)
    values = list(args) + list(kws.values())
    return Signature(ret, tuple(convert.get(n, v) for n, v in zip(order, values)))


def common_dtype(types: list[Type]) -> Type | None:
    """NumPy's result type of scalars typed as these (Python ints count as int64)."""
    if not types or not all(ty.is_number for ty in types):
        return None
    result = np.result_type(*(np.dtype(ty.name) for ty in types))
    return BY_NAME.get(result.name)


# np.arange(stop) / (start, stop[, step]), dtype=
@call_rule(np.arange)
def arange(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    names = ("start", "stop", "step", "dtype")
    bound = bind(args, kws, names)
    if bound is None or "start" not in bound:
        return None
    numbers = [bound[n] for n in ("start", "stop", "step") if n in bound and not is_none(
        bound[n])]
    if not all(_real(ty) for ty in numbers):
        return None
    dtype_ty = bound.get("dtype")
    if dtype_ty is not None and not isinstance(dtype_ty, PyObjectConst):
        return None
    natural = float64 if any(isinstance(ty, Float) for ty in numbers) else int64
    dtype = dtype_of(dtype_ty, natural)
    if isinstance(dtype, Complex):
        return None
    calc = float64 if isinstance(dtype, Float) or natural == float64 else int64
    convert = dict.fromkeys(("start", "stop", "step"), calc)
    return _signature(Array(dtype, 1, "C"), args, kws, convert, names)


# np.linspace(start, stop, num=50, endpoint=True)
@call_rule(np.linspace)
def linspace(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    names = ("start", "stop", "num", "endpoint")
    bound = bind(args, kws, names)
    if bound is None or "stop" not in bound:
        return None
    if not (_real(bound["start"]) and _real(bound["stop"])):
        return None
    if not isinstance(bound.get("num", int64), (Integer, Boolean)):
        return None
    if not isinstance(bound.get("endpoint", boolean), (Boolean, Integer)):
        return None
    convert = {"start": float64, "stop": float64, "num": int64, "endpoint": boolean}
    return _signature(Array(float64, 1, "C"), args, kws, convert, names)


# np.eye(N, M=None, k=0, dtype=float)
@call_rule(np.eye)
def eye(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    names = ("N", "M", "k", "dtype")
    bound = bind(args, kws, names)
    if bound is None or not isinstance(bound.get("N"), (Integer, Boolean)):
        return None
    if not (is_none(bound.get("M")) or isinstance(bound.get("M"), Integer)):
        return None
    if not isinstance(bound.get("k", int64), Integer):
        return None
    dtype = _dtype(bound.get("dtype"), float64)
    if dtype is None:
        return None
    convert = {"N": int64, "M": int64 if not is_none(bound.get("M")) else bound.get(
        "M", int64), "k": int64}
    return _signature(Array(dtype, 2, "C"), args, kws, convert, names)


# np.identity(n, dtype=float)
@call_rule(np.identity)
def identity(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    names = ("n", "dtype")
    bound = bind(args, kws, names)
    if bound is None or not isinstance(bound.get("n"), (Integer, Boolean)):
        return None
    dtype = _dtype(bound.get("dtype"), float64)
    if dtype is None:
        return None
    return _signature(Array(dtype, 2, "C"), args, kws, {"n": int64}, names)


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


# np.array(tuple or nested tuples, dtype=None)
@call_rule(np.array)
def array(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    names = ("object", "dtype")
    bound = bind(args, kws, names)
    if bound is None or "object" not in bound:
        return None
    obj = bound["object"]
    if isinstance(obj, Array):
        dtype = _dtype(bound.get("dtype"), obj.dtype)
        if dtype is None:
            return None
        return _signature(Array(dtype, obj.ndim, "C"), args, kws, {}, names)
    found = nested_shape(obj)
    if found is None or not found[0] or 0 in found[0]:
        return None
    shape, scalars = found
    natural = common_dtype(scalars)
    if natural is None:
        return None
    dtype = _dtype(bound.get("dtype"), natural)
    if dtype is None:
        return None
    return _signature(Array(dtype, len(shape), "C"), args, kws, {}, names)


# np.asarray(a, dtype=None): `a` itself when it is an array of that dtype, else np.array's
@call_rule(np.asarray)
def asarray(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    sig: Signature | None = array(args, {("object" if k == "a" else k): v
                                         for k, v in kws.items()})
    obj = args[0] if args else kws.get("a")
    if (sig is not None and isinstance(obj, Array) and isinstance(sig.return_type, Array)
            and sig.return_type.dtype == obj.dtype):
        return Signature(obj, sig.args)
    return sig


# np.copy(a): keeps an F-contiguous array F-contiguous, as order='K' does
@call_rule(np.copy)
def copy(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if len(args) != 1 or kws or not isinstance(args[0], Array):
        return None
    arr = args[0]
    layout = "F" if arr.layout == "F" and arr.ndim > 1 else "C"
    return Signature(arr.copy(layout=layout, readonly=False), args)


def _axis_ok(ty: Type | None) -> bool:
    return ty is None or isinstance(ty, Integer)


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
@call_rule(np.concatenate)
def concatenate(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    names = ("arrays", "axis")
    bound = bind(args, kws, names)
    if bound is None or "arrays" not in bound or not _axis_ok(bound.get("axis")):
        return None
    arrays = _array_sequence(bound["arrays"])
    if arrays is None or arrays[0].ndim == 0:
        return None
    dtype = common_dtype([a.dtype for a in arrays])
    if dtype is None:
        return None
    return _signature(Array(dtype, arrays[0].ndim, "C"), args, kws, {"axis": int64}, names)


# np.stack((a, b, ...), axis=0)
@call_rule(np.stack)
def stack(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    names = ("arrays", "axis")
    bound = bind(args, kws, names)
    if bound is None or "arrays" not in bound or not _axis_ok(bound.get("axis")):
        return None
    arrays = _array_sequence(bound["arrays"])
    if arrays is None:
        return None
    dtype = common_dtype([a.dtype for a in arrays])
    if dtype is None:
        return None
    return _signature(Array(dtype, arrays[0].ndim + 1, "C"), args, kws, {"axis": int64}, names)


def _sortable(ty: Type | None) -> bool:
    return isinstance(ty, Array) and ty.ndim == 1 and isinstance(ty.dtype, (
        Integer, Float, Boolean))


# np.sort(a), np.argsort(a), np.unique(a): 1-d arrays of real numbers
@call_rule(np.sort)
def sort(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    arr = args[0] if len(args) == 1 and not kws else None
    if not isinstance(arr, Array) or not _sortable(arr):
        return None
    return Signature(arr.copy(layout="C", readonly=False), args)


@call_rule(np.argsort)
def argsort(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if len(args) != 1 or kws or not _sortable(args[0]):
        return None
    return Signature(Array(int64, 1, "C"), args)


@call_rule(np.unique)
def unique(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if len(args) != 1 or kws or not isinstance(args[0], Array):
        return None
    if not isinstance(args[0].dtype, (Integer, Float, Boolean)):
        return None
    return Signature(Array(args[0].dtype, 1, "C"), args)


@attr_rule(Array, "sort")
def sort_attr(arr: Array) -> Type:
    return BoundMethod(arr, "sort")


@attr_rule(Array, "argsort")
def argsort_attr(arr: Array) -> Type:
    return BoundMethod(arr, "argsort")


@method_rule(Array, "sort")
def sort_method(this: Array, args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if args or kws or not _sortable(this) or this.readonly:
        return None
    return Signature(BY_NAME["none"], (this,))


@method_rule(Array, "argsort")
def argsort_method(this: Array, args: tuple[Type, ...],
                   kws: dict[str, Type]) -> Signature | None:
    if args or kws or not _sortable(this):
        return None
    return Signature(Array(int64, 1, "C"), (this,))


# np.searchsorted(a, v, side='left'): v a scalar or an array
@call_rule(np.searchsorted)
def searchsorted(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    names = ("a", "v", "side")
    bound = bind(args, kws, names)
    if bound is None or "v" not in bound or not _sortable(bound["a"]):
        return None
    side = bound.get("side")
    if side is not None and not (isinstance(side, PyObjectConst) and side.value in (
            "left", "right")):
        return None
    v = bound["v"]
    if _real(v):
        return _signature(int64, args, kws, {}, names)
    if isinstance(v, Array) and isinstance(v.dtype, (Integer, Float, Boolean)):
        return _signature(Array(int64, v.ndim, "C"), args, kws, {}, names)
    return None


# np.histogram(a, bins=10, range=None) -> (counts, edges)
@call_rule(np.histogram)
def histogram(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    names = ("a", "bins", "range")
    bound = bind(args, kws, names)
    if bound is None or not isinstance(bound.get("a"), Array):
        return None
    a = bound["a"]
    assert isinstance(a, Array)
    if not isinstance(a.dtype, (Integer, Float, Boolean)):
        return None
    if not isinstance(bound.get("bins", int64), Integer):
        return None
    rng = bound.get("range")
    if not (is_none(rng) or (isinstance(rng, Tuple) and len(rng.items) == 2
                             and all(_real(x) for x in rng.items))):
        return None
    convert: dict[str, Type] = {"bins": int64}
    if isinstance(rng, Tuple):
        convert["range"] = Tuple((float64, float64))
    ret = Tuple((Array(int64, 1, "C"), Array(float64, 1, "C")))
    return _signature(ret, args, kws, convert, names)


# np.round(x, decimals=0) / np.around: scalars and arrays
def _round(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    names = ("a", "decimals")
    bound = bind(args, kws, names)
    if bound is None or "a" not in bound:
        return None
    if not isinstance(bound.get("decimals", int64), (Integer, Boolean)):
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
    return _signature(ret, args, kws, {"decimals": int64}, names)


call_rule(np.round)(_round)
call_rule(np.around)(_round)


# np.isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False), np.allclose (same arguments)
def _close(all_: bool) -> Any:
    names = ("a", "b", "rtol", "atol", "equal_nan")

    def rule(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
        bound = bind(args, kws, names)
        if bound is None or "b" not in bound:
            return None
        a, b = bound["a"], bound["b"]
        operands = [a, b]
        if not all(_real(x) or (isinstance(x, Array) and _real(x.dtype)) for x in operands):
            return None
        if not all(_real(bound.get(n, float64)) for n in ("rtol", "atol", "equal_nan")):
            return None
        arrays = sorted((x for x in operands if isinstance(x, Array)), key=lambda x: -x.ndim)
        convert = {"rtol": float64, "atol": float64, "equal_nan": boolean}
        if all_ or not arrays:
            ret: Type = boolean
        else:
            ret = Array(boolean, arrays[0].ndim, "C")
        return _signature(ret, args, kws, convert, names)
    return rule


call_rule(np.isclose)(_close(False))
call_rule(np.allclose)(_close(True))
