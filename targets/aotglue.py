"""Generated glue of ahead-of-time outputs (see targets.aot), as LLVM IR.

Python extension module:
    PyObject *PyInit_<name>(void)          binds every global the code reads: Python
                                           objects (imports classes by module and
                                           qualified name, builds constants) and the
                                           process bindings of targets/bindings.py's
                                           table, defined here as cells (NumPy's
                                           _ARRAY_API capsule, the random generator's
                                           pthread key, NumPy's cblas), then
                                           PyModule_Create2 with one METH_FASTCALL
                                           method per exported name
    PyObject *jc.aot.entry.<f>(self, args, nargs)
                                           checks array arguments (dtype, ndim, layout,
                                           writability) and, with several signatures, picks
                                           one; then calls the JIT's own wrapper
BLAS (np.dot / @ on float32/float64):
    jc.blas.dgemm / jc.blas.sgemm          cells defined here: the extension's PyInit stores
                                           scipy_cblas_?gemm64_ of the OpenBLAS NumPy bundles;
                                           the C library (and the extension without it)
                                           keeps our own kernel
C library:
    int <f>(<args; arrays and complex by pointer>, <ret> *result)   0 = ok
    const char *<name>_error_type(void), *<name>_error_message(void)
    void <name>_release(void *meminfo)    drop a returned array's memory
The native code reports errors through PyErr_SetObject / PyErr_Format under the GIL;
the C library defines those few functions itself, recording the class name and the
formatted message.
"""
from __future__ import annotations

from typing import Any

from llvmlite import ir

from jitcore.lowering.emit import native_function_type
from jitcore.lowering import runtime
from jitcore.lowering.models import f64, i1, i8, i8p, i32, i64, llvm_type, pyobj
from jitcore.typeinfer import types as t

from . import bindings
from .nativecall import (
    _ALIASES,
    _ALIGNED,
    _BYTEORDER_OFFSET,
    _C_CONTIGUOUS,
    _DESCR_OFFSET,
    _F_CONTIGUOUS,
    _FLAGS_OFFSET,
    _ND_OFFSET,
    _TYPE_NUM_OFFSET,
    _WRITEABLE,
)

_NULL = ir.Constant(pyobj, None)
_METH_FASTCALL = 0x80
_PYTHON_API_VERSION = 1013
STATS = runtime.STATS  # the allocation counters, one definition per loaded image


def _cstring(module: ir.Module, text: str, name: str = "jc.aot.str") -> ir.Value:
    return _cbytes(module, text.encode(), name)


def _cbytes(module: ir.Module, raw: bytes, name: str = "jc.aot.str") -> ir.Value:
    """A pointer to a private constant copy of `raw`, NUL-terminated."""
    data = bytearray(raw) + b"\0"
    gv = ir.GlobalVariable(module, ir.ArrayType(i8, len(data)), module.get_unique_name(name))
    gv.linkage = "private"
    gv.global_constant = True
    gv.initializer = ir.Constant(gv.value_type, data)
    return gv.bitcast(i8p)


def _declare(module: ir.Module, name: str, ret: ir.Type, args: list[ir.Type],
             varargs: bool = False) -> ir.Function:
    existing = module.globals.get(name)
    if existing is not None:
        return existing
    return ir.Function(module, ir.FunctionType(ret, args, var_arg=varargs), name)


def _external(module: ir.Module, name: str, ty: ir.Type) -> ir.GlobalVariable:
    gv = module.globals.get(name)
    if gv is None:
        gv = ir.GlobalVariable(module, ty, name)
    return gv


# --- the Python extension module -------------------------------------------------------------

def python_glue(name: str, exports: list[Any], constants: dict[str, Any],
                used: list[str] | None = None) -> ir.Module:
    """The extension's PyInit and entries; `used`: the process bindings the code reads."""
    module = ir.Module(f"jc.aot.{name}.init")
    runtime.define_stats(module)
    read = set(used or [])
    cells = _define_cells(module, sorted(read | {bindings.NUMPY_API}))  # entries check arrays
    by_name: dict[str, list[Any]] = {}
    for e in sorted(exports, key=_scalar_rank):  # the narrowest signature is tried first
        by_name.setdefault(e.name, []).append(e)
    api = cells[bindings.NUMPY_API]
    entries = {n: _entry(module, n, sigs, api) for n, sigs in by_name.items()}
    fn = ir.Function(module, ir.FunctionType(pyobj, []), f"PyInit_{name}")
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    fail = fn.append_basic_block("fail")
    binder = _Binder(module, b, fail)
    arrays = any(isinstance(a, t.Array) for e in exports for a in [*e.argtypes, e.ret])
    for cell_name, cell in cells.items():
        if cell_name in read or (cell_name == bindings.NUMPY_API and arrays):
            binder.process(cell_name, cell)  # NumPy is imported only when something needs it
    for gname, value in constants.items():
        b.store(binder.object(value), _external(module, gname, pyobj))
    b.ret(b.call(_declare(module, "PyModule_Create2", pyobj, [pyobj, i32]),
                 [b.bitcast(_module_def(module, name, entries), pyobj),
                  ir.Constant(i32, _PYTHON_API_VERSION)]))
    b.position_at_end(fail)
    b.ret(_NULL)
    return module


