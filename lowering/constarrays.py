"""NumPy arrays folded into compiled code as constants (module-level `TABLE = np.arange(10)`).

    TABLE = np.array([1.5, 2.5])    ->   @"jc.const.<digest>" = internal global align 64
                                            { [8 x i64] header (count 2**62), [16 x i8] data }
                                          array value = { bitcast(@g.header), null, 2, 8,
                                                          bitcast(@g.data), [2], [8] }

The array is frozen when the function is compiled, as Numba does: its bytes are copied
into the module (C order, native byte order), typed as a read-only C array, so later
changes to the Python global are not seen. The data sits behind a static meminfo whose
count never reaches zero, so returning the array to Python or taking views needs no
special case; no absolute address is embedded, so cached and AOT objects carry the data.
"""
from __future__ import annotations

from hashlib import sha1
from typing import Any

from llvmlite import ir

from jitcore.typeinfer import types as t

from . import arraymodel as am
from .models import i8, i8p, i64, llvm_type
from .runtime import HEADER_BYTES

STATIC_COUNT = 1 << 62  # a reference count that increfs and decrefs never bring to zero


def constant_array(module: ir.Module, value: Any, ty: t.Array) -> ir.Constant:
    """The array model value of a frozen copy of the ndarray `value`."""
    import numpy as np

    data = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("="))
    raw = data.tobytes()
    glob = _data_global(module, raw, data.dtype.str)
    zero = ir.Constant(ir.IntType(32), 0)
    meminfo = glob.gep([zero, zero]).bitcast(i8p)
    ptr = glob.gep([zero, ir.Constant(ir.IntType(32), 1)]).bitcast(
        am.storage_type(ty.dtype).as_pointer())
    dims = ir.ArrayType(i64, ty.ndim)
    return ir.Constant(llvm_type(ty), [
        meminfo, ir.Constant(i8p, None), ir.Constant(i64, data.size),
        ir.Constant(i64, data.itemsize), ptr, ir.Constant(dims, list(data.shape)),
        ir.Constant(dims, list(data.strides))])


def _data_global(module: ir.Module, raw: bytes, dtype: str) -> ir.GlobalVariable:
    """One internal global per distinct content in a module: header, then the bytes."""
    name = f"jc.const.{sha1(dtype.encode() + raw).hexdigest()[:20]}"
    existing = module.globals.get(name)
    if existing is not None:
        return existing
    header_ty = ir.ArrayType(i64, HEADER_BYTES // 8)
    body_ty = ir.ArrayType(i8, len(raw))
    glob = ir.GlobalVariable(module, ir.LiteralStructType([header_ty, body_ty]), name)
    header = [STATIC_COUNT, len(raw)] + [0] * (HEADER_BYTES // 8 - 2)
    glob.initializer = ir.Constant(glob.value_type, [ir.Constant(header_ty, header),
                                                     ir.Constant(body_ty, bytearray(raw))])
    # Writable, not constant: the count in the header is updated atomically like any other.
    glob.linkage = "internal"
    glob.align = 64
    return glob
