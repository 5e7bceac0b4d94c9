"""The thread pool's code, written in LLVM IR over pthreads (targets/threadpool.py loads it).

    status = jc.pool.run(chunk, env, n, k)     ; chunk(env, lo, hi, c) for c in 0..k-1,
                                               ; [lo, hi) an equal share of range(n)
    k = jc.pool.nchunks(n)                     ; min(4 * active threads, n), at least 1

Generated code (lowering/impls/prange.py, targets/ufuncloops.py) calls these by name.
Workers are pthreads started on the first parallel run: `size - 1` of them, since the
calling thread runs chunks too. They never hold the GIL while computing: each
takes a Python thread state once at start and releases the GIL at once, so a
chunk that raises can set its exception (PyGILState_Ensure finds the state).
The first error of a run is fetched into the pool and restored in the caller;
later ones are dropped. A run starts only if the pool is idle: a nested parallel
loop (a chunk calling a parallel function) or a second Python thread running one
at the same time runs its chunks serially in its own thread.

The caller's GIL, if it holds it, is released for the run (a worker that raises
needs it). Python sets the size and the active count through the globals
jc.pool.size and jc.pool.active.
"""
from __future__ import annotations

from collections.abc import Callable

from llvmlite import ir

from .threadpool import CHUNKS_PER_THREAD, MAX_THREADS_PER_CPU, NCHUNKS, RUN

_SYNC_BYTES = 64  # >= sizeof(pthread_mutex_t) and sizeof(pthread_cond_t) on glibc targets
SPIN_CYCLES = 1 << 21  # time-stamp counter cycles to spin (~0.7 ms at 3 GHz), then sleep
SPIN_LIMIT = 1 << 22  # pauses at most, whatever the clock says

i8p = ir.IntType(8).as_pointer()
i32 = ir.IntType(32)
i64 = ir.IntType(64)
CHUNK_FN = ir.FunctionType(i32, [i8p, i64, i64, i64])  # status chunk(env, lo, hi, c)
_ZERO = ir.Constant(i64, 0)
_ONE = ir.Constant(i64, 1)

_Condition = Callable[[ir.IRBuilder], ir.Value]  # emits the i1 a spin or a wait tests


