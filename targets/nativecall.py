"""The dispatcher's native call slot: choose a compiled overload without running Python.

    PyObject *jc_dispatch(PyObject *self, PyObject *args, PyObject *kwargs)

is generated once per process and installed as `tp_call` of the dispatcher
class. It reads the instance's overload table (a ctypes array kept in the
first `__slots__` entry), compares the exact Python type of each positional
argument with each overload's expected types, and jumps to the matching
wrapper. Anything else (keywords, unknown types, no match) calls the Python
fallback kept in the second slot, which types, compiles and calls.

Table layout, in 64-bit words:
    [count, (nargs, wrapper, type_0 .. type_{MAX_ARGS-1}) * count]

An argument's word is the address of its exact type, except for an exact
numpy.ndarray: its word is `array_code(type_num, ndim, layout, readonly)`, read
from the array object and its descriptor, with the top bit set so it can never
equal an address (and 0, which matches nothing, for unaligned or byte-swapped
arrays). The Python side computes the same code for each overload's array types.
"""
from __future__ import annotations

import ctypes
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the slot's IR is built once per machine (then cached): import it lazily
    from llvmlite import ir

MAX_ARGS = 16  # kernels with many array arguments (nbody_step has 9) stay native
ENTRY_WORDS = 2 + MAX_ARGS
_TP_CALL_OFFSET = 16 * 8  # offsetof(PyTypeObject, tp_call) on 64-bit CPython 3.11
_CDATA_PTR_OFFSET = 16  # offsetof(CDataObject, b_ptr): right after the object header
_installed: dict[type, int] = {}
_NDARRAY_GLOBAL = "jc.dispatch.ndarray_type"  # id(numpy.ndarray) once NumPy is loaded
_ndarray_slot: list[int] = []  # the address of that global, once installed

# PyArrayObject / PyArray_Descr offsets (NumPy 1.x and 2.x on 64-bit CPython) and flags.
_ND_OFFSET, _DESCR_OFFSET, _FLAGS_OFFSET = 24, 56, 64
_BYTEORDER_OFFSET, _TYPE_NUM_OFFSET = 26, 28
_C_CONTIGUOUS, _F_CONTIGUOUS, _ALIGNED, _WRITEABLE = 0x1, 0x2, 0x100, 0x400
_LAYOUT_CODES = {"C": 1, "F": 2, "A": 3}
_ALIASES = {9: 7, 10: 8}  # NPY_LONGLONG/ULONGLONG have the width of NPY_LONG/ULONG on LP64


def array_code(type_num: int, ndim: int, layout: str, readonly: bool) -> int:
    """The dispatch word of an ndarray argument; the generated code computes the same."""
    type_num = _ALIASES.get(type_num, type_num)
    return (1 << 63) | (type_num << 32) | (ndim << 8) | (_LAYOUT_CODES[layout] << 2) | int(
        readonly)


def note_ndarray_type(address: int) -> None:
    """Tell the generated code the address of numpy.ndarray (once NumPy is imported)."""
    if _ndarray_slot:
        ctypes.c_uint64.from_address(_ndarray_slot[0]).value = address


def build_table(entries: list[tuple[int, list[int]]]) -> Any:
    """A ctypes array in the layout above from (wrapper address, argument type ids) pairs."""
    words = [len(entries)]
    for wrapper, type_ids in entries:
        words += [len(type_ids), wrapper, *type_ids, *[0] * (MAX_ARGS - len(type_ids))]
    return (ctypes.c_uint64 * len(words))(*words)


