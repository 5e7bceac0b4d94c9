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
from .npfuncs import bind, is_none


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


def _sized(names: tuple[str, ...], params: dict[str, Type], dtype: Type) -> Any:
    """A rule for fn(*params, size=None): scalar params converted to `params`' types."""
    def rule(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
        bound = bind(args, kws, names)
        if bound is None:
            return None
        convert: dict[str, Type] = {}
        for name, ty in params.items():
            if name in bound:
                if not _real(bound[name]):
                    return None
                convert[name] = ty
        ret: Type = dtype
        if "size" in bound and not is_none(bound["size"]):
            size = size_type(bound["size"])
            if size is None:
                return None
            convert["size"] = size
            ret = Array(dtype, _ndim(size), "C")
        order = list(names[:len(args)]) + list(kws)
        values = list(args) + list(kws.values())
        return Signature(ret, tuple(convert.get(n, v) for n, v in zip(order, values)))
    return rule


call_rule(np.random.random)(_sized(("size",), {}, float64))
call_rule(np.random.random_sample)(_sized(("size",), {}, float64))
call_rule(np.random.uniform)(_sized(("low", "high", "size"), {"low": float64, "high": float64},
                                    float64))
call_rule(np.random.normal)(_sized(("loc", "scale", "size"),
                                   {"loc": float64, "scale": float64}, float64))
call_rule(np.random.randint)(_sized(("low", "high", "size"), {"low": int64, "high": int64},
                                    int64))


def _dims_rule(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    """rand(d0, d1, ...) and randn(...): dimensions as separate ints."""
    if kws or not all(isinstance(a, (Integer, Boolean)) for a in args):
        return None
    ret: Type = Array(float64, len(args), "C") if args else float64
    return Signature(ret, tuple(int64 for _ in args))


call_rule(np.random.rand)(_dims_rule)
call_rule(np.random.randn)(_dims_rule)


@call_rule(np.random.seed)
def seed(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if len(args) != 1 or kws or not isinstance(args[0], (Integer, Boolean)):
        return None
    return Signature(none, (int64,))
