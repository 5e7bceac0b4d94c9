"""jitcore against Numba (and C, NumPy) in one run: scalar and array kernels, compile, calls.

    make bench                                  # .bench-venv with numba, then this script
    .bench-venv/bin/python benchmarks/run.py --quick --json out.json
    .bench-venv/bin/python benchmarks/run.py --sections arrays --kernel sum_f64,fused_expr --quick

Steady-state samples are taken in one process, round-robin over kernels and,
within a kernel, over the two JITs (alternating which goes first), so both see the
same machine noise. Compile latency and import time come from fresh processes
(benchmarks/probe.py), alternating between the JITs. Everything runs
single-threaded; sizes and repeats are modest because the machine's two cores are
shared. Prints Markdown tables with the ratio jitcore/numba (> 1 means jitcore is
slower) next to the issue's target.

Sections (``--sections``, all by default): ``scalar`` (issue 2's scalar kernels),
``arrays`` (issue 3's array kernels against Numba, C and NumPy: benchmarks/arrays.py),
``calls`` (per-call overhead) and ``fresh`` (compile latency, import time).
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import timeit
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]  # this checkout's jitcore, whatever the venv points at

import arrays  # noqa: E402
import kernels  # noqa: E402

IMPLS = ("numba", "jitcore")
# Arguments per kernel: (full, --quick). Each full call takes ~10-60 ms.
SIZES: dict[str, tuple[tuple[Any, ...], tuple[Any, ...]]] = {
    "call_in_loop": ((10_000_000,), (1_000_000,)),
    "collatz_longest": ((100_000,), (10_000,)),
    "monte_carlo_pi": ((2_000_000, 12345), (200_000, 12345)),
    "math_series": ((1_000_000,), (100_000,)),
}
TARGETS = {"steady": 1.1, "compile": 1.0, "import": 1.0, "call": 1.5}
SECTIONS = ("scalar", "arrays", "calls", "fresh")
MIN_SAMPLE_S = 0.005  # a steady-state sample repeats calls until it lasts this long


class Unsupported(Exception):
    """A kernel one of the JITs cannot compile (yet); reported, not fatal."""


# --- steady state --------------------------------------------------------------------------


def steady_state(quick: bool, repeats: int, budget_s: float) -> dict[str, Any]:
    namespace, names, origin = kernels.load()
    jitted = {impl: kernels.jit_all(namespace, names, importlib.import_module(impl).njit)
              for impl in IMPLS}
    rows: dict[str, dict[str, Any]] = {}
    ready: dict[tuple[str, str], tuple[Callable[..., Any], int]] = {}
    for kernel, sizes in SIZES.items():
        args = sizes[1] if quick else sizes[0]
        row: dict[str, Any] = {"args": args, "results": {}, "errors": {}, "samples": {}}
        rows[kernel] = row
        for impl in IMPLS:
            func = jitted[impl][kernel]
            try:
                row["results"][impl] = func(*args)  # compiles
            except Exception as exc:  # noqa: BLE001  (report it, keep going with the rest)
                row["errors"][impl] = _first_line(exc)
                continue
            once = _time_calls(func, args, 1)
            ready[(kernel, impl)] = (func, max(1, math.ceil(MIN_SAMPLE_S / max(once, 1e-9))))
            row["samples"][impl] = []
        _check_agree(row)
    deadline = time.perf_counter() + budget_s
    for rep in range(repeats):
        for kernel, row in rows.items():
            order = IMPLS if rep % 2 == 0 else IMPLS[::-1]
            for impl in order:
                if (kernel, impl) in ready and "mismatch" not in row:
                    func, loops = ready[(kernel, impl)]
                    row["samples"][impl].append(_time_calls(func, row["args"], loops) / loops)
        if time.perf_counter() > deadline and rep >= 2:
            break
    return {"origin": origin, "rows": rows}


def _time_calls(func: Callable[..., Any], args: tuple[Any, ...], loops: int) -> float:
    # The thread's CPU time, not wall time: with the two cores shared, a wall-clock sample
    # also counts the time the process was descheduled (bimodal samples); CPU time does not.
    start = time.thread_time()
    for _ in range(loops):
        func(*args)
    return time.thread_time() - start


def _check_agree(row: dict[str, Any]) -> None:
    results = row["results"]
    if len(results) < 2:
        return
    a, b = (results[impl] for impl in IMPLS)
    same = (math.isclose(a, b, rel_tol=1e-9) if isinstance(a, float) else a == b)
    if not same:
        row["mismatch"] = f"numba gives {a!r}, jitcore gives {b!r}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


# --- fresh processes: compile latency and import time -----------------------------------------


def _probe(*argv: str) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    proc = subprocess.run([sys.executable, str(HERE / "probe.py"), *argv], env=env,
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or ["(no output)"]
        raise Unsupported(lines[-1])
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def fresh_processes(runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {"import": defaultdict(list), "errors": {}}
    for which in ("tiny", "big"):
        out[which] = {"cold": defaultdict(list), "warm": defaultdict(list)}
    for run in range(runs):
        order = IMPLS if run % 2 == 0 else IMPLS[::-1]
        for impl in order:
            out["import"][impl].append(_probe("import", impl)["seconds"])
            for which in ("tiny", "big"):
                key = f"{which}/{impl}"
                if key in out["errors"]:
                    continue
                try:
                    result = _probe("compile", impl, which)
                except Unsupported as exc:
                    out["errors"][key] = str(exc)
                    continue
                for label in ("cold", "warm"):
                    out[which][label][impl].append(result[label])
    return out


# --- per-call overhead --------------------------------------------------------------------------


def _ident(x):
    return x


def _add(a, b):
    return a + b


def call_overhead(number: int, repeats: int) -> dict[str, dict[str, float]]:
    cases = {"f(int)": (_ident, (7,)), "f(float, float)": (_add, (1.5, 2.25))}
    impls: dict[str, Callable[[Callable[..., Any]], Any]] = {"python": lambda f: f}
    for impl in IMPLS:
        impls[impl] = importlib.import_module(impl).njit
    best: dict[str, dict[str, float]] = {case: {} for case in cases}
    callables = {(case, impl): make(func) for case, (func, _) in cases.items()
                 for impl, make in impls.items()}
    for (case, _), f in callables.items():
        f(*cases[case][1])  # compile outside the timing
    for rep in range(repeats):
        for case, (_, args) in cases.items():
            order = list(impls) if rep % 2 == 0 else list(impls)[::-1]
            for impl in order:
                f = callables[(case, impl)]
                stmt = "f(a)" if len(args) == 1 else "f(a, b)"
                timer = timeit.Timer(stmt, globals={"f": f, "a": args[0], "b": args[-1]})
                per_call = timer.timeit(number) / number
                best[case][impl] = min(best[case].get(impl, math.inf), per_call)
    return best


# --- report ------------------------------------------------------------------------------------


def fmt_time(s: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def _ratio_cells(numba: float | None, jit: float | None, target: float) -> str:
    if numba is None or jit is None:
        return "— | —"
    ratio = jit / numba
    verdict = "meets" if ratio <= target else "misses"
    return f"**{ratio:.3g}** | ≤ {target:g}: {verdict}"


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for mod in ("numba", "llvmlite", "numpy", "jitcore"):
        versions[mod] = getattr(importlib.import_module(mod), "__version__", "?")
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "?"
    return {"date": datetime.date.today().isoformat(), "cpu": cpu,
            "cores": str(os.cpu_count()), "python": platform.python_version(),
            "commit": commit, **versions}


def _load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def report(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [f"Measured {m['date']} on {m['cpu']} ({m['cores']} cores, shared; 1-minute load "
             f"average {m.get('load_start', '?')} at start, {m.get('load_end', '?')} at end), "
             f"Python {m['python']}, numba {m['numba']}, llvmlite {m['llvmlite']}, "
             f"NumPy {m['numpy']}, jitcore {m['jitcore']} at {m['commit']}.",
             f"Command: `{results['settings'].get('command', 'benchmarks/run.py')}`.", ""]
    if "steady" in results:
        lines += _steady_table(results["steady"], results["settings"])
    if "arrays" in results:
        lines += arrays.report(results["arrays"], results["settings"]["repeats"])
        lines += [f"C: {results['arrays']['versions']['c']}.", ""]
    if "fresh" in results:
        lines += _fresh_tables(results["fresh"], results["settings"])
    if "calls" in results:
        lines += _call_table(results["calls"], results["settings"])
    return "\n".join(lines)


def _steady_table(steady: dict[str, Any], settings: dict[str, Any]) -> list[str]:
    lines = [f"### Steady state (thread CPU time per call: min of {settings['repeats']} "
             "interleaved samples, median in brackets)", "",
             "| kernel | args | numba | jitcore | jitcore/numba | target |",
             "|---|---|---|---|---|---|"]
    for kernel, row in steady["rows"].items():
        cells = []
        for impl in IMPLS:
            samples = row["samples"].get(impl)
            if impl in row["errors"]:
                cells.append(f"unsupported ({row['errors'][impl]})")
            elif samples:
                cells.append(f"{fmt_time(min(samples))} ({fmt_time(statistics.median(samples))})")
            else:
                cells.append("not measured")
        best = [min(row["samples"][i]) if row["samples"].get(i) else None for i in IMPLS]
        ratio = _ratio_cells(*best, TARGETS["steady"])
        if "mismatch" in row:
            ratio = f"results differ: {row['mismatch']} | —"
        args = ", ".join(f"{a:_}" if isinstance(a, int) else repr(a) for a in row["args"])
        lines.append(f"| {kernel} | {args} | {cells[0]} | {cells[1]} | {ratio} |")
    return [*lines, "", f"Kernels from {steady['origin']}.", ""]


def _fresh_tables(fresh: dict[str, Any], settings: dict[str, Any]) -> list[str]:
    runs = settings["runs"]
    lines = [f"### First-call compile latency (fresh process per sample, median of {runs})", "",
             "| function | numba | jitcore | jitcore/numba | target |", "|---|---|---|---|---|"]
    for which, label in (("tiny", "tiny `x + 1`"), ("big", "30-line loops/branches")):
        for phase in ("cold", "warm"):
            meds = []
            for impl in IMPLS:
                samples = fresh[which][phase].get(impl)
                meds.append(statistics.median(samples) if samples else None)
            cells = [fmt_time(v) if v is not None else
                     f"unsupported ({fresh['errors'].get(f'{which}/{impl}', '?')})"
                     for v, impl in zip(meds, IMPLS)]
            ratio = _ratio_cells(*meds, TARGETS["compile"])
            what = ("first compile in the process" if phase == "cold"
                    else "second function, same process")
            lines.append(f"| {label}, {phase} ({what}) | {cells[0]} | {cells[1]} | {ratio} |")
    imports = [statistics.median(fresh["import"][impl]) for impl in IMPLS]
    lines += ["", f"### Import time (fresh process, median of {runs})", "",
              "| statement | numba | jitcore | jitcore/numba | target |", "|---|---|---|---|---|",
              f"| `import numba` / `import jitcore` | {fmt_time(imports[0])} | "
              f"{fmt_time(imports[1])} | {_ratio_cells(*imports, TARGETS['import'])} |", ""]
    return lines


def _call_table(calls: dict[str, dict[str, float]], settings: dict[str, Any]) -> list[str]:
    lines = [f"### Per-call overhead (timeit, {settings['number']:_} calls, best of "
             f"{settings['call_repeats']})", "",
             "| call | plain Python | numba | jitcore | jitcore/numba | target |",
             "|---|---|---|---|---|---|"]
    for case, best in calls.items():
        lines.append(f"| `{case}` | {fmt_time(best['python'])} | {fmt_time(best['numba'])} | "
                     f"{fmt_time(best['jitcore'])} | "
                     f"{_ratio_cells(best['numba'], best['jitcore'], TARGETS['call'])} |")
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few repeats")
    parser.add_argument("--repeats", type=int, help="steady-state samples per kernel (15)")
    parser.add_argument("--runs", type=int, help="fresh processes per figure (5)")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds of steady-state sampling at most")
    parser.add_argument("--array-budget", type=float, default=30.0,
                        help="seconds of sampling at most per array kernel")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--kernel", help="comma-separated array kernels (default: all)")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    opts = parser.parse_args()
    sections = [name for name in opts.sections.split(",") if name]
    if set(sections) - set(SECTIONS):
        parser.error(f"unknown section(s): {', '.join(sorted(set(sections) - set(SECTIONS)))}")
    settings = {"repeats": opts.repeats or (5 if opts.quick else 15),
                "runs": opts.runs or (3 if opts.quick else 5),
                "number": 20_000 if opts.quick else 200_000,
                "call_repeats": 3 if opts.quick else 7, "quick": opts.quick}
    settings["command"] = " ".join(["benchmarks/run.py", *sys.argv[1:]])
    results: dict[str, Any] = {"settings": settings, "machine": machine()}
    results["machine"]["load_start"] = _load_average()
    if "scalar" in sections:
        print("steady state ...", file=sys.stderr)
        results["steady"] = steady_state(opts.quick, settings["repeats"], opts.budget)
    if "arrays" in sections:
        print("array kernels ...", file=sys.stderr)
        names = opts.kernel.split(",") if opts.kernel else None
        results["arrays"] = arrays.measure(opts.quick, settings["repeats"], opts.array_budget,
                                           names)
    if "calls" in sections:
        print("per-call overhead ...", file=sys.stderr)
        results["calls"] = call_overhead(settings["number"], settings["call_repeats"])
    if "fresh" in sections:
        print("fresh processes (compile, import) ...", file=sys.stderr)
        results["fresh"] = fresh_processes(settings["runs"])
    results["machine"]["load_end"] = _load_average()
    print(report(results))
    if opts.json:
        opts.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
