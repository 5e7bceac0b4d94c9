"""Raising from native code: the check before reading a local that may be unassigned.

    if (!x?) { PyErr_SetObject(UnboundLocalError, ("cannot access local variable 'x' ...",));
               return 1; }

`raise` and `assert` are lowered by lowering/emit.py through `Context.raise_value`.
"""
from __future__ import annotations

from llvmlite import ir

from jitcore.frontend.ir import check_assigned
from jitcore.typeinfer import types as t

from ..context import Context
from ..registry import lower


@lower(check_assigned)
def check_assigned_(ctx: Context, sig: t.Signature, assigned: ir.Value, _name: ir.Value) -> None:
    name = sig.args[1]
    assert isinstance(name, t.PyObjectConst)
    with ctx.b.if_then(ctx.b.not_(assigned), likely=False):
        message = (f"cannot access local variable '{name.value}' where it is not associated "
                   "with a value")
        ctx.raise_exception(UnboundLocalError, (message,))
