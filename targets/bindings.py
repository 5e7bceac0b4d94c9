"""The process bindings: every named global generated code reads whose value belongs to one
process, with the one function that computes it.

    @"jc.numpy.api" = external global i8*           ; lowering declares the names it reads
    %table = load i8*, i8** @"jc.numpy.api"         ; ... and loads the value from the cell

A *cell* binding is one machine word that holds the value (NumPy's C API table, the
random generator's pthread key, cblas_?gemm of the OpenBLAS NumPy bundles or null); a
*symbol* binding is the thing itself (the memory counters, the thread pool's entry
points). Three loaders bind the same names, through this table only:

- the JIT (targets/codegen.py) gives LLVM each name's address (`publish`);
- the cache loader (targets/objcache.py) resolves an object's undefined symbols here, and
  a cache entry lists the names it needs: a name not in `PROCESS` makes it corrupt;
- an AOT extension defines the cells and its PyInit fills them (targets/aotglue.py emits,
  per name, the code that computes in C what the resolver here computes in Python).

Python objects the code refers to (exception classes, their arguments, constants) are
per-module globals `jc.obj.<fn>.<n>` (lowering.context.Context.py_constant); a new process
finds one again from `describe_object`'s plain data with `resolve_object`.

This module is read on every cache hit: it imports neither llvmlite nor NumPy itself.
"""
from __future__ import annotations

import ctypes
import os
import sys
from _thread import allocate_lock
from collections.abc import Callable
from typing import Any, NamedTuple

NUMPY_API = "jc.numpy.api"
RANDOM_KEY = "jc.random.key"
BLAS_DGEMM = "jc.blas.dgemm"
BLAS_SGEMM = "jc.blas.sgemm"
STATS = "jc.rt.stats"
POOL_RUN = "jc.pool.run"
POOL_NCHUNKS = "jc.pool.nchunks"
RAW_ALLOC = "jc.rt.raw_alloc"  # lowering.runtime's block allocator
RAW_FREE = "jc.rt.raw_free"


class UnknownBinding(LookupError):
    """A name that is not a process binding (a corrupt cache entry, or a compiler bug)."""


class NotRebindable(Exception):
    """A Python object that another process cannot find again by name or value."""


class Binding(NamedTuple):  # not a dataclass: a cache hit must not import dataclasses
    """One named global: `resolve()` computes its value (a word) in this process."""

    name: str
    resolve: Callable[[], int]
    cell: bool  # True: the global holds the value; False: the global is the thing itself
    doc: str


class RawAddress(NamedTuple):
    """A word only the code that builds a module knows (a JIT-only ufunc resolver's NumPy
    default): bound like a Python constant by the JIT, never cached or compiled ahead."""

    address: int


# --- resolvers -------------------------------------------------------------------------------

def _numpy_core() -> Any:
    """numpy._core._multiarray_umath (numpy.core's in NumPy 1.x), imported."""
    import importlib

    try:
        return importlib.import_module("numpy._core._multiarray_umath")
    except ImportError:
        return importlib.import_module("numpy.core._multiarray_umath")


def numpy_api_table() -> int:
    """The address of NumPy's C API table (the `_ARRAY_API` capsule's pointer)."""
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return int(get(_numpy_core()._ARRAY_API, None))


def random_key() -> int:
    """A process-wide pthread key for np.random's per-thread state, `free` its destructor
    (so a thread's state goes with the thread)."""
    libc = ctypes.CDLL(None)
    key = ctypes.c_uint32(0)
    free = ctypes.cast(libc.free, ctypes.c_void_p)
    if libc.pthread_key_create(ctypes.byref(key), free) != 0:
        raise RuntimeError("cannot create the thread-local key of np.random")
    return key.value


# cblas_?gemm with 64-bit integers, as NumPy's scipy-openblas64 exports them.
BLAS_SYMBOLS = {BLAS_DGEMM: "scipy_cblas_dgemm64_", BLAS_SGEMM: "scipy_cblas_sgemm64_"}
_RTLD_NOLOAD = 4


# LAPACK with 64-bit integers (Fortran calling convention), as the same OpenBLAS exports
# it: one cell per routine and element type, such as jc.lapack.dgesv -> scipy_dgesv_64_.
LAPACK_ROUTINES = {"gesv": "sdcz", "getrf": "sdcz", "potrf": "sdcz", "gesdd": "sdcz",
                   "geqrf": "sdcz", "gelsd": "sdcz", "geev": "sdcz", "syevd": "sd",
                   "heevd": "cz", "orgqr": "sd", "ungqr": "cz"}
LAPACK_SYMBOLS = {f"jc.lapack.{p}{r}": f"scipy_{p}{r}_64_"
                  for r, prefixes in LAPACK_ROUTINES.items() for p in prefixes}


def blas_function(name: str) -> int:
    """The address of a cblas (or LAPACK) function of the BLAS NumPy's core module links, or 0.

    dlopen(RTLD_NOLOAD) of numpy._core._multiarray_umath's own file gives a handle on the
    loaded module, and dlsym through it searches its dependencies, among them the OpenBLAS
    NumPy bundles (loaded RTLD_LOCAL, so invisible to a plain dlsym). An AOT extension's
    PyInit does the same in C (targets/aotglue.py, resolve_blas).
    """
    try:
        lib = ctypes.CDLL(_numpy_core().__file__, mode=os.RTLD_LAZY | _RTLD_NOLOAD)
        symbol = BLAS_SYMBOLS.get(name) or LAPACK_SYMBOLS[name]
        return int(ctypes.cast(getattr(lib, symbol), ctypes.c_void_p).value or 0)
    except (OSError, AttributeError):
        return 0


