"""Typing of elementwise operations on arrays: operators and NumPy ufuncs.

    array(float32, 1d, C) * 2.0                      -> array(float32, 1d, C)
    array(int32, 2d, C) + array(int64, 1d, A)        -> array(int64, 2d, C)   (broadcast)
    np.sqrt(array(int16, 1d, C))                     -> array(float32, 1d, C)
    np.sqrt(2.0)                                     -> float64

NumPy decides every result dtype, through `ufunc.resolve_dtypes`: Python scalars
(int64, float64, complex128 and bool values) are weak as in NumPy 2, so they
adapt to the array's dtype; scalars of other widths (np.float32(...)) are strong.
The element computation of each op is the loop signature NumPy chose; lowering
evaluates it with the scalar implementations, in one loop per expression tree.
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from jitcore.frontend.errors import TypingError

from ..binder import ABS, Bound, Params
from ..registry import binop_rule, call_rule, unop_rule
from ..types import (BY_NAME, Array, Boolean, Complex, Float, Integer, NoneType, Signature,
                     Type, boolean, complex128, float64, int64)

OPERATOR_UFUNCS: dict[str, Any] = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "truediv": np.true_divide,
    "floordiv": np.floor_divide, "mod": np.remainder, "pow": np.power,
    "lshift": np.left_shift, "rshift": np.right_shift, "and_": np.bitwise_and,
    "or_": np.bitwise_or, "xor": np.bitwise_xor, "lt": np.less, "le": np.less_equal,
    "gt": np.greater, "ge": np.greater_equal, "eq": np.equal, "ne": np.not_equal,
    "neg": np.negative, "pos": np.positive, "invert": np.invert,
}
# NumPy functions computed element by element (the ufuncs with one output we lower).
UFUNCS: tuple[Any, ...] = tuple(dict.fromkeys((  # aliases (np.divide is np.true_divide) once
    np.add, np.subtract, np.multiply, np.divide, np.true_divide, np.floor_divide,
    np.remainder, np.mod, np.power, np.negative, np.positive, np.absolute, np.fabs,
    np.sqrt, np.square, np.reciprocal, np.exp, np.exp2, np.expm1, np.log, np.log2, np.log10,
    np.log1p, np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.arctan2,
    np.sinh, np.cosh, np.tanh, np.arcsinh, np.arccosh, np.arctanh, np.hypot, np.floor,
    np.ceil, np.trunc, np.rint, np.sign, np.copysign, np.minimum, np.maximum, np.fmin,
    np.fmax, np.isnan, np.isinf, np.isfinite, np.signbit, np.deg2rad, np.rad2deg,
    np.logical_and, np.logical_or, np.logical_xor, np.logical_not, np.bitwise_and,
    np.bitwise_or, np.bitwise_xor, np.invert, np.left_shift, np.right_shift, np.less,
    np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal, np.conjugate,
)))
# Functions that are elementwise but not ufuncs: typed by the ufunc that computes them.
CLIP = getattr(np._core.umath, "clip", None)  # type: ignore[attr-defined]
WEAK = {int64: int, float64: float, complex128: complex, boolean: bool}


def numpy_dtype(ty: Type) -> Any:
    return np.dtype("bool" if isinstance(ty, Boolean) else ty.name)


def from_numpy(dt: Any) -> Type:
    return BY_NAME[np.dtype(dt).name]


def element_type(ty: Type) -> Type:
    return ty.dtype if isinstance(ty, Array) else ty


# ufuncs whose loops are typed elsewhere (built by @vectorize): id -> fn(operands) -> loop
LOOP_TYPERS: dict[int, Any] = {}


def loop_signature(ufunc: Any, operands: tuple[Type, ...]) -> Signature | None:
    """The element types NumPy's loop for these operands takes and gives, or None."""
    typer = LOOP_TYPERS.get(id(ufunc))
    if typer is not None:
        return typer(operands)  # type: ignore[no-any-return]
    return numpy_loop_signature(ufunc, operands)


def numpy_loop_signature(ufunc: Any, operands: tuple[Type, ...]) -> Signature | None:
    """`loop_signature` from NumPy's own type resolution (`ufunc.resolve_dtypes`)."""
    if len(operands) != ufunc.nin or ufunc.nout != 1:
        return None
    if not all(isinstance(element_type(o), (Boolean, Integer, Float, Complex)) for o in operands):
        return None
    described = tuple(numpy_dtype(o.dtype) if isinstance(o, Array) else WEAK.get(o) or
                      numpy_dtype(o) for o in operands)
    try:
        dtypes = ufunc.resolve_dtypes(described + (None,))
    except (TypeError, ValueError):  # no loop for these types (e.g. float << int)
        return None
    if any(dt.name not in BY_NAME and dt.name != "bool" for dt in dtypes):
        return None  # object, datetime, ...
    return Signature(from_numpy(dtypes[-1]), tuple(from_numpy(d) for d in dtypes[:-1]))


