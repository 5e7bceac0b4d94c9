"""@njit(cache=True) across processes: the second process loads, never compiles."""
from __future__ import annotations

from pathlib import Path

from .procs import entries, env_for, run, write

KERNELS = """
import numpy as np
import jitcore
from jitcore import njit

@njit(cache=True)
def poly(x, y):
    return 3 * x * x + y // 2

@njit(cache=True)
def scale(a, k):
    out = np.empty_like(a)
    for i in range(a.shape[0]):
        out[i] = a[i] * k
    return out, a.sum()

@njit(cache=True)
def checked(n):
    if n < 0:
        raise ValueError("negative", 3)
    return 10 // n

before = jitcore.memory_stats()
for _ in range(1000):
    arr, total = scale(np.arange(5.0), 2.0)
values = arr.tolist()
del arr
after = jitcore.memory_stats()
errors = []
for bad in (-1, 0):
    try:
        checked(bad)
    except (ValueError, ZeroDivisionError) as exc:
        errors.append([type(exc).__name__, str(exc)])
report(poly=poly(7, 9), poly_float=poly(1.5, 4.0), arr=values, total=total,
       errors=errors, checked=checked(3), leaked=(after[0] - before[0]) - (after[1] - before[1]),
       info=scale.cache_info(), types=scale.inspect_types(),
       stats=[sum(poly.stats.cache_hits.values()), sum(poly.stats.cache_misses.values()),
              poly.stats.cache_path is not None])
"""


def test_second_process_loads_everything_without_llvm(tmp_path: Path) -> None:
    script = write(tmp_path / "kernels.py", KERNELS)
    env = env_for(tmp_path / "cache")
    first, _ = run(script, env)
    assert first["info"]["stores"] == 1 and first["info"]["hits"] == 0
    assert len(entries(tmp_path / "cache")) == 4  # poly twice, scale, checked
    second, stderr = run(script, env)
    assert "Warning" not in stderr
    assert second["info"]["hits"] == 1 and second["info"]["stores"] == 0
    assert second["llvm_loaded"] is False  # nothing was compiled
    # Numba's dispatcher.stats: per-signature Counters of cache hits and misses
    assert first["stats"] == [0, 2, True] and second["stats"] == [2, 0, True]
    assert "loaded from cache" in second["types"]
    for key in ("poly", "poly_float", "arr", "total", "errors", "checked"):
        assert second[key] == first[key], key
    assert second["poly"] == 3 * 49 + 4 and second["poly_float"] == 3 * 2.25 + 2.0
    assert second["arr"] == [0.0, 2.0, 4.0, 6.0, 8.0] and second["total"] == 10.0
    assert second["errors"][0] == ["ValueError", "('negative', 3)"]
    assert second["errors"][1][0] == "ZeroDivisionError"
    assert second["leaked"] == 0


CALLEE_V1 = """
from jitcore import njit
OFFSET = 1

@njit(cache=True)
def bump(x):
    return x + OFFSET
"""

CALLER = """
from jitcore import njit
import callee

@njit(cache=True)
def twice_bumped(x):
    return 2 * callee.bump(x)

report(value=twice_bumped(10), info=twice_bumped.cache_info())
"""


def test_callee_edited_in_another_module_invalidates_caller(tmp_path: Path) -> None:
    write(tmp_path / "callee.py", CALLEE_V1)
    script = write(tmp_path / "caller.py", CALLER)
    env = env_for(tmp_path / "cache")
    assert run(script, env)[0]["value"] == 22
    hit, _ = run(script, env)
    assert hit["value"] == 22 and hit["info"]["hits"] == 1
    write(tmp_path / "callee.py", CALLEE_V1.replace("return x + OFFSET", "return x - OFFSET"))
    edited, _ = run(script, env)
    assert edited["value"] == 18 and edited["info"]["hits"] == 0
    write(tmp_path / "callee.py", CALLEE_V1.replace("OFFSET = 1", "OFFSET = 5"))
    constant, _ = run(script, env)  # a global folded into the callee changed
    assert constant["value"] == 30 and constant["info"]["hits"] == 0
    again, _ = run(script, env)
    assert again["value"] == 30 and again["info"]["hits"] == 1


RECURSIVE = """
from jitcore import njit

@njit(cache=True)
def is_even(n):
    return True if n == 0 else is_odd(n - 1)

@njit(cache=True)
def is_odd(n):
    return False if n == 0 else is_even(n - 1)

@njit(cache=True)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

report(even=is_even(10), odd=is_even(7), fib=fib(20), info=is_even.cache_info())
"""


