"""Typing rules for np.random: seed, random, rand, randn, randint, uniform, normal.

    np.random.random()          -> float64
    np.random.rand(3, 4)        -> array(float64, 2d, C)
    np.random.randint(0, 10, n) -> array(int64, 1d, C)
    np.random.normal(size=(2, 2))

Sizes are ints or tuples of ints; parameters (low, high, loc, scale) are scalars.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..registry import call_rule
from ..types import (
    Array,
    Boolean,
    Float,
    Integer,
    Signature,
    Tuple,
    Type,
    UniTuple,
    float64,
    int64,
    none,
)
from ..binder import Bound, Params
from .npfuncs import is_none


def size_type(ty: Type | None) -> Type | None:
    """int64 or a tuple of int64 for a size; None if it is no size."""
    if isinstance(ty, (Integer, Boolean)):
        return int64
    if isinstance(ty, Tuple) and all(isinstance(i, Integer) for i in ty.items):
        return UniTuple(int64, len(ty.items))
    return None


def _ndim(size: Type) -> int:
    return len(size.items) if isinstance(size, Tuple) else 1


def _real(ty: Type | None) -> bool:
    return isinstance(ty, (Integer, Float, Boolean))


def _sized(params: dict[str, Type], dtype: Type) -> Any:
    """A rule for fn(*params, size=None): scalar params converted to `params`' types (a
    None high of randint is left out)."""
    def rule(bound: Bound) -> Signature | None:
        convert: dict[str, Type] = {}
        for name, ty in params.items():
            if name == "high" and is_none(bound[name]):
                continue
            if not _real(bound[name]):
                return None
            convert[name] = ty
        ret: Type = dtype
        if not is_none(bound["size"]):
            size = size_type(bound["size"])
            if size is None:
                return None
            convert["size"] = size
            ret = Array(dtype, _ndim(size), "C")
        return Signature(ret, bound.types(convert))
    return rule


def _params(fn: Any, supported: tuple[str, ...]) -> Params:
    return Params.of(fn, supported)


call_rule(np.random.random, params=_params(np.random.random, ("size",)))(
    _sized({}, float64))
call_rule(np.random.random_sample, params=_params(np.random.random_sample, ("size",)))(
    _sized({}, float64))
call_rule(np.random.uniform, params=_params(np.random.uniform, ("low", "high", "size")))(
    _sized({"low": float64, "high": float64}, float64))
call_rule(np.random.normal, params=_params(np.random.normal, ("loc", "scale", "size")))(
    _sized({"loc": float64, "scale": float64}, float64))
call_rule(np.random.randint, params=_params(np.random.randint, ("low", "high", "size")))(
    _sized({"low": int64, "high": int64}, int64))


def _dims_rule(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    """rand(d0, d1, ...) and randn(...): dimensions as separate ints."""
    if kws or not all(isinstance(a, (Integer, Boolean)) for a in args):
        return None
    ret: Type = Array(float64, len(args), "C") if args else float64
    return Signature(ret, tuple(int64 for _ in args))


call_rule(np.random.rand)(_dims_rule)
call_rule(np.random.randn)(_dims_rule)


@call_rule(np.random.seed, params=Params.of(np.random.seed))
def seed(bound: Bound) -> Signature | None:
    if not isinstance(bound["seed"], (Integer, Boolean)):
        return None
    return Signature(none, (int64,))
