"""Generate the CPython-facing wrapper of a native function, as LLVM IR.

    PyObject *<symbol>.py(PyObject *self, PyObject *const *args, Py_ssize_t nargs)

has METH_FASTCALL's signature: it unboxes each argument with the C API of the
running interpreter (PyLong_AsLongLong, PyFloat_AsDouble, ...), calls the
native function (releasing the GIL around it when `nogil`), and boxes the
result, or returns NULL with the exception the native code set. The native
dispatch slot (targets.nativecall) and the Python fallback path both call it.
"""
from __future__ import annotations

import sys

from llvmlite import ir

from jitcore.lowering.context import Context, ModuleInfo
from jitcore.lowering.emit import native_function_type
from jitcore.lowering.models import f64, i1, i32, i64, is_compile_time_only, llvm_type, pyobj
from jitcore.lowering.scalarbox import box_scalar
from jitcore.typeinfer import types as t

WRAPPER_SUFFIX = ".py"
_NULL = ir.Constant(pyobj, None)


def emit_wrapper(module: ir.Module, info: ModuleInfo, symbol: str, return_type: t.Type,
                 argtypes: tuple[t.Type, ...], nogil: bool, qualname: str = "function",
                 argnames: tuple[str, ...] = ()) -> str:
    """Add the wrapper of native function `symbol` to `module`; returns its name.

    `qualname` and `argnames` only serve error messages ("f(): argument 'n' ...").
    """
    name = symbol + WRAPPER_SUFFIX
    fnty = ir.FunctionType(pyobj, [pyobj, pyobj.as_pointer(), i64])
    llfn = ir.Function(module, fnty, name)
    native = module.globals.get(symbol) or ir.Function(
        module, native_function_type(return_type, argtypes), symbol)
    ctx = Context(module, llfn, info, None, {})
    b = ctx.b
    _, argv, nargs = llfn.args
    fail = llfn.append_basic_block("fail")
    # The wrapper is reachable as a builtin (overload.entry_point): never trust the count.
    with b.if_then(b.icmp_unsigned("!=", nargs, ir.Constant(i64, len(argtypes))),
                   likely=False):
        _set_error(ctx, TypeError, f"{qualname}() takes {len(argtypes)} positional "
                                   f"arguments")
        b.branch(fail)
    if not boxable(return_type):
        _set_error(ctx, TypeError, f"{qualname}() returns a value of type {return_type}, "
                                   "which cannot be returned to Python")
        b.branch(fail)
        b.position_at_end(fail)
        b.ret(_NULL)
        return name
    names = argnames or tuple(f"#{i}" for i in range(len(argtypes)))
    values = []
    for i, ty in enumerate(argtypes):
        item = b.load(b.gep(argv, [ir.Constant(i64, i)], inbounds=True), name=f"arg{i}")
        values.append(_unbox(ctx, item, ty, fail, f"{qualname}(): argument '{names[i]}'"))
    retslot = ctx.alloca(llvm_type(return_type), "ret")
    if nogil:
        save = ctx.declare("PyEval_SaveThread", pyobj, [])
        restore = ctx.declare("PyEval_RestoreThread", ir.VoidType(), [pyobj])
        tstate = b.call(save, [])
        status = b.call(native, [retslot, *values], name="status")
        b.call(restore, [tstate])
    else:
        status = b.call(native, [retslot, *values], name="status")
    with b.if_then(b.icmp_signed("!=", status, ir.Constant(i32, 0)), likely=False):
        b.branch(fail)
    result = None if is_compile_time_only(return_type) else b.load(retslot)
    b.ret(box(ctx, result, return_type))
    b.position_at_end(fail)
    b.ret(_NULL)
    return name


def boxable(ty: t.Type) -> bool:
    """Whether `box` can turn a native value of `ty` into a Python object."""
    if isinstance(ty, t.Tuple):
        return all(boxable(item) for item in ty.items)
    if isinstance(ty, t.Optional):
        return boxable(ty.base)
    return ty.is_number or isinstance(ty, (t.NoneType, t.Array))


def _error_occurred(ctx: Context) -> ir.Value:
    occurred = ctx.declare("PyErr_Occurred", pyobj, [])
    return ctx.b.icmp_unsigned("!=", ctx.b.call(occurred, []), _NULL)


