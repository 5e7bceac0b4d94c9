"""`x in a` / `x not in a` on arrays, by the compiled library (arrays.contains)."""
from __future__ import annotations

from llvmlite import ir

from jitcore.typeinfer import types as t

from ..context import Context
from ..models import i1
from ..registry import lower
from .npfuncs import call_library


@lower("in_", t.Type, t.Array)
def contains(ctx: Context, sig: t.Signature, item: ir.Value, arr: ir.Value) -> ir.Value:
    item_ty, arr_ty = sig.args
    return call_library(ctx, "arrays.contains", (arr_ty, item_ty), [arr, item])


@lower("not_in", t.Type, t.Array)
def not_contains(ctx: Context, sig: t.Signature, item: ir.Value, arr: ir.Value) -> ir.Value:
    return ctx.b.xor(contains(ctx, sig, item, arr), ir.Constant(i1, 1))
