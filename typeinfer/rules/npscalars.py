"""Typing rules for NumPy's scalar constructors: np.float64(x), np.int8(x), np.bool_(x), ...

    np.float32(2)        -> float32
    np.int8(x: float64)  -> int8       (truncates toward zero, then wraps, as NumPy casts)
    np.complex64(1.5)    -> complex64
    np.uint16()          -> uint16     (zero)

Every alias NumPy keeps for these classes (np.intp, np.double, np.longlong, ...) is the
same class or maps to the same type. The argument keeps its own type in the signature:
the implementation converts from it with NumPy's casting rules, which differ from
Python's int() (no exception on nan or overflow).
"""
from __future__ import annotations

from jitcore.frontend.errors import TypingError

from ..registry import attr_rule, call_rule
from ..typeof import _numpy_scalar_types
from ..types import Array, Boolean, Complex, Float, Integer, PyObjectConst, Signature, Type

Real = (Boolean, Integer, Float)

# NumPy's class -> the jitcore type its values have (np.float64 -> float64, np.longlong -> int64)
SCALAR_CLASSES: dict[type, Type] = dict(_numpy_scalar_types())


def _name(ty: Type) -> str:
    return "bool_" if isinstance(ty, Boolean) else str(ty)


def _scalar_rule(target: Type):  # type: ignore[no-untyped-def]
    def rule(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
        """np.<target>() is zero; np.<target>(x) converts a number as NumPy casts."""
        if kws or len(args) > 1:
            return None
        if not args:
            return Signature(target, ())
        (arg,) = args
        if isinstance(arg, Array):
            raise TypingError(f"numpy.{_name(target)}() of an array is not supported",
                              None, f"use a.astype(np.{_name(target)}) to convert an array")
        if isinstance(arg, Complex) and not isinstance(target, (Complex, Boolean)):
            raise TypingError(f"numpy.{_name(target)}() cannot take the complex value {arg}",
                              None, "take z.real (or abs(z)) first: NumPy drops the "
                              "imaginary part with a warning, or raises TypeError")
        if not isinstance(arg, (*Real, Complex)):
            return None
        return Signature(target, (arg,))

    return rule


for _cls, _ty in SCALAR_CLASSES.items():
    call_rule(_cls)(_scalar_rule(_ty))


# a.dtype.type: the scalar class of a dtype, a value to call (a.dtype.type(0))
@attr_rule(PyObjectConst, "type")
def dtype_type(dtype: PyObjectConst) -> Type | None:
    scalar = getattr(dtype.value, "type", None)
    if type(dtype.value).__module__.startswith("numpy") and scalar in SCALAR_CLASSES:
        return PyObjectConst(scalar)
    return None