def bindings_used(modules: list[ir.Module]) -> list[str]:
    """The process bindings (targets/bindings.py) the lowered modules read."""
    used = set()
    for mod in modules:
        for name in bindings.PROCESS:
            value = mod.globals.get(name)
            if (isinstance(value, ir.Function) and value.is_declaration) or (isinstance(
                    value, ir.GlobalVariable) and value.initializer is None):
                used.add(name)
    return sorted(used)


def _define_cells(module: ir.Module, names: list[str]) -> dict[str, ir.GlobalVariable]:
    """The cells of the cell bindings in `names`, defined here: null, or our own cblas
    kernel for BLAS (PyInit may store NumPy's instead)."""
    cells = {}
    for name in names:
        if not bindings.PROCESS[name].cell:
            continue
        cell = ir.GlobalVariable(module, i8p, name)
        gemm = _GEMM.get(name)
        cell.initializer = (_own_gemm(module, f"jc.aot.gemm.{name}", gemm).bitcast(i8p)
                            if gemm is not None else ir.Constant(i8p, None))
        cells[name] = cell
    return cells


class _Binder:
    """Emits, inside PyInit, the code that produces each bound value (NULL -> fail)."""

    def __init__(self, module: ir.Module, b: ir.IRBuilder, fail: ir.Block) -> None:
        self.module, self.b, self.fail = module, b, fail
        self.imported: dict[str, ir.Value] = {}

    def check(self, value: ir.Value) -> ir.Value:
        b = self.b
        ok = b.append_basic_block("ok")
        b.cbranch(b.icmp_unsigned("==", value, ir.Constant(value.type, None)), self.fail, ok)
        b.position_at_end(ok)
        return value

    def call(self, name: str, ret: ir.Type, args: list[ir.Type], values: list[Any]) -> Any:
        return self.b.call(_declare(self.module, name, ret, args), values)

    def import_module(self, name: str) -> ir.Value:
        if name not in self.imported:
            self.imported[name] = self.check(self.call(
                "PyImport_ImportModule", pyobj, [i8p], [_cstring(self.module, name)]))
        return self.imported[name]

    def numpy_api(self) -> ir.Value:
        """NumPy's C API table from numpy._core._multiarray_umath._ARRAY_API (1.x: core)."""
        b = self.b
        imp = _declare(self.module, "PyImport_ImportModule", pyobj, [i8p])
        slot = b.alloca(pyobj, name="umath")
        b.store(b.call(imp, [_cstring(self.module, "numpy._core._multiarray_umath")]), slot)
        with b.if_then(b.icmp_unsigned("==", b.load(slot), _NULL)):
            self.call("PyErr_Clear", ir.VoidType(), [], [])
            b.store(b.call(imp, [_cstring(self.module, "numpy.core._multiarray_umath")]), slot)
        module = self.check(b.load(slot))
        capsule = self.check(self.call("PyObject_GetAttrString", pyobj, [pyobj, i8p],
                                       [module, _cstring(self.module, "_ARRAY_API")]))
        table = self.check(self.call("PyCapsule_GetPointer", pyobj, [pyobj, i8p],
                                     [capsule, ir.Constant(i8p, None)]))
        return b.bitcast(table, pyobj.as_pointer())

    def process(self, name: str, cell: ir.GlobalVariable) -> None:
        """Store in `cell` what targets/bindings.py's resolver for `name` computes."""
        b = self.b
        if name == bindings.NUMPY_API:
            b.store(b.bitcast(self.numpy_api(), i8p), cell)
        elif name == bindings.RANDOM_KEY:
            b.store(_new_random_key(self.module, b), cell)
        elif name in bindings.BLAS_SYMBOLS:
            resolve_blas(self, cell, bindings.BLAS_SYMBOLS[name])
        elif name in bindings.LAPACK_SYMBOLS:  # null when missing: the call raises
            resolve_blas(self, cell, bindings.LAPACK_SYMBOLS[name])
        else:
            raise NotImplementedError(f"no AOT form of the process binding {name}")

    def object(self, value: Any) -> ir.Value:
        """A new (immortal) reference to `value`, found at init from the plain data that
        describes it in the cache too (targets/bindings.py's describe_object)."""
        try:
            desc = bindings.describe_object(value)
        except bindings.NotRebindable as exc:
            raise NotImplementedError(f"cannot rebuild {value!r} in an extension module: "
                                      f"{exc}") from None
        if desc["kind"] == "const":
            return self.constant(desc["value"])
        obj = self.import_module(desc["module"])
        for part in desc["qualname"].split("."):
            obj = self.check(self.call("PyObject_GetAttrString", pyobj, [pyobj, i8p],
                                       [obj, _cstring(self.module, part)]))
        return obj

    def constant(self, data: Any) -> ir.Value:
        """A new reference to the constant `data` describes (bindings' const encoding)."""
        b = self.b
        if data is None or isinstance(data, bool):
            name = {None: "_Py_NoneStruct", True: "_Py_TrueStruct", False: "_Py_FalseStruct"}
            obj = b.bitcast(_external(self.module, name[data], i8), pyobj)
            self.call("Py_IncRef", ir.VoidType(), [pyobj], [obj])
            return obj
        ((kind, value),) = data.items()
        if kind == "int":  # any size, from its decimal text
            return self.check(self.call("PyLong_FromString", pyobj, [i8p, i8p, i32],
                                        [_cstring(self.module, value), ir.Constant(i8p, None),
                                         ir.Constant(i32, 10)]))
        if kind == "float":
            return self.check(self.call("PyFloat_FromDouble", pyobj, [f64],
                                        [ir.Constant(f64, float(value))]))
        if kind == "complex":
            return self.check(self.call("PyComplex_FromDoubles", pyobj, [f64, f64],
                                        [ir.Constant(f64, float(value[0])),
                                         ir.Constant(f64, float(value[1]))]))
        if kind in ("str", "bytes"):
            raw = value.encode() if kind == "str" else bytes.fromhex(value)
            make = "PyUnicode_FromStringAndSize" if kind == "str" else "PyBytes_FromStringAndSize"
            return self.check(self.call(make, pyobj, [i8p, i64],
                                        [_cbytes(self.module, raw), ir.Constant(i64, len(raw))]))
        assert kind == "tuple", kind
        tup = self.check(self.call("PyTuple_New", pyobj, [i64], [ir.Constant(i64, len(value))]))
        for i, item in enumerate(value):
            self.call("PyTuple_SetItem", i32, [pyobj, i64, pyobj],
                      [tup, ir.Constant(i64, i), self.constant(item)])
        return tup


