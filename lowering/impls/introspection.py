"""isinstance and type(): compile-time answers (typeinfer.rules.introspection).

isinstance of an Optional value whose answer differs for None and for a value is its
presence flag; every other answer is a constant.
"""
from __future__ import annotations

import builtins
from typing import Any

from llvmlite import ir

from jitcore.typeinfer import types as t
from jitcore.typeinfer.rules.introspection import identical, isinstance_result

from ..context import Context
from ..models import DUMMY, i1
from ..registry import lower


@lower(builtins.isinstance)
def isinstance_(ctx: Context, sig: t.Signature, obj: ir.Value, info: Any) -> ir.Value:
    obj_ty, info_ty = sig.args
    known = isinstance_result(obj_ty, info_ty)
    if known is not None:
        return ir.Constant(i1, int(known))
    assert isinstance(obj_ty, t.Optional)
    present = ctx.b.extract_value(obj, 0)
    if isinstance_result(obj_ty.base, info_ty):
        return present
    return ctx.b.xor(present, ir.Constant(i1, 1))


@lower("is_", t.PyObjectConst, t.PyObjectConst)
def is_(ctx: Context, sig: t.Signature, lhs: Any, rhs: Any) -> ir.Value:
    return ir.Constant(i1, int(bool(identical(*sig.args))))


@lower("is_not", t.PyObjectConst, t.PyObjectConst)
def is_not(ctx: Context, sig: t.Signature, lhs: Any, rhs: Any) -> ir.Value:
    return ir.Constant(i1, int(not identical(*sig.args)))


@lower(builtins.type)
def type_(ctx: Context, sig: t.Signature, obj: Any) -> ir.Value:
    return DUMMY  # the class is a compile-time value
