"""@vectorize against Numba's @vectorize and NumPy's composed expressions, serial and parallel.

    make bench-venv (or any venv with numba)    # numba is only needed here, never by tests
    .bench-venv/bin/python benchmarks/vectorize_bench.py [--sizes 10000,1000000,16000000]

Kernels: `axpb` (a*b + c, memory bound) and `black_scholes` (a call price with
exp, log, sqrt and erf: compute bound). Every implementation writes into a
preallocated output (out=), so the loops are measured, not page faults. Samples
are taken round-robin over the implementations, so they share the machine's noise,
with a pause before each (--pause) so the thread pools that spin after a run (Numba's
OpenMP or TBB workers, jitcore's) are asleep again; each figure is the minimum over
the repeats. Prints a Markdown table; the issue's targets: jitcore serial <= Numba
serial, jitcore parallel >= 1.8x jitcore serial (on 2 idle cores, for the 16 M rows).
The parallel targets' thread pools are started by the warm-up calls, so the figures time
the pool's runs, not thread creation; 10 000 elements is below jitcore's threshold (loops
under 2 x 16 384 elements run inline, without waking the pool). The last column is how
the parallel target's CPU time divides among the process's threads (from /proc). The
header says how loaded the machine was: the load average and how many cores a
two-process spin test found free.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("NUMBA_NUM_THREADS", str(os.cpu_count() or 1))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's jitcore

import numpy as np

SIG3 = ["float64(float64, float64, float64)"]


def axpb(a, b, c):
    return a * b + c


def black_scholes(s, k, t):
    r, sigma = 0.02, 0.3
    sqrt_t = math.sqrt(t)
    d1 = (math.log(s / k) + (r + 0.5 * sigma * sigma) * t) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    n1 = 0.5 * (1.0 + math.erf(d1 / math.sqrt(2.0)))
    n2 = 0.5 * (1.0 + math.erf(d2 / math.sqrt(2.0)))
    return s * n1 - k * math.exp(-r * t) * n2


def numpy_axpb(a, b, c, out):
    np.multiply(a, b, out=out)
    np.add(out, c, out=out)
    return out


def numpy_black_scholes(s, k, t, out):
    from scipy.special import erf  # NumPy has no erf; SciPy's is a ufunc too

    r, sigma = 0.02, 0.3
    sqrt_t = np.sqrt(t)
    d1 = (np.log(s / k) + (r + 0.5 * sigma * sigma) * t) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    n1 = 0.5 * (1.0 + erf(d1 / math.sqrt(2.0)))
    n2 = 0.5 * (1.0 + erf(d2 / math.sqrt(2.0)))
    np.subtract(s * n1, k * np.exp(-r * t) * n2, out=out)
    return out


def inputs(kernel: str, n: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(0)
    if kernel == "axpb":
        return rng.random(n), rng.random(n), rng.random(n)
    return rng.uniform(50, 150, n), rng.uniform(50, 150, n), rng.uniform(0.1, 2.0, n)


def build(kernel: str) -> dict[str, Callable[..., Any]]:
    """Every implementation of `kernel`, each called as f(x, y, z, out)."""
    import numba

    import jitcore

    func = {"axpb": axpb, "black_scholes": black_scholes}[kernel]
    impls: dict[str, Callable[..., Any]] = {}
    try:
        impls["numpy"] = {"axpb": numpy_axpb, "black_scholes": numpy_black_scholes}[kernel]
        impls["numpy"](*inputs(kernel, 4), np.empty(4))
    except ImportError:
        impls.pop("numpy")
    for target in ("cpu", "parallel"):
        nb = numba.vectorize(SIG3, target=target)(func)
        jc = jitcore.vectorize(SIG3, target=target)(func)
        impls[f"numba {target}"] = lambda x, y, z, out, f=nb: f(x, y, z, out=out)
        impls[f"jitcore {target}"] = lambda x, y, z, out, f=jc: f(x, y, z, out=out)
    return impls


def measure(impls: dict[str, Callable[..., Any]], args: tuple[np.ndarray, ...],
            repeats: int, pause: float) -> dict[str, float]:
    out = np.empty_like(args[0])
    reference = None
    for name, f in impls.items():  # warm up, and check they agree
        got = f(*args, out).copy()
        if reference is None:
            reference = got
        np.testing.assert_allclose(got, reference, rtol=1e-9, err_msg=name)
    best = dict.fromkeys(impls, math.inf)
    for _ in range(repeats):
        for name, f in impls.items():
            time.sleep(pause)  # the previous sample's pool threads (both spin) go to sleep
            start = time.perf_counter()
            f(*args, out)
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def thread_ticks() -> dict[str, int]:
    """CPU time (clock ticks) each thread of this process has used, from /proc (Linux)."""
    ticks = {}
    for task in Path("/proc/self/task").iterdir():
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        ticks[task.name] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


def cpu_split(f: Callable[..., Any], args: tuple[np.ndarray, ...], seconds: float = 1.0) -> str:
    """How the CPU time of repeated calls of `f` divides among threads ("51/49"): shows the
    work is shared even when other processes keep wall-clock speed-ups from showing."""
    if not Path("/proc/self/task").exists():
        return "-"
    out = np.empty_like(args[0])
    before = thread_ticks()
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        f(*args, out)
    used = sorted((v - before.get(k, 0) for k, v in thread_ticks().items()), reverse=True)
    total = sum(used) or 1
    return "/".join(f"{100 * u / total:.0f}" for u in used if u)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000,16000000")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--kernels", default="axpb,black_scholes")
    parser.add_argument("--pause", type=float, default=0.02,
                        help="seconds between samples, so one pool's spinning threads do not "
                             "slow the next implementation's sample")
    opts = parser.parse_args()
    import jitcore
    from parallel_bench import available_cores

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"threads: {os.environ['NUMBA_NUM_THREADS']} (numba), {jitcore.get_num_threads()} "
          f"(jitcore); cpus {os.cpu_count()}; load average {load}; cores free for this run "
          f"(two processes vs one): {available_cores():.2f}")
    print("times in ms, minimum of the repeats; speed-up = serial time / parallel time\n")
    print("| kernel | n | NumPy | Numba | jitcore | jitcore/Numba | Numba par. | jitcore par. | "
          "Numba par. speed-up | jitcore par. speed-up | jitcore par. CPU split % |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kernel in opts.kernels.split(","):
        impls = build(kernel)
        for n in map(int, opts.sizes.split(",")):
            args = inputs(kernel, n)
            t = measure(impls, args, opts.repeats, opts.pause)
            split = cpu_split(impls["jitcore parallel"], args)
            ms = {k: v * 1e3 for k, v in t.items()}
            numpy_ms = f"{ms['numpy']:.2f}" if "numpy" in ms else "-"
            print(f"| {kernel} | {n:,} | {numpy_ms} | {ms['numba cpu']:.2f} | "
                  f"{ms['jitcore cpu']:.2f} | {ms['jitcore cpu'] / ms['numba cpu']:.2f}x | "
                  f"{ms['numba parallel']:.2f} | {ms['jitcore parallel']:.2f} | "
                  f"{ms['numba cpu'] / ms['numba parallel']:.2f}x | "
                  f"{ms['jitcore cpu'] / ms['jitcore parallel']:.2f}x | {split} |", flush=True)
    import numba

    print(f"\nNumba's threading layer: {numba.threading_layer()}; load average after the run: "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