class _Pool:
    """Declarations and globals of the pool module, and the builders of its functions."""

    def __init__(self, module: ir.Module, x86: bool) -> None:
        self.m = module
        self.x86 = x86
        sync = ir.ArrayType(ir.IntType(8), _SYNC_BYTES)
        self.mutex, self.work_cv, self.done_cv, self.run_lock = (
            self._global(name, sync, 16) for name in ("mutex", "work_cv", "done_cv", "run_lock"))
        (self.gen, self.busy, self.next, self.n, self.k, self.size, self.active, self.started,
         self.cancel, self.joined) = (self._global(name, i64, 8) for name in (
            "gen", "busy", "next", "n", "k", "size", "active", "started", "cancel", "joined"))
        self.fn = self._global("fn", CHUNK_FN.as_pointer(), 8)
        self.env = self._global("env", i8p, 8)
        self.err = self._global("err", ir.ArrayType(i8p, 3), 8)

    def _global(self, name: str, ty: ir.Type, align: int) -> ir.GlobalVariable:
        gv = ir.GlobalVariable(self.m, ty, f"jc.pool.{name}")
        gv.initializer = ir.Constant(ty, None)
        gv.align = align
        return gv

    def c(self, name: str, ret: ir.Type, args: list[ir.Type]) -> ir.Function:
        existing = self.m.globals.get(name)
        if existing is not None:
            return existing
        return ir.Function(self.m, ir.FunctionType(ret, args), name)

    def ptr(self, b: ir.IRBuilder, gv: ir.GlobalVariable) -> ir.Value:
        return b.bitcast(gv, i8p)

    def lock(self, b: ir.IRBuilder, gv: ir.GlobalVariable) -> None:
        b.call(self.c("pthread_mutex_lock", i32, [i8p]), [self.ptr(b, gv)])

    def unlock(self, b: ir.IRBuilder, gv: ir.GlobalVariable) -> None:
        b.call(self.c("pthread_mutex_unlock", i32, [i8p]), [self.ptr(b, gv)])

    def wait(self, b: ir.IRBuilder, cv: ir.GlobalVariable) -> None:
        b.call(self.c("pthread_cond_wait", i32, [i8p, i8p]), [self.ptr(b, cv),
                                                              self.ptr(b, self.mutex)])

    def broadcast(self, b: ir.IRBuilder, cv: ir.GlobalVariable) -> None:
        b.call(self.c("pthread_cond_broadcast", i32, [i8p]), [self.ptr(b, cv)])

    def load(self, b: ir.IRBuilder, gv: ir.GlobalVariable) -> ir.Value:
        """gen and busy are read by spinning threads outside the mutex: atomic accesses."""
        return b.load_atomic(gv, "monotonic", 8)

    def store(self, b: ir.IRBuilder, value: ir.Value, gv: ir.GlobalVariable) -> None:
        b.store_atomic(value, gv, "monotonic", 8)

    def spin_while(self, b: ir.IRBuilder, fn: ir.Function, busy_when: _Condition) -> None:
        """Spin a while (SPIN_CYCLES of the CPU's time-stamp counter) while busy_when(b)
        holds: a thread about to sleep on a condition variable often finds it satisfied
        soon (back-to-back regions, workers finishing together), and a futex sleep and
        wake costs tens of microseconds. OpenMP runtimes spin far longer by default."""
        head = fn.append_basic_block("spin.head")
        body = fn.append_basic_block("spin.body")
        done = fn.append_basic_block("spin.done")
        clock = self.c("llvm.readcyclecounter", i64, [])
        start = b.call(clock, [], name="spin.start")
        entry = b.block
        b.branch(head)
        b.position_at_end(head)
        i = b.phi(i64, name="spins")
        i.add_incoming(_ZERO, entry)
        more = b.icmp_signed("<", i, ir.Constant(i64, SPIN_LIMIT))
        b.cbranch(b.and_(more, busy_when(b)), body, done)
        b.position_at_end(body)
        if self.x86:
            b.call(self.c("llvm.x86.sse2.pause", ir.VoidType(), []), [])
        elapsed = b.sub(b.call(clock, []), start)
        # Past the budget, jump the count to the limit (a clock reading 0 still ends).
        over = b.icmp_unsigned(">", elapsed, ir.Constant(i64, SPIN_CYCLES))
        i.add_incoming(b.select(over, ir.Constant(i64, SPIN_LIMIT), b.add(i, _ONE)), b.block)
        b.branch(head)
        b.position_at_end(done)

    def function(self, name: str, ret: ir.Type, args: list[ir.Type]) -> tuple[
            ir.Function, ir.IRBuilder]:
        fn = ir.Function(self.m, ir.FunctionType(ret, args), name)
        fn.attributes.add("nounwind")
        return fn, ir.IRBuilder(fn.append_basic_block("entry"))

    def wait_while(self, b: ir.IRBuilder, fn: ir.Function, cv: ir.GlobalVariable,
                   busy_when: _Condition) -> None:
        """while busy_when(b): pthread_cond_wait(cv, mutex) -- the mutex is held."""
        head = fn.append_basic_block("wait.head")
        body = fn.append_basic_block("wait.body")
        done = fn.append_basic_block("wait.done")
        b.branch(head)
        b.position_at_end(head)
        b.cbranch(busy_when(b), body, done)
        b.position_at_end(body)
        self.wait(b, cv)
        b.branch(head)
        b.position_at_end(done)


def _define_record_error(p: _Pool) -> ir.Function:
    """Move this thread's Python exception into the pool if it is the run's first."""
    fn, b = p.function("jc.pool.record_error", ir.VoidType(), [])
    fn.linkage = "internal"
    fn.attributes.add("noinline")
    state = b.call(p.c("PyGILState_Ensure", i32, []), [])
    slots = [b.gep(p.err, [ir.Constant(i32, 0), ir.Constant(i32, k)]) for k in range(3)]
    tmp = [b.alloca(i8p) for _ in range(3)]
    b.call(p.c("PyErr_Fetch", ir.VoidType(), [i8p.as_pointer()] * 3), tmp)
    b.store(_ONE, p.cancel)
    first = b.icmp_unsigned("==", b.load(slots[0]), ir.Constant(i8p, None))
    with b.if_else(first) as (keep, drop):
        with keep:
            for slot, v in zip(slots, tmp):
                b.store(b.load(v), slot)
        with drop:  # the GIL orders the threads that raise; later errors are discarded
            for v in tmp:
                b.call(p.c("Py_DecRef", ir.VoidType(), [i8p]), [b.load(v)])
    b.call(p.c("PyGILState_Release", ir.VoidType(), [i32]), [state])
    b.ret_void()
    return fn


