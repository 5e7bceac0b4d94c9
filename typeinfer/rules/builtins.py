"""Typing rules for Python builtins: range, len, abs, min, max, divmod, pow, round, int, ...

    range(int32, int64) -> range(int64)
    abs(int8)           -> int64
    abs(complex64)      -> float32
    min(1, 2.5)         -> float64   (operands promote; Python would return the int 1)
    divmod(7, -2)       -> tuple(int64, int64)
    round(2.5)          -> int64;  round(2.675, 2) -> float64
"""
from __future__ import annotations

import builtins
import functools
import operator
from collections.abc import Callable
from typing import Any

from jitcore.frontend.errors import TypingError
from jitcore.frontend.operations import plain

from ..binder import ABS, LEN, Bound, Params
from ..registry import call_rule, resolve, unop_rule
from ..types import (Array, Boolean, Complex, Float, Integer, NoneType, PyObjectConst, Range,
                     RangeIter, Signature, Tuple, Type, boolean, complex128, float64, int64, none,
                     promote, promote_ints)


@call_rule(builtins.range)
def range_(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if kws or not 1 <= len(args) <= 3:
        return None
    if not all(isinstance(a, (Integer, Boolean)) for a in args):
        return None
    ty = promote_ints(*(a if isinstance(a, Integer) else int64 for a in args))
    return Signature(Range(ty), (ty,) * len(args))


@unop_rule("iter", Range)
def range_iter(r: Range) -> Signature:
    return Signature(RangeIter(r.dtype), (r,))


@unop_rule("iternext", RangeIter)
def range_iternext(it: RangeIter) -> Signature:
    return Signature(it.dtype, (it,))


@call_rule(builtins.print)
def print_(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    """print(numbers, bools, None, constant strings; sep=, end= constant strings)."""
    if set(kws) - {"sep", "end"}:
        return None
    for ty in (*args, *kws.values()):
        if isinstance(ty, (Array, Tuple)):
            raise TypingError(f"print() of {'an array' if isinstance(ty, Array) else 'a tuple'} "
                              "is not supported in compiled code", None,
                              "print its items one by one, or return it and print in Python")
        printable = ty.is_number or isinstance(ty, NoneType) or (
            isinstance(ty, PyObjectConst) and isinstance(ty.value, str))
        if not printable:
            return None
    if not all(isinstance(v, PyObjectConst) and isinstance(v.value, str) for v in kws.values()):
        return None
    return Signature(none, (*args, *kws.values()))


@call_rule(builtins.len, params=LEN)
def len_(bound: Bound) -> Signature | None:
    obj = bound["obj"]
    return Signature(int64, (obj,)) if isinstance(obj, (Tuple, Range)) else None


# --- numeric builtins ------------------------------------------------------------------------

Real = (Boolean, Integer, Float)


def _wide(ty: Type) -> Type:
    """Integers compute in 64 bits (bool -> int64); floats and complex keep their type."""
    if isinstance(ty, Boolean):
        return int64
    return promote_ints(ty) if isinstance(ty, Integer) else ty


def _promote_all(types: tuple[Type, ...]) -> Type | None:
    """The common type of min/max operands: all bools stay bool, else numeric promotion."""
    if not types or not all(isinstance(a, Real) for a in types):
        return None  # complex numbers are unordered, as in Python
    if all(isinstance(a, Boolean) for a in types):
        return boolean
    return functools.reduce(promote, types)


@call_rule(builtins.abs, params=ABS)
def abs_(bound: Bound) -> Signature | None:
    x = bound["x"]
    if not x.is_number:
        return None
    ty = _wide(x)
    return Signature(ty.underlying if isinstance(ty, Complex) else ty, (ty,))


@call_rule(builtins.min, builtins.max)
def min_max(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    """min(a, b, ...) promotes all operands (Python would return the winning object as is)."""
    if kws:
        return None
    if len(args) == 1 and isinstance(args[0], Tuple):
        ty = _promote_all(args[0].items)
        return None if ty is None else Signature(ty, (Tuple((ty,) * len(args[0].items)),))
    ty = _promote_all(args) if len(args) >= 2 else None
    return None if ty is None else Signature(ty, (ty,) * len(args))


def _builtin(fn: Any, text: str | None = None) -> Params:
    """A builtin's parameters (its own signature, or `text` where it shows none); a call it
    would refuse gets its own TypeError text."""
    if text is None:
        return Params.of(fn, callee=fn)
    return Params.declare(fn.__name__, text, callee=fn)


@call_rule(builtins.divmod, params=_builtin(builtins.divmod))
def divmod_(bound: Bound) -> Signature | None:
    args = bound.types()
    if not all(isinstance(a, Real) for a in args):
        return None
    ty = promote(*args)
    return Signature(Tuple((ty, ty)), (ty, ty))


@call_rule(builtins.pow, params=_builtin(builtins.pow))
def pow_(bound: Bound) -> Signature | None:
    """pow(a, b) is a ** b; pow(a, b, mod) takes integers (Python's modular power)."""
    base, exp, mod = bound.types()
    if isinstance(mod, NoneType):
        sig = resolve("pow", base, exp)
        return None if sig is None else Signature(sig.return_type, (*sig.args, none))
    if all(isinstance(a, (Boolean, Integer)) for a in (base, exp, mod)):
        return Signature(int64, (int64, int64, int64))
    return None


@call_rule(builtins.round, params=_builtin(builtins.round))
def round_(bound: Bound) -> Signature | None:
    """round(x) -> int64; round(float, n) -> float64; round(int, n) -> int64."""
    x, n = bound.types()
    if not isinstance(x, Real):
        return None
    if isinstance(n, NoneType):
        return Signature(int64, (_wide(x) if not isinstance(x, Float) else x, none))
    if not isinstance(n, (Boolean, Integer)):
        return None
    if isinstance(x, Float):
        return Signature(float64, (float64, int64))
    return Signature(int64, (int64, int64))


@call_rule(builtins.int, params=Params.declare("int", "x=0, /, base=10", ("x",),
                                               callee=builtins.int))
def int_(bound: Bound) -> Signature | None:
    """int(float) truncates (ValueError on nan, OverflowError on inf or out of int64 range);
    int() is int(0). int(x, base) converts a string: not supported."""
    x = bound["x"]
    if not isinstance(x, Real):
        return None
    if not isinstance(x, Float):
        return Signature(_wide(x), (_wide(x),))  # uint64 stays uint64
    return Signature(int64, (x,))


@call_rule(builtins.float, params=_builtin(builtins.float))
def float_(bound: Bound) -> Signature | None:
    return Signature(float64, (float64,)) if isinstance(bound["x"], Real) else None


@call_rule(builtins.bool, params=_builtin(builtins.bool, "x=False, /"))
def bool_(bound: Bound) -> Signature | None:
    return Signature(boolean, (boolean,)) if bound["x"].is_number else None


@call_rule(builtins.complex)
def complex_(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    """complex(), complex(x) and complex(re, im) of reals; complex(z) of a complex."""
    if kws or len(args) > 2:
        return None
    if len(args) == 1 and isinstance(args[0], Complex):
        return Signature(complex128, (complex128,))
    if not all(isinstance(a, Real) for a in args):
        return None
    return Signature(complex128, (float64,) * len(args))


# --- the operator module: each function is its operator ------------------------------------

# operator function -> (operation name, operands swapped): operator.contains(a, b) is b in a
OPERATOR_FUNCTIONS: dict[Any, tuple[str, bool]] = {
    **{getattr(operator, name): (name, False) for name in (
        "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "lshift", "rshift", "and_",
        "or_", "xor", "lt", "le", "eq", "ne", "gt", "ge", "neg", "pos", "invert", "not_",
        "truth", "is_", "is_not", "getitem", "setitem", "iadd", "isub", "imul", "itruediv",
        "ifloordiv", "imod", "ipow", "ilshift", "irshift", "ixor")},
    operator.inv: ("invert", False), operator.contains: ("in_", True),
    operator.iand: ("iand_", False), operator.ior: ("ior_", False),
}
_SCALAR = (Boolean, Integer, Float, Complex, NoneType)


def _operator_rule(fn: Any) -> Callable[[Bound], Signature | None]:
    opname, swapped = OPERATOR_FUNCTIONS[fn]

    def rule(bound: Bound) -> Signature | None:
        types = bound.types()
        if not all(isinstance(ty, _SCALAR) for ty in types[1:]) or (
                opname not in ("getitem", "setitem", "in_") and not isinstance(
                    types[0], _SCALAR)):
            return None  # array operands: write the operator (its in-place forms differ)
        operands = types[::-1] if swapped else types
        sig = resolve(opname, *operands)
        if sig is None and plain(opname) != opname:
            sig = resolve(plain(opname), *operands)
        if sig is None or not isinstance(sig.return_type, _SCALAR):
            return None
        return Signature(sig.return_type, sig.args[::-1] if swapped else sig.args)
    return rule


for _fn in OPERATOR_FUNCTIONS:
    call_rule(_fn, params=Params.of(_fn, callee=_fn))(_operator_rule(_fn))


@call_rule(operator.index, params=Params.of(operator.index, callee=operator.index))
def operator_index(bound: Bound) -> Signature | None:
    a = bound["a"]
    return Signature(int64, (int64,)) if isinstance(a, (Boolean, Integer)) else None
