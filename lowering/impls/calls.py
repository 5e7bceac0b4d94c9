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


def choice_index(ctx: Context, llv: ir.Value, src: t.Type, dst: t.FunctionChoice) -> ir.Value:
    """A jitted function (or a narrower choice) as the index of its option in `dst`."""
    i32 = ir.IntType(32)
    if isinstance(src, t.Dispatcher):
        return ir.Constant(i32, dst.options.index(src))
    assert isinstance(src, t.FunctionChoice), src
    out: ir.Value = ir.Constant(i32, 0)
    for j, option in enumerate(src.options):  # remap each index of src to dst's
        hit = ctx.b.icmp_unsigned("==", llv, ir.Constant(i32, j))
        out = ctx.b.select(hit, ir.Constant(i32, dst.options.index(option)), out)
    return out


def call_function_choice(ctx: Context, choice: t.FunctionChoice, index: ir.Value,
                         sigs: list[t.Signature], sig: t.Signature,
                         args: list[ir.Value]) -> ir.Value:
    """Call the option `index` selects: a direct call of each option, on a switch."""
    from ..models import llvm_type

    b = ctx.b
    result = ctx.alloca(llvm_type(sig.return_type), "choice.result")
    done = ctx.llfn.append_basic_block("choice.done")
    unknown = ctx.llfn.append_basic_block("choice.unknown")
    switch = b.switch(index, unknown)
    for i, (option, osig) in enumerate(zip(choice.options, sigs)):
        block = ctx.llfn.append_basic_block(f"choice.{i}")
        switch.add_case(ir.Constant(ir.IntType(32), i), block)
        b.position_at_end(block)
        passed = [ctx.cast(a, s, d) for a, s, d in zip(args, sig.args[1:], osig.args)]
        value = ctx.call_jitted(option.dispatcher, osig, passed)
        b.store(ctx.cast(value, osig.return_type, sig.return_type), result)
        b.branch(done)
    b.position_at_end(unknown)
    b.unreachable()
    b.position_at_end(done)
    return b.load(result, name="choice.value")