def test_recursive_cycles_load_together(tmp_path: Path) -> None:
    script = write(tmp_path / "rec.py", RECURSIVE)
    env = env_for(tmp_path / "cache")
    first, _ = run(script, env)
    second, _ = run(script, env)
    assert second["info"]["hits"] == 1 and not second["llvm_loaded"]
    assert (second["even"], second["odd"], second["fib"]) == (True, False, 6765)
    assert first["fib"] == second["fib"]


def test_main_script_caches_next_to_the_source(tmp_path: Path) -> None:
    script = write(tmp_path / "app" / "main.py", """
        from jitcore import njit

        @njit(cache=True)
        def area(w, h):
            return w * h

        report(value=area(6, 7), info=area.cache_info())
        """)
    env = env_for(None)
    first, _ = run(script, env)
    assert first["value"] == 42 and first["info"]["stores"] == 1
    assert len(list((tmp_path / "app" / "__jitcache__").glob("main.area.*.jcc"))) == 1
    second, _ = run(script, env)
    assert second["value"] == 42 and second["info"]["hits"] == 1


def test_closures_are_keyed_by_their_cell_values(tmp_path: Path) -> None:
    script = write(tmp_path / "closures.py", """
        from jitcore import njit

        def make(k):
            @njit(cache=True)
            def add(x):
                return x + k
            return add

        def make_opaque():
            class LocalError(Exception):  # no importable name: no stable key
                pass

            @njit(cache=True)
            def get(x):
                if x < 0:
                    raise LocalError("negative")
                return x
            return get

        add1, add2 = make(1), make(2)
        opaque = make_opaque()
        report(a=add1(10), b=add2(10), c=opaque(5), info1=add1.cache_info(),
               info2=add2.cache_info(), opaque=opaque.cache_info())
        """)
    env = env_for(tmp_path / "cache")
    first, _ = run(script, env)
    assert (first["a"], first["b"], first["c"]) == (11, 12, 5)
    assert "free variable 'LocalError'" in first["opaque"]["reason"]
    assert "no value stable across processes" in first["opaque"]["reason"]
    second, _ = run(script, env)
    assert (second["a"], second["b"], second["c"]) == (11, 12, 5)
    assert second["info1"]["hits"] == 1 and second["info2"]["hits"] == 1
    assert second["opaque"]["hits"] == 0 and second["opaque"]["stores"] == 0


def test_code_without_a_file_is_cached_in_the_user_directory(tmp_path: Path) -> None:
    import subprocess
    import sys

    program = ("from jitcore import njit\n"
               "f = njit(cache=True)(lambda x: x * 3)\n"
               "print(f(5), f.cache_info()['hits'], f.cache_info()['directory'])\n")
    env = env_for(tmp_path / "cache")
    outs = [subprocess.run([sys.executable, "-c", program], env=env, capture_output=True,
                           text=True, check=True).stdout.split() for _ in range(2)]
    assert outs[0][:2] == ["15", "0"] and outs[1][:2] == ["15", "1"]
    assert outs[1][2].endswith("interactive")


def test_eager_signatures_load_from_the_cache(tmp_path: Path) -> None:
    script = write(tmp_path / "eager.py", """
        from jitcore import njit

        @njit(["float64(float64, float64)", "int64(int64, int64)"], cache=True)
        def hyp(a, b):
            return a * a + b * b

        report(f=hyp(3.0, 4.0), i=hyp(3, 4), info=hyp.cache_info())
        """)
    env = env_for(tmp_path / "cache")
    run(script, env)
    second, _ = run(script, env)
    assert (second["f"], second["i"]) == (25.0, 25)
    assert second["info"]["hits"] == 2 and not second["llvm_loaded"]


def test_numpy_runtime_pieces_are_set_up_before_loading(tmp_path: Path) -> None:
    script = write(tmp_path / "pieces.py", """
        import numpy as np
        from jitcore import njit

        @njit(cache=True)
        def noise(n):
            np.random.seed(42)
            return np.random.random(n)

        @njit(cache=True)
        def matmul(a, b):
            return a @ b

        a = np.arange(6.0).reshape(2, 3)
        report(noise=noise(4).tolist(), prod=matmul(a, a.T).tolist(),
               info=[noise.cache_info()["hits"], matmul.cache_info()["hits"]])
        """)
    env = env_for(tmp_path / "cache")
    first, _ = run(script, env)
    second, _ = run(script, env)
    assert second["info"] == [1, 1]
    assert second["noise"] == first["noise"] and len(set(second["noise"])) == 4
    assert second["prod"] == [[5.0, 14.0], [14.0, 50.0]]


