"""Typing rules for arithmetic, bitwise, comparison and unary operators on numbers.

    int32 + int32      -> int64      (integers widen to 64 bits, as in Numba)
    int64 / int64      -> float64
    float32 * float32  -> float32
    float32 * int64    -> float64
    int64 ** float64   -> float64
    complex64 * float32 -> complex64
    bool & bool        -> bool
    uint64 < int64     -> bool, compared mathematically (operands keep their signedness)

Also `.real`, `.imag` and `.conjugate()` of numbers, and the generic typing of
bound-method calls (`obj.meth(...)` resolves the rule "method.meth" on obj's type).
"""
from __future__ import annotations

from ..registry import attr_rule, binop_rule, unop_rule
from ..types import (Boolean, BoundMethod, Complex, Float, Integer, NoneType, Signature, Type,
                     boolean, float64, int64, promote, promote_ints, uint64)

Number = (Boolean, Integer, Float, Complex)
Real = (Boolean, Integer, Float)
IntLike = (Boolean, Integer)


def _same(ty: Type) -> Signature:
    return Signature(ty, (ty, ty))


def _wide(ty: Type) -> Integer:
    """An integer operand widened to 64 bits, keeping its signedness (bool -> int64)."""
    return int64 if isinstance(ty, Boolean) else promote_ints(ty)  # type: ignore[arg-type]


def _arith(lhs: Type, rhs: Type) -> Signature:
    return _same(promote(lhs, rhs))


for _op in ("add", "sub", "mul"):
    for _l in Number:
        for _r in Number:
            binop_rule(_op, _l, _r)(_arith)


def _truediv(lhs: Type, rhs: Type) -> Signature:
    """int / int divides in float64 (the lowering converts after its zero check)."""
    if isinstance(lhs, IntLike) and isinstance(rhs, IntLike):
        return Signature(float64, (_wide(lhs), _wide(rhs)))
    return _same(promote(lhs, rhs))


for _l in Number:
    for _r in Number:
        binop_rule("truediv", _l, _r)(_truediv)


# // and % are defined on reals only (Python rejects them on complex).
for _op in ("floordiv", "mod"):
    for _l in Real:
        for _r in Real:
            binop_rule(_op, _l, _r)(_arith)


# int ** int -> int; a float or complex on either side gives float or complex.
for _l in Number:
    for _r in Number:
        binop_rule("pow", _l, _r)(_arith)


def _bitwise(lhs: Type, rhs: Type) -> Signature:
    if isinstance(lhs, Boolean) and isinstance(rhs, Boolean):
        return _same(boolean)
    return _same(promote_ints(_wide(lhs), _wide(rhs)))


for _op in ("and_", "or_", "xor"):
    for _l in IntLike:
        for _r in IntLike:
            binop_rule(_op, _l, _r)(_bitwise)


def _shift(lhs: Type, rhs: Type) -> Signature:
    """The count keeps its own signedness, so a negative count raises ValueError."""
    ty = _wide(lhs)
    return Signature(ty, (ty, _wide(rhs)))


for _op in ("lshift", "rshift"):
    for _l in IntLike:
        for _r in IntLike:
            binop_rule(_op, _l, _r)(_shift)


def _compare_ints(lhs: Type, rhs: Type) -> tuple[Type, Type]:
    """Operand types for an exact integer comparison.

    Mixed signedness only needs care when the unsigned side is 64 bits wide:
    then the operands stay int64 and uint64 and the lowering compares them
    mathematically (uint64(2**63) > int64(-1)), as Python does.
    """
    lt = Integer(8, False) if isinstance(lhs, Boolean) else lhs
    rt = Integer(8, False) if isinstance(rhs, Boolean) else rhs
    assert isinstance(lt, Integer) and isinstance(rt, Integer)
    if lt.signed == rt.signed:
        ty = promote_ints(lt, rt)
        return ty, ty
    unsigned = rt if lt.signed else lt
    if unsigned.bitwidth < 64:
        return int64, int64
    return (int64, uint64) if lt.signed else (uint64, int64)


def _compare(lhs: Type, rhs: Type) -> Signature:
    if isinstance(lhs, Boolean) and isinstance(rhs, Boolean):
        return Signature(boolean, (boolean, boolean))
    if isinstance(lhs, IntLike) and isinstance(rhs, IntLike):
        return Signature(boolean, _compare_ints(lhs, rhs))
    # int vs float compares exactly, as Python does (2**63-1 < 2.0**63 is True).
    if isinstance(lhs, IntLike) and isinstance(rhs, Float):
        return Signature(boolean, (_compare_ints(lhs, lhs)[0], float64))
    if isinstance(lhs, Float) and isinstance(rhs, IntLike):
        return Signature(boolean, (float64, _compare_ints(rhs, rhs)[0]))
    ty = promote(lhs, rhs)
    return Signature(boolean, (ty, ty))


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


@unop_rule("neg", Number)  # type: ignore[arg-type]
@unop_rule("pos", Number)  # type: ignore[arg-type]
def neg(operand: Type) -> Signature:
    ty = _wide(operand) if isinstance(operand, IntLike) else operand
    return Signature(ty, (ty,))


@unop_rule("invert", IntLike)  # type: ignore[arg-type]
def invert(operand: Type) -> Signature:
    ty = _wide(operand)
    return Signature(ty, (ty,))


@unop_rule("not_", Type)
@unop_rule("truth", Type)
def truth(operand: Type) -> Signature | None:
    if operand.is_number or isinstance(operand, NoneType):
        return Signature(boolean, (operand,))
    return None


# --- attributes and methods of numbers ------------------------------------------------------


def _real_part_type(ty: Type) -> Type:
    """True.real is the int 1; the parts of a complex are its float type."""
    if isinstance(ty, Boolean):
        return int64
    return ty.underlying if isinstance(ty, Complex) else ty


for _cls in Number:
    attr_rule(_cls, "real")(_real_part_type)
    attr_rule(_cls, "imag")(_real_part_type)


@attr_rule(Boolean, "conjugate")
@attr_rule(Integer, "conjugate")
@attr_rule(Float, "conjugate")
@attr_rule(Complex, "conjugate")
def conjugate_attr(ty: Type) -> Type:
    return BoundMethod(ty, "conjugate")


@unop_rule("method.conjugate", Number)  # type: ignore[arg-type]
def conjugate(ty: Type) -> Signature:
    out = int64 if isinstance(ty, Boolean) else ty
    return Signature(out, (out,))