def _unbox(ctx: Context, obj: ir.Value, ty: t.Type, fail: ir.Block, where: str) -> ir.Value:
    """The native value of Python object `obj` as type `ty`; jumps to `fail` on error.

    A NumPy scalar of exactly the type `ty` names is read straight from the object
    (its value follows the object header), saving the conversion's temporary object.
    """
    scalar_cls = _numpy_scalar_class(ty)
    if scalar_cls is None:
        return _unbox_general(ctx, obj, ty, fail, where)
    b = ctx.b
    ob_type = b.load(b.bitcast(b.gep(obj, [ir.Constant(i64, 8)]), pyobj.as_pointer()))
    exact = b.icmp_unsigned("==", ob_type, ctx.py_constant(scalar_cls))
    with b.if_else(exact, likely=True) as (then, otherwise):
        with then:
            value_ptr = b.bitcast(b.gep(obj, [ir.Constant(i64, _SCALAR_VALUE_OFFSET)]),
                                  llvm_type(ty).as_pointer())
            direct = b.load(value_ptr, name="scalar")
            direct_block = b.block
        with otherwise:
            converted = _unbox_general(ctx, obj, ty, fail, where)
            converted_block = b.block
    phi = b.phi(llvm_type(ty), name="unboxed")
    phi.add_incoming(direct, direct_block)
    phi.add_incoming(converted, converted_block)
    return phi


_SCALAR_VALUE_OFFSET = 16  # NumPy scalar objects: PyObject_HEAD, then the value


def _numpy_scalar_class(ty: t.Type) -> type | None:
    """NumPy's scalar type for `ty` when reading it directly pays (not bool, float, complex)."""
    np = sys.modules.get("numpy")  # no NumPy loaded, no NumPy scalars to expect
    if np is None or not isinstance(ty, (t.Integer, t.Float, t.Complex)):
        return None
    cls: type = np.dtype(ty.name).type
    return None if issubclass(cls, (int, float, complex)) else cls


def _unbox_general(ctx: Context, obj: ir.Value, ty: t.Type, fail: ir.Block,
                   where: str) -> ir.Value:
    """`_unbox` through the C API's conversions (__index__, __float__, __complex__)."""
    b = ctx.b
    if isinstance(ty, t.Boolean):
        is_true = ctx.declare("PyObject_IsTrue", i32, [pyobj])
        r = b.call(is_true, [obj])
        with b.if_then(b.icmp_signed("<", r, ir.Constant(i32, 0)), likely=False):
            b.branch(fail)
        return b.trunc(r, i1)
    if isinstance(ty, t.Integer):
        r = _unbox_int(ctx, obj, ty, fail, where)
        return b.trunc(r, llvm_type(ty)) if ty.bitwidth < 64 else r
    if isinstance(ty, t.Float):
        r = b.call(ctx.declare("PyFloat_AsDouble", f64, [pyobj]), [obj])
        _fail_if(ctx, b.fcmp_ordered("==", r, ir.Constant(f64, -1.0)), fail)
        return b.fptrunc(r, llvm_type(ty)) if ty.bitwidth == 32 else r
    if isinstance(ty, t.Complex):
        pair = ir.LiteralStructType([f64, f64])
        r = b.call(ctx.declare("PyComplex_AsCComplex", pair, [pyobj]), [obj])
        _fail_if(ctx, b.fcmp_ordered("==", b.extract_value(r, 0), ir.Constant(f64, -1.0)), fail)
        return ctx.cast(r, t.complex128, ty)
    if isinstance(ty, t.Array):
        from .arrayboxing import unbox_array

        return unbox_array(ctx, obj, ty)
    if isinstance(ty, t.Tuple):
        size = b.call(ctx.declare("PyTuple_Size", i64, [pyobj]), [obj])
        with b.if_then(b.icmp_signed("!=", size, ir.Constant(i64, len(ty.items))),
                       likely=False):
            _set_error(ctx, TypeError, f"{where} must be a tuple of {len(ty.items)} items")
            b.branch(fail)
        get = ctx.declare("PyTuple_GetItem", pyobj, [pyobj, i64])
        out = ir.Constant(llvm_type(ty), ir.Undefined)
        for i, item_ty in enumerate(ty.items):
            item = b.call(get, [obj, ir.Constant(i64, i)])
            out = b.insert_value(out, _unbox(ctx, item, item_ty, fail, f"{where}[{i}]"), i)
        return out
    if isinstance(ty, t.Optional):  # None, or a value of the base type
        is_none = b.icmp_unsigned("==", obj, ctx.py_constant(None))
        with b.if_else(is_none) as (absent, present):
            with absent:
                from_none = b.block
            with present:
                value = _unbox(ctx, obj, ty.base, fail, where)
                wrapped = ctx.cast(value, ty.base, ty)
                from_value = b.block
        phi = b.phi(llvm_type(ty), name="optional")
        phi.add_incoming(ir.Constant(llvm_type(ty), None), from_none)
        phi.add_incoming(wrapped, from_value)
        return phi
    return ir.Constant(llvm_type(ty), 0)  # compile-time-only values carry nothing


