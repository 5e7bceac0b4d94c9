"""The host target machine and the process's one JIT engine, created on first use.

    engine = jit_engine()          # MCJIT over an empty module, host CPU and features
    tm = host_target_machine()     # cpu name, feature string, opt level
    engine = standalone_engine(module)   # a runtime module (pool, audit allocator) of its own

`import jitcore` does not import llvmlite: the first compilation does.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import threading
from functools import cache
from typing import Any

import llvmlite.binding as llvm

_lock = threading.RLock()


@cache
def _initialised() -> bool:
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    llvm.initialize_native_asmparser()
    return True


@cache
def host_cpu() -> tuple[str, str]:
    """The host CPU name and its feature string (+avx2,+avx512f,...)."""
    _initialised()
    return llvm.get_host_cpu_name(), llvm.get_host_cpu_features().flatten()


@cache
def host_target_machine(opt: int = 3) -> Any:
    cpu, features = host_cpu()
    target = llvm.Target.from_default_triple()
    return target.create_target_machine(cpu=cpu, features=features, opt=opt, jit=True,
                                        codemodel="jitdefault")


@cache
def jit_engine() -> Any:
    """The MCJIT engine every compiled module of this process is added to."""
    tm = host_target_machine()
    backing = llvm.parse_assembly("")
    backing.triple = tm.triple
    backing.data_layout = str(tm.target_data)
    # CPython's C API symbols are exported by libpython; make them resolvable.
    llvm.load_library_permanently(ctypes.util.find_library("m") or "libm.so.6")
    engine = llvm.create_mcjit_compiler(backing, tm)
    from . import objcache  # cached objects: share symbols, keep each module's object code

    objcache.publish_to_llvm()
    objcache.capture_objects(engine)
    return engine


_standalone: list[Any] = []  # the engines own their code: kept for the process's life


def standalone_engine(module: Any) -> Any:
    """`module` (llvmlite.ir) compiled by an MCJIT engine of its own, for the process's life:
    runtime pieces that must exist before (or apart from) the shared engine's modules."""
    tm = host_target_machine()
    module.triple = tm.triple
    module.data_layout = str(tm.target_data)
    mod = llvm.parse_assembly(str(module))
    mod.verify()
    engine = llvm.create_mcjit_compiler(mod, tm)
    engine.finalize_object()
    _standalone.append(engine)
    return engine


def lock() -> threading.RLock:
    """Held while a module is added to the engine and finalized."""
    return _lock

