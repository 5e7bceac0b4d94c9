"""Child process of run.py: one fresh-process measurement, printed as JSON.

    python benchmarks/probe.py import numba      -> {"seconds": 0.16}
    python benchmarks/probe.py compile jitcore tiny
        -> {"cold": first compile + call in this process, "warm": the next one}

Run in a new interpreter for every sample so that "cold" includes whatever a JIT
initialises lazily (LLVM, its target machine, its type tables).
"""
from __future__ import annotations

import importlib
import json
import linecache
import sys
import time
from collections.abc import Callable
from typing import Any

# A tiny function and a 30-line one (loops, branches, ints and floats, tuples).
TINY = """
def {name}(x):
    return x + 1
"""

BIG = """
def {name}(n, x):
    total = 0.0
    count = 0
    a, b = 0, 1
    for i in range(n):
        if i % 3 == 0:
            total += x * i
        elif i % 3 == 1:
            total -= x / (i + 1)
        else:
            total += (i // 2) * 0.5
        a, b = b, (a + b) % 1000003
        j = 0
        while j < 3:
            if (i + j) % 7 == 0:
                count += 1
                break
            j += 1
        else:
            count -= 1
    k = 0
    for i in range(10, 0, -2):
        k = k * 3 + i
        if k > 10000:
            k -= 10000
    sign = 1 if total >= 0.0 else -1
    scaled = total * sign
    while scaled > 1000.0:
        scaled = scaled / 10.0
    return scaled + count + k + a - b
"""

ARGS = {"tiny": (41,), "big": (100, 0.5)}


def define(template: str, name: str) -> Callable[..., Any]:
    """A function from source text, with its lines registered for error messages."""
    source = template.format(name=name)
    filename = f"<bench-{name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]  # type: ignore[no-any-return]


def measure_import(module: str) -> dict[str, float]:
    start = time.perf_counter()
    importlib.import_module(module)
    return {"seconds": time.perf_counter() - start}


def measure_compile(module: str, which: str) -> dict[str, float]:
    njit = importlib.import_module(module).njit
    template = TINY if which == "tiny" else BIG
    out = {}
    for label, name in (("cold", f"{which}_a"), ("warm", f"{which}_b")):
        func = njit(define(template, name))
        start = time.perf_counter()
        func(*ARGS[which])
        out[label] = time.perf_counter() - start
    return out


def main(argv: list[str]) -> None:
    kind, module = argv[0], argv[1]
    result = measure_import(module) if kind == "import" else measure_compile(module, argv[2])
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
