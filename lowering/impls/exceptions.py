"""Raising and catching in native code.

The check before reading a local that may be unassigned:

    if (!x?) { PyErr_SetObject(UnboundLocalError, ("cannot access local variable 'x' ...",));
               return 1; }

`try` statements: an op that fails inside a protected range jumps to the handler
(lowering/emit.py) with the exception still set in the thread's error indicator. The
handler then takes it (`fetch_exception`: PyErr_Fetch and normalise, an owned reference),
tests it (`exception_matches`: PyErr_GivenExceptionMatches) and sets it again to re-raise
(`restore_exception`). Its references are counted by lowering/refcount.py like an
array's (`py_refcount`), so a handler may keep it in a local as long as it likes. Each
is a cold out-of-line helper that takes the GIL, so nogil code may catch, and the path
that does not raise does no work at all.

`e.args` is the caught exception itself (borrowed); `len(e.args)` and `e.args[i]` read
its args tuple under the GIL, the item converted by PyFloat_AsDouble (so a string
argument raises TypeError, an index out of range IndexError, as reading it in Python).

`raise` and `assert` are lowered by lowering/emit.py through `Context.raise_value`.
"""
from __future__ import annotations

import builtins
from collections.abc import Callable

from llvmlite import ir

from jitcore.frontend.ir import (
    check_assigned,
    exception_matches,
    fetch_exception,
    restore_exception,
)
from jitcore.typeinfer import types as t

from ..context import Context
from ..models import f64, i32, i64, pyobj
from ..registry import lower

_VOID = ir.VoidType()


@lower(check_assigned)
def check_assigned_(ctx: Context, sig: t.Signature, assigned: ir.Value, _name: ir.Value) -> None:
    name = sig.args[1]
    assert isinstance(name, t.PyObjectConst)
    with ctx.b.if_then(ctx.b.not_(assigned), likely=False):
        message = (f"cannot access local variable '{name.value}' where it is not associated "
                   "with a value")
        ctx.raise_exception(UnboundLocalError, (message,))


@lower(fetch_exception)
def fetch_exception_(ctx: Context, sig: t.Signature) -> ir.Value:
    return ctx.b.call(_helper(ctx, "fetch", pyobj, [], _emit_fetch), [], name="caught")


@lower(exception_matches)
def exception_matches_(ctx: Context, sig: t.Signature, exc: ir.Value,
                       *_classes: ir.Value) -> ir.Value:
    # One test per class, not one of a tuple: each class is bound by its name when the
    # code is loaded from the cache (a tuple of classes is not a constant it can store).
    helper = _helper(ctx, "matches", i32, [pyobj, pyobj], _emit_matches)
    found: ir.Value = ir.Constant(ir.IntType(1), 0)
    for cls in sig.args[1:]:
        assert isinstance(cls, t.PyObjectConst)
        hit = ctx.b.call(helper, [exc, ctx.py_constant(cls.value)])
        found = ctx.b.or_(found, ctx.b.icmp_signed("!=", hit, ir.Constant(i32, 0)))
    return found


@lower(restore_exception)
def restore_exception_(ctx: Context, sig: t.Signature, exc: ir.Value) -> None:
    ctx.b.call(_helper(ctx, "restore", _VOID, [pyobj], _emit_restore), [exc])


def py_refcount(ctx: Context, obj: ir.Value, which: str) -> None:
    """Py_IncRef or Py_DecRef (null-safe) of a caught exception, under the GIL."""
    if which == "incref":
        ctx.b.call(_helper(ctx, "incref", _VOID, [pyobj], _emit_incref), [obj])
    else:
        ctx.b.call(_helper(ctx, "release", _VOID, [pyobj], _emit_release), [obj])


@lower("getattr.args", t.CaughtException)
def caught_args(ctx: Context, sig: t.Signature, exc: ir.Value) -> ir.Value:
    py_refcount(ctx, exc, "incref")  # the result owns a reference, as every op result does
    return exc


@lower(builtins.len, t.CaughtArgs)
def caught_args_len(ctx: Context, sig: t.Signature, exc: ir.Value) -> ir.Value:
    return ctx.b.call(_helper(ctx, "nargs", i64, [pyobj], _emit_nargs), [exc], name="nargs")


@lower("getitem", t.CaughtArgs, t.Integer)
def caught_arg(ctx: Context, sig: t.Signature, exc: ir.Value, index: ir.Value) -> ir.Value:
    b = ctx.b
    slot = ctx.alloca(f64, "arg")
    helper = _helper(ctx, "arg", i32, [pyobj, i64, f64.as_pointer()], _emit_arg)
    status = b.call(helper, [exc, ctx.cast(index, sig.args[1], t.int64), slot])
    with b.if_then(b.icmp_signed("!=", status, ir.Constant(i32, 0)), likely=False):
        ctx.return_error(status)
    return b.load(slot, name="arg")


# --- the helpers: one internal, cold copy per module ----------------------------------------

_Body = Callable[[Context, ir.IRBuilder, ir.Function], ir.Value | None]


def _helper(ctx: Context, what: str, ret: ir.Type, args: list[ir.Type],
            body: _Body) -> ir.Function:
    name = f"jc.rt.exc_{what}"
    existing = ctx.module.globals.get(name)
    if isinstance(existing, ir.Function):
        return existing
    fn = ir.Function(ctx.module, ir.FunctionType(ret, args), name)
    fn.linkage = "internal"
    for attr in ("noinline", "cold", "nounwind"):
        fn.attributes.add(attr)
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    state = b.call(ctx.declare("PyGILState_Ensure", i32, []), [], name="gil")
    result = body(ctx, b, fn)
    b.call(ctx.declare("PyGILState_Release", _VOID, [i32]), [state])
    b.ret(result) if result is not None else b.ret_void()
    return fn