def test_parallel_kernel_hit_starts_the_thread_pool(tmp_path: Path) -> None:
    """A prange kernel's object calls jc.pool.* by name: a fresh process that loads it
    from the cache must set the pool up first (it used to miss, then recompile)."""
    script = write(tmp_path / "par.py", """
        import numpy as np
        import jitcore
        from jitcore import njit, prange

        @njit(cache=True, parallel=True)
        def total(a):
            s = 0.0
            for i in prange(a.shape[0]):
                s += a[i] * 2.0
            return s

        @njit(cache=True, parallel=True)
        def scaled(a):
            out = np.empty_like(a)
            for i in prange(a.shape[0]):
                out[i] = a[i] * 3.0 + 1.0
            return out

        a = np.arange(200001.0)
        report(total=total(a), scaled=scaled(a)[::50000].tolist(),
               threads=jitcore.get_num_threads(),
               info=[total.cache_info(), scaled.cache_info()])
        """)
    env = env_for(tmp_path / "cache", JITCORE_NUM_THREADS="2")
    first, _ = run(script, env)
    assert [i["stores"] for i in first["info"]] == [1, 1]
    second, stderr = run(script, env)
    assert "Warning" not in stderr, stderr
    assert [(i["hits"], i["misses"], i["stores"]) for i in second["info"]] == [(1, 0, 0)] * 2
    assert second["total"] == first["total"] == 2.0 * sum(range(200001))
    assert second["scaled"] == [x * 3.0 + 1.0 for x in (0.0, 50000.0, 100000.0, 150000.0,
                                                        200000.0)]
    assert second["threads"] == 2


HIT_IMPORTS = """
import sys
from jitcore import njit

@njit(cache=True)
def poly(x, y):
    return 3 * x * x + y // 2

value = poly(7, 9)
heavy = ["dataclasses", "inspect", "json", "threading", "numpy", "llvmlite.binding",
         "llvmlite.ir", "jitcore.frontend.ir", "jitcore.frontend.flow",
         "jitcore.typeinfer.annotator", "jitcore.lowering"]
print(value, poly.cache_info()["hits"], [m for m in heavy if m in sys.modules])
"""


def test_a_hit_imports_only_what_it_needs(tmp_path: Path) -> None:
    """The time of a hit is mostly imports: keep the compiler, LLVM, NumPy (for a scalar
    kernel) and slow standard modules off its path."""
    import subprocess
    import sys

    script = tmp_path / "lean.py"
    script.write_text(HIT_IMPORTS)
    env = env_for(tmp_path / "cache")
    outputs = [subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                              text=True, timeout=120, cwd=tmp_path).stdout.strip()
               for _ in range(2)]
    assert outputs[0].startswith("151 0 ")
    assert outputs[1] == "151 1 []"


POOL_HIT = """
    import os
    import sys
    import numpy as np
    import jitcore
    from jitcore import njit, prange

    @njit(cache=True, parallel=True)
    def total(a):
        s = 0.0
        for i in prange(a.shape[0]):
            s += a[i] * 2.0
        return s

    a = np.arange(100001.0)
    first = total(a)
    jitcore.set_num_threads(1)
    one = [total(a), jitcore.get_num_threads()]
    jitcore.set_num_threads(2)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child has none of the parent's workers: reset, then start its own
        os.write(write, repr(total(a)).encode())
        os._exit(0)
    os.close(write)
    child = float(os.read(read, 100))
    _, status = os.waitpid(pid, 0)
    report(first=first, one=one, child=child, status=status, threads=jitcore.get_num_threads(),
           ir_loaded="llvmlite.ir" in sys.modules, info=total.cache_info())
    """


def test_a_parallel_hit_loads_the_pool_without_llvm(tmp_path: Path) -> None:
    """The pool's object code is cached once per machine (stubs/threadpool.*): a fresh
    process with a cached prange kernel loads both with our ELF loader, no LLVM."""
    script = write(tmp_path / "pool.py", POOL_HIT)
    env = env_for(tmp_path / "cache", JITCORE_NUM_THREADS="2")
    first, _ = run(script, env)
    assert first["info"]["stores"] == 1 and first["llvm_loaded"] is True
    assert len(list((tmp_path / "cache" / "stubs").glob("threadpool.*.jcc"))) == 1
    second, stderr = run(script, env)
    assert "Warning" not in stderr, stderr
    assert second["info"]["hits"] == 1 and second["info"]["stores"] == 0
    assert second["llvm_loaded"] is False and second["ir_loaded"] is False
    expected = 2.0 * sum(range(100001))
    assert first["first"] == second["first"] == expected
    assert second["one"] == [expected, 1]
    assert second["child"] == expected and second["status"] == 0
    assert second["threads"] == 2


