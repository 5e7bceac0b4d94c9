"""Typing rules of Optional values themselves (most uses narrow them first).

    bool(x: OptionalType(float64)), if x:, not x   -> bool   (None is falsy)
    x == 3.0, x != y (either may be None)          -> bool   (None equals only None)
"""
from __future__ import annotations

from ..registry import binop_rule, unop_rule
from ..types import NoneType, Optional, Signature, Type, boolean


@unop_rule("truth", Optional)
@unop_rule("not_", Optional)
def optional_truth(operand: Optional) -> Signature:
    return Signature(boolean, (operand,))


def _optional_number(ty: Type) -> bool:
    base = ty.base if isinstance(ty, Optional) else ty
    return isinstance(ty, NoneType) or base.is_number


# x == y, x != y with x or y Optional: None equals only None, as in Python
@binop_rule("eq", Optional, Type)
@binop_rule("ne", Optional, Type)
@binop_rule("eq", Type, Optional)
@binop_rule("ne", Type, Optional)
@binop_rule("eq", NoneType, Type)
@binop_rule("ne", NoneType, Type)
@binop_rule("eq", Type, NoneType)
@binop_rule("ne", Type, NoneType)
def optional_equality(lhs: Type, rhs: Type) -> Signature | None:
    if not (_optional_number(lhs) and _optional_number(rhs)):
        return None
    return Signature(boolean, (lhs, rhs))