def _scalar_rank(e: Any) -> int:
    ranks = {t.Boolean: 0, t.Integer: 1, t.Float: 2, t.Complex: 3}
    return sum(ranks.get(type(ty), 0) for ty in e.argtypes)


def _module_def(module: ir.Module, name: str, entries: dict[str, ir.Function]) -> ir.Value:
    """Static PyMethodDef[] and PyModuleDef (CPython 3.11 layouts)."""
    method = ir.LiteralStructType([i8p, i8p, i32, i8p])
    rows = [ir.Constant(method, [_cstring(module, n), fn.bitcast(i8p),
                                 ir.Constant(i32, _METH_FASTCALL), ir.Constant(i8p, None)])
            for n, fn in entries.items()]
    rows.append(ir.Constant(method, [None, None, ir.Constant(i32, 0), None]))
    methods = ir.GlobalVariable(module, ir.ArrayType(method, len(rows)), "jc.aot.methods")
    methods.initializer = ir.Constant(methods.value_type, rows)
    # PyModuleDef_Base {ob_refcnt, ob_type, m_init, m_index, m_copy}, then m_name, m_doc,
    # m_size, m_methods, m_slots, m_traverse, m_clear, m_free
    words = [ir.Constant(i64, 1)] + [ir.Constant(i64, 0)] * 4
    moddef_ty = ir.LiteralStructType([i64] * 5 + [i8p, i8p, i64, i8p, i8p, i8p, i8p, i8p])
    moddef = ir.GlobalVariable(module, moddef_ty, "jc.aot.moduledef")
    null = ir.Constant(i8p, None)
    moddef.initializer = ir.Constant(moddef_ty, words + [
        _cstring(module, name), _cstring(module, "compiled ahead of time by jitcore"),
        ir.Constant(i64, -1), methods.bitcast(i8p), null, null, null, null])
    return moddef


def _entry(module: ir.Module, name: str, exports: list[Any], api: ir.Value) -> ir.Function:
    """METH_FASTCALL function: the first signature whose checks pass gets the call."""
    fnty = ir.FunctionType(pyobj, [pyobj, pyobj.as_pointer(), i64])
    fn = ir.Function(module, fnty, f"jc.aot.entry.{name}")
    self_, args, nargs = fn.args
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    several = len(exports) > 1
    for e in exports:
        wrapper = _declare(module, e.symbol + ".py", pyobj, [pyobj, pyobj.as_pointer(), i64])
        nxt = fn.append_basic_block("next")
        if several or any(isinstance(a, t.Array) for a in e.argtypes):
            ok = b.icmp_unsigned("==", nargs, ir.Constant(i64, len(e.argtypes)))
            for i, ty in enumerate(e.argtypes):
                if isinstance(ty, t.Array) or several:
                    here = fn.append_basic_block(f"arg{i}")
                    b.cbranch(ok, here, nxt)
                    b.position_at_end(here)
                    obj = b.load(b.gep(args, [ir.Constant(i64, i)]))
                    ok = _accepts(module, b, obj, ty, api)
            call = fn.append_basic_block("call")
            b.cbranch(ok, call, nxt)
            b.position_at_end(call)
        b.ret(b.call(wrapper, [self_, args, nargs]))
        b.position_at_end(nxt)
    sigs = "; ".join(f"({', '.join(map(str, e.argtypes))})" for e in exports)
    exc = b.load(_external(module, "PyExc_TypeError", pyobj))
    b.call(_declare(module, "PyErr_SetString", ir.VoidType(), [pyobj, i8p]),
           [exc, _cstring(module, f"{name}(): the arguments match no compiled signature; "
                                  f"compiled signatures: {sigs}")])
    b.ret(_NULL)
    return fn


