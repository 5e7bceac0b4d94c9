"""Arrays across the CPython boundary: unbox a numpy.ndarray argument into the array model.

The wrapper reads the PyArrayObject fields directly (data, dimensions, strides at
fixed offsets, checked against NumPy at first use), so passing an array costs a
few loads, not C API calls. The caller's reference keeps the array alive for
the duration of the call; `parent` records it for views returned later.
"""
from __future__ import annotations

import ctypes
from functools import cache

from llvmlite import ir

from jitcore.lowering import arraymodel as am
from jitcore.lowering.context import Context
from jitcore.lowering.models import i64, llvm_type
from jitcore.typeinfer import types as t

# Offsets in PyArrayObject_fields (NumPy 1.x and 2.x agree on these).
DATA_OFFSET, DIMS_OFFSET, STRIDES_OFFSET = 16, 32, 40


@cache
def check_layout() -> None:
    """Fail loudly, once, if this NumPy lays out its array objects differently."""
    import numpy as np

    probe = np.zeros((2, 3))[:, ::2]

    def word(offset: int) -> int | None:
        return ctypes.c_void_p.from_address(id(probe) + offset).value

    dims, strides = word(DIMS_OFFSET), word(STRIDES_OFFSET)
    ok = (word(DATA_OFFSET) == probe.ctypes.data and dims is not None and strides is not None
          and [ctypes.c_int64.from_address(dims + 8 * i).value for i in range(2)] == [2, 2]
          and [ctypes.c_int64.from_address(strides + 8 * i).value for i in range(2)]
          == list(probe.strides))
    if not ok:
        raise RuntimeError(f"unexpected ndarray layout in NumPy {np.__version__}")


