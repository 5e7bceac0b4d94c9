"""Array kernels (issue 3): jitcore against Numba, hand-written C and NumPy in one process.

    from arrays import measure, report
    results = measure(quick=True, repeats=5, budget_s=60, names=["sum_f64", "fused_expr"])
    print("\\n".join(report(results)))

The kernels, their inputs, references, checks and C versions are the shared harness's
(``../shared/bench``: kernels.py, cases.py, c/kernels.c built by ckernels.py), imported
by path so that every harness times the very same source and the very same C. One
kernel is ours: ``fused_expr`` (``a*b + c*d - e`` on whole arrays), which NumPy
evaluates as composed operations with temporaries and the JITs fuse into one loop; its
C version is ``fused.c`` next to this file, built with the shared harness's flags.

Per kernel, every implementation's first call runs on fresh inputs and is checked
against the case's reference (for a JIT the first call includes compilation and is
reported as such). Then samples are taken in rounds: each round times every
implementation once, starting with a different one each round, so all see the same
machine noise. A sample repeats calls until it lasts at least 5 ms. Samples are the
thread's CPU time per call (``time.thread_time``): on two cores shared with other
work, wall-clock samples are bimodal (the process is descheduled for part of a sample),
CPU time is not; wall-clock samples are kept too (``wall`` in the JSON). Everything
runs on one thread (BLAS and Numba thread counts are 1), so the two agree on a quiet
machine.
"""
from __future__ import annotations

import ctypes
import importlib
import importlib.util
import math
import os
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared" / "bench"
IMPLS = ("numba", "jitcore", "c", "numpy")
MIN_SAMPLE_S = 0.005
# The issue's targets: jitcore/numba per kernel and as a geometric mean, jitcore/C, and
# the fused expression against NumPy's composed evaluation.
TARGET_NUMBA, TARGET_GEOMEAN, TARGET_C, TARGET_NUMPY = 1.0, 0.95, 1.15, 1.0
# The kernels issue 3 lists (sum, dot, saxpy, ..., a float32 kernel, the fused
# expression); the other rows of the table are the shared harness's scalar kernels.
ISSUE3 = ("sum_f64", "sum_fastmath", "dot", "saxpy", "jacobi2d", "matmul", "prefix_sum",
          "histogram", "pairwise_distances", "nbody_step", "black_scholes", "mandelbrot",
          "sieve", "poly_f32", "fused_expr")
FOLDED = "call_in_loop"  # LLVM replaces its loop by a closed form: left out of one geomean
# Ours, beyond the issue's list (not in its geomean): the shared black_scholes kernel under
# fastmath=True, error_model="numpy" (no ZeroDivisionError test, so the loop can vectorise),
# where jitcore calls glibc's vector math (libmvec); C is built with -ffast-math.
FASTMATH_BS = "black_scholes_fastmath"
# Also ours: poly_f32 with fastmath={"contract"} in both JITs. gcc's "strict" C build
# contracts c * v + c' into fused multiply-adds by default (GNU C's -ffp-contract=fast),
# which the strict JIT kernels, rounding each operation as Python does, may not.
CONTRACT_POLY = "poly_f32_contract"
EXTRA_LABELS = {FASTMATH_BS: "libmvec", CONTRACT_POLY: "FMA, as gcc's strict build"}


# --- loading the shared harness -----------------------------------------------------------


