"""The native thread pool itself: chunk shares, sizing from JITCORE_NUM_THREADS, errors."""
from __future__ import annotations

import ctypes
import itertools
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import jitcore
from jitcore.targets import threadpool

CHUNK = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
                         ctypes.c_int64)


def run_pool(chunk, n, k):
    threadpool.ensure_pool()
    run = ctypes.CFUNCTYPE(ctypes.c_int32, CHUNK, ctypes.c_void_p, ctypes.c_int64,
                           ctypes.c_int64)(threadpool._addresses[threadpool.RUN])
    return run(CHUNK(chunk), None, n, k)


@pytest.mark.parametrize("n, k", [(1, 1), (10, 1), (10, 3), (7, 7), (100, 8), (5, 2)])
def test_chunks_cover_the_range_once_in_equal_shares(n, k):
    seen = []
    lock = threading.Lock()

    def chunk(env, lo, hi, c):
        with lock:
            seen.append((c, lo, hi))
        return 0

    assert run_pool(chunk, n, k) == 0
    seen.sort()
    assert [c for c, _, _ in seen] == list(range(k))
    assert seen[0][1] == 0 and seen[-1][2] == n
    assert all(a[2] == b[1] for a, b in itertools.pairwise(seen))
    sizes = [hi - lo for _, lo, hi in seen]
    assert max(sizes) - min(sizes) <= 1


def test_nchunks_follows_the_active_thread_count():
    threadpool.ensure_pool()
    nchunks = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64)(
        threadpool._addresses[threadpool.NCHUNKS])
    size = jitcore.get_num_threads()
    per = threadpool.CHUNKS_PER_THREAD
    assert nchunks(0) == 1 and nchunks(1) == 1 and nchunks(3) == min(3, size * per)
    assert nchunks(10**9) == size * per
    try:
        jitcore.set_num_threads(1)
        assert nchunks(10**9) == per
    finally:
        jitcore.set_num_threads(size)


THREADS_SCRIPT = textwrap.dedent("""
    import ctypes, threading, time
    import jitcore
    from jitcore.targets import threadpool
    CHUNK = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
                             ctypes.c_int64)
    threadpool.ensure_pool()
    run = ctypes.CFUNCTYPE(ctypes.c_int32, CHUNK, ctypes.c_void_p, ctypes.c_int64,
                           ctypes.c_int64)(threadpool._addresses[threadpool.RUN])
    seen = set()

    def chunk(env, lo, hi, c):
        seen.add(threading.get_native_id())
        time.sleep(0.005)  # without the GIL: every thread allowed in gets chunks
        return 0

    callback = CHUNK(chunk)
    for n in (1, 2, 3, 1):
        jitcore.set_num_threads(n)
        seen.clear()
        assert run(callback, None, 48, 48) == 0
        print(n, len(seen), threading.get_native_id() in seen)
""")


def test_set_num_threads_limits_the_threads_that_compute():
    env = {**os.environ, "JITCORE_NUM_THREADS": "3"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, "-c", THREADS_SCRIPT], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()]
    # n threads at most, the caller always among them; 48 sleeping chunks bring in all n.
    assert rows == [["1", "1", "True"], ["2", "2", "True"], ["3", "3", "True"],
                    ["1", "1", "True"]]


SCRIPT = textwrap.dedent("""
    import numpy as np
    import jitcore
    from jitcore import njit, prange

    @njit(parallel=True)
    def total(a):
        s = 0
        for i in prange(a.size):
            s += a[i]
        return s

    print(jitcore.get_num_threads(), total(np.arange(1000)), jitcore.get_num_threads())
""")


def run_script(env_value):
    env = {k: v for k, v in os.environ.items() if k != "JITCORE_NUM_THREADS"}
    if env_value is not None:
        env["JITCORE_NUM_THREADS"] = env_value
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root
    return subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def test_jitcore_num_threads_sizes_the_pool():
    done = run_script("3")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["3", "499500", "3"]
    done = run_script(None)
    assert done.returncode == 0, done.stderr
    cpus = len(os.sched_getaffinity(0))
    assert done.stdout.split() == [str(cpus), "499500", str(cpus)]
    for bad in ("0", "abc", "-2", "1.5"):
        done = run_script(bad)
        assert done.returncode != 0
        assert f"ThreadCountError: JITCORE_NUM_THREADS must be a whole number of threads, at " \
               f"least 1, not {bad!r}" in done.stderr
        assert "CompilerBug" not in done.stderr


def test_a_huge_thread_count_is_capped_with_a_warning():
    cap = threadpool.MAX_THREADS_PER_CPU * len(os.sched_getaffinity(0))
    done = run_script("100000")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(cap), "499500", str(cap)]
    assert f"JITCORE_NUM_THREADS=100000 is more than {threadpool.MAX_THREADS_PER_CPU} threads " \
           f"per CPU; using {cap}" in done.stderr
