"""The on-disk cache of compiled overloads: native object code plus plain metadata.

    cache = FunctionCache(dispatcher)      # @njit(cache=True)
    overload = cache.load(argtypes)        # a ready overload, or None (never compiles)
    cache.store(overload)                  # after compiling: one file, written atomically

One entry is one file, `<stem>.<qualname>.<sig>.<key>.jcc`, in `__jitcache__/` next to
the source (or a per-user directory, or $JITCORE_CACHE_DIR). The file name holds the
key, so a lookup opens one path and needs no index that processes could race on; the
directory is the index (`python -m jitcore cache list`). The key (`entry_key`) hashes
everything the code depends on: the function's bytecode, constants and names, the
values of the globals and closure cells it reads (folded into the code), every jitted
callee transitively, the argument types, options, the jitcore sources, Python, NumPy,
llvmlite (LLVM) and the CPU. An entry holds the object code of the function and of its
callees, and, per object, how to bind its globals in a new process: Python objects by
module and qualified name or as JSON constants, process addresses by name (NumPy's
API table, the random generator's key), and runtime pieces to set up first (BLAS).
Nothing is unpickled or executed on load but the relocation of the object code.

File layout: MAGIC | sha256(rest) | u32 len | metadata | blobs (see `encode`).
A file that fails the checks is ignored with a CacheWarning and replaced.
"""
from __future__ import annotations

import builtins
import marshal
import os
import struct
import sys
import types
import warnings
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from jitcore.typeinfer import types as t

try:  # hashlib's OpenSSL costs ~10 ms to load; a cache hit must cost less than that in all
    from _sha256 import sha256 as _sha256_impl  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - CPython builds without the module
    from hashlib import sha256 as _sha256_impl

sha256: Any = _sha256_impl

MAGIC = b"JCCACHE\x01"
SUFFIX = ".jcc"
FORMAT = 2  # 2: metadata in marshal, not JSON text
CACHE_DIR_NAME = "__jitcache__"


class CacheWarning(RuntimeWarning):
    """A cache entry or directory could not be used; compilation goes on without it."""


class Unstable(Exception):
    """The function depends on something without a value stable across processes."""


class CorruptEntry(Exception):
    """A cache file that is truncated, damaged or not ours."""


# --- what the code depends on ----------------------------------------------------------------

@cache
def environment() -> tuple[str, ...]:
    """The parts of the key that are the same for every function in this process."""
    from jitcore.version import __version__

    return (f"jitcore {__version__} {_sources_stamp()}", f"python {sys.version}",
            f"llvmlite {_llvmlite_version()}", f"numpy {_numpy_version()}",
            f"cpu {cpu_fingerprint()}", f"boundscheck {_config_boundscheck()}")


def _config_boundscheck() -> bool:
    from jitcore.frontend import config

    return config.BOUNDSCHECK


# The compiler's rooms that live in their own folders of the source tree.
COMPILER_ROOMS = ("jitcore.typeinfer", "jitcore.lowering", "jitcore.targets", "jitcore.ufunc")


def _sources_stamp() -> str:
    """Size and mtime of every compiler source file: an edited compiler invalidates all.

    One stat per file, read through os.scandir (a third cheaper than os.walk + os.stat:
    every cache hit pays for this).
    """
    h = sha256()

    def walk(directory: str) -> None:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            if entry.name.endswith(".py"):
                st = entry.stat()
                h.update(f"{entry.path}:{st.st_size}:{st.st_mtime_ns};".encode())
            elif entry.name != "__pycache__" and entry.is_dir():
                walk(entry.path)

    walk(os.path.dirname(os.path.abspath(__file__)))
    for package in COMPILER_ROOMS:  # the rooms outside jitcore/ (package-dir mapped)
        spec = find_spec(package)  # finds the folder without running its __init__
        assert spec is not None and spec.submodule_search_locations is not None
        for folder in spec.submodule_search_locations:
            walk(folder)
    return str(h.hexdigest())[:16]


def _llvmlite_version() -> str:
    import llvmlite  # the package alone: its _version, not the LLVM library

    return str(llvmlite.__version__)


