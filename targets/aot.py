"""Ahead-of-time output: a CPython extension module and a C-ABI shared library.

    python -m jitcore aot kernels.py -o out                 # host, generic x86-64 code
    python -m jitcore aot kernels.py -o out --target aarch64-linux-gnu

    out/kernels.cpython-311-x86_64-linux-gnu.so   import kernels; kernels.mean(a)
                                                  (needs NumPy only: no llvmlite, no jitcore)
    out/libkernels.so + out/kernels.h             int mean(const jc_array_float64_1d *a,
                                                           double *result);

The driver (jitcore.aot) types and lowers the functions marked with
`@jitcore.export("sig")` as the JIT does, with their jitted callees; this module
is the target's part: it optimises those modules for the target machine
(position-independent, the small code model) with generated glue (targets.aotglue)
and, when the code runs loops in parallel, the thread pool itself
(targets.threadpool, started by a constructor of the library). For Python, a
`PyInit_<name>` binds the code's globals (exception classes, constants, NumPy's C API
table from its capsule) and creates the module; for C, shims take arrays by pointer
and a tiny error record stands in for Python's. The system C compiler (`cc`, or
`<triple>-gcc` for another target) links the object.
"""
from __future__ import annotations

import os
import shutil
import subprocess
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
    dispatcher: Any  # the jitted function (the driver's; only jitcore.aot reads it)
    ret: t.Type
    argtypes: tuple[t.Type, ...]
    params: tuple[str, ...]  # the parameter names
    symbol: str = ""  # the native function
    c_name: str = ""  # the C-ABI function


@dataclass
class Lowered:
    """The target-independent LLVM IR of a set of exports and their callees."""

    modules: list[ir.Module] = field(default_factory=list)
    constants: dict[str, Any] = field(default_factory=dict)  # global -> Python object
    alias_versions: bool = False  # worth unroll-and-jam (ModuleInfo.alias_versions)
    strided_versions: bool = False  # ModuleInfo.strided_versions
    uses_pool: bool = False  # some loop runs on the thread pool: the pool goes in too


def write_extension(machine: Any, lowered: Lowered, exports: list[Export], out: Path,
                    name: str) -> dict[str, Path]:
    """The CPython extension module `name` (and its object file) in `out`."""
    from . import aotglue

    used = aotglue.bindings_used(lowered.modules)
    glue = aotglue.python_glue(name, exports, lowered.constants, used)
    obj = out / f"{name}.pyext.o"
    obj.write_bytes(emit_object(machine, [*lowered.modules, glue, *_pool(machine, lowered)],
                                exported={f"PyInit_{name}"}, jam=lowered.alias_versions,
                                strided=lowered.strided_versions))
    libs = ["-ldl"] if used else []  # dlopen before glibc 2.34
    if lowered.uses_pool:
        libs.append("-lpthread")
    return {"extension": link(machine, obj, out / (name + extension_suffix(machine)),
                              libs=libs),
            "python-object": obj}


def write_c_library(machine: Any, lowered: Lowered, exports: list[Export], out: Path,
                    name: str) -> dict[str, Path]:
    """The C library lib`name`.so, its object file and its header in `out`."""
    from . import aotglue

    _name_c_functions(exports)
    glue = aotglue.c_glue(name, exports, lowered)
    obj = out / f"{name}.o"
    api = {e.c_name for e in exports} | set(aotglue.c_runtime_names(name))
    obj.write_bytes(emit_object(machine, [*lowered.modules, glue, *_pool(machine, lowered)],
                                exported=api, jam=lowered.alias_versions,
                                strided=lowered.strided_versions))
    header = out / f"{name}.h"
    header.write_text(aotglue.c_header(name, exports))
    return {"library": link(machine, obj, out / f"lib{name}.so", c_library=True),
            "object": obj, "header": header}


def _pool(machine: Any, lowered: Lowered) -> list[ir.Module]:
    """The thread pool's module, started when the library loads, if the code uses it."""
    if not lowered.uses_pool:
        return []
    from .poolir import build_module

    return [build_module(machine.triple.startswith(("x86_64", "i686", "i386")),
                         standalone=True)]


def _name_c_functions(exports: list[Export]) -> None:
    """C has no overloading: a name exported with several signatures gets suffixes."""
    counts: dict[str, int] = {}
    for e in exports:
        counts[e.name] = counts.get(e.name, 0) + 1
    seen: dict[str, int] = {}
    for e in exports:
        seen[e.name] = seen.get(e.name, 0) + 1
        e.c_name = e.name if counts[e.name] == 1 else f"{e.name}_{seen[e.name]}"


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