def _emit_dispatch(module: ir.Module, table_offset: int, miss_offset: int) -> str:
    from llvmlite import ir

    from jitcore.lowering.models import i64, pyobj

    name = "jc.dispatch_call"
    fn = ir.Function(module, ir.FunctionType(pyobj, [pyobj, pyobj, pyobj]), name)
    self_, args, kwargs = fn.args
    entry = fn.append_basic_block("entry")
    check_kw = fn.append_basic_block("check_kw")
    scan = fn.append_basic_block("scan")
    miss = fn.append_basic_block("miss")
    b = ir.IRBuilder(entry)
    words = i64.as_pointer()
    ndarray_type = ir.GlobalVariable(module, i64, _NDARRAY_GLOBAL)
    ndarray_type.initializer = ir.Constant(i64, 0)

    def word(ptr: ir.Value, index: int | ir.Value) -> ir.Value:
        idx = ir.Constant(i64, index) if isinstance(index, int) else index
        return b.load(b.gep(b.bitcast(ptr, words), [idx], inbounds=True))

    no_kwargs = b.icmp_unsigned("==", kwargs, ir.Constant(pyobj, None))
    b.cbranch(no_kwargs, scan, check_kw)
    b.position_at_end(check_kw)
    dict_size = ir.Function(module, ir.FunctionType(i64, [pyobj]), "PyDict_Size")
    b.cbranch(b.icmp_signed("==", b.call(dict_size, [kwargs]), ir.Constant(i64, 0)), scan, miss)

    b.position_at_end(scan)
    table_obj = b.inttoptr(word(self_, table_offset // 8), pyobj)
    table = b.inttoptr(word(table_obj, _CDATA_PTR_OFFSET // 8), pyobj)
    nargs = word(args, 2)  # PyTupleObject.ob_size
    items = b.gep(b.bitcast(args, words), [ir.Constant(i64, 3)], inbounds=True)
    count = word(table, 0)
    loop = fn.append_basic_block("loop")
    body = fn.append_basic_block("body")
    b.cbranch(b.icmp_unsigned("<=", nargs, ir.Constant(i64, MAX_ARGS)), loop, miss)

    b.position_at_end(loop)
    k = b.phi(i64, name="k")
    k.add_incoming(ir.Constant(i64, 0), scan)
    b.cbranch(b.icmp_unsigned("<", k, count), body, miss)

    b.position_at_end(body)
    base = b.add(ir.Constant(i64, 1), b.mul(k, ir.Constant(i64, ENTRY_WORDS)))
    arg_loop = fn.append_basic_block("arg_loop")
    arg_check = fn.append_basic_block("arg_check")
    arg_next = fn.append_basic_block("arg_next")
    hit = fn.append_basic_block("hit")
    next_bb = fn.append_basic_block("next")
    b.cbranch(b.icmp_unsigned("==", word(table, base), nargs), arg_loop, next_bb)

    b.position_at_end(arg_loop)
    i = b.phi(i64, name="i")
    i.add_incoming(ir.Constant(i64, 0), body)
    b.cbranch(b.icmp_unsigned("<", i, nargs), arg_check, hit)

    b.position_at_end(arg_check)
    obj = b.inttoptr(b.load(b.gep(items, [i], inbounds=True)), pyobj)
    expected = word(table, b.add(base, b.add(i, ir.Constant(i64, 2))))
    ob_type = word(obj, 1)
    is_array = b.icmp_unsigned("==", ob_type, b.load(ndarray_type))
    array_bb = fn.append_basic_block("array_arg")
    compare_bb = fn.append_basic_block("compare")
    here = b.block
    b.cbranch(is_array, array_bb, compare_bb)
    b.position_at_end(array_bb)
    code = _emit_array_code(b, obj)
    b.branch(compare_bb)
    b.position_at_end(compare_bb)
    got = b.phi(i64, name="type_word")
    got.add_incoming(ob_type, here)
    got.add_incoming(code, array_bb)
    b.cbranch(b.icmp_unsigned("==", got, expected), arg_next, next_bb)

    b.position_at_end(arg_next)
    i.add_incoming(b.add(i, ir.Constant(i64, 1)), arg_next)
    b.branch(arg_loop)

    b.position_at_end(next_bb)
    k.add_incoming(b.add(k, ir.Constant(i64, 1)), next_bb)
    b.branch(loop)

    b.position_at_end(hit)
    wrapper_ty = ir.FunctionType(pyobj, [pyobj, pyobj.as_pointer(), i64])
    wrapper = b.inttoptr(word(table, b.add(base, ir.Constant(i64, 1))), wrapper_ty.as_pointer())
    b.ret(b.call(wrapper, [ir.Constant(pyobj, None), b.bitcast(items, pyobj.as_pointer()),
                           nargs]))

    b.position_at_end(miss)
    fallback = b.inttoptr(word(self_, miss_offset // 8), pyobj)
    call = ir.Function(module, ir.FunctionType(pyobj, [pyobj, pyobj, pyobj]), "PyObject_Call")
    b.ret(b.call(call, [fallback, args, kwargs]))
    return name


def _emit_array_code(b: ir.IRBuilder, obj: ir.Value) -> ir.Value:
    """array_code() of an exact ndarray, computed from its fields (0 if it cannot be typed)."""
    from llvmlite import ir

    from jitcore.lowering.models import i64, pyobj

    i8_, i32_ = ir.IntType(8), ir.IntType(32)

    def field(base: ir.Value, offset: int, ty: ir.Type) -> ir.Value:
        ptr = b.gep(b.bitcast(base, i8_.as_pointer()), [ir.Constant(i64, offset)], inbounds=True)
        return b.load(b.bitcast(ptr, ty.as_pointer()))

    descr = field(obj, _DESCR_OFFSET, pyobj)
    type_num = b.zext(field(descr, _TYPE_NUM_OFFSET, i32_), i64)
    for alias, canonical in _ALIASES.items():
        type_num = b.select(b.icmp_unsigned("==", type_num, ir.Constant(i64, alias)),
                            ir.Constant(i64, canonical), type_num)
    order = field(descr, _BYTEORDER_OFFSET, i8_)
    flags = b.zext(field(obj, _FLAGS_OFFSET, i32_), i64)
    ndim = b.zext(field(obj, _ND_OFFSET, i32_), i64)

    def has(flag: int) -> ir.Value:
        return b.icmp_unsigned("!=", b.and_(flags, ir.Constant(i64, flag)), ir.Constant(i64, 0))

    layout = b.select(has(_C_CONTIGUOUS), ir.Constant(i64, 1),
                      b.select(has(_F_CONTIGUOUS), ir.Constant(i64, 2), ir.Constant(i64, 3)))
    readonly = b.zext(b.not_(has(_WRITEABLE)), i64)
    native = b.or_(b.icmp_unsigned("==", order, ir.Constant(i8_, ord("="))),
                   b.icmp_unsigned("==", order, ir.Constant(i8_, ord("|"))))
    code = b.or_(ir.Constant(i64, 1 << 63), b.shl(type_num, ir.Constant(i64, 32)))
    code = b.or_(code, b.shl(ndim, ir.Constant(i64, 8)))
    code = b.or_(code, b.or_(b.shl(layout, ir.Constant(i64, 2)), readonly))
    return b.select(b.and_(native, has(_ALIGNED)), code, ir.Constant(i64, 0))


def slot_offsets(cls: type, table_slot: str, miss_slot: str) -> tuple[int, int]:
    """Byte offsets of two `__slots__` entries, found by looking for known objects."""
    probe: object = object.__new__(cls)
    marks = object(), object()
    setattr(probe, table_slot, marks[0])
    setattr(probe, miss_slot, marks[1])
    found = []
    for mark in marks:
        for offset in range(16, 16 + 8 * 8, 8):
            if ctypes.c_void_p.from_address(id(probe) + offset).value == id(mark):
                found.append(offset)
                break
    if len(found) != 2:
        raise RuntimeError("cannot locate the dispatcher's slots")
    return found[0], found[1]


def install(cls: type, table_slot: str, miss_slot: str) -> bool:
    """Make `cls` instances callable through the native dispatch slot (once per class)."""
    if cls in _installed:
        return True
    if sys.version_info[:2] != (3, 11) or ctypes.sizeof(ctypes.c_void_p) != 8:
        return False
    if not _tp_call_offset_ok(cls):
        return False
    table_offset, miss_offset = slot_offsets(cls, table_slot, miss_slot)
    addr = _load_dispatch(table_offset, miss_offset)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        note_ndarray_type(id(numpy.ndarray))
    ctypes.c_void_p.from_address(id(cls) + _TP_CALL_OFFSET).value = addr
    _installed[cls] = addr
    return True


def _load_dispatch(table_offset: int, miss_offset: int) -> int:
    """The dispatch slot's address; its object code comes from the cache when it can
    (it depends only on the slot offsets), so a cache hit needs no LLVM."""
    from .cachefiles import native_stub

    def build() -> bytes:
        from llvmlite import ir

        from .objcache import compile_object

        module = ir.Module("jc.dispatch")
        _emit_dispatch(module, table_offset, miss_offset)
        return compile_object(module, opt=2)

    symbols = native_stub("dispatch", f"{table_offset},{miss_offset},{MAX_ARGS}", build,
                          ["jc.dispatch_call", _NDARRAY_GLOBAL])
    if not _ndarray_slot:
        _ndarray_slot.append(symbols[_NDARRAY_GLOBAL])
    return symbols["jc.dispatch_call"]


def _tp_call_offset_ok(cls: type) -> bool:
    """Check the tp_call offset: classes with __call__ share CPython's slot function there."""
    class WithCall:
        def __call__(self) -> None:
            pass

    def word(obj: object) -> int | None:
        return ctypes.c_void_p.from_address(id(obj) + _TP_CALL_OFFSET).value

    return word(WithCall) == word(cls) and word(WithCall) is not None and word(object) is None


class _MethodDef(ctypes.Structure):
    _fields_ = [("ml_name", ctypes.c_char_p), ("ml_meth", ctypes.c_void_p),
                ("ml_flags", ctypes.c_int), ("ml_doc", ctypes.c_char_p)]


_METH_FASTCALL = 0x0080
_method_defs: list[Any] = []  # PyMethodDef structs must outlive their functions


def entry_point(name: str, wrapper_address: int) -> Any:
    """A builtin function object that calls a generated wrapper (METH_FASTCALL)."""
    mdef = _MethodDef(name.encode(), wrapper_address, _METH_FASTCALL, None)
    _method_defs.append(mdef)
    new = ctypes.pythonapi.PyCFunction_NewEx
    new.restype = ctypes.py_object
    new.argtypes = [ctypes.c_void_p, ctypes.py_object, ctypes.py_object]
    return new(ctypes.addressof(mdef), None, None)
