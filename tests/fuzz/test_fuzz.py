"""The fuzzer: its parts on their own, then a fixed seed range over every profile.

`make fuzz N=10000` runs more (tests/fuzz/batch.py); this runs the first programs of each
profile, so a change that breaks a construct the generator writes fails here.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from tests.fuzz.batch import run_batch, seeds_for
from tests.fuzz.generator import FEATURES, PROFILES, generate
from tests.fuzz.reduce import reduce_program
from tests.fuzz.runner import Outcome, _difference

SEEDS = 40  # ~30 s on an idle 2-core machine


def test_generation_is_deterministic():
    assert generate(5, "arrays").source == generate(5, "arrays").source
    assert generate(5, "arrays").source != generate(6, "arrays").source


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_programs_are_valid_and_terminate_in_cpython(profile):
    """Generated programs run in CPython (an exception is allowed only when it is one the
    generator writes on purpose, or a NumPy/math domain error it guards against rarely)."""
    raised = 0
    for seed in range(60):
        prog = generate(seed, profile)
        ns = {"np": np, "math": math}
        exec(compile(prog.source, "<fuzz>", "exec"), ns)  # noqa: S102 - generated here
        args = eval(prog.args_src, {"np": np, "math": math})
        try:
            with np.errstate(all="ignore"):
                ns["f"](*args)
        except ValueError as exc:
            if not str(exc).startswith("fuzz "):  # the generator's own `raise`
                raised += 1
        except UnboundLocalError:  # a local assigned on some paths (loop_defined), rarely
            raised += 1
        except (OverflowError, ZeroDivisionError):
            raised += 1
    assert raised <= 3


def test_features_can_be_switched_off():
    off = frozenset({"arrays", "calls", "branching_operands"})
    for seed in range(30):
        src = generate(seed, "mixed", off).source
        assert "def h0" not in src and " if " not in src.replace("    if ", "")
    assert set(FEATURES) >= {f for p in PROFILES.values() for f in p}


def test_comparison_is_nan_and_dtype_aware():
    assert _difference((1.0, math.nan), (1.0, math.nan)) is None
    assert _difference(np.array([1.0, np.nan]), np.array([1.0, np.nan])) is None
    assert _difference(np.array([1.0]), np.array([1.0], dtype=np.float32))
    assert _difference(np.array([1.0]), np.array([[1.0]]))
    assert _difference(1, 1.0)  # an int where CPython gives a float
    assert _difference(np.float64(0.1 + 0.2), 0.30000000000000004) is None
    assert _difference(2.0, 2.5)


def test_reducer_keeps_the_failure_and_shrinks():
    prog = next(p for p in (generate(s, "scalar") for s in range(100))
                if "math.sin(" in p.source and len(p.source) > 400)

    def check(source, args_src):  # a stand-in failure: any program calling math.sin
        ns = {"np": np, "math": math}
        exec(source, ns)  # noqa: S102 - generated here
        ns["f"](*eval(args_src, {"np": np, "math": math}))
        return Outcome("wrong" if "math.sin(" in source else "ok")

    small = reduce_program(prog, Outcome("wrong"), check)
    assert "math.sin(" in small.source
    assert len(small.source) < len(prog.source) / 3
    assert len(small.source.splitlines()) <= 4


def test_fixed_seed_range_passes():
    """CompilerBug, a non-JitError from the compiler, a wrong value or exception, a crash
    or a hang is a failure; a JitError is a rejection, counted and kept rare."""
    report = run_batch(seeds_for("all", 0, SEEDS), jobs=2, timeout=300)
    summary = report.summary()
    print(summary)
    failures = "\n\n".join(f"{o.status}: {o.message}\n{p.script()}"
                           for p, o in report.failures)
    assert not report.failures, f"{summary}\n\n{failures}"
    total = report.total
    assert sum(total.values()) == SEEDS
    assert total["rejected"] <= SEEDS * 0.05, summary


def test_a_crashing_worker_is_reported_with_its_program(monkeypatch):
    """A worker that dies by a signal is a "crash" of the program it had started; the
    driver goes on with the next program in a new worker."""
    monkeypatch.setenv("JITCORE_FUZZ_CRASH_SEED", "1")  # the worker segfaults on seed 1
    report = run_batch([("scalar", 0), ("scalar", 1), ("scalar", 2)], jobs=1, timeout=300)
    assert {p.seed: o.status for p, o in report.failures} == {1: "crash"}
    assert "exit code -11" in report.failures[0][1].message
    assert sum(report.total.values()) == 3


def test_generator_writes_locals_on_some_paths_and_merged_layouts():
    """loop_defined writes scalars and tuples assigned in loops and branches (`s<n>`) and
    merge_layouts loops over a C array or a view of it; switching them off removes both."""
    import re

    def sources(off: frozenset[str]) -> str:
        return "\n".join(generate(seed, profile, off).source
                         for profile in ("control", "arrays", "mixed") for seed in range(80))

    on = sources(frozenset())
    assert re.search(r"^\s+s\d+ = ", on, re.M)
    assert re.search(r"^\s+for .* in .*\(a\d+ if .* else a\d+\[", on, re.M) or \
        re.search(r"\(a\d+\[[^]]*\] if .* else a\d+\)", on)
    off = sources(frozenset({"loop_defined", "merge_layouts"}))
    assert not re.search(r"^\s+s\d+ = ", off, re.M)
    assert "m0 = " not in off and " else a0[::-1])" not in off


def test_time_limit_ends_the_run_with_what_finished():
    import time

    report = run_batch([("scalar", 0), ("scalar", 1), ("scalar", 2)], jobs=1, timeout=300,
                       deadline=time.time())
    assert sum(report.total.values()) == 1  # the first program finishes; no other starts
