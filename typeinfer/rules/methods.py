"""Calling a bound method: `obj.meth(...)` is typed by the method rules of obj's type.

    c.conjugate()     -> the rule for ("method", "conjugate") on complex128
    a.sum(axis=0)     -> the rule for ("method", "sum") on array(float64, 2d, C)
"""
from __future__ import annotations

from ..registry import call_rule, resolve_method
from ..types import BoundMethod, Signature, Type


@call_rule(BoundMethod)
def method_call(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    bound = args[0]
    if not isinstance(bound, BoundMethod):
        return None
    sig = resolve_method(bound.this, bound.attr, args[1:], kws)
    if sig is None:
        return None
    return Signature(sig.return_type, (bound, *sig.args[1:]))
