"""Python objects for native numbers: what a returned scalar and a printed one become."""
from __future__ import annotations

from llvmlite import ir

from jitcore.typeinfer import types as t

from .context import Context
from .models import f64, i64, pyobj


def box_scalar(ctx: Context, value: ir.Value, ty: t.Type) -> ir.Value | None:
    """A new reference to a bool, int, float or complex holding `value`; None for other
    types. Single precision widens to Python's double, as Numba returns it."""
    b = ctx.b
    if isinstance(ty, t.Boolean):
        return b.call(ctx.declare("PyBool_FromLong", pyobj, [i64]), [b.zext(value, i64)])
    if isinstance(ty, t.Integer):
        if ty.signed:
            wide = b.sext(value, i64) if ty.bitwidth < 64 else value
            return b.call(ctx.declare("PyLong_FromLongLong", pyobj, [i64]), [wide])
        wide = b.zext(value, i64) if ty.bitwidth < 64 else value
        return b.call(ctx.declare("PyLong_FromUnsignedLongLong", pyobj, [i64]), [wide])
    if isinstance(ty, t.Float):
        wide = b.fpext(value, f64) if ty.bitwidth < 64 else value
        return b.call(ctx.declare("PyFloat_FromDouble", pyobj, [f64]), [wide])
    if isinstance(ty, t.Complex):
        wide = ctx.cast(value, ty, t.complex128)
        return b.call(ctx.declare("PyComplex_FromDoubles", pyobj, [f64, f64]),
                      [b.extract_value(wide, 0), b.extract_value(wide, 1)])
    return None