def _define_work(p: _Pool, record_error: ir.Function) -> ir.Function:
    """Claim chunks from the shared counter and run them until none is left."""
    fn, b = p.function("jc.pool.work", ir.VoidType(), [CHUNK_FN.as_pointer(), i8p, i64, i64])
    fn.linkage = "internal"
    chunk, env, n, k = fn.args
    head = fn.append_basic_block("claim")
    run = fn.append_basic_block("run")
    done = fn.append_basic_block("done")
    b.branch(head)
    b.position_at_end(head)
    c = b.atomic_rmw("add", p.next, _ONE, "monotonic", name="c")
    cancelled = b.icmp_unsigned("!=", b.load_atomic(p.cancel, "monotonic", 8), _ZERO)
    b.cbranch(b.or_(b.icmp_signed(">=", c, k), cancelled), done, run)
    b.position_at_end(run)
    lo, hi = _share(b, n, k, c), _share(b, n, k, b.add(c, _ONE))
    status = b.call(chunk, [env, lo, hi, c], name="status")
    with b.if_then(b.icmp_signed("!=", status, ir.Constant(i32, 0)), likely=False):
        b.call(record_error, [])
    b.branch(head)
    b.position_at_end(done)
    b.ret_void()
    return fn


def _share(b: ir.IRBuilder, n: ir.Value, k: ir.Value, c: ir.Value) -> ir.Value:
    """Where chunk c of k starts in range(n): c * (n // k) + min(c, n % k)."""
    q, r = b.sdiv(n, k), b.srem(n, k)
    extra = b.select(b.icmp_signed("<", c, r), c, r)
    return b.add(b.mul(c, q), extra)


def _define_worker(p: _Pool, work: ir.Function) -> ir.Function:
    fn, b = p.function("jc.pool.worker", i8p, [i8p])
    fn.linkage = "internal"
    # A Python thread state of its own, kept for the thread's life, GIL released at once.
    b.call(p.c("PyGILState_Ensure", i32, []), [])
    b.call(p.c("PyEval_SaveThread", i8p, []), [])
    seen = b.alloca(i64, name="seen")
    b.store(b.ptrtoint(fn.args[0], i64), seen)  # the generation before the run starting us
    loop = fn.append_basic_block("loop")
    b.branch(loop)
    b.position_at_end(loop)
    def idle(b: ir.IRBuilder) -> ir.Value:
        return b.icmp_unsigned("==", p.load(b, p.gen), b.load(seen))

    p.spin_while(b, fn, idle)
    p.lock(b, p.mutex)
    p.wait_while(b, fn, p.work_cv, idle)
    b.store(p.load(b, p.gen), seen)
    # Only the first active - 1 workers to wake join a run (the caller is the other one):
    # set_num_threads(n) limits the threads that compute, not just the chunk count.
    joined = b.load(p.joined)
    b.store(b.add(joined, _ONE), p.joined)
    sit_out = b.icmp_signed(">=", b.add(joined, _ONE), b.load(p.active))
    join = fn.append_basic_block("join")
    skip = fn.append_basic_block("skip")
    b.cbranch(sit_out, skip, join)
    b.position_at_end(skip)
    p.unlock(b, p.mutex)
    b.branch(loop)
    b.position_at_end(join)
    task = [b.load(p.fn), b.load(p.env), b.load(p.n), b.load(p.k)]
    p.store(b, b.add(p.load(b, p.busy), _ONE), p.busy)
    p.unlock(b, p.mutex)
    b.call(work, task)
    p.lock(b, p.mutex)
    left = b.sub(p.load(b, p.busy), _ONE)
    p.store(b, left, p.busy)
    with b.if_then(b.icmp_unsigned("==", left, _ZERO)):
        p.broadcast(b, p.done_cv)
    p.unlock(b, p.mutex)
    b.branch(loop)
    return fn


def _define_start(p: _Pool, worker: ir.Function) -> ir.Function:
    """Start size - 1 detached workers, once (called with run_lock held, before the run
    bumps the generation: each worker gets the current one, so it joins this run)."""
    fn, b = p.function("jc.pool.start", ir.VoidType(), [])
    fn.linkage = "internal"
    b.store(_ONE, p.started)
    count = b.sub(b.load(p.size), _ONE)
    tid = b.alloca(i64, name="tid")
    i = b.alloca(i64, name="i")
    b.store(_ZERO, i)
    head = fn.append_basic_block("head")
    body = fn.append_basic_block("body")
    done = fn.append_basic_block("done")
    b.branch(head)
    b.position_at_end(head)
    b.cbranch(b.icmp_signed("<", b.load(i), count), body, done)
    b.position_at_end(body)
    create = p.c("pthread_create", i32, [i64.as_pointer(), i8p, worker.type, i8p])
    status = b.call(create, [tid, ir.Constant(i8p, None), worker,
                             b.inttoptr(p.load(b, p.gen), i8p)])
    with b.if_then(b.icmp_signed("==", status, ir.Constant(i32, 0))):
        b.call(p.c("pthread_detach", i32, [i64]), [b.load(tid)])
    b.store(b.add(b.load(i), _ONE), i)
    b.branch(head)
    b.position_at_end(done)
    b.ret_void()
    return fn


