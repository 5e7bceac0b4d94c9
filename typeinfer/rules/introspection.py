"""Typing rules for `isinstance(x, classes)` and `type(x)`, decided from x's type.

    isinstance(x: float64, float)                -> bool, constant True
    isinstance(x: int64, (float, complex))       -> bool, constant False
    isinstance(x: OptionalType(float64), float)  -> bool, x is not None (run time)
    type(x: float32)                             -> numpy.float32, a value to call: T(0.5)

A jitcore type stands for several Python classes: float64 is the type of a Python
float and of a numpy.float64, int64 of a Python int and of a numpy.int64. `isinstance`
is true when it is true of any of them (as in Numba), so `isinstance(x, float)` and
`isinstance(x, np.float64)` both hold for a float64, and `isinstance(x, int)` for an int64.
The result is a compile-time constant (typeinfer.narrowing prunes the untaken branch).
"""
from __future__ import annotations

import builtins
from typing import Any

from jitcore.frontend.errors import TypingError

from ..binder import Bound, Params
from ..registry import binop_rule, call_rule
from ..types import (Array, NoneType, Optional, PyObjectConst, Signature, Tuple, Type, boolean,
                     complex128, float64, int64)

# The Python class a value of these types may be, besides its NumPy scalar class.
_PYTHON_CLASS: dict[Type, type] = {boolean: bool, int64: int, float64: float,
                                   complex128: complex}


def classes_of(ty: Type) -> tuple[type, ...] | None:
    """The Python classes a value of `ty` may have at run time, or None if not one of ours."""
    if ty.is_number:
        found: list[type] = []
        if ty in _PYTHON_CLASS:
            found.append(_PYTHON_CLASS[ty])
        scalar = _numpy_class(ty)
        if scalar is not None:
            found.append(scalar)
        return tuple(found)
    if isinstance(ty, NoneType):
        return (type(None),)
    if isinstance(ty, Tuple):
        return (tuple,)
    if isinstance(ty, Array):
        import numpy as np

        return (np.ndarray,)
    return None


def _numpy_class(ty: Type) -> type | None:
    from ..typeof import _numpy_scalar_types

    try:
        table = _numpy_scalar_types()
    except ImportError:  # pragma: no cover - NumPy is a dependency
        return None
    return next((cls for cls, t in table.items() if t == ty), None)


def _flatten(info: Type) -> list[Any] | None:
    """The classes of an isinstance classinfo (a class or a nested tuple of classes)."""
    if isinstance(info, PyObjectConst) and isinstance(info.value, type):
        return [info.value]
    if isinstance(info, PyObjectConst) and type(info.value) is tuple:
        values = list(info.value)
        return values if all(isinstance(v, type) for v in values) else None
    if isinstance(info, Tuple):
        out: list[Any] = []
        for item in info.items:
            sub = _flatten(item)
            if sub is None:
                return None
            out += sub
        return out
    if isinstance(info, NoneType):
        return None
    return None


def _matches(ty: Type, classes: list[type]) -> bool:
    candidates = classes_of(ty)
    assert candidates is not None
    return any(issubclass(c, cls) for c in candidates for cls in classes)


def isinstance_result(obj: Type, info: Type) -> bool | None:
    """isinstance's value for a value of `obj` (None: known only at run time, an Optional)."""
    classes = _flatten(info)
    if classes is None:
        return None
    if isinstance(obj, Optional):
        if_none, if_value = _matches(NoneType(), classes), _matches(obj.base, classes)
        return if_none if if_none == if_value else None
    return _matches(obj, classes)


# isinstance(x, float), isinstance(x, (int, np.integer)), isinstance(x, numbers.Real)
@call_rule(builtins.isinstance,
           params=Params.declare("isinstance", "obj, class_or_tuple, /", callee=isinstance))
def isinstance_rule(bound: Bound) -> Signature | None:
    obj, info = bound["obj"], bound["class_or_tuple"]
    if _flatten(info) is None:
        raise TypingError(f"isinstance() needs a class or a tuple of classes, not {info}",
                          None, "write the classes literally: isinstance(x, (int, float))")
    base = obj.base if isinstance(obj, Optional) else obj
    if classes_of(base) is None:
        raise TypingError(f"isinstance() cannot test a value of type {obj} in compiled code",
                          None, "test numbers, arrays, tuples or None")
    return Signature(boolean, (obj, info))


# type(x) is float, T is not np.float32: identity of compile-time objects
@binop_rule("is_", PyObjectConst, PyObjectConst)
@binop_rule("is_not", PyObjectConst, PyObjectConst)
def identity(lhs: PyObjectConst, rhs: PyObjectConst) -> Signature:
    return Signature(boolean, (lhs, rhs))


def identical(lhs: Type, rhs: Type) -> bool | None:
    """`lhs is rhs` for two compile-time objects, else None."""
    if isinstance(lhs, PyObjectConst) and isinstance(rhs, PyObjectConst):
        return lhs.value is rhs.value
    return None


# type(x): the class, as a value to call (T(0.5)) or compare
@call_rule(builtins.type, params=Params.declare("type", "object, /", callee=type))
def type_rule(bound: Bound) -> Signature | None:
    obj = bound["object"]
    classes = classes_of(obj)
    if not classes:
        raise TypingError(f"type() of a value of type {obj} is not supported in compiled code",
                          None, "type() works on numbers, arrays, tuples and None")
    return Signature(PyObjectConst(classes[0]), (obj,))
