"""The native thread pool that runs parallel loops, written in LLVM IR over pthreads.

    status = jc.pool.run(chunk, env, n, k)     ; chunk(env, lo, hi, c) for c in 0..k-1,
                                               ; [lo, hi) an equal share of range(n)
    k = jc.pool.nchunks(n)                     ; min(4 * active threads, n), at least 1

Generated code (lowering/impls/prange.py) calls these by name. Workers are
pthreads started on the first parallel run: `size - 1` of them, since the
calling thread runs chunks too. They never hold the GIL while computing: each
takes a Python thread state once at start and releases the GIL at once, so a
chunk that raises can set its exception (PyGILState_Ensure finds the state).
The first error of a run is fetched into the pool and restored in the caller;
later ones are dropped. A run starts only if the pool is idle: a nested parallel
loop (a chunk calling a parallel function) or a second Python thread running one
at the same time runs its chunks serially in its own thread.

The caller's GIL, if it holds it, is released for the run (a worker that raises
needs it). Python sets the size (`JITCORE_NUM_THREADS`, else os.cpu_count()) and
the active count (`jitcore.set_num_threads`) through globals.
"""
from __future__ import annotations

import ctypes
import os
import warnings
from _thread import allocate_lock  # threading.Lock, without importing threading (cache hits)
from typing import TYPE_CHECKING, Any

from jitcore.frontend.errors import JitError

if TYPE_CHECKING:  # a cache hit loads the pool's object code without LLVM: import lazily
    from llvmlite import ir

RUN = "jc.pool.run"
NCHUNKS = "jc.pool.nchunks"
_SYNC_BYTES = 64  # >= sizeof(pthread_mutex_t) and sizeof(pthread_cond_t) on glibc targets
CHUNKS_PER_THREAD = 4  # more chunks than threads: a thread that wakes late takes fewer
SPIN_CYCLES = 1 << 21  # time-stamp counter cycles to spin (~0.7 ms at 3 GHz), then sleep
SPIN_LIMIT = 1 << 22  # pauses at most, whatever the clock says

_IR_NAMES = ("ir", "i8p", "i32", "i64", "CHUNK_FN", "_ZERO", "_ONE")


def _import_ir() -> None:
    """Define the llvmlite names the IR builders below use, on first use: importing
    llvmlite costs a cache hit more than loading the pool's cached object code."""
    global ir, i8p, i32, i64, CHUNK_FN, _ZERO, _ONE
    from llvmlite import ir

    i8p = ir.IntType(8).as_pointer()
    i32 = ir.IntType(32)
    i64 = ir.IntType(64)
    CHUNK_FN = ir.FunctionType(i32, [i8p, i64, i64, i64])  # status chunk(env, lo, hi, c)
    _ZERO = ir.Constant(i64, 0)
    _ONE = ir.Constant(i64, 1)


def __getattr__(name: str) -> Any:
    """threadpool.CHUNK_FN and the like for code generators (targets/ufuncloops.py)."""
    if name in _IR_NAMES:
        _import_ir()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
            return existing  # type: ignore[no-any-return]
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

    def spin_while(self, b: ir.IRBuilder, fn: ir.Function, busy_when: Any) -> None:
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
                   busy_when: Any) -> None:
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


def _define_reset(p: _Pool) -> None:
    """Fresh synchronisation objects and no workers (at load, and in a forked child)."""
    _, b = p.function("jc.pool.reset", ir.VoidType(), [])
    null = ir.Constant(i8p, None)
    for gv in (p.mutex, p.run_lock):
        b.call(p.c("pthread_mutex_init", i32, [i8p, i8p]), [p.ptr(b, gv), null])
    for gv in (p.work_cv, p.done_cv):
        b.call(p.c("pthread_cond_init", i32, [i8p, i8p]), [p.ptr(b, gv), null])
    for gv in (p.started, p.busy, p.gen, p.next):
        b.store(_ZERO, gv)
    b.ret_void()


def build_module(x86: bool = True) -> ir.Module:
    _import_ir()
    p = _Pool(ir.Module("jc.threadpool"), x86)
    record_error = _define_record_error(p)
    work = _define_work(p, record_error)
    start = _define_start(p, _define_worker(p, work))
    _define_run(p, work, start)
    _define_nchunks(p)
    _define_reset(p)
    return p.m


# --- the Python side --------------------------------------------------------------------

_lock = allocate_lock()
_loaded = False
_addresses: dict[str, int] = {}
_requested: int | None = None  # set_num_threads before the pool was loaded
_EXPORTS = (RUN, NCHUNKS, "jc.pool.reset")  # functions the rest of the process calls
_GLOBALS = ("size", "active")  # written by Python (size at load, active by set_num_threads)


