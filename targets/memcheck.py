"""The memory audit: a checked allocator for the native runtime (JITCORE_MEMCHECK=1).

    JITCORE_MEMCHECK=1 python -m pytest tests --memcheck     # every test audited
    report = memcheck.audited_call(f, 5)                    # one call: (result, Report)

With the variable set before the first compilation, the runtime's `jc.rt.raw_alloc`
and `jc.rt.raw_free` (lowering/runtime.py) are bound to the functions below instead
of libc's, so the same object code, cached or not, is audited. Each block gets

    [ magic | size | ... ]  64 bytes    LIVE or FREED: a release of a FREED block is a
    [ the runtime's block ]  size        double release, of anything else an unknown one
    [ red zone ]             >= 64       a byte written there is an overrun

A released block is filled with POISON and parked in a quarantine ring instead of
being freed; when it leaves the ring (or at `sweep`) its bytes must still all be
POISON, or something used it after release (a stale incref or decref changes the
count word, a stale store the data). Blocks over LARGE bytes are checked and freed
at once. Counters live in native memory and are updated atomically, so code
running without the GIL, in the thread pool too, is audited as well.
"""
from __future__ import annotations

import ctypes
import gc
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from llvmlite import ir

i1, i8, i64 = ir.IntType(1), ir.IntType(8), ir.IntType(64)
i8p = i8.as_pointer()
LIVE, FREED = 0x4556494C434D434A, 0x44454552464D434A  # "JCMCLIVE", "JCMFREED"
POISON, RED = 0xDB, 0xFD
PREFIX, RING, LARGE = 64, 1 << 14, 1 << 20
# state words
LIVE_BLOCKS, ALLOCATIONS, RELEASES, DOUBLE, UNKNOWN, DAMAGED, CURSOR = range(7)
STATE_WORDS = 8


def enabled() -> bool:
    return os.environ.get("JITCORE_MEMCHECK", "") not in ("", "0")


@dataclass(frozen=True)
class Report:
    """What the audit counted (since the process started, or between two snapshots)."""

    live: int = 0  # blocks allocated and not released
    allocations: int = 0
    releases: int = 0
    double_releases: int = 0
    unknown_releases: int = 0  # a pointer the allocator never handed out
    damaged: int = 0  # written after release, or past the end of the block

    def __sub__(self, other: Report) -> Report:
        return Report(*(a - b for a, b in zip(self._values(), other._values())))

    def _values(self) -> tuple[int, ...]:
        return (self.live, self.allocations, self.releases, self.double_releases,
                self.unknown_releases, self.damaged)

    @property
    def errors(self) -> list[str]:
        """The problems a delta shows; empty when the audited code was clean."""
        out = []
        if self.live:
            out.append(f"{self.live} native block(s) leaked ({self.allocations} allocated, "
                       f"{self.releases} released)")
        if self.double_releases:
            out.append(f"{self.double_releases} double release(s)")
        if self.unknown_releases:
            out.append(f"{self.unknown_releases} release(s) of a block never allocated")
        if self.damaged:
            out.append(f"{self.damaged} block(s) written after release or past their end")
        return out


# --- the checked allocator, in LLVM IR -------------------------------------------------------