def _load(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def shared_modules() -> tuple[types.ModuleType, types.ModuleType, types.ModuleType]:
    """(kernels, cases, ckernels) of the shared harness, under private module names.

    cases.py does ``import kernels``; that name is ours in run.py (benchmarks/kernels.py),
    so the shared kernels stand in for it only while cases.py is executed.
    """
    if "shared_bench_cases" in sys.modules:
        return (sys.modules["shared_bench_kernels"], sys.modules["shared_bench_cases"],
                sys.modules["shared_bench_ckernels"])
    kernels = _load("shared_bench_kernels", SHARED / "kernels.py")
    ours = sys.modules.get("kernels")
    sys.modules["kernels"] = kernels
    try:
        cases = _load("shared_bench_cases", SHARED / "cases.py")
    finally:
        if ours is None:
            del sys.modules["kernels"]
        else:
            sys.modules["kernels"] = ours
    ckernels = _load("shared_bench_ckernels", SHARED / "ckernels.py")
    return kernels, cases, ckernels


# --- our kernel: a fused whole-array expression -------------------------------------------


def fused_expr(a, b, c, d, e):
    """One pass under a fusing JIT; NumPy makes temporaries for a*b and c*d."""
    return a * b + c * d - e


def _five_arrays(n: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(20240601)
    return tuple(rng.random(n) for _ in range(5))


def fused_case(cases: types.ModuleType) -> Any:
    # 2 million float64 = 16 MB per array: below glibc's largest mmap threshold (32 MB),
    # so the result's memory is reused from the heap between calls, as in a real loop.
    return cases.Case("fused_expr", fused_expr, _five_arrays, (2_000_000, 200_000),
                      fused_expr, vectorized=True)


def fastmath_black_scholes_case(cases: types.ModuleType) -> Any:
    from dataclasses import replace

    exact = next(case for case in cases.CASES if case.name == "black_scholes")
    # libmvec's exp/log/erf are within 4 ulp: the prices (up to ~100) agree to ~1e-13
    return replace(exact, name=FASTMATH_BS,
                   options={"fastmath": True, "error_model": "numpy"})


def contract_poly_case(cases: types.ModuleType) -> Any:
    from dataclasses import replace

    strict = next(case for case in cases.CASES if case.name == "poly_f32")
    return replace(strict, name=CONTRACT_POLY, options={"fastmath": {"contract"}})


def _build_fused(ckernels: types.ModuleType) -> Callable[..., np.ndarray]:
    source = HERE / "fused.c"
    path = Path(ckernels.BUILD_DIR) / "libfused_strict.so"
    if not path.exists() or path.stat().st_mtime < source.stat().st_mtime:
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([ckernels.CC, *ckernels.BASE_FLAGS, str(source), "-o", str(path)],
                       check=True)
    lib = ctypes.CDLL(str(path))
    lib.fused_expr.restype = None
    lib.fused_expr.argtypes = [ckernels.F64] * 6 + [ctypes.c_int64]

    def fused(a, b, c, d, e):
        out = np.empty_like(a)
        lib.fused_expr(a, b, c, d, e, out, a.size)
        return out

    return fused


# --- implementations ----------------------------------------------------------------------


class Implementations:
    """Turns a case into a callable per implementation (or a reason it has none)."""

    def __init__(self, kernels: types.ModuleType, ckernels: types.ModuleType) -> None:
        self.kernels = kernels
        self.njit = {name: importlib.import_module(name).njit for name in ("numba", "jitcore")}
        self.c = {variant: ckernels.load(variant) for variant in ckernels.VARIANT_FLAGS}
        self.c_fused = _build_fused(ckernels)
        self.c_version = (f"{ckernels.compiler_version()} {' '.join(ckernels.BASE_FLAGS)}"
                          " (+ -ffast-math for fastmath kernels)")

    def prepare(self, impl: str, case: Any) -> Callable[..., Any]:
        if impl in self.njit:
            return self._jit(self.njit[impl], case)
        if impl == "c":
            if case.name == "fused_expr":
                return self.c_fused
            variant = "fastmath" if case.options.get("fastmath") is True else "strict"
            return getattr(self.c[variant], case.kernel.__name__)  # type: ignore[no-any-return]
        if not case.vectorized:
            raise NotImplementedError("no natural NumPy version")
        return case.reference  # type: ignore[no-any-return]

    def _jit(self, njit: Any, case: Any) -> Callable[..., Any]:
        # Every function of the shared kernels is jitted in a private namespace, so a kernel
        # that calls a helper (call_in_loop -> offset_or_flag) calls the jitted helper.
        namespace = dict(vars(self.kernels))
        for name, value in vars(self.kernels).items():
            if isinstance(value, types.FunctionType) and value.__module__ == self.kernels.__name__:
                namespace[name] = njit(_rebind(value, namespace))
        return njit(**case.options)(_rebind(case.kernel, namespace))  # type: ignore[no-any-return]


def _rebind(func: types.FunctionType, namespace: dict[str, Any]) -> types.FunctionType:
    return types.FunctionType(func.__code__, namespace, func.__name__, func.__defaults__,
                              func.__closure__)


# --- measuring ----------------------------------------------------------------------------


def _time_calls(func: Callable[..., Any], args: tuple[Any, ...],
                loops: int) -> tuple[float, float]:
    """(thread CPU seconds, wall seconds) of `loops` calls."""
    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(loops):
        func(*args)
    return time.thread_time() - cpu, time.perf_counter() - wall


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def measure_case(impls: Implementations, case: Any, quick: bool, repeats: int,
                 budget_s: float) -> dict[str, Any]:
    """One kernel: first calls checked against the reference, then interleaved samples."""
    size = case.sizes[1] if quick else case.sizes[0]
    row: dict[str, Any] = {"size": size, "first_call": {}, "errors": {}, "samples": {},
                          "wall": {}}
    expected = case.expected(case.args(quick))
    ready: dict[str, tuple[Callable[..., Any], int]] = {}
    timing_args = case.args(quick)  # one set of inputs, shared by all implementations
    for impl in IMPLS:
        try:
            func = impls.prepare(impl, case)
        except NotImplementedError:
            continue  # NumPy has no natural version of a scalar kernel: n/a
        try:
            args = case.args(quick)
            start = time.perf_counter()
            result = func(*args)
            row["first_call"][impl] = time.perf_counter() - start
        except Exception as exc:  # noqa: BLE001  (reported in the table, the run goes on)
            row["errors"][impl] = _first_line(exc)
            continue
        problem = case.check(expected, case.observed(args, result))
        if problem:
            row["errors"][impl] = f"wrong result: {problem}"
            continue
        once = _time_calls(func, timing_args, 1)[1]
        ready[impl] = (func, max(1, math.ceil(MIN_SAMPLE_S / max(once, 1e-9))))
        row["samples"][impl], row["wall"][impl] = [], []
    deadline = time.perf_counter() + budget_s
    order = list(ready)
    for rep in range(repeats if order else 0):
        shift = rep % len(order)  # each round starts with a different implementation
        for impl in order[shift:] + order[:shift]:
            func, loops = ready[impl]
            cpu, wall = _time_calls(func, timing_args, loops)
            row["samples"][impl].append(cpu / loops)
            row["wall"][impl].append(wall / loops)
        if time.perf_counter() > deadline and rep >= 2:
            break
    return row


def measure(quick: bool, repeats: int, budget_s: float,
            names: list[str] | None = None) -> dict[str, Any]:
    """All (or the named) kernels; budget_s bounds the sampling time of each kernel."""
    kernels, cases, ckernels = shared_modules()
    selected = [*cases.CASES, fused_case(cases), fastmath_black_scholes_case(cases),
                contract_poly_case(cases)]
    if names:
        unknown = sorted(set(names) - {case.name for case in selected})
        if unknown:
            raise SystemExit(f"unknown kernel(s): {', '.join(unknown)}")
        selected = [case for case in selected if case.name in names]
    impls = Implementations(kernels, ckernels)
    rows = {}
    for case in selected:
        print(f"  {case.name} ...", file=sys.stderr, flush=True)
        rows[case.name] = measure_case(impls, case, quick, repeats, budget_s)
    versions = {"c": impls.c_version, "numpy": np.__version__}
    return {"rows": rows, "versions": versions, "shared": str(SHARED),
            "threads": os.environ.get("OPENBLAS_NUM_THREADS", "?")}


# --- report -------------------------------------------------------------------------------


def best(row: dict[str, Any], impl: str) -> float | None:
    samples = row["samples"].get(impl)
    return min(samples) if samples else None


def ratio(row: dict[str, Any], impl: str, base: str) -> float | None:
    a, b = best(row, impl), best(row, base)
    return a / b if a is not None and b is not None else None


def geomean(values: list[float]) -> float | None:
    return math.exp(statistics.fmean(math.log(v) for v in values)) if values else None


def fmt_time(s: float | None) -> str:
    if s is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def fmt_ratio(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if value >= 0.01 else f"{value:.1e}"


def verdicts(name: str, row: dict[str, Any]) -> list[str]:
    """The issue's per-kernel targets, each 'meets' or 'MISSES'."""
    out = []
    xn, xc, xp = ratio(row, "jitcore", "numba"), ratio(row, "jitcore", "c"), None
    if xn is not None:
        out.append(f"≤{TARGET_NUMBA:g}x numba: {'meets' if xn <= TARGET_NUMBA else 'MISSES'}")
    if xc is not None:
        out.append(f"≤{TARGET_C:g}x C: {'meets' if xc <= TARGET_C else 'MISSES'}")
    if name == "fused_expr":
        xp = ratio(row, "jitcore", "numpy")
        if xp is not None:
            out.append(f"< NumPy: {'meets' if xp < TARGET_NUMPY else 'MISSES'}")
    return out


def _cell(row: dict[str, Any], impl: str) -> str:
    if impl in row["errors"]:
        return f"error ({row['errors'][impl]})"
    samples = row["samples"].get(impl)
    if not samples:
        return "n/a"
    return f"{fmt_time(min(samples))} ({fmt_time(statistics.median(samples))})"


def report(results: dict[str, Any], repeats: int) -> list[str]:
    rows = results["rows"]
    lines = [f"### Array kernels (thread CPU time per call: min of up to {repeats} "
             "interleaved samples, median in brackets)", "",
             "| kernel | size | numba | jitcore | C | NumPy | x numba | x C | x NumPy | targets |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, row in rows.items():
        size = row["size"]
        size_text = f"{size:_}" if isinstance(size, int) else str(size)
        label = (name if name in ISSUE3 else f"{name} ({EXTRA_LABELS[name]})"
                 if name in EXTRA_LABELS else f"{name} (scalar)")
        lines.append(
            f"| {label} | {size_text} | {_cell(row, 'numba')} | {_cell(row, 'jitcore')} | "
            f"{_cell(row, 'c')} | {_cell(row, 'numpy')} | "
            f"**{fmt_ratio(ratio(row, 'jitcore', 'numba'))}** | "
            f"{fmt_ratio(ratio(row, 'jitcore', 'c'))} | "
            f"{fmt_ratio(ratio(row, 'jitcore', 'numpy'))} | {'; '.join(verdicts(name, row))} |")
    lines += ["", "x numba, x C, x NumPy: jitcore's time divided by theirs (below 1: jitcore "
              "is faster), from the minima.", ""]
    lines += geomean_table(rows)
    lines += first_call_table(rows)
    return lines


def geomeans(rows: dict[str, Any]) -> list[tuple[str, dict[str, float | None], int]]:
    """(label, {base: geomean of jitcore/base}, kernel count) for three kernel groups."""
    groups = [("all kernels", list(rows)),
              (f"all but {FOLDED}, {FASTMATH_BS} and {CONTRACT_POLY}",
               [k for k in rows if k not in (FOLDED, *EXTRA_LABELS)]),
              ("the issue's array kernels", [k for k in rows if k in ISSUE3])]
    out = []
    for label, names in groups:
        means: dict[str, float | None] = {}
        for base in ("numba", "c"):
            values = [ratio(rows[k], "jitcore", base) for k in names]
            means[base] = geomean([v for v in values if v is not None])
        out.append((label, means, len(names)))
    return out


def geomean_table(rows: dict[str, Any]) -> list[str]:
    lines = ["| geometric mean of jitcore's ratio | kernels | x numba | x C | target |",
             "|---|---:|---:|---:|---|"]
    for label, means, count in geomeans(rows):
        xn = means["numba"]
        verdict = ("—" if xn is None else
                   f"< {TARGET_GEOMEAN:g}x numba: {'meets' if xn < TARGET_GEOMEAN else 'MISSES'}")
        lines.append(f"| {label} | {count} | **{fmt_ratio(xn)}** | {fmt_ratio(means['c'])} | "
                     f"{verdict} |")
    return [*lines, "", "(x C over the kernels that have a C version.)", ""]


def first_call_table(rows: dict[str, Any]) -> list[str]:
    lines = ["First call (compilation + one run) of each JIT, on fresh inputs:", "",
             "| kernel | numba | jitcore | jitcore/numba |", "|---|---:|---:|---:|"]
    for name, row in rows.items():
        first = row["first_call"]
        a, b = first.get("numba"), first.get("jitcore")
        xr = fmt_ratio(b / a) if a and b else "—"
        lines.append(f"| {name} | {fmt_time(a)} | {fmt_time(b)} | {xr} |")
    return [*lines, ""]
