"""Calling a bound method: forward to the implementation of "method.<name>" for the receiver."""
from __future__ import annotations

from typing import Any

from llvmlite import ir

from jitcore.typeinfer import types as t

from ..context import Context
from ..registry import find, lower


@lower(t.BoundMethod)
def call_method(ctx: Context, sig: t.Signature, this: ir.Value, *args: ir.Value,
                kwnames: tuple[str, ...] = ()) -> Any:
    from jitcore.typeinfer.registry import resolve_method

    bound = sig.args[0]
    assert isinstance(bound, t.BoundMethod)
    npos = len(args) - len(kwnames)
    positional = sig.args[1:1 + npos]
    kws = dict(zip(kwnames, sig.args[1 + npos:]))
    inner = resolve_method(bound.this, bound.attr, positional, kws)
    key = f"method.{bound.attr}"
    impl = find(key, inner.args) if inner is not None else None
    assert inner is not None and impl is not None, key
    receiver = ctx.cast(this, bound.this, inner.args[0])
    if kwnames:
        return impl(ctx, inner, receiver, *args, kwnames=kwnames)
    return impl(ctx, inner, receiver, *args)
