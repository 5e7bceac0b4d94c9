"""A native thread pool for parallel ufunc loops (vectorize); prange uses targets/threadpool.py, written in LLVM IR over libc's pthreads, started once per process.

    run = "jc.upool.run"    ; void (void (i8*, i64, i64)* fn, i8* closure, i64 n, i64 min_chunk)

`jc.upool.run` splits [0, n) into one contiguous part per thread (the caller
takes part 0), runs `fn(closure, start, stop)` on each and returns when all are
done. The workers are pthreads with a Python thread state that never hold the GIL
while they compute (only to record an exception), so compute runs on every core
while NumPy has released the GIL. A call runs serially when the
range is small (fewer than two chunks of `min_chunk`), when the pool is busy
(another thread's job, or a nested call from a worker), or in a child process
after fork, so the pool never deadlocks.

    ensure_pool()          # from Python: load the module and start the workers
"""
from __future__ import annotations

import ctypes
import os
import threading

from llvmlite import ir

from lowering.models import i8p, i32, i64, void

RUN = "jc.upool.run"
CHUNK_FN = ir.FunctionType(void, [i8p, i64, i64]).as_pointer()
RUN_TYPE = ir.FunctionType(void, [CHUNK_FN, i8p, i64, i64])
_START = "jc.upool.start"
_SYNC = ir.ArrayType(i64, 8)  # room for a pthread_mutex_t or pthread_cond_t (40 / 48 bytes)
_ZERO32 = ir.Constant(i32, 0)

_started: int | None = None
_lock = threading.Lock()


def thread_count() -> int:
    """Threads a parallel loop uses: JITCORE_NUM_THREADS, else the number of cores."""
    value = os.environ.get("JITCORE_NUM_THREADS", "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def ensure_pool() -> int:
    """Load the pool's code and start its workers, once; returns the number of threads."""
    global _started
    with _lock:
        if _started is None:
            from jitcore.compiler import compile_lock
            from lowering.context import ModuleInfo

            from . import codegen

            with compile_lock:
                lib = codegen.load_module(_pool_module(), ModuleInfo(), 2)
                codegen.finalize()
            start = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)(lib.address(_START))
            _started = 1 + start(thread_count() - 1)
        return _started


class _Pool:
    """The module's globals and the libc functions it calls."""

    def __init__(self, module: ir.Module) -> None:
        self.module = module

        def var(name: str, ty: ir.Type) -> ir.GlobalVariable:
            gv = ir.GlobalVariable(module, ty, f"jc.upool.{name}")
            gv.linkage = "internal"
            gv.initializer = ir.Constant(ty, None)
            gv.align = 16
            return gv

        self.mutex, self.run_lock = var("mutex", _SYNC), var("run_lock", _SYNC)
        self.work, self.done = var("work", _SYNC), var("done", _SYNC)
        self.workers, self.pid = var("workers", i32), var("pid", i32)
        self.generation, self.pending = var("generation", i64), var("pending", i32)
        self.fn, self.closure = var("fn", CHUNK_FN), var("closure", i8p)
        self.n, self.parts = var("n", i64), var("parts", i64)

    def libc(self, name: str, ret: ir.Type, args: list[ir.Type]) -> ir.Function:
        existing = self.module.globals.get(name)
        if existing is not None:
            return existing  # type: ignore[no-any-return]
        return ir.Function(self.module, ir.FunctionType(ret, args), name)

    def sync(self, b: ir.IRBuilder, what: str, *objs: ir.GlobalVariable) -> ir.Value:
        """pthread_<what>(objs...) on the opaque mutex / condition buffers."""
        ptrs = [b.bitcast(o, i8p) for o in objs]
        return b.call(self.libc(f"pthread_{what}", i32, [i8p] * len(ptrs)), ptrs)


def _pool_module() -> ir.Module:
    from .machine import host_target_machine

    module = ir.Module("jc.upool")
    module.triple = host_target_machine().triple
    pool = _Pool(module)
    worker = _define_worker(pool)
    _define_start(pool, worker)
    _define_run(pool)
    return module


def _part_bounds(b: ir.IRBuilder, n: ir.Value, part: ir.Value,
                 parts: ir.Value) -> tuple[ir.Value, ir.Value]:
    start = b.sdiv(b.mul(n, part), parts)
    stop = b.sdiv(b.mul(n, b.add(part, ir.Constant(i64, 1))), parts)
    return start, stop


def _define_worker(pool: _Pool) -> ir.Function:
    """i8* worker(i8* index): wait for a new generation, run part index + 1, report, repeat."""
    fn = ir.Function(pool.module, ir.FunctionType(i8p, [i8p]), "jc.upool.worker")
    fn.linkage = "internal"
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    # A Python thread state for the thread's lifetime, with the GIL released at once: code
    # raising an exception takes the GIL briefly, and the exception must outlive that (a
    # temporary thread state would be deleted with it) until the job's caller collects it.
    b.call(pool.libc("PyGILState_Ensure", i32, []), [])
    b.call(pool.libc("PyEval_SaveThread", i8p, []), [])
    part = b.add(b.ptrtoint(fn.args[0], i64), ir.Constant(i64, 1), name="part")
    seen = b.alloca(i64, name="seen")
    b.store(ir.Constant(i64, 0), seen)
    top = fn.append_basic_block("top")
    wait = fn.append_basic_block("wait")
    ready = fn.append_basic_block("ready")
    b.branch(top)
    b.position_at_end(top)
    pool.sync(b, "mutex_lock", pool.mutex)
    b.branch(wait)
    b.position_at_end(wait)
    idle = b.icmp_signed("==", b.load(pool.generation), b.load(seen))
    with b.if_then(idle):
        pool.sync(b, "cond_wait", pool.work, pool.mutex)
    b.cbranch(b.icmp_signed("==", b.load(pool.generation), b.load(seen)), wait, ready)
    b.position_at_end(ready)
    b.store(b.load(pool.generation), seen)
    job, closure, n, parts = (b.load(v) for v in (pool.fn, pool.closure, pool.n, pool.parts))
    pool.sync(b, "mutex_unlock", pool.mutex)
    with b.if_then(b.icmp_signed("<", part, parts)):
        b.call(job, [closure, *_part_bounds(b, n, part, parts)])
    pool.sync(b, "mutex_lock", pool.mutex)
    left = b.sub(b.load(pool.pending), ir.Constant(i32, 1))
    b.store(left, pool.pending)
    with b.if_then(b.icmp_signed("==", left, _ZERO32)):
        pool.sync(b, "cond_signal", pool.done)
    pool.sync(b, "mutex_unlock", pool.mutex)
    b.branch(top)
    return fn