def _field(b: ir.IRBuilder, base: ir.Value, offset: int, ty: ir.Type) -> ir.Value:
    ptr = b.gep(b.bitcast(base, i8p), [ir.Constant(i64, offset)])
    return b.load(b.bitcast(ptr, ty.as_pointer()))


def _accepts(module: ir.Module, b: ir.IRBuilder, obj: ir.Value, ty: t.Type,
             api: ir.Value) -> ir.Value:
    """i1: whether `obj` can be passed as `ty` (arrays exactly; scalars by kind)."""
    ob_type = _field(b, obj, 8, pyobj)
    if isinstance(ty, t.Array):
        import numpy as np

        table = b.bitcast(b.load(api), pyobj.as_pointer())
        array_type = b.load(b.gep(table, [ir.Constant(i64, 2)]))
        subtype = _declare(module, "PyType_IsSubtype", i32, [pyobj, pyobj])
        is_array = b.or_(b.icmp_unsigned("==", ob_type, array_type),
                         b.icmp_signed("!=", b.call(subtype, [ob_type, array_type]),
                                       ir.Constant(i32, 0)))
        fn = b.function
        check = fn.append_basic_block("array_fields")
        done = fn.append_basic_block("array_done")
        start = b.block
        b.cbranch(is_array, check, done)
        b.position_at_end(check)
        descr = _field(b, obj, _DESCR_OFFSET, pyobj)
        type_num = _field(b, descr, _TYPE_NUM_OFFSET, i32)
        for alias, canonical in _ALIASES.items():
            type_num = b.select(b.icmp_unsigned("==", type_num, ir.Constant(i32, alias)),
                                ir.Constant(i32, canonical), type_num)
        want: int = np.dtype(ty.dtype.name).num
        want = _ALIASES.get(want, want)
        order = _field(b, descr, _BYTEORDER_OFFSET, i8)
        flags = _field(b, obj, _FLAGS_OFFSET, i32)
        need = _ALIGNED | {"C": _C_CONTIGUOUS, "F": _F_CONTIGUOUS, "A": 0}[ty.layout] | (
            0 if ty.readonly else _WRITEABLE)
        ok = b.icmp_unsigned("==", type_num, ir.Constant(i32, want))
        ok = b.and_(ok, b.icmp_signed("==", _field(b, obj, _ND_OFFSET, i32),
                                      ir.Constant(i32, ty.ndim)))
        ok = b.and_(ok, b.or_(b.icmp_unsigned("==", order, ir.Constant(i8, ord("="))),
                              b.icmp_unsigned("==", order, ir.Constant(i8, ord("|")))))
        ok = b.and_(ok, b.icmp_unsigned("==", b.and_(flags, ir.Constant(i32, need)),
                                        ir.Constant(i32, need)))
        fields_end = b.block
        b.branch(done)
        b.position_at_end(done)
        phi = b.phi(i1)
        phi.add_incoming(ir.Constant(i1, 0), start)
        phi.add_incoming(ok, fields_end)
        return phi
    rank = {t.Boolean: 0, t.Integer: 1, t.Float: 2, t.Complex: 3}.get(type(ty))
    if rank is None:  # tuples and others: let the wrapper convert or complain
        return ir.Constant(i1, 1)
    return b.icmp_signed("<=", _kind(module, b, obj, ob_type), ir.Constant(i32, rank))


def _kind(module: ir.Module, b: ir.IRBuilder, obj: ir.Value, ob_type: ir.Value) -> ir.Value:
    """0 bool, 1 integer (__index__), 2 float, 3 complex, 9 anything else."""
    subtype = _declare(module, "PyType_IsSubtype", i32, [pyobj, pyobj])

    def is_sub(type_name: str) -> ir.Value:
        cls = b.bitcast(_external(module, type_name, i8), pyobj)
        return b.icmp_signed("!=", b.call(subtype, [ob_type, cls]), ir.Constant(i32, 0))

    index = b.icmp_signed("!=", b.call(_declare(module, "PyIndex_Check", i32, [pyobj]), [obj]),
                          ir.Constant(i32, 0))
    number = b.icmp_signed("!=", b.call(_declare(module, "PyNumber_Check", i32, [pyobj]),
                                        [obj]), ir.Constant(i32, 0))
    kind = b.select(number, ir.Constant(i32, 2), ir.Constant(i32, 9))
    kind = b.select(is_sub("PyComplex_Type"), ir.Constant(i32, 3), kind)
    kind = b.select(is_sub("PyFloat_Type"), ir.Constant(i32, 2), kind)
    kind = b.select(index, ir.Constant(i32, 1), kind)
    return b.select(is_sub("PyBool_Type"), ir.Constant(i32, 0), kind)


