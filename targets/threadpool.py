"""The native thread pool that runs parallel loops: its code loaded once per process, its size.

    status = jc.pool.run(chunk, env, n, k)     ; chunk(env, lo, hi, c) for c in 0..k-1,
                                               ; [lo, hi) an equal share of range(n)
    k = jc.pool.nchunks(n)                     ; min(4 * active threads, n), at least 1

The pool is written in LLVM IR over pthreads (targets/poolir.py, which says how it
works). Its object code is built once per machine and kept in the user cache, so a
process that hits the cache loads it without LLVM. Python sets the size
(`JITCORE_NUM_THREADS`, else os.cpu_count()) and the active count
(`jitcore.set_num_threads`) through the pool's globals.
"""
from __future__ import annotations

import ctypes
import os
import warnings
from _thread import allocate_lock  # threading.Lock, without importing threading (cache hits)
from pathlib import Path

from jitcore.frontend.errors import JitError

RUN = "jc.pool.run"
NCHUNKS = "jc.pool.nchunks"
CHUNKS_PER_THREAD = 4  # more chunks than threads: a thread that wakes late takes fewer

# --- the Python side --------------------------------------------------------------------

_lock = allocate_lock()
_loaded = False
_addresses: dict[str, int] = {}
_requested: int | None = None  # set_num_threads before the pool was loaded
_EXPORTS = (RUN, NCHUNKS, "jc.pool.reset")  # functions the rest of the process calls
_GLOBALS = ("size", "active")  # written by Python (size at load, active by set_num_threads)


MAX_THREADS_PER_CPU = 4  # more threads than this only wait on each other (and take minutes
# to start by the thousand): JITCORE_NUM_THREADS is capped here (and in AOT libraries)


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


def pool_address(name: str) -> int:
    """The address of an entry point generated code calls (RUN, NCHUNKS), pool loaded."""
    ensure_pool()
    return _addresses[name]


def _load_cached() -> dict[str, int]:
    """The pool's object code from the user cache (built once per machine, keyed by the
    environment and the text of this file and poolir.py), loaded by targets/objcache.py:
    no LLVM on a hit.
    The loader publishes jc.pool.* to LLVM, so code compiled later resolves them."""
    from .cachefiles import native_stub, sha256

    def build() -> bytes:
        from .machine import host_target_machine
        from .objcache import compile_object
        from .poolir import build_module

        module = build_module(host_target_machine().triple.startswith(
            ("x86_64", "i686", "i386")))
        return compile_object(module, opt=0)  # as MCJIT runs it: codegen only, no passes

    here = Path(__file__)
    text = here.read_bytes() + here.with_name("poolir.py").read_bytes()
    source = sha256(text).hexdigest()[:24]
    symbols = native_stub("threadpool", f"threadpool {source}", build,
                          [*_EXPORTS, *(f"jc.pool.{name}" for name in _GLOBALS)])
    return {**{name: symbols[name] for name in _EXPORTS},
            **{name: symbols[f"jc.pool.{name}"] for name in _GLOBALS}}


def _load_jit() -> dict[str, int]:
    """The pool compiled by MCJIT in this process (when its object code cannot be loaded)."""
    import llvmlite.binding as llvm

    from .machine import host_target_machine, jit_engine, standalone_engine
    from .poolir import build_module

    jit_engine()  # initialises LLVM and loads what the process needs
    x86 = host_target_machine().triple.startswith(("x86_64", "i686", "i386"))
    engine = standalone_engine(build_module(x86))
    addresses = {}
    for name in _EXPORTS:
        addresses[name] = engine.get_function_address(name)
        llvm.add_symbol(name, addresses[name])  # so generated code resolves them
    for name in _GLOBALS:
        addresses[name] = engine.get_global_value_address(f"jc.pool.{name}")
    return addresses


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