def build_module() -> ir.Module:
    module = ir.Module("jc.memcheck")
    state = ir.GlobalVariable(module, ir.ArrayType(i64, STATE_WORDS), "jc.mc.state")
    state.initializer = ir.Constant(state.value_type, [0] * STATE_WORDS)
    ring = ir.GlobalVariable(module, ir.ArrayType(i8p, RING), "jc.mc.ring")
    ring.initializer = ir.Constant(ring.value_type, None)
    libc_alloc = ir.Function(module, ir.FunctionType(i8p, [i64, i64]), "aligned_alloc")
    libc_free = ir.Function(module, ir.FunctionType(ir.VoidType(), [i8p]), "free")
    memset = ir.Function(module, ir.FunctionType(ir.VoidType(), [i8p, i8, i64, i1]),
                         "llvm.memset.p0.i64")
    intact = _intact(module)

    def word(b: ir.IRBuilder, base: ir.Value, k: int) -> ir.Value:
        return b.gep(b.bitcast(base, i64.as_pointer()), [ir.Constant(i64, k)])

    def count(b: ir.IRBuilder, k: int, delta: int = 1) -> None:
        cell = b.gep(state, [ir.Constant(i64, 0), ir.Constant(i64, k)])
        b.atomic_rmw("add", cell, ir.Constant(i64, delta), "monotonic")

    def fill(b: ir.IRBuilder, ptr: ir.Value, byte: int, n: ir.Value) -> None:
        b.call(memset, [ptr, ir.Constant(i8, byte), n, ir.Constant(i1, 0)])

    # settle(header): the block left quarantine; its poison must be intact.
    settle = ir.Function(module, ir.FunctionType(ir.VoidType(), [i8p]), "jc.mc.settle")
    b = ir.IRBuilder(settle.append_basic_block("entry"))
    (hdr,) = settle.args
    size = b.load(word(b, hdr, 1))
    ok = b.and_(b.icmp_unsigned("==", b.load(word(b, hdr, 0)), ir.Constant(i64, FREED)),
                b.call(intact, [b.gep(hdr, [ir.Constant(i64, PREFIX)]), size,
                                ir.Constant(i8, POISON)]))
    with b.if_then(b.not_(ok), likely=False):
        count(b, DAMAGED)
    b.call(libc_free, [hdr])
    b.ret_void()

    # alloc(alignment, size): the runtime's block between a prefix and a red zone.
    alloc = ir.Function(module, ir.FunctionType(i8p, [i64, i64]), "jc.mc.alloc")
    b = ir.IRBuilder(alloc.append_basic_block("entry"))
    _, size = alloc.args
    total = b.add(b.and_(b.add(size, ir.Constant(i64, 63)), ir.Constant(i64, -64)),
                  ir.Constant(i64, 2 * PREFIX))
    hdr = b.call(libc_alloc, [ir.Constant(i64, PREFIX), total])
    with b.if_then(b.icmp_unsigned("==", hdr, ir.Constant(i8p, None)), likely=False):
        b.ret(ir.Constant(i8p, None))
    b.store(ir.Constant(i64, LIVE), word(b, hdr, 0))
    b.store(size, word(b, hdr, 1))
    user = b.gep(hdr, [ir.Constant(i64, PREFIX)])
    fill(b, b.gep(user, [size]), RED, b.sub(b.sub(total, size), ir.Constant(i64, PREFIX)))
    count(b, LIVE_BLOCKS)
    count(b, ALLOCATIONS)
    b.ret(user)

    # free(block): check, poison, quarantine.
    free = ir.Function(module, ir.FunctionType(ir.VoidType(), [i8p]), "jc.mc.free")
    b = ir.IRBuilder(free.append_basic_block("entry"))
    (user,) = free.args
    with b.if_then(b.icmp_unsigned("==", user, ir.Constant(i8p, None))):
        b.ret_void()
    hdr = b.gep(user, [ir.Constant(i64, -PREFIX)])
    swap = b.cmpxchg(word(b, hdr, 0), ir.Constant(i64, LIVE), ir.Constant(i64, FREED),
                     "acq_rel", "monotonic")
    with b.if_then(b.not_(b.extract_value(swap, 1)), likely=False):
        was_freed = b.icmp_unsigned("==", b.extract_value(swap, 0), ir.Constant(i64, FREED))
        with b.if_else(was_freed) as (then, otherwise):
            with then:
                count(b, DOUBLE)
            with otherwise:
                count(b, UNKNOWN)
        b.ret_void()
    size = b.load(word(b, hdr, 1))
    tail = b.sub(b.sub(b.and_(b.add(size, ir.Constant(i64, 63)), ir.Constant(i64, -64)),
                       size), ir.Constant(i64, -PREFIX))
    with b.if_then(b.not_(b.call(intact, [b.gep(user, [size]), tail, ir.Constant(i8, RED)])),
                   likely=False):
        count(b, DAMAGED)
    count(b, LIVE_BLOCKS, -1)
    count(b, RELEASES)
    fill(b, user, POISON, size)
    with b.if_then(b.icmp_unsigned(">", size, ir.Constant(i64, LARGE)), likely=False):
        b.call(settle, [hdr])
        b.ret_void()
    cursor = b.gep(state, [ir.Constant(i64, 0), ir.Constant(i64, CURSOR)])
    slot = b.and_(b.atomic_rmw("add", cursor, ir.Constant(i64, 1), "monotonic"),
                  ir.Constant(i64, RING - 1))
    previous = b.atomic_rmw("xchg", b.gep(ring, [ir.Constant(i64, 0), slot]), hdr, "acq_rel")
    with b.if_then(b.icmp_unsigned("!=", previous, ir.Constant(i8p, None))):
        b.call(settle, [previous])
    b.ret_void()

    # sweep(): settle every quarantined block (at an audit point, nothing running).
    sweep = ir.Function(module, ir.FunctionType(ir.VoidType(), []), "jc.mc.sweep")
    entry = sweep.append_basic_block("entry")
    loop = sweep.append_basic_block("loop")
    done = sweep.append_basic_block("done")
    b = ir.IRBuilder(entry)
    b.branch(loop)
    b.position_at_end(loop)
    i = b.phi(i64)
    i.add_incoming(ir.Constant(i64, 0), entry)
    previous = b.atomic_rmw("xchg", b.gep(ring, [ir.Constant(i64, 0), i]),
                            ir.Constant(i8p, None), "acq_rel")
    with b.if_then(b.icmp_unsigned("!=", previous, ir.Constant(i8p, None))):
        b.call(settle, [previous])
    following = b.add(i, ir.Constant(i64, 1))
    i.add_incoming(following, b.block)
    b.cbranch(b.icmp_unsigned("<", following, ir.Constant(i64, RING)), loop, done)
    b.position_at_end(done)
    b.ret_void()
    return module


