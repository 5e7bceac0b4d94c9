"""Typing rules of Optional values themselves (most uses narrow them first).

    bool(x: OptionalType(float64)), if x:, not x   -> bool   (None is falsy)
"""
from __future__ import annotations

from ..registry import unop_rule
from ..types import Optional, Signature, boolean


@unop_rule("truth", Optional)
@unop_rule("not_", Optional)
def optional_truth(operand: Optional) -> Signature:
    return Signature(boolean, (operand,))
