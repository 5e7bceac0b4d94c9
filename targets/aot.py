"""Ahead-of-time output: a CPython extension module and a C-ABI shared library.

    python -m jitcore aot kernels.py -o out                 # host, generic x86-64 code
    python -m jitcore aot kernels.py -o out --target aarch64-linux-gnu

    out/kernels.cpython-311-x86_64-linux-gnu.so   import kernels; kernels.mean(a)
                                                  (needs NumPy only: no llvmlite, no jitcore)
    out/libkernels.so + out/kernels.h             int mean(const jc_array_float64_1d *a,
                                                           double *result);

The functions marked with `@jitcore.export("sig")` are typed and lowered as for the
JIT, with their jitted callees, into one LLVM module for the target machine
(position-independent, the small code model), plus generated glue (targets.aotglue):
for Python, a `PyInit_<name>` that binds the code's globals (exception classes,
constants, NumPy's C API table from its capsule) and creates the module; for C,
shims taking arrays by pointer and a tiny error record standing in for Python's.
The system C compiler (`cc`, or `<triple>-gcc` for another target) links the object.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llvmlite import ir

from jitcore.typeinfer import types as t


class AotError(Exception):
    """The module cannot be compiled ahead of time (with what was asked)."""


@dataclass(eq=False)
class Export:
    """One exported signature of a function."""

    name: str  # the Python method name
    dispatcher: Any
    ret: t.Type
    argtypes: tuple[t.Type, ...]
    symbol: str = ""  # the native function
    c_name: str = ""  # the C-ABI function


@dataclass
class Lowered:
    """The target-independent LLVM IR of a set of exports and their callees."""

    modules: list[ir.Module] = field(default_factory=list)
    constants: dict[str, Any] = field(default_factory=dict)  # global -> Python object
    alias_versions: bool = False  # worth unroll-and-jam (ModuleInfo.alias_versions)
    strided_versions: bool = False  # ModuleInfo.strided_versions


class _Callees:
    """Lowering's view of other jitted functions: a symbol each, lowered into this output."""

    def __init__(self, prefix: str) -> None:
        from jitcore.compiler import CALLEES

        self.prefix = prefix
        self.symbols: dict[tuple[int, tuple[t.Type, ...]], str] = {}
        self.pending: list[tuple[Any, tuple[t.Type, ...], str]] = []
        self.signature_of = CALLEES.signature_of
        self.library = CALLEES.library

    def native_symbol(self, dispatcher: Any, argtypes: tuple[t.Type, ...]) -> str:
        if dispatcher._eager:
            argtypes = dispatcher._eager_argtypes_for(argtypes)
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
            exports.append(Export(name, value, ret, argtypes))
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
    from . import aotglue

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    machine = target_machine(target, cpu, features)
    written: dict[str, Path] = {}
    if kind in ("all", "python"):
        lowered = lower_exports(exports, name, wrappers=True)
        used = aotglue.bindings_used(lowered.modules)
        glue = aotglue.python_glue(name, exports, lowered.constants, used)
        obj = out / f"{name}.pyext.o"
        obj.write_bytes(emit_object(machine, [*lowered.modules, glue], exported={
            f"PyInit_{name}"}, jam=lowered.alias_versions, strided=lowered.strided_versions))
        written["extension"] = link(machine, obj, out / (name + extension_suffix(machine)),
                                    libs=["-ldl"] if used else [])  # dlopen before glibc 2.34
        written["python-object"] = obj
    if kind in ("all", "c"):
        lowered = lower_exports(exports, name, wrappers=False)
        _name_c_functions(exports)
        glue = aotglue.c_glue(name, exports, lowered)
        obj = out / f"{name}.o"
        api = {e.c_name for e in exports} | set(aotglue.c_runtime_names(name))
        obj.write_bytes(emit_object(machine, [*lowered.modules, glue], exported=api,
                                    jam=lowered.alias_versions,
                                    strided=lowered.strided_versions))
        written["library"] = link(machine, obj, out / f"lib{name}.so", c_library=True)
        written["object"] = obj
        header = out / f"{name}.h"
        header.write_text(aotglue.c_header(name, exports))
        written["header"] = header
    return written


def _name_c_functions(exports: list[Export]) -> None:
    """C has no overloading: a name exported with several signatures gets suffixes."""
    counts: dict[str, int] = {}
    for e in exports:
        counts[e.name] = counts.get(e.name, 0) + 1
    seen: dict[str, int] = {}
    for e in exports:
        seen[e.name] = seen.get(e.name, 0) + 1
        e.c_name = e.name if counts[e.name] == 1 else f"{e.name}_{seen[e.name]}"


