"""Equality of Optional values and None with numbers (typeinfer.rules.optional).

    x == y  ->  present(x) == present(y) and (not present(x) or value(x) == value(y))

The values of a None are zeros, so comparing them is harmless and needs no branch.
"""
from __future__ import annotations

from llvmlite import ir

from jitcore.typeinfer import registry as typing
from jitcore.typeinfer import types as t

from ..context import Context
from ..models import i1
from ..registry import find, lower


def _parts(ctx: Context, llv: ir.Value, ty: t.Type) -> tuple[ir.Value, ir.Value | None, t.Type]:
    """(present, value, value type) of an operand; a None has no value."""
    if isinstance(ty, t.NoneType):
        return ir.Constant(i1, 0), None, ty
    if isinstance(ty, t.Optional):
        return ctx.b.extract_value(llv, 0), ctx.b.extract_value(llv, 1), ty.base
    return ir.Constant(i1, 1), llv, ty


def _equal(ctx: Context, sig: t.Signature, lhs: ir.Value, rhs: ir.Value) -> ir.Value:
    b = ctx.b
    (lp, lv, lt), (rp, rv, rt) = (_parts(ctx, lhs, sig.args[0]), _parts(ctx, rhs, sig.args[1]))
    same_presence = b.icmp_unsigned("==", lp, rp)
    if lv is None or rv is None:  # one side is None itself
        return same_presence
    inner = typing.resolve("eq", lt, rt)
    impl = find("eq", inner.args) if inner is not None else None
    assert inner is not None and impl is not None
    values = [ctx.cast(v, ty, arg) for v, ty, arg in zip((lv, rv), (lt, rt), inner.args)]
    equal = ctx.cast(impl(ctx, inner, *values), inner.return_type, t.boolean)
    return b.and_(same_presence, b.or_(b.not_(lp), equal))


for _l, _r in ((t.Optional, t.Type), (t.Type, t.Optional), (t.NoneType, t.Type),
               (t.Type, t.NoneType)):
    lower("eq", _l, _r)(_equal)

    @lower("ne", _l, _r)
    def _not_equal(ctx: Context, sig: t.Signature, lhs: ir.Value, rhs: ir.Value) -> ir.Value:
        return ctx.b.not_(_equal(ctx, sig, lhs, rhs))