# --- the C library ---------------------------------------------------------------------------

def c_runtime_names(name: str) -> list[str]:
    return [f"{name}_error_type", f"{name}_error_message", f"{name}_clear_error",
            f"{name}_release"]


def c_glue(name: str, exports: list[Any], lowered: Any) -> ir.Module:
    module = ir.Module(f"jc.aot.{name}.c")
    runtime.define_stats(module)
    for mod in lowered.modules:  # C has no Python objects: bind names and messages instead
        for gname, value in lowered.constants.items():
            gv = mod.globals.get(gname)
            if not isinstance(gv, ir.GlobalVariable) or gv.initializer is None:
                continue  # declared here, defined (and bound) by the module that owns it
            gv.initializer = _cstring(mod, _c_text(value), "jc.aot.cname")
    # process bindings: NumPy's table stays null (only array boxing reads it, never in C),
    # BLAS is our own kernel, the random key is made by a constructor
    cells = _define_cells(module, bindings_used(lowered.modules))
    if bindings.RANDOM_KEY in cells:
        _random_key_constructor(module, cells[bindings.RANDOM_KEY])
    _error_record(module, name)
    if lowered.uses_pool:
        _pool_stubs(module)
    for e in exports:
        _c_shim(module, e)
    return module


def _c_text(value: Any) -> str:
    """What C callers read for a bound object: an exception class's name, a message."""
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, tuple):
        return str(value[0]) if len(value) == 1 else ", ".join(map(str, value))
    return repr(value)


def _new_random_key(module: ir.Module, b: ir.IRBuilder) -> ir.Value:
    """pthread_key_create(&key, free), as targets/bindings.py's random_key: the key as a word."""
    key = b.alloca(i32, name="random.key")
    b.store(ir.Constant(i32, 0), key)
    free = _declare(module, "free", ir.VoidType(), [i8p])
    b.call(_declare(module, "pthread_key_create", i32, [i32.as_pointer(), i8p]),
           [key, b.bitcast(free, i8p)])
    return b.inttoptr(b.zext(b.load(key), i64), i8p)


def _random_key_constructor(module: ir.Module, cell: ir.GlobalVariable) -> None:
    fn = ir.Function(module, ir.FunctionType(ir.VoidType(), []), "jc.aot.init")
    fn.linkage = "internal"
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    b.store(_new_random_key(module, b), cell)
    b.ret_void()
    entry_ty = ir.LiteralStructType([i32, fn.type, i8p])
    ctors = ir.GlobalVariable(module, ir.ArrayType(entry_ty, 1), "llvm.global_ctors")
    ctors.linkage = "appending"
    ctors.initializer = ir.Constant(ctors.value_type, [
        ir.Constant(entry_ty, [ir.Constant(i32, 65535), fn, ir.Constant(i8p, None)])])


def _error_record(module: ir.Module, name: str) -> None:
    """PyGILState_*, PyErr_SetObject, PyErr_Format: record the error for C callers."""
    etype = ir.GlobalVariable(module, i8p, "jc.aot.error_type")
    etype.initializer = ir.Constant(i8p, None)
    emsg = ir.GlobalVariable(module, i8p, "jc.aot.error_message")
    emsg.initializer = ir.Constant(i8p, None)
    buf = ir.GlobalVariable(module, ir.ArrayType(i8, 512), "jc.aot.error_buffer")
    buf.initializer = ir.Constant(buf.value_type, None)

    def define(fname: str, ret: ir.Type, args: list[ir.Type], varargs: bool = False) -> tuple[
            ir.Function, ir.IRBuilder]:
        fn = ir.Function(module, ir.FunctionType(ret, args, var_arg=varargs), fname)
        return fn, ir.IRBuilder(fn.append_basic_block("entry"))

    _, b = define("PyGILState_Ensure", i32, [])
    b.ret(ir.Constant(i32, 0))
    _, b = define("PyGILState_Release", ir.VoidType(), [i32])
    b.ret_void()
    fn, b = define("PyErr_SetObject", ir.VoidType(), [i8p, i8p])
    b.store(fn.args[0], etype)
    b.store(fn.args[1], emsg)
    b.ret_void()
    fn, b = define("PyErr_Format", i8p, [i8p, i8p], varargs=True)
    ap = b.alloca(ir.ArrayType(i8, 32), name="ap")  # va_list of x86-64 (24) and AArch64 (32)
    ap.align = 16
    app = b.bitcast(ap, i8p)
    b.call(_declare(module, "llvm.va_start", ir.VoidType(), [i8p]), [app])
    vsnprintf = _declare(module, "vsnprintf", i32, [i8p, i64, i8p, i8p])
    bufp = b.bitcast(buf, i8p)
    b.call(vsnprintf, [bufp, ir.Constant(i64, 512), fn.args[1], app])
    b.call(_declare(module, "llvm.va_end", ir.VoidType(), [i8p]), [app])
    b.store(fn.args[0], etype)
    b.store(bufp, emsg)
    b.ret(ir.Constant(i8p, None))
    for fname, gv in ((f"{name}_error_type", etype), (f"{name}_error_message", emsg)):
        _, b = define(fname, i8p, [])
        b.ret(b.load(gv))
    _, b = define(f"{name}_clear_error", ir.VoidType(), [])
    b.store(ir.Constant(i8p, None), etype)
    b.store(ir.Constant(i8p, None), emsg)
    b.ret_void()
    from jitcore.lowering import runtime

    fn, b = define(f"{name}_release", ir.VoidType(), [i8p])
    b.call(runtime.decref(module), [fn.args[0]])
    b.ret_void()