MAX_THREADS_PER_CPU = 4  # more threads than this only wait on each other (and take minutes
# to start by the thousand): JITCORE_NUM_THREADS is capped here, with a warning


class ThreadCountError(JitError, ValueError):
    """JITCORE_NUM_THREADS is not a usable number of threads (a configuration error)."""


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_size() -> int:
    """JITCORE_NUM_THREADS, else the number of CPUs this process may run on."""
    env = os.environ.get("JITCORE_NUM_THREADS", "").strip()
    if not env:
        return _cpu_count()
    try:
        value = int(env)
    except ValueError:
        value = 0
    if value < 1:
        raise ThreadCountError(
            f"JITCORE_NUM_THREADS must be a whole number of threads, at least 1, not {env!r}",
            None, "set it to a number such as 4, or unset it to use every CPU")
    limit = MAX_THREADS_PER_CPU * _cpu_count()
    if value > limit:
        warnings.warn(f"JITCORE_NUM_THREADS={value} is more than {MAX_THREADS_PER_CPU} threads "
                      f"per CPU; using {limit}", RuntimeWarning, stacklevel=2)
        return limit
    return value


def ensure_pool() -> None:
    """Load the pool's code once per process (its threads start on the first parallel run)."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        from .objcache import LoadError

        try:
            _addresses.update(_load_cached())
        except LoadError:  # our loader cannot take the object here: MCJIT keeps the code
            _addresses.update(_load_jit())
        size = default_size()
        _set_global("size", size)
        _set_global("active", min(_requested or size, size))
        ctypes.CFUNCTYPE(None)(_addresses["jc.pool.reset"])()
        if hasattr(os, "register_at_fork"):  # a forked child has none of the threads
            os.register_at_fork(after_in_child=_after_fork)
        _loaded = True


def _load_cached() -> dict[str, int]:
    """The pool's object code from the user cache (built once per machine, keyed by the
    environment and this file's text), loaded by targets/objcache.py: no LLVM on a hit.
    The loader publishes jc.pool.* to LLVM, so code compiled later resolves them."""
    from jitcore.caching import native_stub, sha256

    def build() -> bytes:
        from .machine import host_target_machine
        from .objcache import compile_object

        module = build_module(host_target_machine().triple.startswith(
            ("x86_64", "i686", "i386")))
        return compile_object(module, opt=0)  # as MCJIT runs it: codegen only, no passes

    with open(__file__, "rb") as f:
        source = str(sha256(f.read()).hexdigest())[:24]
    symbols = native_stub("threadpool", f"threadpool {source}", build,
                          [*_EXPORTS, *(f"jc.pool.{name}" for name in _GLOBALS)])
    return {**{name: symbols[name] for name in _EXPORTS},
            **{name: symbols[f"jc.pool.{name}"] for name in _GLOBALS}}


def _load_jit() -> dict[str, int]:
    """The pool compiled by MCJIT in this process (when its object code cannot be loaded)."""
    import llvmlite.binding as llvm

    from .machine import host_target_machine, jit_engine

    jit_engine()  # initialises LLVM and loads what the process needs
    tm = host_target_machine()
    module = build_module(tm.triple.startswith(("x86_64", "i686", "i386")))
    module.triple = tm.triple
    module.data_layout = str(tm.target_data)
    mod = llvm.parse_assembly(str(module))
    mod.verify()
    engine = llvm.create_mcjit_compiler(mod, tm)
    engine.finalize_object()
    _keep.append(engine)
    addresses = {}
    for name in _EXPORTS:
        addresses[name] = engine.get_function_address(name)
        llvm.add_symbol(name, addresses[name])  # so generated code resolves them
    for name in _GLOBALS:
        addresses[name] = engine.get_global_value_address(f"jc.pool.{name}")
    return addresses


_keep: list[Any] = []  # the fallback's MCJIT engine owns the pool's code


def _after_fork() -> None:
    ctypes.CFUNCTYPE(None)(_addresses["jc.pool.reset"])()


def _set_global(name: str, value: int) -> None:
    ctypes.c_int64.from_address(_addresses[name]).value = value


def _get_global(name: str) -> int:
    return ctypes.c_int64.from_address(_addresses[name]).value


def pool_size() -> int:
    return _get_global("size") if _loaded else default_size()


def set_num_threads(n: int) -> None:
    """Use n threads (1 <= n <= the pool's size) for the parallel regions that follow."""
    global _requested
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads() takes an int, not {type(n).__name__}")
    size = pool_size()
    if not 1 <= n <= size:
        raise ValueError(f"the number of threads must be between 1 and {size} "
                         f"(JITCORE_NUM_THREADS or the CPU count), not {n}")
    _requested = n
    if _loaded:
        _set_global("active", n)


def get_num_threads() -> int:
    if _loaded:
        return _get_global("active")
    return _requested or default_size()