def _define_run(p: _Pool, work: ir.Function, start: ir.Function) -> ir.Function:
    fn, b = p.function(RUN, i32, [CHUNK_FN.as_pointer(), i8p, i64, i64])
    chunk, env, n, k = fn.args
    serial = fn.append_basic_block("serial")
    parallel = fn.append_basic_block("parallel")
    try_lock = p.c("pthread_mutex_trylock", i32, [i8p])
    claim = fn.append_basic_block("claim")
    b.cbranch(b.icmp_signed("<=", k, _ONE), serial, claim)
    b.position_at_end(claim)
    got = b.call(try_lock, [p.ptr(b, p.run_lock)])
    b.cbranch(b.icmp_signed("==", got, ir.Constant(i32, 0)), parallel, serial)
    _emit_serial(b, fn, serial, chunk, env, n, k)

    b.position_at_end(parallel)
    with b.if_then(b.icmp_unsigned("==", b.load(p.started), _ZERO), likely=False):
        b.call(start, [])
    held = b.icmp_signed("!=", b.call(p.c("PyGILState_Check", i32, []), []), ir.Constant(i32, 0))
    tstate = b.alloca(i8p, name="tstate")
    b.store(ir.Constant(i8p, None), tstate)
    with b.if_then(held):
        b.store(b.call(p.c("PyEval_SaveThread", i8p, []), []), tstate)
    def busy(b: ir.IRBuilder) -> ir.Value:
        return b.icmp_unsigned("!=", p.load(b, p.busy), _ZERO)

    p.lock(b, p.mutex)
    # Workers still leaving the previous run must be gone before the counter is reset.
    p.wait_while(b, fn, p.done_cv, busy)
    for gv, v in ((p.fn, chunk), (p.env, env), (p.n, n), (p.k, k), (p.next, _ZERO),
                  (p.cancel, _ZERO), (p.joined, _ZERO)):
        b.store(v, gv)
    b.store(ir.Constant(p.err.value_type, None), p.err)
    p.store(b, b.add(p.load(b, p.gen), _ONE), p.gen)
    p.broadcast(b, p.work_cv)
    p.unlock(b, p.mutex)
    b.call(work, [chunk, env, n, k])
    p.spin_while(b, fn, busy)  # every chunk is claimed; wait for the workers running them
    p.lock(b, p.mutex)
    p.wait_while(b, fn, p.done_cv, busy)
    p.unlock(b, p.mutex)
    errs = [b.load(b.gep(p.err, [ir.Constant(i32, 0), ir.Constant(i32, j)])) for j in range(3)]
    p.unlock(b, p.run_lock)
    with b.if_then(held):
        b.call(p.c("PyEval_RestoreThread", ir.VoidType(), [i8p]), [b.load(tstate)])
    failed = b.icmp_unsigned("!=", errs[0], ir.Constant(i8p, None))
    with b.if_then(failed, likely=False):
        state = b.call(p.c("PyGILState_Ensure", i32, []), [])
        b.call(p.c("PyErr_Restore", ir.VoidType(), [i8p] * 3), errs)
        b.call(p.c("PyGILState_Release", ir.VoidType(), [i32]), [state])
        b.ret(ir.Constant(i32, 1))
    b.ret(ir.Constant(i32, 0))
    return fn


def _emit_serial(b: ir.IRBuilder, fn: ir.Function, block: ir.Block, chunk: ir.Value,
                 env: ir.Value, n: ir.Value, k: ir.Value) -> None:
    """The chunks in order in this thread, stopping at the first error (it is already set)."""
    b.position_at_end(block)
    c = b.alloca(i64, name="c")
    b.store(_ZERO, c)
    head = fn.append_basic_block("serial.head")
    body = fn.append_basic_block("serial.body")
    b.branch(head)
    b.position_at_end(head)
    i = b.load(c)
    with b.if_then(b.icmp_signed(">=", i, k)):
        b.ret(ir.Constant(i32, 0))
    b.branch(body)
    b.position_at_end(body)
    status = b.call(chunk, [env, _share(b, n, k, i), _share(b, n, k, b.add(i, _ONE)), i])
    with b.if_then(b.icmp_signed("!=", status, ir.Constant(i32, 0)), likely=False):
        b.ret(status)
    b.store(b.add(i, _ONE), c)
    b.branch(head)