def _intact(module: ir.Module) -> ir.Function:
    """intact(p, n, byte): whether the n bytes at p all equal byte."""
    fn = ir.Function(module, ir.FunctionType(i1, [i8p, i64, i8]), "jc.mc.intact")
    fn.linkage = "internal"
    entry, loop, body, done = (fn.append_basic_block(n) for n in ("entry", "loop", "body",
                                                                   "done"))
    ptr, n, byte = fn.args
    b = ir.IRBuilder(entry)
    b.branch(loop)
    b.position_at_end(loop)
    i = b.phi(i64)
    i.add_incoming(ir.Constant(i64, 0), entry)
    b.cbranch(b.icmp_unsigned("<", i, n), body, done)
    b.position_at_end(body)
    same = b.icmp_unsigned("==", b.load(b.gep(ptr, [i])), byte)
    i.add_incoming(b.add(i, ir.Constant(i64, 1)), body)
    b.cbranch(same, loop, done)
    b.position_at_end(done)
    result = b.phi(i1)
    result.add_incoming(ir.Constant(i1, 1), loop)
    result.add_incoming(ir.Constant(i1, 0), body)
    b.ret(result)
    return fn


# --- binding and reading it ------------------------------------------------------------------

@cache
def _engine() -> dict[str, int]:
    """Compile the allocator in an engine of its own (the process's JIT binds to it)."""
    from .machine import standalone_engine

    engine = standalone_engine(build_module())
    return {"alloc": engine.get_function_address("jc.mc.alloc"),
            "free": engine.get_function_address("jc.mc.free"),
            "sweep": engine.get_function_address("jc.mc.sweep"),
            "state": engine.get_global_value_address("jc.mc.state")}



def install() -> dict[str, int]:
    """The bindings of the runtime's allocator in audit mode (called by objcache)."""
    addresses = _engine()
    return {"jc.rt.raw_alloc": addresses["alloc"], "jc.rt.raw_free": addresses["free"]}


def active() -> bool:
    """Whether this process's runtime is bound to the checked allocator."""
    from . import objcache

    return enabled() and objcache.runtime_symbols()["jc.rt.raw_free"] == install()[
        "jc.rt.raw_free"]


def snapshot() -> Report:
    """Settle the quarantine (checking every parked block) and read the counters."""
    addresses = _engine()
    ctypes.CFUNCTYPE(None)(addresses["sweep"])()
    words = (ctypes.c_int64 * STATE_WORDS).from_address(addresses["state"])
    return Report(*words[:6])


def audited_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, Report]:
    """Call a compiled function under audit: (its result, what it did to native memory).

    Arrays in the result are copied into NumPy-owned memory and the originals dropped,
    so the report's `errors` list is empty exactly when the call was clean. Arguments
    that are arrays stay the caller's. Raises RuntimeError if the process's runtime is
    not audited (set JITCORE_MEMCHECK=1 before anything is compiled).
    """
    if not active():
        raise RuntimeError("the memory audit is off: set JITCORE_MEMCHECK=1 before the "
                           "first compilation of the process")
    gc.collect()
    before = snapshot()
    try:
        result: Any = _detached(fn(*args, **kwargs))
    finally:
        gc.collect()
    return result, snapshot() - before


def _detached(value: Any) -> Any:
    """`value` with every native-owned array replaced by a NumPy-owned copy."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return np.array(value, copy=True)
    if isinstance(value, tuple):
        return tuple(_detached(v) for v in value)
    if isinstance(value, list):
        return [_detached(v) for v in value]
    return value