def _emit_fetch(ctx: Context, b: ir.IRBuilder, fn: ir.Function) -> ir.Value:
    # PyErr_Fetch, normalised to an instance with its traceback; the type and the
    # traceback references are dropped, the instance's is the handler's.
    slots = [b.alloca(pyobj, name=n) for n in ("type", "value", "tb")]
    ptr = pyobj.as_pointer()
    b.call(ctx.declare("PyErr_Fetch", _VOID, [ptr, ptr, ptr]), slots)
    b.call(ctx.declare("PyErr_NormalizeException", _VOID, [ptr, ptr, ptr]), slots)
    exc_type, value, tb = (b.load(s) for s in slots)
    is_null = b.icmp_unsigned("==", tb, ir.Constant(pyobj, None))
    with b.if_then(b.not_(is_null)):
        b.call(ctx.declare("PyException_SetTraceback", i32, [pyobj, pyobj]), [value, tb])
    decref = ctx.declare("Py_DecRef", _VOID, [pyobj])  # null-safe
    b.call(decref, [exc_type])
    b.call(decref, [tb])
    return value


def _emit_matches(ctx: Context, b: ir.IRBuilder, fn: ir.Function) -> ir.Value:
    check = ctx.declare("PyErr_GivenExceptionMatches", i32, [pyobj, pyobj])
    return b.call(check, list(fn.args))


def _emit_restore(ctx: Context, b: ir.IRBuilder, fn: ir.Function) -> None:
    # PyErr_SetObject(type(exc), exc) sets the instance itself, taking its own references.
    exc = fn.args[0]
    exc_type = b.call(ctx.declare("PyObject_Type", pyobj, [pyobj]), [exc])
    b.call(ctx.declare("PyErr_SetObject", _VOID, [pyobj, pyobj]), [exc_type, exc])
    b.call(ctx.declare("Py_DecRef", _VOID, [pyobj]), [exc_type])
    return None


def _emit_incref(ctx: Context, b: ir.IRBuilder, fn: ir.Function) -> None:
    b.call(ctx.declare("Py_IncRef", _VOID, [pyobj]), [fn.args[0]])
    return None


def _emit_release(ctx: Context, b: ir.IRBuilder, fn: ir.Function) -> None:
    b.call(ctx.declare("Py_DecRef", _VOID, [pyobj]), [fn.args[0]])
    return None


def _args_tuple(ctx: Context, b: ir.IRBuilder, exc: ir.Value) -> ir.Value:
    """A new reference to exc.args (PyException_GetArgs is 3.12)."""
    get = ctx.declare("PyObject_GetAttrString", pyobj, [pyobj, ir.IntType(8).as_pointer()])
    name = _c_string(ctx, "args")
    return b.call(get, [exc, name], name="args")


def _c_string(ctx: Context, text: str) -> ir.Value:
    gname = f"jc.rt.str.{text}"
    gv = ctx.module.globals.get(gname)
    if gv is None:
        data = bytearray(text.encode()) + b"\0"
        gv = ir.GlobalVariable(ctx.module, ir.ArrayType(ir.IntType(8), len(data)), gname)
        gv.linkage = "internal"
        gv.global_constant = True
        gv.initializer = ir.Constant(gv.value_type, data)
    return gv.bitcast(ir.IntType(8).as_pointer())


def _emit_nargs(ctx: Context, b: ir.IRBuilder, fn: ir.Function) -> ir.Value:
    args = _args_tuple(ctx, b, fn.args[0])
    size = b.call(ctx.declare("PyTuple_Size", i64, [pyobj]), [args], name="n")
    b.call(ctx.declare("Py_DecRef", _VOID, [pyobj]), [args])
    return size


def _emit_arg(ctx: Context, b: ir.IRBuilder, fn: ir.Function) -> ir.Value:
    # status 0 with args[i] as a double in *out; 1 with IndexError or TypeError set
    exc, index, out = fn.args
    args = _args_tuple(ctx, b, exc)
    size = b.call(ctx.declare("PyTuple_Size", i64, [pyobj]), [args], name="n")
    negative = b.icmp_signed("<", index, ir.Constant(i64, 0))
    k = b.select(negative, b.add(index, size), index, name="k")
    inside = b.and_(b.icmp_signed(">=", k, ir.Constant(i64, 0)), b.icmp_signed("<", k, size))
    status = b.alloca(i32, name="status")
    b.store(ir.Constant(i32, 1), status)
    with b.if_else(inside) as (then, otherwise):
        with then:
            item = b.call(ctx.declare("PyTuple_GetItem", pyobj, [pyobj, i64]), [args, k])
            value = b.call(ctx.declare("PyFloat_AsDouble", f64, [pyobj]), [item], name="value")
            b.store(value, out)
            failed = b.icmp_unsigned("!=", b.call(ctx.declare("PyErr_Occurred", pyobj, []), []),
                                     ir.Constant(pyobj, None))
            b.store(b.zext(failed, i32), status)
        with otherwise:
            b.call(ctx.declare("PyErr_SetString", _VOID, [pyobj, ir.IntType(8).as_pointer()]),
                   [ctx_py_exc(ctx, b, IndexError), _c_string(ctx, "tuple index out of range")])
    b.call(ctx.declare("Py_DecRef", _VOID, [pyobj]), [args])
    return b.load(status)


def ctx_py_exc(ctx: Context, b: ir.IRBuilder, cls: type) -> ir.Value:
    """The exception class `cls`, loaded in the helper being built (not at ctx.b)."""
    saved, ctx.b = ctx.b, b
    try:
        return ctx.py_constant(cls)
    finally:
        ctx.b = saved