def _numpy_version() -> str:
    """NumPy's version without importing it (a scalar kernel must not pay for NumPy)."""
    np = sys.modules.get("numpy")
    if np is not None:
        return str(np.__version__)
    for entry in sys.path:  # what `import numpy` would find, read from numpy/version.py
        try:
            with open(os.path.join(entry or ".", "numpy", "version.py")) as f:
                text = f.read()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("version") and "=" in line and '"' in line:
                return line.split('"')[1]
        return "unknown"
    return "none"


@cache
def cpu_fingerprint() -> str:
    """What decides LLVM's host CPU name and features, read without loading LLVM."""
    machine = os.uname().machine
    try:
        with open("/proc/cpuinfo") as f:
            first = f.read(16384).split("\n\n", 1)[0]
    except OSError:
        from jitcore.targets.machine import host_cpu

        return f"{machine} {' '.join(host_cpu())}"
    keep = ("vendor_id", "cpu family", "model", "model name", "stepping", "flags", "Features",
            "CPU implementer", "CPU architecture", "CPU variant", "CPU part")
    fields = [line for line in first.splitlines() if line.split(":")[0].strip() in keep]
    return machine + " " + str(sha256("\n".join(fields).encode()).hexdigest())[:16]


def fingerprint(dispatcher: Any) -> str:
    """A hash of what `dispatcher`'s code depends on, callees included; raises Unstable."""
    return _Fingerprinter().function(dispatcher)


class _Fingerprinter:
    """Walks a function, its globals, closure cells and jitted callees (cycles once)."""

    def __init__(self) -> None:
        self.active: set[int] = set()
        self.done: dict[int, str] = {}

    def function(self, disp: Any) -> str:
        key = id(disp)
        if key in self.done:
            return self.done[key]
        if key in self.active:  # recursion: the cycle's other members cover this code
            return f"cycle {disp.__module__}.{disp.__qualname__}"
        self.active.add(key)
        try:
            func = disp.py_func
            parts = [f"{func.__module__}.{func.__qualname__}", _code_digest(func.__code__),
                     _stable_text(disp.targetoptions), str(getattr(disp, "opt_level", "")),
                     repr(sorted((str(k), str(v)) for k, v in disp._declared_returns.items()))]
            parts += [self.value(d, f"default of {func.__qualname__}")
                      for d in func.__defaults__ or ()]
            for name, cell in zip(func.__code__.co_freevars, func.__closure__ or ()):
                try:
                    contents = cell.cell_contents
                except ValueError:
                    parts.append(f"{name}=<empty>")
                    continue
                parts.append(f"{name}={self.value(contents, f'free variable {name!r}')}")
            names = sorted(_all_names(func.__code__))
            namespace = func.__globals__
            for name in names:
                if name in namespace:
                    described = self.value(namespace[name], f"global {name!r}", names)
                    parts.append(f"{name}={described}")
                elif hasattr(builtins, name):
                    parts.append(f"{name}=builtin")
            digest = sha256("\n".join(parts).encode()).hexdigest()
        finally:
            self.active.discard(key)
        self.done[key] = digest
        return str(digest)

    def value(self, v: Any, what: str, names: list[str] | None = None, depth: int = 0) -> str:
        """A text that changes whenever `v` would change the compiled code."""
        if v is None or isinstance(v, (bool, int, float, complex, str, bytes)):
            return f"{type(v).__name__}:{v!r}"
        if isinstance(v, tuple):
            return "(" + ",".join(self.value(x, what, names, depth) for x in v) + ")"
        if getattr(v, "_jitcore_dispatcher", False):
            return "jit:" + self.function(v)
        info = getattr(v, "_jitcore_ufunc", None)
        if info is not None:  # @vectorize: compiled code calls its scalar kernel, typed by loops
            loops = "dynamic" if info.dynamic else getattr(v, "types", None)
            return (f"jitufunc:{info.parallel}:{loops}:"
                    + self.function(info.kernel.dispatcher))
        if isinstance(v, types.ModuleType):
            attrs = []
            if depth < 3:  # module attributes the code may read: mod.CONST, mod.callee
                for name in names or ():
                    attr = _module_attr(v, name)
                    if attr is not _MISSING:
                        attrs.append(f"{name}={self.value(attr, what, names, depth + 1)}")
            return f"module:{v.__name__}[{';'.join(attrs)}]"
        if isinstance(v, types.FunctionType):
            return f"pyfunc:{v.__module__}.{v.__qualname__}:{_code_digest(v.__code__)}"
        named = _importable_name(v)
        if named is not None:  # classes, builtins, ufuncs, NumPy's function dispatchers
            return f"obj:{named}"
        if isinstance(v, (types.BuiltinMethodType, types.MethodType)):  # np.random.random:
            owner = type(v.__self__)  # compiled code implements it, whatever the state is
            return f"method:{owner.__module__}.{owner.__qualname__}.{v.__name__}"
        if type(v).__module__ == "numpy" and "numpy" in sys.modules:
            np = sys.modules["numpy"]
            if isinstance(v, np.ndarray):
                data = sha256(np.ascontiguousarray(v).tobytes()).hexdigest()
                return f"ndarray:{v.dtype.str}:{v.shape}:{v.flags.writeable}:{data}"
            if isinstance(v, np.dtype):
                return f"dtype:{v.str}"
        text = repr(v)
        if " at 0x" in text or text.startswith("<"):
            raise Unstable(f"{what} holds {type(v).__qualname__} {text[:60]}, "
                           "which has no value stable across processes")
        return f"repr:{type(v).__module__}.{type(v).__qualname__}:{text}"