def _pool_stubs(module: ir.Module) -> None:
    """The rest of the C API the thread pool calls (targets.threadpool), for C callers: no
    GIL to release, and a chunk's error moves through the error record."""
    etype = module.globals["jc.aot.error_type"]
    emsg = module.globals["jc.aot.error_message"]
    null = ir.Constant(i8p, None)

    def define(fname: str, ret: ir.Type, args: list[ir.Type]) -> tuple[
            ir.Function, ir.IRBuilder]:
        fn = ir.Function(module, ir.FunctionType(ret, args), fname)
        return fn, ir.IRBuilder(fn.append_basic_block("entry"))

    _, b = define("PyGILState_Check", i32, [])
    b.ret(ir.Constant(i32, 0))
    _, b = define("PyEval_SaveThread", i8p, [])
    b.ret(null)
    _, b = define("PyEval_RestoreThread", ir.VoidType(), [i8p])
    b.ret_void()
    _, b = define("Py_DecRef", ir.VoidType(), [i8p])
    b.ret_void()
    fn, b = define("PyErr_Fetch", ir.VoidType(), [i8p.as_pointer()] * 3)
    for slot, value in zip(fn.args, (b.load(etype), b.load(emsg), null)):
        b.store(value, slot)
    b.store(null, etype)
    b.store(null, emsg)
    b.ret_void()
    fn, b = define("PyErr_Restore", ir.VoidType(), [i8p] * 3)
    b.store(fn.args[0], etype)
    b.store(fn.args[1], emsg)
    b.ret_void()


def _by_pointer(ty: t.Type) -> bool:
    return isinstance(ty, (t.Array, t.Tuple, t.Complex))


def _c_shim(module: ir.Module, e: Any) -> None:
    """int <c_name>(args..., ret *result): arrays, tuples and complex by pointer."""
    params: list[ir.Type] = []
    for ty in e.argtypes:
        if _by_pointer(ty):
            params.append(llvm_type(ty).as_pointer())
        elif isinstance(ty, t.Boolean):
            params.append(i8)
        else:
            params.append(llvm_type(ty))
    has_result = not isinstance(e.ret, t.NoneType)
    if has_result:
        params.append(llvm_type(e.ret).as_pointer())
    fn = ir.Function(module, ir.FunctionType(i32, params), e.c_name)
    native = ir.Function(module, native_function_type(e.ret, e.argtypes), e.symbol)
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    values = []
    for ty, arg in zip(e.argtypes, fn.args):
        if _by_pointer(ty):
            values.append(b.load(arg))
        elif isinstance(ty, t.Boolean):
            values.append(b.icmp_unsigned("!=", arg, ir.Constant(i8, 0)))
        else:
            values.append(arg)
    slot = b.alloca(llvm_type(e.ret), name="ret")
    status = b.call(native, [slot, *values])
    if has_result:
        with b.if_then(b.icmp_signed("==", status, ir.Constant(i32, 0))):
            b.store(b.load(slot), fn.args[-1])
    b.ret(status)


# --- the C header ----------------------------------------------------------------------------

_C_SCALARS = {"bool": "bool", "float32": "float", "float64": "double",
              **{f"int{n}": f"int{n}_t" for n in (8, 16, 32, 64)},
              **{f"uint{n}": f"uint{n}_t" for n in (8, 16, 32, 64)}}


