"""Typing rules for arithmetic, bitwise, comparison and unary operators on numbers.

    int32 + int32   -> int64      (integers widen to 64 bits, as in Numba)
    int64 / int64   -> float64
    float32 * int64 -> float64
    bool & bool     -> bool
"""
from __future__ import annotations

from ..registry import binop_rule, unop_rule
from ..types import (Boolean, Complex, Float, Integer, NoneType, Signature, Type, boolean, float64,
                     int64, promote, promote_ints)

Number = (Boolean, Integer, Float, Complex)
Real = (Boolean, Integer, Float)


def _same(ty: Type) -> Signature:
    return Signature(ty, (ty, ty))


def _arith(lhs: Type, rhs: Type) -> Signature:
    return _same(promote(lhs, rhs))


for _op in ("add", "sub", "mul"):
    for _l in Number:
        for _r in Number:
            binop_rule(_op, _l, _r)(_arith)


def _truediv(lhs: Type, rhs: Type) -> Signature:
    ty = promote(lhs, rhs)
    return _same(float64 if isinstance(ty, Integer) else ty)


for _l in Number:
    for _r in Number:
        binop_rule("truediv", _l, _r)(_truediv)


def _real_arith(lhs: Type, rhs: Type) -> Signature | None:
    """// and % are defined on reals only (Python rejects them on complex)."""
    if isinstance(lhs, Complex) or isinstance(rhs, Complex):
        return None
    return _arith(lhs, rhs)


for _op in ("floordiv", "mod"):
    for _l in Real:
        for _r in Real:
            binop_rule(_op, _l, _r)(_real_arith)


for _l in Number:
    for _r in Number:
        binop_rule("pow", _l, _r)(_arith)


def _bitwise(lhs: Type, rhs: Type) -> Signature:
    if isinstance(lhs, Boolean) and isinstance(rhs, Boolean):
        return _same(boolean)
    ty = promote_ints(*(int64 if isinstance(t, Boolean) else t for t in (lhs, rhs)))
    return _same(ty)


for _op in ("and_", "or_", "xor"):
    for _l in (Boolean, Integer):
        for _r in (Boolean, Integer):
            binop_rule(_op, _l, _r)(_bitwise)


def _shift(lhs: Type, rhs: Type) -> Signature:
    ty = promote_ints(int64 if isinstance(lhs, Boolean) else lhs)  # type: ignore[arg-type]
    return _same(ty)


for _op in ("lshift", "rshift"):
    for _l in (Boolean, Integer):
        for _r in (Boolean, Integer):
            binop_rule(_op, _l, _r)(_shift)


def _compare(lhs: Type, rhs: Type) -> Signature:
    ty = promote(lhs, rhs)
    if isinstance(lhs, Boolean) and isinstance(rhs, Boolean):
        ty = boolean
    return Signature(boolean, (ty, ty))


def _compare_complex(lhs: Type, rhs: Type) -> Signature | None:
    return _compare(lhs, rhs)


for _op in ("lt", "le", "gt", "ge"):
    for _l in Real:
        for _r in Real:
            binop_rule(_op, _l, _r)(_compare)
for _op in ("eq", "ne"):
    for _l in Number:
        for _r in Number:
            binop_rule(_op, _l, _r)(_compare)


# x is None / x is not None: known at compile time from x's type.
@binop_rule("is_", Type, NoneType)
@binop_rule("is_not", Type, NoneType)
def is_none(lhs: Type, rhs: Type) -> Signature:
    return Signature(boolean, (lhs, rhs))


# --- unary ---------------------------------------------------------------------------------


@unop_rule("neg", Number)
@unop_rule("pos", Number)
def neg(operand: Type) -> Signature:
    if isinstance(operand, (Boolean, Integer)):
        ty = promote_ints(int64 if isinstance(operand, Boolean) else operand)  # type: ignore
        return Signature(ty, (ty,))
    return Signature(operand, (operand,))


@unop_rule("invert", (Boolean, Integer))  # type: ignore[arg-type]
def invert(operand: Type) -> Signature:
    ty = promote_ints(int64 if isinstance(operand, Boolean) else operand)  # type: ignore
    return Signature(ty, (ty,))


@unop_rule("not_", Type)
@unop_rule("truth", Type)
def truth(operand: Type) -> Signature | None:
    if operand.is_number or isinstance(operand, NoneType):
        return Signature(boolean, (operand,))
    return None