def _define_nchunks(p: _Pool) -> None:
    nchunks, b = p.function(NCHUNKS, i64, [i64])
    (n,) = nchunks.args
    active = b.load(p.active)
    active = b.mul(active, ir.Constant(i64, CHUNKS_PER_THREAD))
    k = b.select(b.icmp_signed("<", n, active), n, active)
    b.ret(b.select(b.icmp_signed("<", k, _ONE), _ONE, k))


def _define_reset(p: _Pool) -> ir.Function:
    """Fresh synchronisation objects and no workers (at load, and in a forked child)."""
    fn, b = p.function("jc.pool.reset", ir.VoidType(), [])
    null = ir.Constant(i8p, None)
    for gv in (p.mutex, p.run_lock):
        b.call(p.c("pthread_mutex_init", i32, [i8p, i8p]), [p.ptr(b, gv), null])
    for gv in (p.work_cv, p.done_cv):
        b.call(p.c("pthread_cond_init", i32, [i8p, i8p]), [p.ptr(b, gv), null])
    for gv in (p.started, p.busy, p.gen, p.next):
        b.store(_ZERO, gv)
    b.ret_void()
    return fn


def build_module(x86: bool = True, standalone: bool = False) -> ir.Module:
    """The pool's functions; `standalone` (an AOT library): a constructor sizes and
    resets the pool when the library loads, as Python does for the JIT's."""
    p = _Pool(ir.Module("jc.threadpool"), x86)
    record_error = _define_record_error(p)
    work = _define_work(p, record_error)
    start = _define_start(p, _define_worker(p, work))
    _define_run(p, work, start)
    _define_nchunks(p)
    reset = _define_reset(p)
    if standalone:
        _define_constructor(p, reset)
    return p.m


_SC_NPROCESSORS_ONLN = 84  # glibc's sysconf name, on x86-64 and AArch64 alike


def _define_constructor(p: _Pool, reset: ir.Function) -> None:
    """size = JITCORE_NUM_THREADS if set and >= 1 (at most MAX_THREADS_PER_CPU per CPU),
    else the online CPUs; active = size; then reset, and again in the child of every fork
    (its threads are not copied): what ensure_pool() and Python's at-fork hook do for the
    JIT, at the library's load."""
    fn, b = p.function("jc.pool.init", ir.VoidType(), [])
    fn.linkage = "internal"
    text = bytearray(b"JITCORE_NUM_THREADS\0")
    name = ir.GlobalVariable(p.m, ir.ArrayType(ir.IntType(8), len(text)), "jc.pool.env_name")
    name.initializer = ir.Constant(name.value_type, text)
    name.global_constant = True
    name.linkage = "internal"
    value = b.call(p.c("getenv", i8p, [i8p]), [p.ptr(b, name)])
    size = b.alloca(i64, name="size")
    b.store(b.call(p.c("sysconf", i64, [i32]), [ir.Constant(i32, _SC_NPROCESSORS_ONLN)]), size)
    cpus = b.load(size)
    cpus = b.select(b.icmp_signed("<", cpus, _ONE), _ONE, cpus)
    b.store(cpus, size)
    limit = b.mul(cpus, ir.Constant(i64, MAX_THREADS_PER_CPU))
    with b.if_then(b.icmp_unsigned("!=", value, ir.Constant(i8p, None))):
        asked = b.call(p.c("strtol", i64, [i8p, i8p.as_pointer(), i32]),
                       [value, ir.Constant(i8p.as_pointer(), None), ir.Constant(i32, 10)])
        with b.if_then(b.icmp_signed(">=", asked, _ONE)):
            b.store(b.select(b.icmp_signed(">", asked, limit), limit, asked), size)
    n = b.load(size)
    b.store(n, p.size)
    b.store(n, p.active)
    b.call(reset, [])
    null_fn = ir.Constant(reset.type, None)
    b.call(p.c("pthread_atfork", i32, [reset.type] * 3), [null_fn, null_fn, reset])
    b.ret_void()
    entry_ty = ir.LiteralStructType([i32, fn.type, i8p])
    ctors = ir.GlobalVariable(p.m, ir.ArrayType(entry_ty, 1), "llvm.global_ctors")
    ctors.linkage = "appending"
    ctors.initializer = ir.Constant(ctors.value_type, [
        ir.Constant(entry_ty, [ir.Constant(i32, 65535), fn, ir.Constant(i8p, None)])])