def _resolver(name: str) -> Callable[[], int]:
    """The resolver of one LAPACK cell."""
    return lambda: blas_function(name)


def _stats() -> int:
    from .objcache import stats_address

    return stats_address()


def _runtime(name: str) -> int:
    from .objcache import runtime_symbols

    return runtime_symbols()[name]


def _pool_entry(name: str) -> int:
    from .threadpool import pool_address

    return pool_address(name)


PROCESS: dict[str, Binding] = {b.name: b for b in (
    Binding(NUMPY_API, numpy_api_table, True, "NumPy's C API table (_ARRAY_API)"),
    Binding(RANDOM_KEY, random_key, True, "the pthread key of np.random's per-thread state"),
    Binding(BLAS_DGEMM, lambda: blas_function(BLAS_DGEMM), True,
            "scipy_cblas_dgemm64_ of NumPy's OpenBLAS, or null (the code loops instead)"),
    Binding(BLAS_SGEMM, lambda: blas_function(BLAS_SGEMM), True,
            "scipy_cblas_sgemm64_ of NumPy's OpenBLAS, or null (the code loops instead)"),
    *(Binding(name, _resolver(name), True,
              f"{symbol} of NumPy's OpenBLAS, or null (the call raises)")
      for name, symbol in LAPACK_SYMBOLS.items()),
    Binding(STATS, _stats, False, "the native memory counters [allocations, frees]"),
    Binding(RAW_ALLOC, lambda: _runtime(RAW_ALLOC), False,
            "the runtime's aligned_alloc: libc's, or the memory audit's (JITCORE_MEMCHECK=1)"),
    Binding(RAW_FREE, lambda: _runtime(RAW_FREE), False,
            "the runtime's free: libc's, or the memory audit's (JITCORE_MEMCHECK=1)"),
    Binding(POOL_RUN, lambda: _pool_entry(POOL_RUN), False,
            "the thread pool's run(chunk, env, n, k) (loads the pool)"),
    Binding(POOL_NCHUNKS, lambda: _pool_entry(POOL_NCHUNKS), False,
            "the thread pool's nchunks(n) (loads the pool)"),
)}

_lock = allocate_lock()
_cells: dict[str, ctypes.c_void_p] = {}  # cell bindings resolved in this process
_symbols: dict[str, int] = {}  # symbol bindings resolved in this process


def address(name: str) -> int:
    """The address the global `name` has in this process: its cell, or the thing itself.

    Resolves the binding on first use; raises UnknownBinding for a name not in the table.
    """
    binding = PROCESS.get(name)
    if binding is None:
        raise UnknownBinding(f"{name!r} is not a process binding")
    with _lock:
        if binding.cell:
            cell = _cells.get(name)
            if cell is None:
                cell = _cells[name] = ctypes.c_void_p(binding.resolve())
            return ctypes.addressof(cell)
    if name not in _symbols:  # unlocked: the pool's loader takes locks of its own
        _symbols[name] = binding.resolve()
    return _symbols[name]


def value(name: str) -> int:
    """The word a cell binding holds (0 for null)."""
    return int(ctypes.c_void_p.from_address(address(name)).value or 0)


def publish(names: set[str] | list[str]) -> None:
    """Tell LLVM the address of each binding, before the JIT links code that reads it."""
    import llvmlite.binding as llvm

    for name in sorted(names):
        llvm.add_symbol(name, address(name))


# --- Python objects --------------------------------------------------------------------------

def describe_object(obj: Any) -> dict[str, Any]:
    """Plain data telling a new process how to find `obj` again: a constant by value, a
    class or function by module and qualified name. Raises NotRebindable."""
    try:
        return {"kind": "const", "value": _encode_const(obj)}
    except NotRebindable:
        pass
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if module and qualname and "<" not in qualname:
        try:
            found = import_object(module, qualname)
        except Exception:  # noqa: BLE001 (anything but the very object: "not by name")
            found = None
        if found is obj:
            return {"kind": "import", "module": module, "qualname": qualname}
    raise NotRebindable(f"the code refers to {obj!r}, which cannot be found again by name")


def resolve_object(desc: dict[str, Any]) -> Any:
    """The object `describe_object` described, in this process (ValueError if malformed)."""
    kind = desc.get("kind")
    if kind == "const":
        return _decode_const(desc["value"])
    if kind == "import":
        return import_object(desc["module"], desc["qualname"])
    raise ValueError(f"unknown binding kind {kind!r}")


def _encode_const(obj: Any) -> Any:
    if obj is None or isinstance(obj, bool):
        return obj
    if type(obj) is int:
        return {"int": str(obj)}
    if type(obj) is float:
        return {"float": repr(obj)}
    if type(obj) is complex:
        return {"complex": [repr(obj.real), repr(obj.imag)]}
    if type(obj) is str:
        return {"str": obj}
    if type(obj) is bytes:
        return {"bytes": obj.hex()}
    if type(obj) is tuple:
        return {"tuple": [_encode_const(x) for x in obj]}
    raise NotRebindable(type(obj).__name__)


def _decode_const(data: Any) -> Any:
    if data is None or isinstance(data, bool):
        return data
    ((kind, value),) = data.items()
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "complex":
        return complex(float(value[0]), float(value[1]))
    if kind == "str":
        return str(value)
    if kind == "bytes":
        return bytes.fromhex(value)
    if kind == "tuple":
        return tuple(_decode_const(x) for x in value)
    raise ValueError(f"unknown constant kind {kind!r}")


def import_object(module: str, qualname: str) -> Any:
    """`module`'s attribute path `qualname` (importing the module if need be)."""
    import importlib

    obj: Any = sys.modules.get(module) or importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj
