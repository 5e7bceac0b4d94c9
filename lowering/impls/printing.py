"""print() in compiled code: Python's own print, called with the GIL held.

    print("x =", x, 2.5, flag, sep=", ", end="\\n")

Each argument is boxed (ints, floats, complex, bools, None, constant strings; float32
and complex64 as NumPy scalars, for their own shortest digits) and passed to
`builtins.print`, so the text is exactly CPython's (`0.1`, not `0.10000000000000001`) and
goes wherever `sys.stdout` points. The GIL is taken for the call, so print works in
`nogil=True` code too. An exception print raises (a closed stdout) propagates.
"""
from __future__ import annotations

import builtins

from llvmlite import ir

from jitcore.typeinfer import types as t

from ..context import Context
from ..models import DUMMY, i32, i64, pyobj
from ..registry import lower
from ..scalarbox import box_scalar

_NULL = ir.Constant(pyobj, None)


def _box(ctx: Context, value: ir.Value, ty: t.Type) -> ir.Value:
    """A new reference to `value` as a Python object."""
    boxed = box_scalar(ctx, value, ty)
    if boxed is not None:
        narrow = {t.float32: "float32", t.complex64: "complex64"}.get(ty)
        return boxed if narrow is None else _as_numpy(ctx, boxed, narrow)
    constant = ctx.py_constant(ty.value if isinstance(ty, t.PyObjectConst) else None)
    ctx.b.call(ctx.declare("Py_IncRef", ir.VoidType(), [pyobj]), [constant])
    return constant


def _as_numpy(ctx: Context, boxed: ir.Value, name: str) -> ir.Value:
    """numpy.<name>(boxed), releasing `boxed`: single precision prints its own shortest
    digits (1e-08, where the double it widens to prints 9.99999993922529e-09)."""
    import numpy as np

    b = ctx.b
    call = ctx.declare("PyObject_CallFunctionObjArgs", pyobj, [pyobj], varargs=True)
    narrow = b.call(call, [ctx.py_constant(getattr(np, name)), boxed, _NULL])
    b.call(ctx.declare("Py_DecRef", ir.VoidType(), [pyobj]), [boxed])
    return narrow


@lower(builtins.print)
def print_(ctx: Context, sig: t.Signature, *args: ir.Value,
           kwnames: tuple[str, ...] = ()) -> ir.Value:
    b = ctx.b
    positional = len(args) - len(kwnames)
    decref = ctx.declare("Py_DecRef", ir.VoidType(), [pyobj])
    gil = b.call(ctx.declare("PyGILState_Ensure", i32, []), [], name="gil")
    items = b.call(ctx.declare("PyTuple_New", pyobj, [i64]), [ir.Constant(i64, positional)])
    set_item = ctx.declare("PyTuple_SetItem", i32, [pyobj, i64, pyobj])
    for k in range(positional):  # SetItem takes over the new reference
        b.call(set_item, [items, ir.Constant(i64, k), _box(ctx, args[k], sig.args[k])])
    options = _NULL
    if kwnames:
        options = b.call(ctx.declare("PyDict_New", pyobj, []), [])
        set_key = ctx.declare("PyDict_SetItemString", i32, [pyobj, pyobj, pyobj])
        for name, ty in zip(kwnames, sig.args[positional:]):
            assert isinstance(ty, t.PyObjectConst)
            b.call(set_key, [options, ctx.c_string(name), ctx.py_constant(ty.value)])
    call = ctx.declare("PyObject_Call", pyobj, [pyobj, pyobj, pyobj])
    result = b.call(call, [ctx.py_constant(builtins.print), items, options])
    b.call(decref, [items])
    if kwnames:
        b.call(decref, [options])
    failed = b.icmp_unsigned("==", result, _NULL)
    with b.if_then(b.not_(failed)):
        b.call(decref, [result])
    b.call(ctx.declare("PyGILState_Release", ir.VoidType(), [i32]), [gil])
    with b.if_then(failed, likely=False):
        ctx.return_error(ir.Constant(i32, 1))
    return DUMMY