_MISSING = object()


def _module_attr(module: types.ModuleType, name: str) -> Any:
    """getattr, so lazily loaded submodules (numpy.random) count whether loaded yet or not."""
    if name.startswith("_"):
        return _MISSING
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return getattr(module, name, _MISSING)
    except Exception:  # a module __getattr__ that fails: not an attribute
        return _MISSING


def _importable_name(v: Any) -> str | None:
    """module:qualname if importing that gives back `v` itself (a stable identity)."""
    module = getattr(v, "__module__", None)
    qualname = getattr(v, "__qualname__", None) or getattr(v, "__name__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        return None
    try:
        found = _import_object(module, qualname)
    except Exception:  # not importable by that name
        return None
    return f"{module}:{qualname}" if found is v else None


def _all_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _all_names(const)
    return names


def _code_digest(code: types.CodeType) -> str:
    h = sha256(code.co_code)
    h.update(repr((code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars,
                   code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount,
                   code.co_flags, code.co_qualname)).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            h.update(_code_digest(const).encode())
        elif isinstance(const, frozenset):  # set order follows string hashing: sort
            h.update(repr(sorted(map(repr, const))).encode())
        else:
            h.update(f"{type(const).__name__}:{const!r};".encode())
    return str(h.hexdigest())


def _argtypes_text(argtypes: tuple[t.Type, ...], fp: _Fingerprinter) -> str:
    """The argument types, with the code of jitted functions passed as arguments
    (their type names only the function: `function(g)`)."""
    parts = [str(argtypes)]
    stack = list(argtypes)
    while stack:
        ty = stack.pop()
        if isinstance(ty, t.Dispatcher):
            parts.append(fp.function(ty.dispatcher))
        elif isinstance(ty, t.Tuple):
            stack.extend(ty.items)
    return "|".join(parts)


def _stable_text(value: Any) -> str:
    """A text of compile options that does not depend on dict order (no json: cache hits)."""
    if isinstance(value, dict):
        items = sorted((str(k), _stable_text(v)) for k, v in value.items())
        return "{" + ",".join(f"{k!r}:{v}" for k, v in items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(map(_stable_text, value)) + "]"
    return repr(value)


def overload_tag(dispatcher: Any, argtypes: tuple[t.Type, ...]) -> str | None:
    """A short content hash naming the native symbols of an overload (None: unstable).

    Equal tags mean equal code in this process, so a cached object defining a symbol
    can stand in for a compilation with the same symbol, and vice versa.
    """
    try:
        walker = _Fingerprinter()
        text = f"{walker.function(dispatcher)}|{_argtypes_text(argtypes, walker)}"
    except Exception:  # Unstable, or a global whose repr fails: no tag
        return None
    return str(sha256(text.encode()).hexdigest())[:16]


def entry_key(dispatcher: Any, argtypes: tuple[t.Type, ...]) -> str:
    """The full cache key of one overload; raises Unstable."""
    walker = _Fingerprinter()
    parts = [*environment(), walker.function(dispatcher), _argtypes_text(argtypes, walker),
             f"numpy loaded: {'numpy' in sys.modules}"]  # the wrapper reads NumPy scalars then
    return str(sha256("\n".join(parts).encode()).hexdigest())


# --- types in metadata -----------------------------------------------------------------------

def encode_type(ty: t.Type) -> Any:
    """A JSON value for a type a wrapper can return (numbers, none, arrays, tuples)."""
    if ty.is_number or isinstance(ty, t.NoneType):
        return ty.name
    if isinstance(ty, t.Tuple):
        return {"tuple": [encode_type(item) for item in ty.items]}
    if isinstance(ty, t.Array):
        return {"array": encode_type(ty.dtype), "ndim": ty.ndim, "layout": ty.layout,
                "readonly": ty.readonly, "aligned": ty.aligned}
    raise Unstable(f"values of type {ty} are not stored in the cache")


def decode_type(data: Any) -> t.Type:
    if isinstance(data, str):
        named = t.BY_NAME.get(data)  # numbers and none, without loading the signature parser
        if named is not None:
            return named
        from jitcore.typeinfer.signatures import parse_type

        return parse_type(data)
    if "tuple" in data:
        return t.Tuple(tuple(decode_type(item) for item in data["tuple"]))
    return t.Array(decode_type(data["array"]), data["ndim"], data["layout"], data["readonly"],
                   data.get("aligned", True))


# --- Python objects bound into code ----------------------------------------------------------

def describe_binding(global_name: str, obj: Any) -> dict[str, Any]:
    """Plain data telling a new process what to bind global `global_name` to."""
    from jitcore.lowering.context import RawAddress

    if isinstance(obj, RawAddress):
        for prefix, piece in RAW_ADDRESSES.items():
            if global_name.startswith(prefix):
                return {"kind": "raw", "name": piece}
        raise Unstable(f"no way to rebind process address {global_name}")
    try:
        return {"kind": "const", "value": _encode_const(obj)}
    except Unstable:
        pass
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if module and qualname and "<" not in qualname:
        try:
            found = _import_object(module, qualname)
        except Exception:  # anything but the very object means "not by name"
            found = None
        if found is obj:
            return {"kind": "import", "module": module, "qualname": qualname}
    raise Unstable(f"the code refers to {obj!r}, which cannot be found again by name")


# prefixes of globals holding process addresses (lowering.context, lowering.impls.nprandom)
RAW_ADDRESSES = {"jc.numpy.api.": "numpy_api", "jc.random.key.": "random_key"}


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
    raise Unstable(type(obj).__name__)


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
    raise CorruptEntry(f"unknown constant kind {kind!r}")


def _import_object(module: str, qualname: str) -> Any:
    import importlib

    obj: Any = sys.modules.get(module) or importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def resolve_binding(desc: dict[str, Any]) -> tuple[Any, int]:
    """(object to keep alive, the word to store) for a binding from `describe_binding`."""
    kind = desc["kind"]
    if kind == "raw":
        return None, raw_address(desc["name"])
    if kind == "const":
        obj = _decode_const(desc["value"])
    elif kind == "import":
        obj = _import_object(desc["module"], desc["qualname"])
    else:
        raise CorruptEntry(f"unknown binding kind {kind!r}")
    return obj, id(obj)


def raw_address(name: str) -> int:
    if name == "numpy_api":
        from jitcore.lowering.context import numpy_api_table

        return int(numpy_api_table().address)
    if name == "random_key":
        import ctypes

        from jitcore.lowering.impls.nprandom import _key_cell

        return ctypes.addressof(_key_cell())
    raise CorruptEntry(f"unknown process address {name!r}")


# runtime pieces an object needs set up first, found by the symbol names it refers to
RUNTIME_MARKS = {"blas": b"scipy_cblas_", "pool": b"jc.pool."}


def ensure_runtime_piece(name: str) -> None:
    """Set up, in this process, what loaded objects expect to find by symbol."""
    if name == "pool":  # prange: the thread pool's functions (jc.pool.run, ...)
        from jitcore.targets.threadpool import ensure_pool

        ensure_pool()
    elif name == "blas":
        from jitcore.lowering.impls.linalg import blas_prefix

        if blas_prefix() is None:
            raise CorruptEntry("the entry calls BLAS, which NumPy does not provide here")
    else:
        raise CorruptEntry(f"unknown runtime piece {name!r}")


# --- the file format -------------------------------------------------------------------------

def encode(meta: dict[str, Any], blobs: list[bytes]) -> bytes:
    """MAGIC | sha256 of the rest | u32 metadata length | metadata | blobs.

    The metadata is JSON data (dicts, lists, strings, numbers) stored with `marshal`,
    which is built into the interpreter: a cache hit need not import `json` (~1 ms).
    It goes through JSON first, so what is read back is what JSON would give.
    """
    import json

    offsets, at = [], 0
    for blob in blobs:
        offsets.append([at, len(blob)])
        at += len(blob)
    meta = json.loads(json.dumps({**meta, "blobs": offsets}, sort_keys=True))
    head = marshal.dumps(meta, 4)
    rest = struct.pack("<I", len(head)) + head + b"".join(blobs)
    return MAGIC + bytes(sha256(rest).digest()) + rest


def decode(data: bytes) -> tuple[dict[str, Any], list[bytes]]:
    if data[:len(MAGIC)] != MAGIC:
        raise CorruptEntry("not a jitcore cache file")
    digest, rest = data[len(MAGIC):len(MAGIC) + 32], data[len(MAGIC) + 32:]
    if len(digest) != 32 or sha256(rest).digest() != digest:
        raise CorruptEntry("checksum mismatch (truncated or damaged)")
    (size,) = struct.unpack_from("<I", rest, 0)
    try:  # checksummed, so only a foreign writer gets here
        meta = marshal.loads(rest[4:4 + size])
    except (ValueError, EOFError, TypeError) as exc:
        raise CorruptEntry(f"unreadable metadata: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise CorruptEntry(f"format {found}, expected {FORMAT}")
    body = rest[4 + size:]
    return meta, [body[a:a + n] for a, n in meta["blobs"]]


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same directory, then rename over `path`."""
    tmp = path.parent / f".tmp-{os.getpid()}-{os.urandom(6).hex()}{SUFFIX}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_header(path: Path) -> dict[str, Any]:
    """The metadata of an entry, checksum verified (for listing)."""
    return decode(path.read_bytes())[0]


# --- directories -----------------------------------------------------------------------------

def user_cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jitcore"


def source_file(py_func: Any) -> Path | None:
    """The function's source file, if it is a real file (not a REPL, notebook cell or -c)."""
    name = py_func.__code__.co_filename
    if not name or name.startswith("<"):
        return None
    path = Path(name)
    return path.resolve() if path.is_file() else None


def candidate_dirs(py_func: Any) -> list[Path]:
    """Where entries of `py_func` live, in order of preference."""
    override = os.environ.get("JITCORE_CACHE_DIR")
    src = source_file(py_func)
    if src is None:
        where = "interactive"
    else:
        where = f"{src.stem}-{sha256(str(src.parent).encode()).hexdigest()[:8]}"
    if override:
        return [Path(override) / where]
    dirs = [src.parent / CACHE_DIR_NAME] if src is not None else []
    return dirs + [user_cache_root() / where]


def _writable(path: Path) -> bool:
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    return probe.is_dir() and os.access(probe, os.W_OK)


def entry_stem(py_func: Any, argtypes: tuple[t.Type, ...]) -> str:
    src = source_file(py_func)
    stem = src.stem if src is not None else py_func.__module__
    qual = "".join(c if c.isalnum() or c in "_." else "_" for c in py_func.__qualname__)
    sig = sha256(str(argtypes).encode()).hexdigest()[:8]
    return f"{stem}.{qual}.{sig}"


def _warn(message: str) -> None:
    warnings.warn(message, CacheWarning, stacklevel=4)


_warned_dirs: set[str] = set()


# --- one function's cache --------------------------------------------------------------------

class FunctionCache:
    """The cache of one dispatcher: lookups before compiling, stores after."""

    def __init__(self, dispatcher: Any) -> None:
        self.dispatcher = dispatcher
        self.hits = self.misses = self.stores = 0
        self.reason = ""  # why the last lookup or store did not use the cache
        self.loaded: dict[tuple[t.Type, ...], Path] = {}
        self.missed: dict[tuple[t.Type, ...], int] = {}  # lookups that found nothing
        self._keys: dict[tuple[t.Type, ...], str] = {}  # looked up, then stored under

    def info(self) -> dict[str, Any]:
        """Counters, the directory and the last reason caching did not apply."""
        dirs = candidate_dirs(self.dispatcher.py_func)
        return {"hits": self.hits, "misses": self.misses, "stores": self.stores,
                "directory": str(self._directory() or dirs[0]), "reason": self.reason,
                "loaded": {str(k): str(v) for k, v in self.loaded.items()}}

    def _directory(self) -> Path | None:
        for path in candidate_dirs(self.dispatcher.py_func):
            if _writable(path):
                return path
        return None

    def _entry_path(self, directory: Path, argtypes: tuple[t.Type, ...], key: str) -> Path:
        return directory / f"{entry_stem(self.dispatcher.py_func, argtypes)}.{key[:24]}{SUFFIX}"

    def load(self, argtypes: tuple[t.Type, ...]) -> Any:
        """The overload for `argtypes` from the cache, loaded and bound; None on a miss."""
        try:
            key = self._keys[argtypes] = entry_key(self.dispatcher, argtypes)
        except Exception as exc:  # Unstable, or a global whose repr fails
            self.reason = f"not cached: {exc}"
            return None
        for directory in candidate_dirs(self.dispatcher.py_func):
            path = self._entry_path(directory, argtypes, key)
            try:
                data = path.read_bytes()
            except OSError:
                continue
            try:
                overload = _materialize(data, key, argtypes)
            except Exception as exc:  # a bad entry must never break a call
                self.reason = f"ignored {path}: {exc}"
                _warn(f"jitcore: ignoring cache entry {path}: {exc}; recompiling")
                continue
            self.hits += 1
            self.loaded[argtypes] = path
            return overload
        self.misses += 1
        self.missed[argtypes] = self.missed.get(argtypes, 0) + 1
        return None

    def store(self, overload: Any) -> None:
        """Write `overload` (just compiled) with its callees' objects; warn, never raise."""
        argtypes = overload.argtypes
        try:  # the key of the lookup: compiling may have changed what the key sees
            key = self._keys.pop(argtypes, None) or entry_key(self.dispatcher, argtypes)
            data = _serialize(overload, key, self.dispatcher)
        except Exception as exc:  # storing is best effort, never an error
            self.reason = f"not cached: {exc}"
            return
        for directory in candidate_dirs(self.dispatcher.py_func):
            path = self._entry_path(directory, argtypes, key)
            try:
                directory.mkdir(parents=True, exist_ok=True)
                write_atomic(path, data)
            except OSError as exc:
                self.reason = f"cannot write {directory}: {exc}"
                continue
            self.stores += 1
            if not self.dispatcher.py_func.__closure__:  # closures: one entry per cell value
                _prune(path)
            return
        where = str(candidate_dirs(self.dispatcher.py_func)[-1])
        if where not in _warned_dirs:
            _warned_dirs.add(where)
            _warn(f"jitcore: the cache directory {where} is not writable ({self.reason}); "
                  "compiling without caching")


def _prune(path: Path) -> None:
    """Remove entries of the same function and signature with other keys (stale)."""
    prefix = path.name.rsplit(".", 2)[0] + "."
    for other in path.parent.glob(f"{glob_escape(prefix)}*{SUFFIX}"):
        if other != path and other.name.count(".") == path.name.count("."):
            try:
                other.unlink()
            except OSError:
                pass


def glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


# --- between overloads and entries -----------------------------------------------------------

def _serialize(overload: Any, key: str, dispatcher: Any) -> bytes:
    import zlib

    from jitcore.targets.objcache import cached_record

    records: list[dict[str, Any]] = []
    blobs: list[bytes] = []
    seen: set[str] = set()

    def add(symbol: str) -> None:
        if symbol in seen:
            return
        seen.add(symbol)
        record, callees = cached_record(symbol)
        for callee in sorted(callees):
            add(callee)
        obj, ir_text = record.pop("object"), record.pop("ir")
        if "bindings" not in record:  # compiled here: describe its Python objects
            record["bindings"] = {name: describe_binding(name, value)
                                  for name, value in record.pop("constants").items()}
        runtime = [piece for piece, mark in RUNTIME_MARKS.items() if mark in obj]
        records.append({**record, "runtime": runtime, "blob": len(blobs), "ir": len(blobs) + 1})
        blobs.extend([obj, zlib.compress(ir_text.encode(), 1)])

    add(overload.symbol)
    sig = overload.signature
    meta = {"format": FORMAT, "key": key, "module": dispatcher.py_func.__module__,
            "function": dispatcher.py_func.__qualname__, "signature": str(sig),
            "argtypes": [str(a) for a in sig.args], "return_type": encode_type(sig.return_type),
            "symbol": overload.symbol, "wrapper": overload.wrapper_symbol,
            "objects": records, "environment": list(environment())}
    return encode(meta, blobs)


def _materialize(data: bytes, key: str, argtypes: tuple[t.Type, ...]) -> Any:
    from jitcore.compiler import Overload, Typed
    from jitcore.targets.objcache import CachedLibrary, load_records

    meta, blobs = decode(data)
    if meta.get("key") != key:
        raise CorruptEntry("the file belongs to another key")
    if meta["argtypes"] != [str(a) for a in argtypes]:
        raise CorruptEntry("the file belongs to another signature")
    sig = t.Signature(decode_type(meta["return_type"]), argtypes)
    load_records(meta["objects"], blobs, resolve_binding, ensure_runtime_piece)
    own = next(r for r in meta["objects"] if meta["symbol"] in r["symbols"])
    library = CachedLibrary(blobs[own["ir"]])
    return Overload(sig, meta["symbol"], meta["wrapper"], Typed(None, sig),  # type: ignore[arg-type]
                    library, returnable=True, extra={"cached": True})


# --- process-independent native helpers (the dispatcher's call slot) -------------------------

def native_stub(name: str, key: str, build: Any, names: list[str]) -> dict[str, int]:
    """Load helper object code from the user cache, or `build()` it (LLVM) and store it."""
    from jitcore.targets.objcache import LoadError, load_object

    override = os.environ.get("JITCORE_CACHE_DIR")
    root = Path(override) if override else user_cache_root()
    digest = sha256("\n".join([*environment(), key]).encode()).hexdigest()[:24]
    path = root / "stubs" / f"{name}.{digest}{SUFFIX}"
    try:
        meta, blobs = decode(path.read_bytes())
        if meta.get("key") == key:
            return load_object(blobs[0], names)
    except (OSError, CorruptEntry, LoadError, ValueError, KeyError):
        pass
    obj = build()
    symbols = load_object(obj, names)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, encode({"format": FORMAT, "key": key, "function": name,
                                   "signature": "(native helper)"}, [obj]))
    except OSError:
        pass  # a read-only cache: the next process builds it again
    return symbols


# --- for the command line --------------------------------------------------------------------

def find_entries(root: Path) -> list[Path]:
    """Cache files under `root` (a cache directory, a source tree, or the user cache)."""
    if root.is_file():
        return [root] if root.suffix == SUFFIX else []
    return sorted(p for p in root.rglob(f"*{SUFFIX}") if not p.name.startswith(".tmp-"))


def default_roots() -> list[Path]:
    override = os.environ.get("JITCORE_CACHE_DIR")
    return [Path(override)] if override else [Path.cwd(), user_cache_root()]