def result_type(operands: tuple[Type, ...], element: Type) -> Type:
    """An array of the broadcast rank; a scalar when every array is 0-d, as NumPy's ufuncs
    return (np.array(2.5) + 1 is np.float64(3.5))."""
    arrays = [o for o in operands if isinstance(o, Array)]
    if not arrays or max(a.ndim for a in arrays) == 0:
        return element
    return Array(element, max(a.ndim for a in arrays), "C")


def elementwise(ufunc: Any, operands: tuple[Type, ...]) -> Signature | None:
    loop = loop_signature(ufunc, operands)
    if loop is None:
        return None
    return Signature(result_type(operands, loop.return_type), operands)


def _operator_rule(opname: str) -> Any:
    ufunc = OPERATOR_UFUNCS[opname]

    def rule(*operands: Type) -> Signature | None:
        if not any(isinstance(o, Array) for o in operands):
            return None
        return elementwise(ufunc, operands)
    return rule


for _op in OPERATOR_UFUNCS:
    if _op in ("neg", "pos", "invert"):
        unop_rule(_op, Array)(_operator_rule(_op))
    else:
        binop_rule(_op, Array, Type)(_operator_rule(_op))
        binop_rule(_op, Type, Array)(_operator_rule(_op))


def _inplace_rule(opname: str) -> Any:
    ufunc = OPERATOR_UFUNCS[opname]

    def rule(target: Array, other: Type) -> Signature | None:
        loop = loop_signature(ufunc, (target, other))
        if loop is None:
            return None
        if target.readonly:
            raise TypingError(f"cannot update a read-only array ({target}) in place")
        out = numpy_dtype(loop.return_type)
        if not np.can_cast(out, numpy_dtype(target.dtype), "same_kind"):
            raise TypingError(f"cannot cast ufunc '{ufunc.__name__}' output from {out} to "
                              f"{target.dtype} with casting rule 'same_kind'", None,
                              "use an array of a wider dtype or write a = a <op> b")
        if isinstance(other, Array) and other.ndim > target.ndim:
            raise TypingError(f"cannot broadcast {other} into {target} in place")
        return Signature(target, (target, other))
    return rule


for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "lshift", "rshift",
            "and_", "or_", "xor"):
    binop_rule("i" + _op, Array, Type)(_inplace_rule(_op))


@unop_rule("truth", Array)
@unop_rule("not_", Array)
def ambiguous_truth(arr: Array) -> Signature:
    raise TypingError("the truth value of an array is ambiguous", None,
                      "use a.any() or a.all(), or index a single element")


def _ufunc_rule(ufunc: Any) -> Any:
    def rule(bound: Bound) -> Signature | None:
        return elementwise(ufunc, bound.types())
    return rule


def ufunc_params(ufunc: Any) -> Params:
    """A ufunc's call signature: its inputs (positional only), then out and NumPy's keyword
    arguments, none of which compiled code supports."""
    inputs = [f"x{k + 1}" for k in range(ufunc.nin)]
    return Params.declare(ufunc.__name__, ", ".join(inputs) + ", /, out=None, *, where=True, "
                          "casting='same_kind', order='K', dtype=None, subok=True", inputs)


for _ufunc in UFUNCS:
    call_rule(_ufunc, params=ufunc_params(_ufunc))(_ufunc_rule(_ufunc))


# abs(a) of an array is a.__abs__(), np.absolute(a)
@call_rule(builtins.abs, params=ABS)
def abs_array(bound: Bound) -> Signature | None:
    if not isinstance(bound["x"], Array):
        return None
    return elementwise(np.absolute, bound.types())


@call_rule(np.where, params=Params.of(np.where))
def where(bound: Bound) -> Signature | None:
    """np.where(cond, x, y): elementwise select; x and y promote as in NumPy. (The one-argument
    form, np.nonzero's, is not supported: x and y are None.)"""
    args = bound.types()
    if any(isinstance(a, NoneType) for a in args[1:]):
        raise TypingError("np.where() needs x and y in compiled code", None,
                          "write np.where(condition, x, y)")
    loop = loop_signature(np.add, args[1:])  # result_type of x and y (weak scalars)
    if loop is None or not isinstance(element_type(args[0]), (Boolean, Integer, Float)):
        return None
    arrays = [a.ndim for a in args if isinstance(a, Array)]
    element = loop.args[0]  # np.where returns an array even of 0-d operands
    return Signature(Array(element, max(arrays), "C") if arrays else element, args)


@call_rule(np.clip)
def clip(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if kws or len(args) != 3 or CLIP is None:
        return None
    return elementwise(CLIP, args)

