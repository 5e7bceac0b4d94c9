"""Dispatchers pickle by reference (importable) or by value (__main__, closures) and
compile in the receiving process: pickle round trips, a spawn Pool, ProcessPoolExecutor,
a __main__ script, and a Dask LocalCluster with two worker processes."""
from __future__ import annotations

import concurrent.futures
import math
import multiprocessing
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import jitcore
from jitcore import njit, prange

SCALE = 2.0
BIAS = 100.0


@njit
def scaled(x):
    return x * SCALE


@njit(parallel=True)
def chunk_norm(a):
    s = 0.0
    for i in prange(a.size):
        s += scaled(a[i]) * a[i]
    return math.sqrt(s)


class Holder:
    @staticmethod
    @njit
    def inner(x):
        return x + 1


def make_closure(offset):
    @njit(nogil=True)
    def shifted(a):
        out = np.empty_like(a)
        for i in range(a.size):
            out[i] = a[i] + offset + BIAS * (i % 3)
        return out
    return shifted


def make_recursive(base):
    @njit
    def fact(n):
        return base if n <= 1 else n * fact(n - 1)
    return fact


def test_importable_dispatchers_pickle_by_reference():
    for f in (scaled, chunk_norm):
        data = pickle.dumps(f)
        assert b"chunk_norm" in data or b"scaled" in data
        assert pickle.loads(data) is f
    assert len(pickle.dumps(chunk_norm)) < 200  # a name, not code


def test_closures_pickle_by_value_and_are_rebuilt_once():
    f = make_closure(5.0)
    a = np.arange(6.0)
    data = pickle.dumps(f)
    g = pickle.loads(data)
    assert g is not f and pickle.loads(data) is g  # one rebuild per process and payload
    assert np.array_equal(g(a), f(a))
    assert g.targetoptions == f.targetoptions and f.targetoptions["nogil"] is True
    h = pickle.loads(pickle.dumps(make_closure(-1.0)))  # other cell contents: another function
    assert h is not g and np.array_equal(h(a), make_closure(-1.0)(a))


def make_eager(k):
    @njit(["float64(float64)", "int64(int64)"])
    def times(x):
        return x * k
    return times


def test_eager_signatures_travel_by_value():
    f = pickle.loads(pickle.dumps(make_eager(3)))
    assert f.signatures == [(jitcore.types.float64,), (jitcore.types.int64,)]
    assert f(2) == 6 and type(f(2)) is int and f(1.5) == 4.5
    with pytest.raises(TypeError, match="no compiled signature|argument 'x'"):
        f(1j)


def test_recursive_closure_and_nested_qualname():
    fact = make_recursive(1)
    again = pickle.loads(pickle.dumps(fact))
    assert again(10) == fact(10) == math.factorial(10)
    assert pickle.loads(pickle.dumps(make_recursive(3)))(4) == 4 * 3 * 2 * 3
    assert pickle.loads(pickle.dumps(Holder.inner)) is Holder.inner


def apply(f, chunk):
    """Runs in the worker: f arrived pickled. Dask may hand over arrays at unaligned
    addresses: compiled code takes them as they are (typed `unaligned`)."""
    result = f(chunk)
    return float(result.sum()) if isinstance(result, np.ndarray) else result


def _chunks(n=4, size=1000):
    return [np.arange(k * size, (k + 1) * size, dtype=np.float64) for k in range(n)]


def test_spawn_pool_computes_the_same():
    ctx = multiprocessing.get_context("spawn")
    closure = make_closure(0.5)
    chunks = _chunks()
    with ctx.Pool(2) as pool:
        norms = pool.starmap(apply, [(chunk_norm, c) for c in chunks], chunksize=1)
        sums = pool.starmap(apply, [(closure, c) for c in chunks], chunksize=1)
    assert norms == pytest.approx([chunk_norm(c) for c in chunks], rel=1e-12)
    assert sums == [float(closure(c).sum()) for c in chunks]


def test_process_pool_executor():
    ctx = multiprocessing.get_context("spawn")
    fact = make_recursive(2)
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as ex:
        got = list(ex.map(apply, [fact] * 3 + [chunk_norm], [5, 6, 7, np.ones(16)]))
    assert got == [fact(5), fact(6), fact(7), math.sqrt(32.0)]


MAIN_SCRIPT = textwrap.dedent("""
    import multiprocessing, pickle, sys
    import numpy as np
    from jitcore import njit, prange

    @njit(parallel=True)
    def total(a):
        s = 0
        for i in prange(a.size):
            s += a[i] * a[i]
        return s

    def run(f, n):
        return f(np.arange(n))

    if __name__ == "__main__":
        assert b"_by_value" in pickle.dumps(total)  # by value, not by a name in __main__
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            got = pool.starmap(run, [(total, n) for n in (0, 1, 10, 1000)])
        print(got == [sum(i * i for i in range(n)) for n in (0, 1, 10, 1000)])
""")


def test_main_module_function_in_spawn_pool(tmp_path):
    script = tmp_path / "main_kernel.py"
    script.write_text(MAIN_SCRIPT)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONPATH": root}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, env=env, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_dask_local_cluster_runs_kernels_over_chunks():
    try:
        from dask.distributed import Client, LocalCluster, wait
    except ImportError:  # pragma: no cover - dask.distributed is a test dependency
        pytest.skip("dask.distributed is not installed (pip install -e '.[test]')")
    closure = make_closure(1.0)
    chunks = _chunks(6, 500)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster, Client(cluster, timeout=60) as client:
        workers = client.scheduler_info()["workers"]
        pids = set(client.run(os.getpid).values())
        assert len(workers) == 2 and os.getpid() not in pids and len(pids) == 2
        norm_futures = client.map(apply, [chunk_norm] * len(chunks), chunks)
        sum_futures = client.map(apply, [closure] * len(chunks), chunks)
        wait(norm_futures + sum_futures, timeout=90)
        norms, sums = client.gather(norm_futures), client.gather(sum_futures)
    assert norms == pytest.approx([chunk_norm(c) for c in chunks], rel=1e-12)
    assert sums == [float(closure(c).sum()) for c in chunks]


def run_parallel_in_child(queue):
    queue.put(chunk_norm(np.ones(100_000)))


def test_forked_child_gets_a_fresh_pool():
    assert chunk_norm(np.ones(100_000)) == math.sqrt(200_000)  # the pool is started here
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=run_parallel_in_child, args=(queue,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == math.sqrt(200_000)


def test_module_global_pickled_with_value_semantics():
    f = make_closure(0.0)
    data = pickle.dumps(f)
    assert b"numpy" in data  # the module global np travels by name
    assert jitcore.njit is njit