def _unbox_int(ctx: Context, obj: ir.Value, ty: t.Integer, fail: ir.Block,
               where: str) -> ir.Value:
    """An i64 from any object with __index__ (int, bool, NumPy integers).

    uint64 needs the unsigned conversion, which (unlike PyLong_AsLongLong) does
    not call __index__ itself, so NumPy integers go through PyNumber_Index first.
    """
    b = ctx.b
    if ty.signed or ty.bitwidth < 64:
        r = b.call(ctx.declare("PyLong_AsLongLong", i64, [pyobj]), [obj])
    else:
        index = b.call(ctx.declare("PyNumber_Index", pyobj, [pyobj]), [obj])
        with b.if_then(b.icmp_unsigned("==", index, _NULL), likely=False):
            b.branch(fail)
        r = b.call(ctx.declare("PyLong_AsUnsignedLongLong", i64, [pyobj]), [index])
        b.call(ctx.declare("Py_DecRef", ir.VoidType(), [pyobj]), [index])
    # (The second condition is emitted inside the first block: `with a, b` nests.)
    with b.if_then(b.icmp_signed("==", r, ir.Constant(i64, -1)), likely=False), \
            b.if_then(_error_occurred(ctx), likely=False):
        _explain_overflow(ctx, obj, f"{where} = %R does not fit in {ty}")
        b.branch(fail)
    return r


def _explain_overflow(ctx: Context, obj: ir.Value, message: str) -> None:
    """Replace CPython's terse "int too big to convert" by one naming the argument."""
    b = ctx.b
    overflow = ctx.py_constant(OverflowError)
    matches = b.call(ctx.declare("PyErr_ExceptionMatches", i32, [pyobj]), [overflow])
    with b.if_then(b.icmp_signed("!=", matches, ir.Constant(i32, 0))):
        fmt = _cstring(ctx, message.replace("%", "%%").replace("%%R", "%R"))
        b.call(ctx.declare("PyErr_Format", pyobj, [pyobj, pyobj], varargs=True),
               [overflow, fmt, obj])


def _cstring(ctx: Context, text: str) -> ir.Value:
    """A pointer to a NUL-terminated constant string in the module."""
    data = bytearray(text.encode() + b"\0")
    ty = ir.ArrayType(ir.IntType(8), len(data))
    gv = ir.GlobalVariable(ctx.module, ty, ctx.module.get_unique_name("jc.str"))
    gv.global_constant = True
    gv.linkage = "private"
    gv.initializer = ir.Constant(ty, data)
    return ctx.b.bitcast(gv, pyobj)


def _fail_if(ctx: Context, maybe_error: ir.Value, fail: ir.Block) -> None:
    """-1 is also a valid result; only a set exception means failure."""
    b = ctx.b
    with b.if_then(maybe_error, likely=False), b.if_then(_error_occurred(ctx), likely=False):
        b.branch(fail)


def _set_error(ctx: Context, cls: type, message: str) -> None:
    set_object = ctx.declare("PyErr_SetObject", ir.VoidType(), [pyobj, pyobj])
    ctx.b.call(set_object, [ctx.py_constant(cls), ctx.py_constant((message,))])


def box(ctx: Context, llv: ir.Value | None, ty: t.Type) -> ir.Value:
    """A new reference to a Python object holding native value `llv` of type `ty`."""
    b = ctx.b
    if llv is not None:
        scalar = box_scalar(ctx, llv, ty)
        if scalar is not None:
            return scalar
    if isinstance(ty, t.Tuple):
        tup = b.call(ctx.declare("PyTuple_New", pyobj, [i64]), [ir.Constant(i64, len(ty.items))])
        set_item = ctx.declare("PyTuple_SetItem", i32, [pyobj, i64, pyobj])
        for i, item_ty in enumerate(ty.items):
            item = None if is_compile_time_only(item_ty) else b.extract_value(llv, i)
            b.call(set_item, [tup, ir.Constant(i64, i), box(ctx, item, item_ty)])
        return tup
    if isinstance(ty, t.Array):
        from .arrayboxing import box_array

        return box_array(ctx, llv, ty)
    if isinstance(ty, t.NoneType):
        none = ctx.py_constant(None)
        b.call(ctx.declare("Py_IncRef", ir.VoidType(), [pyobj]), [none])
        return none
    if isinstance(ty, t.Optional):  # None, or the value boxed as its base type
        with b.if_else(b.extract_value(llv, 0)) as (present, absent):
            with present:
                boxed = box(ctx, b.extract_value(llv, 1), ty.base)
                from_value = b.block
            with absent:
                boxed_none = box(ctx, None, t.none)
                from_none = b.block
        phi = b.phi(pyobj, name="boxed")
        phi.add_incoming(boxed, from_value)
        phi.add_incoming(boxed_none, from_none)
        return phi
    raise TypeError(f"cannot return a value of type {ty} to Python")
