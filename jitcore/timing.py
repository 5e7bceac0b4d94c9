"""JITCORE_TIMING=1: one line on stderr per compiled function, with the time of each stage.

    jitcore: compiled demo.f(float64) in 14.2 ms: infer 0.9, lower 1.4, optimise 6.1, codegen 5.8
    jitcore: loaded demo.g(int64) from the cache in 0.4 ms

A callee compiled while its caller is lowered gets its own line, and its time is not
counted again in the caller's. Callees are typed while their caller is (their `infer` is
the caller's), and the code of a whole compilation (the function and its new callees) is
generated at once: codegen is on the line of the function Python called, printed last.
"""
from __future__ import annotations

import sys
import time
from typing import Any

STAGES = ("infer", "lower", "optimise", "codegen")


class Clock:
    """The stage times of one compilation; `nested`: time spent compiling callees, which
    the stage running at the time does not count."""

    def __init__(self, name: str, parent: Clock | None) -> None:
        self.name = name
        self.parent = parent
        self.stages = dict.fromkeys(STAGES, 0.0)
        self.nested = 0.0
        self.started = time.perf_counter()
        self.running = True

    def stage(self, name: str) -> _Stage:
        return _Stage(self, name)

    def total(self) -> float:
        return sum(self.stages.values())

    def finish(self) -> None:
        """Count this compilation's time as nested in its parent's current stage."""
        self.running = False
        if self.parent is not None:
            self.parent.nested += time.perf_counter() - self.started

    def report(self) -> None:
        stages = ", ".join(f"{name} {self.stages[name] * 1e3:.1f}" for name in STAGES)
        print(f"jitcore: compiled {self.name} in {self.total() * 1e3:.1f} ms: {stages}",
              file=sys.stderr)


class _Stage:
    def __init__(self, clock: Clock, name: str) -> None:
        self.clock, self.name = clock, name

    def __enter__(self) -> None:
        self.start, self.nested = time.perf_counter(), self.clock.nested

    def __exit__(self, *exc: Any) -> None:
        spent = time.perf_counter() - self.start - (self.clock.nested - self.nested)
        self.clock.stages[self.name] += spent


def report_cache_hit(name: str, seconds: float) -> None:
    print(f"jitcore: loaded {name} from the cache in {seconds * 1e3:.1f} ms", file=sys.stderr)
