"""AOT exports with parallel=True run their prange loops on the module's own thread pool.

The evidence is np.random's per-thread generator state (tests/aot/aot_parallel.py):
`draws` seeds the calling thread and draws in a prange loop, `serial_draws` does
the same in one thread. A value of `draws` that `serial_draws` never produced was
drawn by another native thread, a pool worker. With JITCORE_NUM_THREADS=1 there is
none, which shows the check sees threads and nothing else.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
N = 256  # draws per call: the pool cuts them into 4 chunks per thread

USE_EXTENSION = r"""
import os, sys
sys.modules["llvmlite"] = None          # the pool must come from the module itself:
sys.modules["jitcore"] = None           # no jitcore, no llvmlite in this process
import numpy as np
import aot_parallel as k
before = len(os.listdir("/proc/self/task"))
a = np.arange(1000.0)
assert k.psum(a) == 2 * a.sum(), k.psum(a)
foreign = 0
for attempt in range(10):  # a worker that wakes after every chunk is taken ran none
    par, ser = k.draws(N_DRAWS), k.serial_draws(N_DRAWS)
    assert par.shape == ser.shape and np.all(par > 0)
    foreign = np.setdiff1d(par, ser).size
    if foreign:
        break
print(foreign, len(os.listdir("/proc/self/task")) - before)
""".replace("N_DRAWS", str(N))

USE_LIBRARY = r"""
#include <stdio.h>
#include "aot_parallel.h"

int main(void) {
    int foreign = 0;
    for (int attempt = 0; attempt < 10 && foreign == 0; attempt++) {
        jc_array_float64_1d par, ser;
        if (draws(N_DRAWS, &par) || serial_draws(N_DRAWS, &ser)) {
            printf("error %s\n", aot_parallel_error_message());
            return 1;
        }
        for (int64_t i = 0; i < par.shape[0]; i++) {
            int seen = 0;
            for (int64_t j = 0; j < ser.shape[0]; j++)
                seen |= par.data[i] == ser.data[j];
            foreign += !seen;
        }
        aot_parallel_release(par.meminfo);
        aot_parallel_release(ser.meminfo);
    }
    printf("%d\n", foreign);
    return 0;
}
""".replace("N_DRAWS", str(N))


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from jitcore.aot import compile_module_file

    return compile_module_file(HERE / "aot_parallel.py", tmp_path_factory.mktemp("aot-par"))


def _defined_symbols(path: Path) -> set[str]:
    nm = shutil.which("nm")
    if nm is None:
        pytest.skip("needs binutils' nm")
    out = subprocess.run([nm, str(path)], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.split()[-2] in "tTbBdDrR"}


def test_the_pool_is_defined_in_the_extension_and_the_library(build: dict[str, Path]) -> None:
    for kind in ("extension", "library"):
        defined = _defined_symbols(build[kind])
        assert {"jc.pool.run", "jc.pool.nchunks", "jc.pool.size"} <= defined, kind


def _run_extension(build: dict[str, Path], threads: int) -> tuple[int, int]:
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(build["extension"].parent),
           "JITCORE_NUM_THREADS": str(threads)}
    proc = subprocess.run([sys.executable, "-c", USE_EXTENSION], env=env, check=False,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    foreign, started = map(int, proc.stdout.split())
    return foreign, started


def test_extension_runs_prange_on_two_threads(build: dict[str, Path]) -> None:
    foreign, started = _run_extension(build, 2)
    assert started == 1  # one worker; the calling thread runs chunks too
    assert 0 < foreign < N  # the worker drew from its own stream, the caller from the seed


def test_extension_with_one_thread_draws_from_one_stream(build: dict[str, Path]) -> None:
    assert _run_extension(build, 1) == (0, 0)


def _run_library(build: dict[str, Path], tmp_path: Path, threads: int) -> int:
    cc = shutil.which("gcc") or shutil.which("cc")
    assert cc, "a C compiler is needed for the C-ABI test"
    lib_dir = build["library"].parent
    source = tmp_path / "par.c"
    source.write_text(USE_LIBRARY)
    exe = tmp_path / "par"
    subprocess.run([cc, "-std=c11", "-O1", str(source), f"-I{lib_dir}", f"-L{lib_dir}",
                    "-laot_parallel", f"-Wl,-rpath,{lib_dir}", "-o", str(exe)], check=True,
                   capture_output=True)
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300, check=False,
                          env={"JITCORE_NUM_THREADS": str(threads)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return int(proc.stdout)


def test_c_library_runs_prange_on_two_threads(build: dict[str, Path], tmp_path: Path) -> None:
    assert 0 < _run_library(build, tmp_path, 2) < N
    assert _run_library(build, tmp_path, 1) == 0



USE_AFTER_FORK = r"""
import os, sys, signal
sys.modules["llvmlite"] = None
sys.modules["jitcore"] = None
import numpy as np
import aot_parallel as k
a = np.arange(1000.0)
assert k.psum(a) == 2 * a.sum()          # the parent's workers are running
pid = os.fork()
if pid == 0:                             # the child has no workers: the pool restarts them
    signal.alarm(60)
    ok = k.psum(a) == 2 * a.sum()
    foreign = 0
    for attempt in range(10):            # a value no serial draw gave came from a worker
        foreign = np.setdiff1d(k.draws(N_DRAWS), k.serial_draws(N_DRAWS)).size
        if foreign:
            break
    os._exit(0 if ok and foreign else 3 if not ok else 4)
_, status = os.waitpid(pid, 0)
threads = len(os.listdir("/proc/self/task"))
print(os.waitstatus_to_exitcode(status), threads)
""".replace("N_DRAWS", str(N))


def test_extension_pool_works_in_a_forked_child_and_caps_its_size(build: dict[str, Path]) -> None:
    cpus = len(os.sched_getaffinity(0))
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(build["extension"].parent),
           "JITCORE_NUM_THREADS": "1000000"}  # capped at 4 per CPU, not a million threads
    proc = subprocess.run([sys.executable, "-c", USE_AFTER_FORK], env=env, check=False,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    child_status, threads = map(int, proc.stdout.split())
    assert child_status == 0  # a hang: SIGALRM (-14); a wrong sum: 3; no worker ran: 4
    assert threads <= 4 * cpus + 1
