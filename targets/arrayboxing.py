"""Arrays across the CPython boundary: unbox a numpy.ndarray argument into the array model.

The wrapper reads the PyArrayObject fields directly (data, dimensions, strides at
fixed offsets, checked against NumPy at first use), so passing an array costs a
few loads, not C API calls. The caller's reference keeps the array alive for
the duration of the call; `parent` records it for views returned later.
"""
from __future__ import annotations

import ctypes
from functools import lru_cache

from llvmlite import ir

from lowering import arraymodel as am
from lowering.context import Context
from lowering.models import i64, llvm_type
from typeinfer import types as t

# Offsets in PyArrayObject_fields (NumPy 1.x and 2.x agree on these).
DATA_OFFSET, DIMS_OFFSET, STRIDES_OFFSET = 16, 32, 40


@lru_cache(maxsize=None)
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