def lower_exports(exports: list[Export], name: str, wrappers: bool) -> Lowered:
    """LLVM IR for every export and, transitively, every jitted function they call."""
    from jitcore.compiler import check_returnable, infer
    from jitcore.lowering.arrayexpr import fuse_array_expressions
    from jitcore.lowering.context import ModuleInfo
    from jitcore.lowering.emit import emit_function

    from .wrapper import emit_wrapper

    callees = _Callees(f"jc.aot.{name}")
    for e in exports:
        e.dispatcher._declare(e.ret, e.argtypes)
        e.symbol = callees.native_symbol(e.dispatcher, e.argtypes)
    lowered = Lowered()
    done: set[str] = set()
    while callees.pending:
        disp, argtypes, symbol = callees.pending.pop(0)
        typed = infer(disp, argtypes)
        module = ir.Module(symbol)
        info = ModuleInfo()
        fuse_array_expressions(typed.graph)
        emit_function(typed.graph, symbol, module, info, callees, disp.targetoptions)
        for e in exports:
            if e.symbol == symbol and wrappers and symbol not in done:
                check_returnable(typed.graph)
                emit_wrapper(module, info, symbol, typed.signature.return_type, argtypes,
                             bool(disp.targetoptions.get("nogil")), e.name,
                             tuple(disp._pysig.parameters))
                done.add(symbol)
        lowered.modules.append(module)
        lowered.constants.update(info.py_constants)
        lowered.alias_versions |= info.alias_versions
        lowered.strided_versions |= info.strided_versions
    return lowered


# --- target machines, object code, linking ---------------------------------------------------

def normalize_triple(target: str | None) -> str:
    import llvmlite.binding as llvm

    if not target:
        return str(llvm.get_process_triple())
    parts = target.split("-")
    if len(parts) == 3 and parts[1] in ("linux",):  # aarch64-linux-gnu -> aarch64-unknown-...
        parts.insert(1, "unknown")
    return "-".join(parts)


def target_machine(target: str | None, cpu: str | None, features: str | None) -> Any:
    """A PIC target machine for `target` (default: this host with a generic CPU)."""
    import llvmlite.binding as llvm

    from .machine import host_cpu

    llvm.initialize_all_targets()
    llvm.initialize_all_asmprinters()
    triple = normalize_triple(target)
    if cpu == "host":
        if target and triple != normalize_triple(None):
            raise AotError("--cpu host only makes sense for the host target")
        cpu, host_features = host_cpu()
        features = features or host_features
    try:
        tgt = llvm.Target.from_triple(triple)
    except RuntimeError as exc:
        raise AotError(f"LLVM cannot generate code for {triple}: {exc}") from None
    return tgt.create_target_machine(cpu=cpu or "generic", features=features or "", opt=3,
                                     reloc="pic", codemodel="default")


def emit_object(machine: Any, modules: list[ir.Module], exported: set[str],
                jam: bool = False, strided: bool = True) -> bytes:
    """Link the modules, optimise for `machine` (`jam`: some have alias versions, `strided`:
    one of those may index a strided array), hide all but `exported`, emit an object."""
    import llvmlite.binding as llvm

    from .codegen import optimise
    from .specialise import specialise

    triple, layout = machine.triple, str(machine.target_data)
    combined = None
    for module in modules:
        module.triple, module.data_layout = triple, layout
        specialise(module, triple)
        mod = llvm.parse_assembly(str(module))
        if combined is None:
            combined = mod
        else:
            combined.link_in(mod)
    assert combined is not None
    combined.verify()
    optimise(combined, 3, jam=jam, machine=machine, strided=strided)
    for value in [*combined.functions, *combined.global_variables]:
        if not value.is_declaration and value.name not in exported and value.linkage.name in (
                "external", "weak", "linkonce_odr"):
            value.visibility = "hidden"
    return bytes(machine.emit_object(combined))


def extension_suffix(machine: Any) -> str:
    """`.cpython-311-<arch>-linux-gnu.so` for the machine's architecture."""
    host = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    arch = machine.triple.split("-")[0]
    host_arch = normalize_triple(None).split("-")[0]
    return host if arch == host_arch else host.replace(host_arch, arch)


def linker_for(machine: Any) -> list[str]:
    """The C compiler driver that links for the machine's triple."""
    triple = machine.triple
    host = normalize_triple(None)
    if triple.split("-")[0] == host.split("-")[0]:
        candidates = [os.environ.get("CC", "cc"), "gcc", "clang"]
    else:
        arch = triple.split("-")[0]
        candidates = [f"{arch}-linux-gnu-gcc", f"{triple}-gcc"]
    for cand in candidates:
        if cand and shutil.which(cand.split()[0]):
            return cand.split()
    raise AotError(f"no C compiler to link for {triple} (tried {', '.join(candidates)}); "
                   "the object file is written, link it with -shared")


def link(machine: Any, obj: Path, out: Path, c_library: bool = False,
         libs: list[str] | None = None) -> Path:
    cmd = [*linker_for(machine), "-shared", "-o", str(out), str(obj), *(libs or [])]
    if c_library:
        cmd += ["-lm", "-lpthread"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AotError(f"linking failed: {' '.join(cmd)}\n{proc.stderr}")
    return out
