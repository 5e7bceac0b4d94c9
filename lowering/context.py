"""The emission context handed to every implementation: builder, casts, constants, errors.

    def int_floordiv(ctx, sig, a, b):
        with ctx.b.if_then(ctx.b.icmp_signed("==", b, zero), likely=False):
            ctx.raise_exception(ZeroDivisionError, ("integer division by zero",))
        ...

Python objects the code needs (exception classes, their arguments) are not
embedded as addresses: each becomes a named global `jc.obj.<symbol>.<n>`
that the target binds when it loads the code, so object code stays
relocatable and cacheable (see `Context.py_constants`). What belongs to the
running process (NumPy's C API table, the random generator's thread key, BLAS)
is read from an external global named in targets/bindings.py's table
(`Context.process_global`); lowering never computes an address.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llvmlite import ir

from jitcore.frontend.errors import LoweringError
from jitcore.frontend.fastmath import llvm_flags
from jitcore.frontend.ir import PendingError
from jitcore.typeinfer import types as t

from .models import DUMMY, f64, i1, i8p, i32, is_compile_time_only, llvm_type, pyobj
from .refcount import STRUCTS, holds_memory, parts

_I32_ONE = ir.Constant(i32, 1)


@dataclass
class ModuleInfo:
    """What the target needs besides the IR to load a lowered module."""

    # global name -> Python object, bound by the target when the code is loaded
    py_constants: dict[str, Any] = field(default_factory=dict)
    # process bindings the code reads (names of targets/bindings.py's table)
    bindings: set[str] = field(default_factory=set)
    # native symbols of other jitted functions this module calls
    called_symbols: set[str] = field(default_factory=set)
    # some function has alias versions (lowering/aliasing.py): worth unroll-and-jam
    alias_versions: bool = False
    # ... and one of them may index a strided array (aliasing.contiguous_only)
    strided_versions: bool = False


class Context:
    def __init__(self, module: ir.Module, llfn: ir.Function, info: ModuleInfo, callees: Any,
                 options: dict[str, Any]) -> None:
        self.module = module
        self.llfn = llfn
        self.info = info
        self.callees = callees
        self.options = options
        # Fast-math flags for float operations and math calls: () unless `fastmath`.
        self.fastmath = llvm_flags(options.get("fastmath"))
        self.b = ir.IRBuilder(llfn.append_basic_block("entry"))
        self.retptr: ir.Value = llfn.args[0]
        self.py_constants = info.py_constants
        # References to release on an error return from the op being emitted (set by the emitter).
        self.live_references: list[tuple[ir.Value, t.Type]] = []
        # The float first argument of the call being emitted is >= 0 or NaN (signfacts.py).
        self.first_arg_nonneg = False
        # Inside a `try`: emits the jump to the handler instead of an error return (emit.py).
        self.error_handler: Callable[[], None] | None = None

    # --- declarations --------------------------------------------------------------------

    def declare(self, name: str, ret: ir.Type, args: list[ir.Type],
                varargs: bool = False) -> ir.Function:
        """A function of this module or an external one (C API, libm), declared once."""
        existing = self.module.globals.get(name)
        if existing is not None:
            return existing
        return ir.Function(self.module, ir.FunctionType(ret, args, var_arg=varargs), name)

    def intrinsic(self, name: str, ty: ir.Type, nargs: int = 1) -> ir.Function:
        """An overloaded LLVM intrinsic such as llvm.sqrt.f64."""
        if isinstance(ty, ir.DoubleType):
            suffix = "f64"
        elif isinstance(ty, ir.FloatType):
            suffix = "f32"
        else:
            suffix = f"i{ty.width}"
        return self.declare(f"{name}.{suffix}", ty, [ty] * nargs)

    def py_constant(self, obj: Any) -> ir.Value:
        """A PyObject* for a Python object, loaded from a global bound at load time."""
        for name, existing in self.py_constants.items():  # noqa: B007 (used after the loop)
            if existing is obj:
                break
        else:
            name = f"jc.obj.{self.llfn.name}.{len(self.py_constants)}"
            gv = ir.GlobalVariable(self.module, pyobj, name)
            gv.initializer = ir.Constant(pyobj, None)
            self.py_constants[name] = obj
        return self.b.load(self.module.globals[name], name="pyconst")

    def process_global(self, name: str) -> ir.GlobalVariable:
        """The external global `name` of targets/bindings.py's table: a word (i8*) the
        loader binds in each process. Recorded in `ModuleInfo.bindings`."""
        self.info.bindings.add(name)
        return process_global(self.module, name)

    def process_function(self, name: str, ret: ir.Type, args: list[ir.Type]) -> ir.Function:
        """A function the process provides under a binding name (the thread pool's)."""
        self.info.bindings.add(name)
        return self.declare(name, ret, args)

    # --- values ----------------------------------------------------------------------------

    def constant(self, value: Any, ty: t.Type) -> ir.Value:
        if is_compile_time_only(ty):
            return DUMMY
        llty = llvm_type(ty)
        if isinstance(ty, t.Boolean):
            return ir.Constant(llty, int(bool(value)))
        if isinstance(ty, t.Integer):
            return ir.Constant(llty, int(value) & ((1 << ty.bitwidth) - 1))
        if isinstance(ty, t.Float):
            return ir.Constant(llty, float(value))
        if isinstance(ty, t.Complex):
            c = complex(value)
            part = llvm_type(ty.underlying)
            return ir.Constant(llty, [ir.Constant(part, c.real), ir.Constant(part, c.imag)])
        if isinstance(ty, t.Tuple):
            return ir.Constant(llty, [self.constant(v, it) for v, it in zip(value, ty.items)])
        if isinstance(ty, t.Array):  # a global ndarray, frozen into the module
            from .constarrays import constant_array

            return constant_array(self.module, value, ty)
        raise LoweringError(f"cannot embed a constant of type {ty}")

    # The TypeError an Optional operand raises when it is None, set while an operator's
    # operands are converted (lowering/optional.py); None: a generic message.
    none_message: str | None = None

    def cast(self, llv: ir.Value, src: t.Type, dst: t.Type) -> ir.Value:
        """Convert a value between numeric types (and tuples of them), as NumPy casts."""
        if src == dst or is_compile_time_only(dst):
            return llv
        if isinstance(src, t.Array) and isinstance(dst, t.Array) and (
                src.dtype, src.ndim) == (dst.dtype, dst.ndim):
            return llv  # a layout or read-only change: the same data model
        if t.merge_layouts(src, dst) == dst:
            return llv  # the same for what holds arrays (iterators, zip, enumerate)
        b = self.b
        if isinstance(dst, t.FunctionChoice) and not isinstance(src, t.Undefined):
            from .impls.calls import choice_index

            return choice_index(self, llv, src, dst)
        if isinstance(src, t.Undefined):
            # A local not assigned on this path. Memory it would hold is null, not undef:
            # the block argument receiving it is released when rebound or at the exit.
            return ir.Constant(llvm_type(dst), None if holds_memory(dst) else ir.Undefined)
        if isinstance(src, t.Optional) or isinstance(dst, t.Optional):
            from .optional import cast_optional

            return cast_optional(self, llv, src, dst)
        if isinstance(src, t.Tuple) and isinstance(dst, t.Tuple):
            out = ir.Constant(llvm_type(dst), ir.Undefined)
            for i, (s, d) in enumerate(zip(src.items, dst.items)):
                out = b.insert_value(out, self.cast(b.extract_value(llv, i), s, d), i)
            return out
        dst_ll = llvm_type(dst)
        if isinstance(dst, t.Boolean):
            return self.truth(llv, src)
        if isinstance(src, t.Boolean):
            if isinstance(dst, t.Integer):
                return b.zext(llv, dst_ll)
            if isinstance(dst, t.Float):
                return b.uitofp(llv, dst_ll)
            return self.cast(b.uitofp(llv, f64), t.float64, dst)
        if isinstance(src, t.Integer):
            if isinstance(dst, t.Integer):
                if dst.bitwidth < src.bitwidth:
                    return b.trunc(llv, dst_ll)
                if dst.bitwidth > src.bitwidth:
                    return b.sext(llv, dst_ll) if src.signed else b.zext(llv, dst_ll)
                return llv
            if isinstance(dst, t.Float):
                return b.sitofp(llv, dst_ll) if src.signed else b.uitofp(llv, dst_ll)
            if isinstance(dst, t.Complex):
                return self.make_complex(self.cast(llv, src, dst.underlying), None, dst)
        if isinstance(src, t.Float):
            if isinstance(dst, t.Float):
                return b.fpext(llv, dst_ll) if dst.bitwidth > src.bitwidth else b.fptrunc(
                    llv, dst_ll)
            if isinstance(dst, t.Integer):
                return b.fptosi(llv, dst_ll) if dst.signed else b.fptoui(llv, dst_ll)
            if isinstance(dst, t.Complex):
                return self.make_complex(self.cast(llv, src, dst.underlying), None, dst)
        if isinstance(src, t.Complex) and isinstance(dst, t.Complex):
            re, im = b.extract_value(llv, 0), b.extract_value(llv, 1)
            return self.make_complex(self.cast(re, src.underlying, dst.underlying),
                                     self.cast(im, src.underlying, dst.underlying), dst)
        raise LoweringError(f"cannot convert {src} to {dst}")

    def truth(self, llv: ir.Value, ty: t.Type) -> ir.Value:
        """The i1 truth value of a number (x != 0), as Python's bool(x)."""
        b = self.b
        if isinstance(ty, t.Boolean):
            return llv
        if isinstance(ty, t.Integer):
            return b.icmp_unsigned("!=", llv, ir.Constant(llv.type, 0))
        if isinstance(ty, t.Float):
            return b.fcmp_unordered("!=", llv, ir.Constant(llv.type, 0.0))
        if isinstance(ty, t.Complex):
            re, im = b.extract_value(llv, 0), b.extract_value(llv, 1)
            return b.or_(self.truth(re, ty.underlying), self.truth(im, ty.underlying))
        if isinstance(ty, t.NoneType):
            return ir.Constant(i1, 0)
        if isinstance(ty, t.Optional):
            from .optional import optional_truth

            return optional_truth(self, llv, ty)
        raise LoweringError(f"cannot take the truth value of {ty}")

    def pack(self, values: list[ir.Value]) -> ir.Value:
        """A literal struct of `values`: an iterator step's (item, valid), a zip's iterators."""
        out: ir.Value = ir.Constant(ir.LiteralStructType([v.type for v in values]), ir.Undefined)
        for k, v in enumerate(values):
            out = self.b.insert_value(out, v, k)
        return out

    def make_complex(self, re: ir.Value, im: ir.Value | None, ty: t.Complex) -> ir.Value:
        part = llvm_type(ty.underlying)
        out = ir.Constant(llvm_type(ty), ir.Undefined)
        out = self.b.insert_value(out, re, 0)
        return self.b.insert_value(out, im if im is not None else ir.Constant(part, 0.0), 1)

    # --- references to native memory (see lowering.refcount) -------------------------------

    def incref(self, llv: ir.Value, ty: t.Type) -> None:
        self._refcount(llv, ty, "incref")

    def decref(self, llv: ir.Value, ty: t.Type) -> None:
        self._refcount(llv, ty, "decref")

    def _refcount(self, llv: ir.Value, ty: t.Type, which: str) -> None:
        from . import runtime

        if isinstance(ty, t.Array):
            fn = runtime.incref(self.module) if which == "incref" else runtime.decref(self.module)
            self.b.call(fn, [self.b.extract_value(llv, 0)])
        elif isinstance(ty, (t.CaughtException, t.CaughtArgs)):
            from .impls.exceptions import py_refcount

            py_refcount(self, llv, which)
        elif isinstance(ty, t.BoundMethod):  # laid out as its receiver
            self._refcount(llv, ty.this, which)
        elif isinstance(ty, t.ArrayFlat):
            self._refcount(llv, ty.array, which)
        elif isinstance(ty, t.Optional):  # None holds null memory, which the runtime skips
            self._refcount(self.b.extract_value(llv, 1), ty.base, which)
        elif isinstance(ty, STRUCTS):  # tuples, enumerate/zip values and iterators
            for k, part in enumerate(parts(ty)):
                if holds_memory(part):
                    self._refcount(self.b.extract_value(llv, k), part, which)
        elif isinstance(ty, t.ArrayIter):  # the iterator state on the stack holds the array
            i32_ = ir.IntType(32)
            # null: an iterator in a local not assigned on every path (see cast)
            with self.b.if_then(self.b.icmp_unsigned("!=", llv, ir.Constant(llv.type, None))):
                inner = self.b.gep(llv, [ir.Constant(i32_, 0), ir.Constant(i32_, 1)],
                                   inbounds=True)
                self._refcount(self.b.load(inner), ty.array, which)

    # --- exceptions --------------------------------------------------------------------------

    def raise_exception(self, cls: type, args: tuple[Any, ...] = ()) -> None:
        """Set a Python exception `cls(*args)` and return 1 from the native function.

        Takes the GIL for the duration, so it is correct in nogil code too.
        """
        self.b.call(self._set_error_helper(),
                    [self.py_constant(cls), self.py_constant(tuple(args))])
        self.return_error(_I32_ONE)

    def _set_error_helper(self) -> ir.Function:
        """jc.rt.set_error(cls, args): one cold, out-of-line copy per module, so raise sites
        in hot loops stay a call and a branch instead of inlined GIL and error handling."""
        name = "jc.rt.set_error"
        existing = self.module.globals.get(name)
        if existing is not None:
            return existing
        fn = ir.Function(self.module, ir.FunctionType(ir.VoidType(), [pyobj, pyobj]), name)
        fn.linkage = "internal"
        for attr in ("noinline", "cold", "nounwind"):
            fn.attributes.add(attr)
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        ensure = self.declare("PyGILState_Ensure", i32, [])
        release = self.declare("PyGILState_Release", ir.VoidType(), [i32])
        set_object = self.declare("PyErr_SetObject", ir.VoidType(), [pyobj, pyobj])
        state = b.call(ensure, [], name="gil")
        b.call(set_object, list(fn.args))
        b.call(release, [state])
        b.ret_void()
        return fn

    def raise_formatted(self, cls: type, fmt: str, *values: ir.Value) -> None:
        """Raise `cls` with a message formatted at run time by PyErr_Format (printf codes)."""
        b = self.b
        ensure = self.declare("PyGILState_Ensure", i32, [])
        release = self.declare("PyGILState_Release", ir.VoidType(), [i32])
        fmt_fn = self.declare("PyErr_Format", pyobj, [pyobj, pyobj], varargs=True)
        state = b.call(ensure, [], name="gil")
        b.call(fmt_fn, [self.py_constant(cls), self.c_string(fmt), *values])
        b.call(release, [state])
        self.return_error(_I32_ONE)

    def c_string(self, text: str) -> ir.Value:
        """A pointer to a NUL-terminated constant string in this module."""
        data = bytearray(text.encode()) + b"\0"
        name = f"jc.str.{self.llfn.name}.{len(self.module.globals)}"
        gv = ir.GlobalVariable(self.module, ir.ArrayType(ir.IntType(8), len(data)), name)
        gv.linkage = "internal"
        gv.global_constant = True
        gv.initializer = ir.Constant(gv.value_type, data)
        return self.b.bitcast(gv, pyobj)

    def return_error(self, status: ir.Value) -> None:
        """Return an error status, releasing the references the function holds here; inside
        a `try`, go to its handler instead (the exception stays set until it is caught)."""
        if self.error_handler is not None:
            self.error_handler()
            return
        for llv, ty in self.live_references:
            self.decref(llv, ty)
        self.b.ret(status)

    def raise_value(self, ty: t.Type, llv: ir.Value | None = None) -> None:
        """Raise a typed exception value (a class, or an instance of constant arguments, or
        one with numbers computed at run time in `llv`)."""
        if isinstance(ty, t.ExceptionWithValues):
            assert llv is not None
            self._raise_with_values(ty, llv)
        elif isinstance(ty, t.CaughtException):  # `raise e` of `except ... as e`
            from .impls.exceptions import restore_exception_

            assert llv is not None
            restore_exception_(self, t.Signature(t.none, (ty,)), llv)
            self.return_error(_I32_ONE)
        elif isinstance(ty, t.ExceptionValue):
            self.raise_exception(ty.cls, ty.args)
        elif isinstance(ty, t.PyObjectConst) and ty.value is PendingError:
            self.return_error(_I32_ONE)  # a re-raise: the exception is set already
        elif isinstance(ty, t.PyObjectConst):
            self.raise_exception(ty.value, ())
        else:
            raise LoweringError(f"cannot raise {ty}")

    def _raise_with_values(self, ty: t.ExceptionWithValues, llv: ir.Value) -> None:
        """Box the run-time arguments into the args tuple, under the GIL, and raise."""
        from .scalarbox import box_scalar

        b, void = self.b, ir.VoidType()
        state = b.call(self.declare("PyGILState_Ensure", i32, []), [], name="gil")
        args = b.call(self.declare("PyTuple_New", pyobj, [ir.IntType(64)]),
                      [ir.Constant(ir.IntType(64), len(ty.values))], name="excargs")
        set_item = self.declare("PyTuple_SetItem", i32, [pyobj, ir.IntType(64), pyobj])
        k = 0
        for i, (const, vty) in enumerate(zip(ty.consts, ty.values)):
            if vty is None:
                item = self.py_constant(const)
                b.call(self.declare("Py_IncRef", void, [pyobj]), [item])
            else:
                item = box_scalar(self, b.extract_value(llv, k), vty)
                k += 1
            b.call(set_item, [args, ir.Constant(ir.IntType(64), i), item])  # steals item
        b.call(self.declare("PyErr_SetObject", void, [pyobj, pyobj]),
               [self.py_constant(ty.cls), args])
        b.call(self.declare("Py_DecRef", void, [pyobj]), [args])
        b.call(self.declare("PyGILState_Release", void, [i32]), [state])
        self.return_error(_I32_ONE)

    # --- calls to other jitted functions -----------------------------------------------------

    def call_jitted(self, dispatcher: Any, sig: t.Signature, args: list[ir.Value]) -> ir.Value:
        """Call another jitted function through the native convention; propagate its error."""
        from .emit import native_function_type

        symbol = self.callees.native_symbol(dispatcher, sig.args)
        self.info.called_symbols.add(symbol)
        callee = self.module.globals.get(symbol) or ir.Function(
            self.module, native_function_type(sig.return_type, sig.args), symbol)
        b = self.b
        retslot = self.alloca(llvm_type(sig.return_type), "callret")
        status = b.call(callee, [retslot, *args], name="status")
        with b.if_then(b.icmp_signed("!=", status, ir.Constant(i32, 0)), likely=False):
            self.return_error(status)
        return b.load(retslot, name="result")

    def alloca(self, llty: ir.Type, name: str) -> ir.Value:
        """Stack space allocated in the entry block, so LLVM can promote it to registers."""
        with self.b.goto_entry_block():
            self.b.position_at_start(self.llfn.entry_basic_block)
            return self.b.alloca(llty, name=name)



def process_global(module: ir.Module, name: str) -> ir.GlobalVariable:
    """Declare (once) the external word `name`, defined by whoever loads the module."""
    gv = module.globals.get(name)
    if gv is None:
        gv = ir.GlobalVariable(module, i8p, name)  # no initializer: `external global`
    return gv


NUMPY_API_GLOBAL = "jc.numpy.api"  # targets/bindings.py: NUMPY_API
# NumPy's C API table: slot numbers from numpy/__multiarray_api.h (stable across 1.x and 2.x).
NUMPY_API = {"PyArray_Type": 2, "PyArray_DescrFromType": 45, "PyArray_NewFromDescr": 94,
             "PyArray_SetBaseObject": 282}


def numpy_api(ctx: Context, name: str, fnty: ir.FunctionType | None = None) -> ir.Value:
    """Slot `name` of NumPy's C API table, read through the process binding jc.numpy.api."""
    b = ctx.b
    table = b.bitcast(b.load(ctx.process_global(NUMPY_API_GLOBAL)), pyobj.as_pointer(),
                      name="npy_api")
    slot = b.load(b.gep(table, [ir.Constant(ir.IntType(64), NUMPY_API[name])], inbounds=True),
                  name=name)
    return b.bitcast(slot, fnty.as_pointer()) if fnty is not None else slot
