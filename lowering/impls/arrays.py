"""Array attributes and len() (indexing is in slicing.py).

    a.shape -> a tuple of the shape fields;  a.size -> nitems;  len(a) -> shape[0]
"""
from __future__ import annotations

import builtins

from llvmlite import ir

from jitcore.typeinfer import types as t

from .. import arraymodel as am
from ..context import Context
from ..models import i64, llvm_type
from ..registry import lower


@lower("getattr.shape", t.Array)
def shape(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    return _dims_tuple(ctx, arr, sig, am.SHAPE)


@lower("getattr.strides", t.Array)
def strides(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    return _dims_tuple(ctx, arr, sig, am.STRIDES)


def _dims_tuple(ctx: Context, arr: ir.Value, sig: t.Signature, field: int) -> ir.Value:
    b = ctx.b
    out = ir.Constant(llvm_type(sig.return_type), ir.Undefined)
    for axis in range(sig.args[0].ndim):  # type: ignore[attr-defined]
        out = b.insert_value(out, b.extract_value(arr, [field, axis]), axis)
    return out


@lower("getattr.ndim", t.Array)
def ndim(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    return ir.Constant(i64, sig.args[0].ndim)  # type: ignore[attr-defined]


@lower("getattr.size", t.Array)
def size(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    return ctx.b.extract_value(arr, am.NITEMS)


@lower("getattr.itemsize", t.Array)
def itemsize(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    return ir.Constant(i64, am.itemsize(sig.args[0]))  # type: ignore[arg-type]


@lower("getattr.nbytes", t.Array)
def nbytes(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    per_item = ir.Constant(i64, am.itemsize(sig.args[0]))  # type: ignore[arg-type]
    return ctx.b.mul(ctx.b.extract_value(arr, am.NITEMS), per_item)


@lower(builtins.len, t.Array)
def len_array(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    return am.shape(ctx.b, arr, 0)