class _Header:
    def __init__(self) -> None:
        self.typedefs: list[str] = []
        self.names: dict[t.Type, str] = {}

    def ctype(self, ty: t.Type) -> str:
        if ty.name in _C_SCALARS:
            return _C_SCALARS[ty.name]
        if ty in self.names:
            return self.names[ty]
        if isinstance(ty, t.Complex):
            part = _C_SCALARS[ty.underlying.name]
            name = f"jc_{ty.name}"
            self.typedefs.append(f"typedef struct {{ {part} re, im; }} {name};")
        elif isinstance(ty, t.Array):
            if ty.ndim == 0:
                raise NotImplementedError("0-d arrays in the C interface")
            item = "uint8_t" if isinstance(ty.dtype, t.Boolean) else self.ctype(ty.dtype)
            name = f"jc_array_{ty.dtype.name}_{ty.ndim}d"
            if name in self.names.values():
                self.names[ty] = name
                return name
            self.typedefs.append(
                f"typedef struct {{\n    void *meminfo;   /* owner of returned memory, or NULL */"
                f"\n    void *parent;\n    int64_t nitems, itemsize;\n    {item} *data;\n"
                f"    int64_t shape[{ty.ndim}], strides[{ty.ndim}];   /* strides in bytes */\n"
                f"}} {name};\n"
                f"static inline {name} {name}_wrap({item} *data, const int64_t shape[{ty.ndim}])"
                f" {{\n    {name} a = {{0}};\n    int64_t step = sizeof({item});\n"
                f"    a.data = data; a.itemsize = step; a.nitems = 1;\n"
                f"    for (int k = {ty.ndim} - 1; k >= 0; k--) {{\n"
                f"        a.shape[k] = shape[k]; a.strides[k] = step; step *= shape[k];"
                f" a.nitems *= shape[k];\n    }}\n    return a;\n}}")
        elif isinstance(ty, t.Tuple):
            name = f"jc_tuple_{len(self.names)}"
            fields = " ".join(f"{self.ctype(it)} item{i};" for i, it in enumerate(ty.items))
            self.typedefs.append(f"typedef struct {{ {fields} }} {name};  /* {ty} */")
        else:
            raise NotImplementedError(f"{ty} in the C interface")
        self.names[ty] = name
        return name


def c_header(name: str, exports: list[Any]) -> str:
    h = _Header()
    protos = []
    for e in exports:
        params = []
        for pname, ty in zip(e.params, e.argtypes):
            ctype = h.ctype(ty)
            params.append(f"const {ctype} *{pname}" if _by_pointer(ty) else f"{ctype} {pname}")
        if not isinstance(e.ret, t.NoneType):
            params.append(f"{h.ctype(e.ret)} *result")
        protos.append(f"/* {e.name}: {e.ret}({', '.join(map(str, e.argtypes))}) */\n"
                      f"int {e.c_name}({', '.join(params) or 'void'});")
    guard = f"JITCORE_{name.upper()}_H"
    return "\n".join([
        f"/* {name}.h: generated by `python -m jitcore aot`. Functions return 0 on success,",
        f" * nonzero after an error ({name}_error_type() / {name}_error_message() describe it).",
        f" * Arrays returned own native memory: release it with {name}_release(a.meminfo). */",
        f"#ifndef {guard}", f"#define {guard}", "#include <stdbool.h>", "#include <stdint.h>",
        "#ifdef __cplusplus", 'extern "C" {', "#endif", "", *h.typedefs, "", *protos, "",
        f"const char *{name}_error_type(void);", f"const char *{name}_error_message(void);",
        f"void {name}_clear_error(void);", f"void {name}_release(void *meminfo);", "",
        "#ifdef __cplusplus", "}", "#endif", f"#endif  /* {guard} */", ""])


# --- BLAS: np.dot / @ in ahead-of-time outputs ----------------------------------------------

# the element type of each BLAS binding's cblas_?gemm (lowering.impls.linalg calls it)
_GEMM = {bindings.BLAS_DGEMM: f64, bindings.BLAS_SGEMM: ir.FloatType()}
_NO_TRANS = 111
_RTLD_LAZY, _RTLD_NOLOAD = 0x1, 0x4


def _gemm_type(fty: ir.Type) -> ir.FunctionType:
    """void (order, transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)."""
    fp = fty.as_pointer()
    return ir.FunctionType(ir.VoidType(), [i32, i32, i32, i64, i64, i64, fty, fp, i64, fp,
                                           i64, fty, fp, i64])


def _own_gemm(module: ir.Module, name: str, fty: ir.Type) -> ir.Function:
    """C = alpha op(A) op(B) + beta C, row-major: for each row of C, the rows of op(B)
    scaled by op(A)[i, k] are added in (C is not read when beta is 0, as in BLAS)."""
    fn = ir.Function(module, _gemm_type(fty), name)
    fn.linkage = "internal"
    _, ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc = fn.args
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    zero = ir.Constant(fty, 0.0)
    a_rowmajor = b.icmp_signed("==", ta, ir.Constant(i32, _NO_TRANS))
    b_rowmajor = b.icmp_signed("==", tb, ir.Constant(i32, _NO_TRANS))
    keep_c = b.fcmp_unordered("!=", beta, zero)

    def index(rowmajor: ir.Value, row: ir.Value, col: ir.Value, ld: ir.Value) -> ir.Value:
        return b.select(rowmajor, b.add(b.mul(row, ld), col), b.add(b.mul(col, ld), row))

    with _loop(b, m, "i") as i:
        crow = b.gep(pc, [b.mul(i, ldc)], inbounds=True)
        with _loop(b, n, "j0") as j:
            cij = b.gep(crow, [j], inbounds=True)
            b.store(b.select(keep_c, b.fmul(beta, b.load(cij)), zero), cij)
        with _loop(b, k, "k") as kk:
            aik = b.fmul(alpha, b.load(b.gep(pa, [index(a_rowmajor, i, kk, lda)],
                                             inbounds=True)))
            with b.if_else(b_rowmajor) as (contiguous, strided):
                for block, rowmajor in ((contiguous, True), (strided, False)):
                    with block:  # two loops, so that the contiguous one vectorises
                        with _loop(b, n, "j") as j:
                            at = (b.add(b.mul(kk, ldb), j) if rowmajor
                                  else b.add(b.mul(j, ldb), kk))
                            bkj = b.load(b.gep(pb, [at], inbounds=True))
                            cij = b.gep(crow, [j], inbounds=True)
                            b.store(b.fadd(b.load(cij), b.fmul(aik, bkj)), cij)
    b.ret_void()
    return fn


