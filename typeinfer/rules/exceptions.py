"""Typing rules for raising: the check before reading a local that may be unassigned.

    call check_assigned(x?, 'x')   -> none     (raises UnboundLocalError when x? is False)

Raising itself (`raise E(...)`, `assert`) is typed by the annotator: a call of an
exception class with constant arguments is an ExceptionValue.
"""
from __future__ import annotations

from jitcore.frontend.ir import check_assigned

from ..registry import call_rule
from ..types import Boolean, PyObjectConst, Signature, Type, none


@call_rule(check_assigned)
def check_assigned_(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if len(args) == 2 and isinstance(args[0], Boolean) and isinstance(args[1], PyObjectConst):
        return Signature(none, args)
    return None
