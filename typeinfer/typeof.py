"""`typeof`: the jitcore type of a runtime Python value.

    >>> typeof(3), typeof(2.5), typeof((1, 2.0))
    (int64, float64, tuple(int64, float64))

Used on call arguments (dispatch) and on globals and closure cells, which are
frozen into the compiled code as constants.
"""
from __future__ import annotations

import functools
import sys
import types as pytypes
from typing import Any

from . import types as t

# Exact types that cannot change meaning (and NumPy's scalar types, below).
_SCALARS: dict[type, t.Type] = {bool: t.boolean, int: t.int64, float: t.float64,
                                complex: t.complex128, type(None): t.none}


@functools.cache
def _numpy_scalar_types() -> dict[type, t.Type]:
    """NumPy's scalar types, exact types that cannot change meaning either (on first use)."""
    import numpy as np

    names = {ty.name: ty for ty in t.number_types}
    table: dict[type, t.Type] = {np.dtype(ty.name).type: ty for ty in t.number_types}
    # Aliases of the same width (np.longlong next to np.int64 on Linux).
    for code in np.typecodes["AllInteger"] + np.typecodes["Float"] + np.typecodes["Complex"]:
        dtype = np.dtype(code)
        if dtype.name in names:
            table.setdefault(dtype.type, names[dtype.name])
    return table


def class_decides_type(cls: type) -> bool:
    """Whether every value of exactly this class has the same type (int, np.float32: yes)."""
    return cls in _SCALARS or (cls.__module__ == "numpy" and cls in _numpy_scalar_types())


def typeof(value: Any) -> t.Type | None:
    """The type of `value` in compiled code, or None if it has none."""
    cls = type(value)
    ty = _SCALARS.get(cls)
    if ty is not None:
        return ty
    if cls is tuple:
        items = [typeof(v) for v in value]
        if any(i is None for i in items):
            return None
        return t.Tuple(tuple(i for i in items if i is not None))
    if cls.__module__ == "numpy":
        if cls.__name__ == "ndarray":
            return _typeof_array(value)
        ty = _numpy_scalar_types().get(cls)
        if ty is not None:
            return ty
    if _plain_subclass(value):  # np.memmap and the like: typed (and passed) as the base array
        return _typeof_array(value)
    for base in (int, float, complex):  # subclasses (IntEnum, ...) type as their base
        if isinstance(value, base):
            return _SCALARS[base]
    if getattr(value, "_jitcore_dispatcher", False):
        return t.Dispatcher(value)
    if isinstance(value, (pytypes.ModuleType, type)) or callable(value):
        # functions, builtins, NumPy's array-function dispatchers and ufuncs: typed by rules
        return t.PyObjectConst(value)
    return None


def typeof_constant(value: Any) -> t.Type | None:
    """Like `typeof`, plus values only valid as compile-time constants (strings, dtypes)."""
    if isinstance(value, str) or type(value).__module__.startswith("numpy.dtypes"):
        return t.PyObjectConst(value)
    if type(value).__module__ == "numpy" and type(value).__name__ == "ndarray":
        return _typeof_frozen_array(value)
    return typeof(value)


def _typeof_frozen_array(arr: Any) -> t.Type | None:
    """A global array is copied into the compiled code (lowering/constarrays.py) in C order
    and native byte order, whatever its layout, alignment and flags: a read-only C array."""
    dtype = _numpy_scalar_types().get(arr.dtype.type)
    if dtype is None:
        return None
    return t.Array(dtype, arr.ndim, "C", readonly=True)


# ndarray subclasses whose operations mean something else: taken as the base array they
# would give wrong answers (a masked array's mask ignored, `*` of np.matrix multiplying)
_CHANGED_MEANING = ("numpy.matrix", "numpy.ma.core.MaskedArray", "numpy.ma.MaskedArray")


def _plain_subclass(value: Any) -> bool:
    np = sys.modules.get("numpy")
    if np is None or not isinstance(value, np.ndarray):
        return False
    names = {f"{k.__module__}.{k.__qualname__}" for k in type(value).__mro__}
    return not names.intersection(_CHANGED_MEANING)


def describe_untyped(value: Any) -> str | None:
    """Why compiled code takes no value like this one, and what to do; None if no advice."""
    np = sys.modules.get("numpy")
    if np is None or not isinstance(value, np.ndarray):
        return None
    dtype = value.dtype
    if not _plain_subclass(value) and type(value) is not np.ndarray:
        return (f"a {type(value).__name__}, whose operations differ from an ndarray's: pass "
                "np.asarray(x) (and its mask or matrix product handled explicitly)")
    if dtype.type in _numpy_scalar_types() and not dtype.isnative:
        return (f"an array of dtype {dtype.str} (big-endian byte order): compiled code takes "
                "the machine's byte order; pass x.astype(x.dtype.newbyteorder('='))")
    return (f"an array of dtype {dtype} ({dtype.str}), which compiled code does not support: "
            "pass x.astype(...) with a numeric dtype (np.float64, np.int64, np.bool_, ...)")


def _typeof_array(arr: Any) -> t.Type | None:
    """array(dtype, ndim, layout): C if C-contiguous, else F if Fortran-contiguous, else A;
    unaligned data (np.frombuffer(buf, offset=1), Dask's byte buffers) is typed as such."""
    dtype = _numpy_scalar_types().get(arr.dtype.type)
    if dtype is None or not arr.dtype.isnative:
        return None
    flags = arr.flags
    layout = "C" if flags.c_contiguous else "F" if flags.f_contiguous else "A"
    return t.Array(dtype, arr.ndim, layout, readonly=not flags.writeable,
                   aligned=flags.aligned)
