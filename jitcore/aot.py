"""Ahead-of-time compilation, the driver's part: find the exports, type and lower them.

    python -m jitcore aot kernels.py -o out                 # host, generic x86-64 code
    python -m jitcore aot kernels.py -o out --target aarch64-linux-gnu

    written = compile_module_file("kernels.py", "out")
        module = load_module_file(path)              # run the user's file
        exports = find_exports(module)               # its @jitcore.export marks
        lowered = lower_exports(exports, name, ...)  # jitcore.compiler.infer + lower, callees too
        targets.aot.write_extension / write_c_library(lowered, ...)   # objects, glue, cc

The functions marked with `@jitcore.export("sig")` go through the JIT's own `infer`
and `lower` (array-expression fusion, parallel loops, the CPython wrapper), with
their jitted callees, into one set of LLVM modules; targets.aot turns them into an
extension module and a C library for the target machine.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from jitcore.compiler import Callees, Compilable, check_returnable, infer, lower
from jitcore.targets.aot import AotError, Export, Lowered
from jitcore.typeinfer import types as t

__all__ = ["AotError", "compile_exports", "compile_module_file", "find_exports",
           "load_module_file", "lower_exports"]


class _AotCallees(Callees):
    """Lowering's view of other jitted functions: a symbol each, lowered into this output
    (not compiled into the process)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.symbols: dict[tuple[int, tuple[t.Type, ...]], str] = {}
        self.pending: list[tuple[Compilable, tuple[t.Type, ...], str]] = []

    def native_symbol(self, dispatcher: Compilable, argtypes: tuple[t.Type, ...]) -> str:
        argtypes = dispatcher.callee_argtypes(argtypes)
        key = (id(dispatcher), argtypes)
        if key not in self.symbols:
            name = dispatcher.py_func.__qualname__.replace("<", "_").replace(">", "_")
            symbol = f"{self.prefix}.{name}.{len(self.symbols)}"
            self.symbols[key] = symbol
            self.pending.append((dispatcher, argtypes, symbol))
        return self.symbols[key]


def find_exports(module: Any) -> list[Export]:
    """The `@export`ed signatures of a module's functions, in definition order."""
    from jitcore.typeinfer.signatures import parse_signature

    exports = []
    for value in vars(module).values():
        for name, spec in getattr(value, "_jitcore_exports", ()):
            ret, argtypes = parse_signature(spec)
            if ret is None:
                raise AotError(f"export {name!r}: the signature {spec!r} needs a return type")
            exports.append(Export(name, value, ret, argtypes, value.parameter_names))
    return exports


def load_module_file(path: str | Path) -> Any:
    path = Path(path).resolve()
    name = f"_jitcore_aot_.{path.stem}"  # not the extension's own name: it may be imported
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise AotError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def compile_module_file(path: str | Path, outdir: str | Path, name: str | None = None,
                        target: str | None = None, cpu: str | None = None,
                        features: str | None = None, kind: str = "all") -> dict[str, Path]:
    """Compile the exports of a Python file; returns the files written by kind."""
    module = load_module_file(path)
    exports = find_exports(module)
    if not exports:
        raise AotError(f"{path} exports nothing: mark functions with @jitcore.export('sig')")
    return compile_exports(exports, outdir, name or Path(path).stem, target, cpu, features, kind)


def compile_exports(exports: list[Export], outdir: str | Path, name: str,
                    target: str | None = None, cpu: str | None = None,
                    features: str | None = None, kind: str = "all") -> dict[str, Path]:
    """The Python API behind `python -m jitcore aot`."""
    from jitcore.targets import aot

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    machine = aot.target_machine(target, cpu, features)
    written: dict[str, Path] = {}
    if kind in ("all", "python"):
        lowered = lower_exports(exports, name, wrappers=True)
        written.update(aot.write_extension(machine, lowered, exports, out, name))
    if kind in ("all", "c"):
        lowered = lower_exports(exports, name, wrappers=False)
        written.update(aot.write_c_library(machine, lowered, exports, out, name))
    return written


def lower_exports(exports: list[Export], name: str, wrappers: bool) -> Lowered:
    """LLVM IR for every export and, transitively, every jitted function they call: the
    JIT's `infer` and `lower`, with a CPython wrapper per export if `wrappers`."""
    callees = _AotCallees(f"jc.aot.{name}")
    for e in exports:
        e.dispatcher.declare(e.ret, e.argtypes)
        e.symbol = callees.native_symbol(e.dispatcher, e.argtypes)
    lowered = Lowered()
    wrapped: set[str] = set()
    while callees.pending:
        disp, argtypes, symbol = callees.pending.pop(0)
        typed = infer(disp, argtypes)
        export = next((e for e in exports if e.symbol == symbol), None)
        wrapper = None
        if export is not None and wrappers and symbol not in wrapped:
            check_returnable(typed.graph)
            wrapper = (export.name, export.params)
            wrapped.add(symbol)
        native = lower(typed, symbol, disp.targetoptions, callees, wrapper)
        lowered.modules.append(native.module)
        lowered.constants.update(native.info.py_constants)
        lowered.alias_versions |= native.info.alias_versions
        lowered.strided_versions |= native.info.strided_versions
        lowered.uses_pool |= native.uses_pool
    return lowered
