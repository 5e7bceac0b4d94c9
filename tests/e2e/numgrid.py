"""Shared grids and references for the numeric differential tests.

Values are NumPy scalars (np.int8(3), np.float32(1.5), ...) so that the compiled
function sees each jitcore type; the reference computes in Python on the same
values converted to Python numbers, then wraps integers to the result type the
way NumPy's fixed-width integers do, and rounds float32 results through NumPy.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from jitcore.typeinfer import types as t
from jitcore.typeinfer.typeof import typeof

INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
FLOATS = [np.float32, np.float64]
COMPLEXES = [np.complex64, np.complex128]
ALL = [np.bool_, *INTS, *FLOATS, *COMPLEXES]


def values(cls: Any) -> list[Any]:
    """Edge values of one NumPy scalar type."""
    if cls is np.bool_:
        return [True, False]
    if cls in INTS:
        info = np.iinfo(cls)
        raw = [0, 1, -1, 7, -7, 2, info.min, info.max, info.max // 2 + 1]
        return [cls(v) for v in raw if info.min <= v <= info.max]
    if cls in FLOATS:
        big = 1e30 if cls is np.float32 else 1e300
        tiny = 1e-45 if cls is np.float32 else 5e-324
        raw = [0.0, -0.0, 1.0, -1.5, 2.5, 7.0, -3.0, big, tiny, math.inf, -math.inf, math.nan]
        return [cls(v) for v in raw]
    big = 1e30 if cls is np.complex64 else 1e300
    raw = [0j, 1 + 2j, -1.5 - 0.5j, 3j, complex(big, -big), complex(math.inf, 1),
           complex(math.nan, 0.0), 2.0 + 0j]
    return [cls(v) for v in raw]


def py(x: Any) -> Any:
    """The Python number a NumPy scalar stands for."""
    return x.item() if isinstance(x, np.generic) else x


def wrap(value: int, ty: t.Type) -> int:
    """An exact integer result reduced to the fixed-width type `ty`, as NumPy wraps."""
    if isinstance(ty, t.Boolean):
        return value
    assert isinstance(ty, t.Integer)
    mask = (1 << ty.bitwidth) - 1
    value &= mask
    if ty.signed and value >> (ty.bitwidth - 1):
        value -= 1 << ty.bitwidth
    return value


def outcome(fn: Callable[[], Any]) -> Any:
    """The result of fn(), or (exception type, message)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()
    except Exception as exc:  # noqa: BLE001 - compared with the compiled outcome
        return (type(exc), str(exc))


def same(a: Any, b: Any, rel: float = 0.0) -> bool:
    """Equal values of equal Python types (nan == nan, -0.0 != 0.0), or within `rel`."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y, rel) for x, y in zip(a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, complex):
        return same(a.real, b.real, rel) and same(a.imag, b.imag, rel)
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if a == b:
            return a != 0 or math.copysign(1, a) == math.copysign(1, b)
        return rel > 0 and math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)
    return bool(a == b)


def jtype(x: Any) -> t.Type:
    ty = typeof(x)
    assert ty is not None
    return ty
