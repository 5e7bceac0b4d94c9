"""Calls of ufuncs built by @vectorize from compiled code: their kernel, called per element.

    rel(2.0, x)          ->  call i32 @<rel's kernel>(double* %ret, double 2.0, double %x)

Scalar calls convert the operands to the loop's types and call the kernel through
the native convention (LLVM inlines it); array calls are array expressions whose
element is the same kernel call (see typeinfer.rules.ufuncs_user for the typing).
"""
from __future__ import annotations

from typing import Any

from llvmlite import ir

from jitcore.typeinfer import types as t
from jitcore.typeinfer.rules.arrayexpr import loop_signature

from ..context import Context
from ..registry import lower_runtime
from .arrayexpr import register_element


def register(ufunc: Any, kernel: Any) -> None:
    """Lower calls of `ufunc` by calling `kernel`, the dispatcher of its scalar function."""
    def element(ctx: Context, loop: t.Signature, args: list[ir.Value]) -> ir.Value:
        return ctx.call_jitted(kernel, loop, args)

    def scalar_call(ctx: Context, sig: t.Signature, *args: ir.Value) -> ir.Value:
        loop = loop_signature(ufunc, sig.args)
        assert loop is not None, (ufunc, sig)
        values = [ctx.cast(v, ty, want) for v, ty, want in zip(args, sig.args, loop.args)]
        return ctx.cast(element(ctx, loop, values), loop.return_type, sig.return_type)

    register_element(ufunc, element)
    lower_runtime(ufunc, scalar_call)