class _loop:
    """`with _loop(b, count, name) as i:` a counted loop 0 <= i < count (i64)."""

    def __init__(self, b: ir.IRBuilder, count: ir.Value, name: str) -> None:
        self.b, self.count, self.name = b, count, name

    def __enter__(self) -> ir.Value:
        b = self.b
        self.slot = b.alloca(i64, name=f"{self.name}.slot")
        b.store(ir.Constant(i64, 0), self.slot)
        self.head = b.append_basic_block(f"{self.name}.head")
        self.body = b.append_basic_block(f"{self.name}.body")
        self.exit = b.append_basic_block(f"{self.name}.exit")
        b.branch(self.head)
        b.position_at_end(self.head)
        value = b.load(self.slot, name=self.name)
        b.cbranch(b.icmp_signed("<", value, self.count), self.body, self.exit)
        b.position_at_end(self.body)
        return value

    def __exit__(self, *exc: object) -> None:
        b = self.b
        b.store(b.add(b.load(self.slot), ir.Constant(i64, 1)), self.slot)
        b.branch(self.head)
        b.position_at_end(self.exit)


def resolve_blas(binder: _Binder, cell: ir.GlobalVariable, symbol: str) -> None:
    """In PyInit: find `symbol` in the libraries NumPy's core module links; store it in `cell`.

    dlopen(RTLD_NOLOAD) of numpy._core._multiarray_umath's own file gives a handle on the
    loaded module; dlsym through it searches its dependencies, among them the OpenBLAS
    NumPy bundles (loaded RTLD_LOCAL, so invisible to a plain dlsym), as
    targets/bindings.py's blas_function does in the JIT. Anything missing leaves the cell
    as it was: calls then use our own kernel. Never fails the import.
    """
    b, module = binder.b, binder.module
    imp = _declare(module, "PyImport_ImportModule", pyobj, [i8p])
    slot = b.alloca(pyobj, name="blas.umath")
    b.store(b.call(imp, [_cstring(module, "numpy._core._multiarray_umath")]), slot)
    with b.if_then(b.icmp_unsigned("==", b.load(slot), _NULL)):  # NumPy 1.x
        binder.call("PyErr_Clear", ir.VoidType(), [], [])
        b.store(b.call(imp, [_cstring(module, "numpy.core._multiarray_umath")]), slot)
    umath = b.load(slot)
    done = b.append_basic_block("blas.done")
    have = b.append_basic_block("blas.module")
    b.cbranch(b.icmp_unsigned("==", umath, _NULL), done, have)
    b.position_at_end(have)
    path_obj = binder.call("PyObject_GetAttrString", pyobj, [pyobj, i8p],
                           [umath, _cstring(module, "__file__")])
    has_path = b.append_basic_block("blas.path")
    b.cbranch(b.icmp_unsigned("==", path_obj, _NULL), done, has_path)
    b.position_at_end(has_path)
    path = binder.call("PyUnicode_AsUTF8", i8p, [pyobj], [path_obj])
    has_text = b.append_basic_block("blas.text")
    b.cbranch(b.icmp_unsigned("==", path, ir.Constant(i8p, None)), done, has_text)
    b.position_at_end(has_text)  # (dlopen(NULL) would be the main program)
    handle = binder.call("dlopen", i8p, [i8p, i32],
                         [path, ir.Constant(i32, _RTLD_LAZY | _RTLD_NOLOAD)])
    with b.if_then(b.icmp_unsigned("!=", handle, ir.Constant(i8p, None))):
        found = binder.call("dlsym", i8p, [i8p, i8p], [handle, _cstring(module, symbol)])
        b.store(b.select(b.icmp_unsigned("!=", found, ir.Constant(i8p, None)), found,
                         b.load(cell)), cell)
    b.branch(done)
    b.position_at_end(done)
    binder.call("PyErr_Clear", ir.VoidType(), [], [])  # a missing module or path: no BLAS
