"""Optimise lowered modules and load them into the process's JIT engine.

    lib = load_module(ll_module, info, inline_from=[callee.ir_text])
    finalize()                             # once every module of a call cycle is added
    addr = lib.address("f.int64")          # native entry points, bound and ready

A callee's optimised IR is linked into its caller as `available_externally`
copies, so LLVM can inline small jitted functions (a call in a hot loop
costs nothing) while the callee's own code is emitted once, by its module.
Python constants named by the module (`ModuleInfo.py_constants`) are bound
to their globals right after code generation, before anything runs; the
process bindings it reads (`ModuleInfo.bindings`, targets/bindings.py) are
given to LLVM by name before the module is added.
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import llvmlite.binding as llvm
from llvmlite import ir

from jitcore.frontend.errors import CompilerBug
from jitcore.lowering.context import ModuleInfo

from . import bindings
from .bindings import RawAddress
from .machine import host_cpu, host_target_machine, jit_engine, lock
from .specialise import specialise

_pending: list[LoadedModule] = []
_defined: set[str] = set()  # native symbols defined by modules added to the engine
_keepalive: list[Any] = []  # Python objects whose addresses sit in bound globals


@dataclass(eq=False)
class LoadedModule:
    """A module added to the JIT engine; addresses are valid after `finalize()`."""

    ref: Any
    info: ModuleInfo
    ir_text: str = ""
    finalized: bool = False
    defines: set[str] = field(default_factory=set)
    _asm: str | None = field(default=None, repr=False)

    def address(self, symbol: str) -> int:
        assert self.finalized, "finalize() before asking for addresses"
        addr: int = jit_engine().get_function_address(symbol)
        if not addr:
            raise CompilerBug(f"native symbol {symbol} was not generated")
        return addr

    def asm(self) -> str:
        if self._asm is None:
            mod = llvm.parse_assembly(self.ir_text)
            self._asm = host_target_machine().emit_assembly(mod)
        return self._asm


def optimise(mod: Any, level: int, jam: bool = False, machine: Any = None,
             strided: bool = True) -> None:
    """The new pass manager's O<level> pipeline with loop and SLP vectorisation.

    `jam`: the module has bodies told which arrays are disjoint (lowering/aliasing.py).
    Their loop nests are unrolled-and-jammed, which LLVM's pipeline does only after its
    SLP vectoriser, so a second run of the pipeline packs the jammed sums into vectors.
    `strided`: one of those bodies may index a strided array (ModuleInfo.strided_versions).
    """
    tm = machine or host_target_machine()
    jam = jam and level >= 2
    with lock():  # LLVM's options are process-wide: ours hold only while our pipelines run
        _loop_options(True, jam, strided)
        try:
            _run_pipeline(mod, tm, level, loops=level >= 2, slp=level >= 2)
        finally:
            _loop_options(False, jam, strided)
    if jam:
        _run_pipeline(mod, tm, 1, loops=False, slp=True)  # SLP and clean-ups, no loop transforms


def _run_pipeline(mod: Any, tm: Any, level: int, loops: bool, slp: bool) -> None:
    """O<level>; `loops`: loop vectorisation and unrolling, `slp`: the SLP vectoriser."""
    pto = llvm.create_pipeline_tuning_options(speed_level=level)
    pto.loop_vectorization = pto.loop_unrolling = loops
    pto.slp_vectorization = slp
    pb = llvm.create_pass_builder(tm, pto)
    pb.getModulePassManager().run(mod, pb)


# (option, our value, LLVM's default). Set around our pipelines only, so that another
# user of llvmlite in the process (Numba) compiles with LLVM's defaults.
_LOOP_OPTIONS = (
    # Runtime-unroll loops that have a second exit. Ours often do: the raise of a checked
    # operation (int() of a float raises on nan, inf and out-of-range values, as in
    # Python). Left rolled, the histogram kernel was 1.2-1.3x slower than Numba's.
    ("-unroll-runtime-multi-exit", "true", "false"),
    # Interleave a vectorised loop (several vector iterations per trip) for its
    # reductions and for the overhead of short bodies (saxpy: four copies), not "to
    # saturate the load/store ports" of any loop that streams one array into another:
    # that gave poly_f32's 14-operation body four copies, and 13 % more time on large
    # arrays. Bodies costing up to 40 (LLVM's default: 20) count as short; poly_f32's
    # now gets two copies: 14 % faster on 16M elements, about 5 % slower in cache.
    ("-enable-loadstore-runtime-interleave", "false", "true"),
    ("-small-loop-cost", "40", "20"),
)
# Unroll-and-jam, left to LLVM to pick which nests and how far: only for modules whose
# bodies were told which arrays are disjoint (lowering/aliasing.py).
_JAM_OPTIONS = (("-enable-unroll-and-jam", "true", "false"),
                ("-allow-unroll-and-jam", "true", "false"))
# Dependence analysis may take each subscript of an address (i * shape[1] + j) to lie
# within its axis: true of contiguous arrays indexed in bounds (lowering/aliasing.py,
# contiguous_only). It lets `out[i, j] += a[i, k] * b[k, j]` be jammed (2x).
_CONTIGUOUS_JAM_OPTIONS = (("-da-disable-delinearization-checks", "true", "false"),)


def _loop_options(on: bool, jam: bool, strided: bool) -> None:
    options: tuple[tuple[str, str, str], ...] = _LOOP_OPTIONS
    if jam:
        options += _JAM_OPTIONS + (() if strided else _CONTIGUOUS_JAM_OPTIONS)
    for option, ours, default in options:
        llvm.set_option("jitcore", f"{option}={ours if on else default}")


def parse(module: ir.Module, inline_from: list[str]) -> Any:
    tm = host_target_machine()
    module.triple = tm.triple
    module.data_layout = str(tm.target_data)
    specialise(module, tm.triple, host_cpu()[1])
    mod = llvm.parse_assembly(str(module))
    for text in inline_from:
        callee = llvm.parse_assembly(text)
        # The callee's exported bodies are there to inline; its internal ones (such as its
        # own jc.rt.set_error) stay internal copies, since nothing else defines them.
        local = (llvm.Linkage.internal, llvm.Linkage.private)
        for fn in callee.functions:
            if not fn.is_declaration and fn.linkage not in local:
                fn.linkage = llvm.Linkage.available_externally
        for gv in callee.global_variables:
            if not gv.is_declaration and gv.linkage not in local:
                gv.linkage = llvm.Linkage.available_externally
        mod.link_in(callee)
    mod.verify()
    return mod


def _ensure_runtime() -> None:
    """What all modules share (the memory counters) lives in targets.objcache, where
    cached objects loaded without LLVM find it too; the engine resolves it by name."""
    jit_engine()


def memory_stats() -> tuple[int, int]:
    """(allocations, frees) of native memory blocks so far in this process."""
    from .objcache import memory_stats as stats

    return stats()


def load_module(module: ir.Module, info: ModuleInfo, opt: int,
                inline_from: list[str] = ()) -> LoadedModule:  # type: ignore[assignment]
    """Optimise `module` and add it to the engine; its code is generated at `finalize()`."""
    _ensure_runtime()
    mod = parse(module, list(inline_from))
    optimise(mod, opt, jam=info.alias_versions, strided=info.strided_versions)
    defines = _check_resolvable(mod, info)
    lib = LoadedModule(mod, info, ir_text=str(mod), defines=defines)
    with lock():
        jit_engine().add_module(mod)
        _defined.update(defines)
        _pending.append(lib)
    return lib


def finalize() -> None:
    """Generate code for every pending module and bind their Python constants."""
    with lock():
        missing = _promised - _defined
        _promised.clear()
        if missing:  # LLVM would abort the process; the caller discards the pending modules
            raise CompilerBug(f"promised native symbols were never generated: {sorted(missing)}")
        engine = jit_engine()
        engine.finalize_object()
        for lib in _pending:
            for name, obj in lib.info.py_constants.items():
                addr = engine.get_global_value_address(name)
                value = obj.address if isinstance(obj, RawAddress) else id(obj)
                ctypes.c_void_p.from_address(addr).value = value
                _keepalive.append(obj)
            lib.finalized = True
        _pending.clear()


def discard_pending() -> None:
    """Drop modules of a failed compilation from the engine, so it stays usable."""
    with lock():
        engine = jit_engine()
        for lib in _pending:
            engine.remove_module(lib.ref)
            _defined.difference_update(lib.defines)
        _pending.clear()
        _promised.clear()


def _check_resolvable(mod: Any, info: ModuleInfo) -> set[str]:
    """LLVM aborts the process on an unresolved symbol; refuse such modules instead.

    Process bindings (targets/bindings.py) the module reads are published to LLVM first;
    an external global that is not one is a compiler bug. Returns the names the module
    defines.
    """
    own: set[str] = set()
    needed: list[str] = []
    for fn in mod.functions:
        name = fn.name
        if not fn.is_declaration:
            own.add(name)
        elif name in bindings.PROCESS:
            info.bindings.add(name)
        elif not name.startswith("llvm."):
            needed.append(name)
    for gv in mod.global_variables:
        if not gv.is_declaration:
            own.add(gv.name)
        elif gv.name in bindings.PROCESS:
            info.bindings.add(gv.name)
        elif gv.name not in _defined:
            needed.append(gv.name)
    bindings.publish(info.bindings)
    for name in needed:
        if name in own or name in _defined or name in _promised:
            continue
        if not _in_process(name):
            raise CompilerBug(f"generated code calls {name}, which is not defined in "
                              "this process")
    return own


_process = ctypes.CDLL(None)  # the interpreter and the libraries it loaded globally


@cache
def _in_process(name: str) -> bool:
    try:
        getattr(_process, name)
    except AttributeError:
        return bool(llvm.address_of_symbol(name))
    return True


_promised: set[str] = set()


def promise(symbol: str) -> None:
    """Declare that `symbol` will be added before the next `finalize()` (recursion)."""
    _promised.add(symbol)