def unbox_array(ctx: Context, obj: ir.Value, ty: t.Array) -> ir.Value:
    """The array-model value viewing ndarray `obj` (whose type the dispatcher checked)."""
    check_layout()
    b = ctx.b
    words = b.bitcast(obj, i64.as_pointer())

    def field_ptr(offset: int) -> ir.Value:
        return b.inttoptr(b.load(b.gep(words, [ir.Constant(i64, offset // 8)], inbounds=True)),
                          i64.as_pointer())

    out = ir.Constant(llvm_type(ty), ir.Undefined)
    out = b.insert_value(out, ir.Constant(ir.IntType(8).as_pointer(), None), am.MEMINFO)
    out = b.insert_value(out, obj, am.PARENT)
    out = b.insert_value(out, ir.Constant(i64, am.itemsize(ty)), am.ITEMSIZE)
    data_ptr = b.bitcast(field_ptr(DATA_OFFSET), am.storage_type(ty.dtype).as_pointer())
    out = b.insert_value(out, data_ptr, am.DATA)
    dims, strides = field_ptr(DIMS_OFFSET), field_ptr(STRIDES_OFFSET)
    nitems: ir.Value = ir.Constant(i64, 1)
    for axis in range(ty.ndim):
        size = b.load(b.gep(dims, [ir.Constant(i64, axis)], inbounds=True))
        nitems = b.mul(nitems, size)
        out = b.insert_value(out, size, [am.SHAPE, axis])
        step = b.load(b.gep(strides, [ir.Constant(i64, axis)], inbounds=True))
        out = b.insert_value(out, step, [am.STRIDES, axis])
    return b.insert_value(out, nitems, am.NITEMS)


NPY_ARRAY_ALIGNED, NPY_ARRAY_WRITEABLE = 0x0100, 0x0400


def _capsule_destructor(ctx: Context) -> ir.Function:
    """void (PyObject *capsule): drop the native reference the capsule holds."""
    from jitcore.lowering import runtime
    from jitcore.lowering.models import pyobj

    name = "jc.rt.capsule_dtor"
    existing = ctx.module.globals.get(name)
    if existing is not None:
        return existing
    fn = ir.Function(ctx.module, ir.FunctionType(ir.VoidType(), [pyobj]), name)
    fn.linkage = "internal"
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    get = ctx.declare("PyCapsule_GetPointer", pyobj, [pyobj, pyobj])
    meminfo = b.call(get, [fn.args[0], ir.Constant(pyobj, None)])
    b.call(runtime.decref(ctx.module), [meminfo])
    b.ret_void()
    return fn


def box_array(ctx: Context, llv: ir.Value, ty: t.Array) -> ir.Value:
    """A new reference to an ndarray for array value `llv`, taking over its reference.

    Memory owned by native code goes to Python without a copy: the new array's base
    is a capsule that releases the native reference when NumPy frees the array.
    A value that is exactly an array Python passed in returns that same object.
    """
    import numpy as np

    from jitcore.lowering.context import numpy_api
    from jitcore.lowering.models import pyobj

    b = ctx.b
    i32_ = ir.IntType(32)
    meminfo = b.extract_value(llv, am.MEMINFO)
    parent = b.extract_value(llv, am.PARENT)
    data = b.bitcast(am.data(b, llv), pyobj)
    incref = ctx.declare("Py_IncRef", ir.VoidType(), [pyobj])
    result = ctx.alloca(pyobj, "boxed")
    native_bb = ctx.llfn.append_basic_block("box.native")
    python_bb = ctx.llfn.append_basic_block("box.python")
    new_bb = ctx.llfn.append_basic_block("box.new")
    done_bb = ctx.llfn.append_basic_block("box.done")
    base_slot = ctx.alloca(pyobj, "base")
    b.cbranch(b.icmp_unsigned("!=", meminfo, ir.Constant(pyobj, None)), native_bb, python_bb)

    b.position_at_end(native_bb)
    capsule_new = ctx.declare("PyCapsule_New", pyobj, [pyobj, pyobj, pyobj])
    capsule = b.call(capsule_new, [meminfo, ir.Constant(pyobj, None),
                                   b.bitcast(_capsule_destructor(ctx), pyobj)])
    b.store(capsule, base_slot)
    b.branch(new_bb)

    b.position_at_end(python_bb)
    b.call(incref, [parent])
    b.store(parent, base_slot)
    b.store(parent, result)
    same = _is_exactly(ctx, parent, llv, ty, data)
    b.cbranch(same, done_bb, new_bb)

    b.position_at_end(new_bb)
    descr_from_type = numpy_api(ctx, "PyArray_DescrFromType", ir.FunctionType(pyobj, [i32_]))
    descr = b.call(descr_from_type, [ir.Constant(i32_, np.dtype(ty.dtype.name).num)])
    dims = ctx.alloca(ir.ArrayType(i64, max(ty.ndim, 1)), "dims")
    steps = ctx.alloca(ir.ArrayType(i64, max(ty.ndim, 1)), "steps")
    for axis in range(ty.ndim):
        idx = [ir.Constant(i32_, 0), ir.Constant(i32_, axis)]
        b.store(am.shape(b, llv, axis), b.gep(dims, idx, inbounds=True))
        b.store(am.stride(b, llv, axis), b.gep(steps, idx, inbounds=True))
    new_ty = ir.FunctionType(pyobj, [pyobj, pyobj, i32_, i64.as_pointer(), i64.as_pointer(),
                                     pyobj, i32_, pyobj])
    new_from_descr = numpy_api(ctx, "PyArray_NewFromDescr", new_ty)
    flags = NPY_ARRAY_ALIGNED | (0 if ty.readonly else NPY_ARRAY_WRITEABLE)
    array_type = b.bitcast(numpy_api(ctx, "PyArray_Type"), pyobj)
    zero = [ir.Constant(i32_, 0), ir.Constant(i32_, 0)]
    arr = b.call(new_from_descr, [array_type, descr, ir.Constant(i32_, ty.ndim),
                                  b.gep(dims, zero), b.gep(steps, zero), data,
                                  ir.Constant(i32_, flags), ir.Constant(pyobj, None)])
    set_base = numpy_api(ctx, "PyArray_SetBaseObject", ir.FunctionType(i32_, [pyobj, pyobj]))
    base = b.load(base_slot)
    with b.if_then(b.icmp_unsigned("!=", arr, ir.Constant(pyobj, None)), likely=True):
        b.call(set_base, [arr, base])  # steals the reference to base
    with b.if_then(b.icmp_unsigned("==", arr, ir.Constant(pyobj, None)), likely=False):
        b.call(ctx.declare("Py_DecRef", ir.VoidType(), [pyobj]), [base])
    b.store(arr, result)
    b.branch(done_bb)

    b.position_at_end(done_bb)
    return b.load(result)


def _is_exactly(ctx: Context, parent: ir.Value, llv: ir.Value, ty: t.Array,
                data: ir.Value) -> ir.Value:
    """Whether `llv` views all of `parent` as it is (same data, shape and strides)."""
    b = ctx.b
    words = b.bitcast(parent, i64.as_pointer())

    def field(offset: int) -> ir.Value:
        return b.load(b.gep(words, [ir.Constant(i64, offset // 8)], inbounds=True))

    same = b.icmp_unsigned("==", field(DATA_OFFSET), b.ptrtoint(data, i64))
    nd_ptr = b.bitcast(b.gep(b.bitcast(parent, ir.IntType(8).as_pointer()),
                             [ir.Constant(i64, 24)]), ir.IntType(32).as_pointer())
    same = b.and_(same, b.icmp_signed("==", b.load(nd_ptr), ir.Constant(ir.IntType(32), ty.ndim)))
    if ty.ndim == 0:
        return same
    # Read the parent's shape only when its ndim matches: a 0-d parent has none to read.
    slot = ctx.alloca(ir.IntType(1), "same")
    b.store(same, slot)
    with b.if_then(same):
        dims = b.inttoptr(field(DIMS_OFFSET), i64.as_pointer())
        strides = b.inttoptr(field(STRIDES_OFFSET), i64.as_pointer())
        for axis in range(ty.ndim):
            at = [ir.Constant(i64, axis)]
            same = b.and_(same, b.icmp_signed("==", b.load(b.gep(dims, at)),
                                              am.shape(b, llv, axis)))
            same = b.and_(same, b.icmp_signed("==", b.load(b.gep(strides, at)),
                                              am.stride(b, llv, axis)))
        b.store(same, slot)
    return b.load(slot)