def _define_start(pool: _Pool, worker: ir.Function) -> None:
    """i32 start(i32 count): initialise the locks, create up to `count` workers."""
    fn = ir.Function(pool.module, ir.FunctionType(i32, [i32]), _START)
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    null = ir.Constant(i8p, None)
    for lock in (pool.mutex, pool.run_lock):
        b.call(pool.libc("pthread_mutex_init", i32, [i8p, i8p]), [b.bitcast(lock, i8p), null])
    for cond in (pool.work, pool.done):
        b.call(pool.libc("pthread_cond_init", i32, [i8p, i8p]), [b.bitcast(cond, i8p), null])
    b.store(ir.Constant(i64, 0), pool.generation)
    b.store(b.call(pool.libc("getpid", i32, []), []), pool.pid)
    create = pool.libc("pthread_create", i32, [i64.as_pointer(), i8p, worker.type, i8p])
    detach = pool.libc("pthread_detach", i32, [i64])
    tid = b.alloca(i64, name="tid")
    count = b.alloca(i32, name="count")
    b.store(_ZERO32, count)
    head = fn.append_basic_block("head")
    body = fn.append_basic_block("body")
    done = fn.append_basic_block("done")
    b.branch(head)
    b.position_at_end(head)
    k = b.load(count)
    b.cbranch(b.icmp_signed("<", k, fn.args[0]), body, done)
    b.position_at_end(body)
    status = b.call(create, [tid, null, worker, b.inttoptr(b.zext(k, i64), i8p)])
    with b.if_then(b.icmp_signed("!=", status, _ZERO32), likely=False):
        b.branch(done)  # fewer threads than asked: the pool works with what it got
    b.call(detach, [b.load(tid)])
    b.store(b.add(k, ir.Constant(i32, 1)), count)
    b.branch(head)
    b.position_at_end(done)
    started = b.load(count)
    b.store(started, pool.workers)
    b.ret(started)


def _define_run(pool: _Pool) -> None:
    fn = ir.Function(pool.module, RUN_TYPE, RUN)
    job, closure, n, min_chunk = fn.args
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    serial = fn.append_basic_block("serial")
    workers = b.load(pool.workers)
    chunks = b.sdiv(n, b.select(b.icmp_signed(">", min_chunk, ir.Constant(i64, 0)), min_chunk,
                                ir.Constant(i64, 1)))
    threads = b.add(b.zext(workers, i64), ir.Constant(i64, 1))
    parts = b.select(b.icmp_signed("<", chunks, threads), chunks, threads, name="parts")
    same_process = b.icmp_signed("==", b.call(pool.libc("getpid", i32, []), []),
                                 b.load(pool.pid))
    with b.if_then(b.or_(b.icmp_signed("<", parts, ir.Constant(i64, 2)),
                         b.xor(same_process, ir.Constant(same_process.type, 1)))):
        b.branch(serial)
    with b.if_then(b.icmp_signed("!=", pool.sync(b, "mutex_trylock", pool.run_lock), _ZERO32)):
        b.branch(serial)  # busy: another job, or this is a worker
    pool.sync(b, "mutex_lock", pool.mutex)
    for var, value in ((pool.fn, job), (pool.closure, closure), (pool.n, n),
                       (pool.parts, parts), (pool.pending, workers)):
        b.store(value, var)
    b.store(b.add(b.load(pool.generation), ir.Constant(i64, 1)), pool.generation)
    pool.sync(b, "cond_broadcast", pool.work)
    pool.sync(b, "mutex_unlock", pool.mutex)
    b.call(job, [closure, *_part_bounds(b, n, ir.Constant(i64, 0), parts)])
    pool.sync(b, "mutex_lock", pool.mutex)
    wait = fn.append_basic_block("wait")
    finished = fn.append_basic_block("finished")
    b.branch(wait)
    b.position_at_end(wait)
    with b.if_then(b.icmp_signed("!=", b.load(pool.pending), _ZERO32)):
        pool.sync(b, "cond_wait", pool.done, pool.mutex)
    b.cbranch(b.icmp_signed("!=", b.load(pool.pending), _ZERO32), wait, finished)
    b.position_at_end(finished)
    pool.sync(b, "mutex_unlock", pool.mutex)
    pool.sync(b, "mutex_unlock", pool.run_lock)
    b.ret_void()
    b.position_at_end(serial)
    b.call(job, [closure, ir.Constant(i64, 0), n])
    b.ret_void()