def test_a_damaged_pool_stub_is_rebuilt(tmp_path: Path) -> None:
    """A stub that fails its checksum is ignored: the pool is built with LLVM again and
    the file replaced, and the kernel still computes the right result."""
    script = write(tmp_path / "pool.py", POOL_HIT)
    env = env_for(tmp_path / "cache", JITCORE_NUM_THREADS="2")
    run(script, env)
    (stub,) = (tmp_path / "cache" / "stubs").glob("threadpool.*.jcc")
    data = bytearray(stub.read_bytes())
    data[-5] ^= 0xFF
    stub.write_bytes(bytes(data))
    second, _ = run(script, env)
    assert second["info"]["hits"] == 1 and second["llvm_loaded"] is True  # rebuilt here
    assert second["first"] == second["child"] == 2.0 * sum(range(100001))
    assert stub.read_bytes() != bytes(data)
    third, _ = run(script, env)
    assert third["llvm_loaded"] is False and third["first"] == second["first"]


def test_the_pool_falls_back_to_mcjit(tmp_path: Path) -> None:
    """Where our loader cannot take the pool's object, MCJIT compiles it in the process."""
    script = write(tmp_path / "jitpool.py", """
        import numpy as np
        import jitcore
        from jitcore import njit, prange
        from jitcore.targets import objcache, threadpool

        def refuse():
            raise objcache.LoadError("not here")

        threadpool._load_cached = refuse

        @njit(parallel=True)
        def total(a):
            s = 0.0
            for i in prange(a.shape[0]):
                s += a[i]
            return s

        a = np.arange(10001.0)
        first = total(a)
        jitcore.set_num_threads(1)
        report(first=first, one=total(a), threads=jitcore.get_num_threads(),
               run=threadpool._addresses[threadpool.RUN] == objcache.address_of(threadpool.RUN))
        """)
    out, _ = run(script, env_for(tmp_path / "cache", JITCORE_NUM_THREADS="2"))
    assert out["first"] == out["one"] == float(sum(range(10001)))
    assert out["threads"] == 1 and out["run"] is False  # MCJIT's code, not the loader's


UFUNC_MODULE = """
import numpy as np
from jitcore import njit, vectorize

SHIFT = 1.0

@vectorize(["float64(float64)", "float32(float32)"])
def sq(x):
    return x * x + SHIFT

@vectorize
def cube(x):
    return x * x * x

@njit(cache=True)
def f(a):
    return sq(a).sum() + cube(a).sum()

a = np.arange(4.0)
report(value=f(a), info=f.cache_info())
"""


def test_functions_calling_vectorize_ufuncs_are_cached(tmp_path: Path) -> None:
    """A @vectorize ufunc (eager or dynamic) is keyed by its kernel's code and its loops:
    the caller loads from the cache, and editing the kernel invalidates it."""
    script = write(tmp_path / "uf.py", UFUNC_MODULE)
    env = env_for(tmp_path / "cache")
    expected = sum(x * x + 1.0 for x in range(4)) + sum(x ** 3 for x in range(4))
    first, _ = run(script, env)
    assert first["value"] == expected and first["info"]["hits"] == 0
    hit, _ = run(script, env)
    assert hit["value"] == expected and hit["info"]["hits"] == 1
    write(script, UFUNC_MODULE.replace("x * x + SHIFT", "x * x - SHIFT"))
    edited, _ = run(script, env)
    assert edited["value"] == expected - 8.0 and edited["info"]["hits"] == 0
    write(script, UFUNC_MODULE.replace('"float64(float64)", "float32(float32)"',
                                       '"float64(float64)"'))
    fewer_loops, _ = run(script, env)
    assert fewer_loops["value"] == expected and fewer_loops["info"]["hits"] == 0


LIBRARY_USER = """
import numpy as np
from jitcore import njit

@njit  # not cached itself: compiled each time, against the cached library routines
def summary(a):
    return np.sort(a)

report(sorted=summary(np.array([3, 1, 2, 1, 5])).tolist())
"""


def test_library_routines_are_compiled_once_per_machine(tmp_path: Path) -> None:
    # np.sort's introsort is jitcore code (jitcore/library): cached like a user's function,
    # then inlined into callers compiled later from its cached IR (whose internal helpers,
    # such as the raise helper, must come along: this once made every such caller a
    # CompilerBug "calls jc.rt.set_error, which is not defined in this process")
    script = write(tmp_path / "library_user.py", LIBRARY_USER)
    env = env_for(tmp_path / "cache")
    first, _ = run(script, env)
    stored = [p.name for p in entries(tmp_path / "cache")]
    assert any(name.startswith("arrays.") for name in stored), stored
    second, stderr = run(script, env)
    assert "Warning" not in stderr
    assert [p.name for p in entries(tmp_path / "cache")] == stored  # nothing compiled again
    for report in (first, second):
        assert report["sorted"] == [1, 1, 2, 3, 5]
