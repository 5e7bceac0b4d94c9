"""The runtime for memory owned by native code: reference-counted, 64-byte aligned blocks.

    meminfo = jc.rt.alloc(nbytes)     ; { i64 refcount = 1, i64 nbytes, ... } data at +64
    jc.rt.incref(meminfo)             ; atomic; a null meminfo (memory owned by Python) is a no-op
    jc.rt.decref(meminfo)             ; frees the block when the count reaches zero

Counts are atomic so that arrays may be shared by threads running without the GIL.
The helpers are emitted into each module that uses them, with internal linkage,
so they inline and no module depends on another for them.

Blocks come from `jc.rt.raw_alloc(align, size)` and go back to `jc.rt.raw_free`,
symbols the target binds when it loads the code: to libc's aligned_alloc and free,
or to the checked allocator of the memory audit (JITCORE_MEMCHECK=1, see
targets/memcheck.py), so the same object code runs either way.
"""
from __future__ import annotations

from llvmlite import ir

from .models import i8, i8p, i64

HEADER_BYTES = 64  # the data starts one cache line after the count, aligned for SIMD
MAX_BYTES = (1 << 63) - 1 - HEADER_BYTES - 63  # the largest size whose padded block fits
_ONE = ir.Constant(i64, 1)


def _function(module: ir.Module, name: str, ret: ir.Type, args: list[ir.Type]) -> tuple[
        ir.Function, bool]:
    existing = module.globals.get(name)
    if existing is not None:
        return existing, False
    fn = ir.Function(module, ir.FunctionType(ret, args), name)
    fn.linkage = "internal"
    fn.attributes.add("alwaysinline")
    fn.attributes.add("nounwind")
    return fn, True


STATS = "jc.rt.stats"  # [allocations, frees], defined once per process by the target
RAW_ALLOC = "jc.rt.raw_alloc"  # void* (i64 alignment, i64 size): aligned_alloc's contract
RAW_FREE = "jc.rt.raw_free"  # void (void*)


def _raw(module: ir.Module, name: str) -> ir.Function:
    existing = module.globals.get(name)
    if existing is not None:
        return existing
    fnty = (ir.FunctionType(i8p, [i64, i64]) if name == RAW_ALLOC
            else ir.FunctionType(ir.VoidType(), [i8p]))
    return ir.Function(module, fnty, name)


def _stats(module: ir.Module) -> ir.Value:
    gv = module.globals.get(STATS)
    if gv is None:
        gv = ir.GlobalVariable(module, ir.ArrayType(i64, 2), STATS)  # external: bound by name
    return gv


def _count(b: ir.IRBuilder, module: ir.Module, which: int) -> None:
    counter = b.gep(_stats(module), [ir.Constant(ir.IntType(32), 0),
                                     ir.Constant(ir.IntType(32), which)], inbounds=True)
    b.atomic_rmw("add", counter, _ONE, "monotonic")


def _count_ptr(b: ir.IRBuilder, meminfo: ir.Value) -> ir.Value:
    return b.bitcast(meminfo, i64.as_pointer())


def incref(module: ir.Module) -> ir.Function:
    fn, new = _function(module, "jc.rt.incref", ir.VoidType(), [i8p])
    if new:
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        (meminfo,) = fn.args
        with b.if_then(b.icmp_unsigned("!=", meminfo, ir.Constant(i8p, None))):
            b.atomic_rmw("add", _count_ptr(b, meminfo), _ONE, "monotonic")
        b.ret_void()
    return fn


def decref(module: ir.Module) -> ir.Function:
    fn, new = _function(module, "jc.rt.decref", ir.VoidType(), [i8p])
    if new:
        free = _raw(module, RAW_FREE)
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        (meminfo,) = fn.args
        with b.if_then(b.icmp_unsigned("!=", meminfo, ir.Constant(i8p, None))):
            old = b.atomic_rmw("sub", _count_ptr(b, meminfo), _ONE, "acq_rel")
            with b.if_then(b.icmp_unsigned("==", old, _ONE)):
                b.call(free, [meminfo])
                _count(b, module, 1)
        b.ret_void()
    return fn


def alloc(module: ir.Module) -> ir.Function:
    """jc.rt.alloc(nbytes) -> meminfo, or null when memory is exhausted or nbytes is
    negative or too big to pad."""
    fn, new = _function(module, "jc.rt.alloc", i8p, [i64])
    if new:
        aligned_alloc = _raw(module, RAW_ALLOC)
        entry = fn.append_basic_block("entry")
        fits = fn.append_basic_block("fits")
        refused = fn.append_basic_block("refused")
        b = ir.IRBuilder(entry)
        (nbytes,) = fn.args
        # Padding must not wrap a huge (or negative) size around to a small block.
        b.cbranch(b.icmp_unsigned("<=", nbytes, ir.Constant(i64, MAX_BYTES)), fits, refused)
        b.position_at_end(refused)
        b.ret(ir.Constant(i8p, None))
        b.position_at_end(fits)
        # aligned_alloc wants a multiple of the alignment
        padded = b.and_(b.add(nbytes, ir.Constant(i64, HEADER_BYTES + 63)), ir.Constant(i64, -64))
        block = b.call(aligned_alloc, [ir.Constant(i64, 64), padded])
        with b.if_then(b.icmp_unsigned("!=", block, ir.Constant(i8p, None)), likely=True):
            words = _count_ptr(b, block)
            b.store(_ONE, words)
            b.store(nbytes, b.gep(words, [_ONE]))
            _count(b, module, 0)
        b.ret(block)
    return fn


def data_pointer(b: ir.IRBuilder, meminfo: ir.Value) -> ir.Value:
    return b.gep(meminfo, [ir.Constant(i64, HEADER_BYTES)], inbounds=True)


def define_stats(module: ir.Module) -> None:
    """The one definition of the counters, and of the allocator the runtime calls, in a
    module linked ahead of time (the JIT binds both to the process instead)."""
    gv = ir.GlobalVariable(module, ir.ArrayType(i64, 2), STATS)
    gv.initializer = ir.Constant(ir.ArrayType(i64, 2), [0, 0])
    for name, libc in ((RAW_ALLOC, "aligned_alloc"), (RAW_FREE, "free")):
        fn = _raw(module, name)
        target = module.globals.get(libc) or ir.Function(module, fn.function_type, libc)
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        result = b.call(target, list(fn.args))
        if name == RAW_FREE:
            b.ret_void()
        else:
            b.ret(result)


__all__ = ["alloc", "data_pointer", "decref", "define_stats", "i8", "incref"]
