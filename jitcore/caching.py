"""The on-disk cache of compiled overloads: native object code plus plain metadata.

    cache = FunctionCache(dispatcher)      # @njit(cache=True)
    overload = cache.load(argtypes)        # a ready overload, or None (never compiles)
    cache.store(overload)                  # after compiling: one file, written atomically

One entry is one file, `<stem>.<qualname>.<sig>.<key>.jcc` (a long name cut and
hashed), in `__jitcache__/` next to the source (or the user's private directory, or
$JITCORE_CACHE_DIR). The file name holds the
key, so a lookup opens one path and needs no index that processes could race on; the
directory is the index (`python -m jitcore cache list`). The key (`entry_key`) hashes
everything the code depends on: the function's bytecode, constants and names, the
values of the globals and closure cells it reads (folded into the code), every jitted
callee transitively, the argument types, options, the jitcore sources, Python, NumPy,
llvmlite (LLVM) and the CPU. An entry holds the object code of the function and of its
callees, and, per object, how to bind its globals in a new process: Python objects by
module and qualified name or as JSON constants, process addresses by name (NumPy's
API table, the random generator's key, BLAS, the thread pool) by their names in
targets/bindings.py's table.
Nothing is unpickled or executed on load but the relocation of the object code.

The file itself (format, HMAC with the user's key, ownership, directories) is
`jitcore.targets.cachefiles`; here, after it is authenticated, the metadata is checked
field by field (`check_entry`) before any binding is resolved or object loaded. A file
that fails a check is ignored with a CacheWarning and replaced.
"""
from __future__ import annotations

import builtins
import os
import sys
import types
import warnings
from pathlib import Path
from typing import Any

from jitcore.targets.cachefiles import (
    FORMAT,
    SUFFIX,
    CacheWarning,
    CorruptEntry,
    NoKey,
    Unstable,
    decode,
    encode,
    environment,
    fit_name,
    make_dir,
    read_entry,
    remove_if_owned,
    sha256,
    user_cache_root,
    user_mac,
    warn,
    write_atomic,
    write_error,
)
from jitcore.typeinfer import types as t

__all__ = ["FORMAT", "SUFFIX", "CacheWarning", "CorruptEntry", "FunctionCache", "Unstable",
           "decode", "encode", "entry_key", "environment", "fingerprint", "overload_tag",
           "user_cache_root", "write_atomic"]

CACHE_DIR_NAME = "__jitcache__"


# --- what the code depends on ----------------------------------------------------------------

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
    from jitcore.targets.bindings import import_object

    try:
        found = import_object(module, qualname)
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
        elif isinstance(ty, t.BoundClosure):  # an inner function and what it captured
            stack.append(ty.function)
            stack.extend(ty.items)
        elif isinstance(ty, t.Tuple):
            stack.extend(ty.items)
        elif isinstance(ty, t.FunctionChoice):
            stack.extend(ty.options)
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
    if isinstance(ty, t.Optional):
        return {"optional": encode_type(ty.base)}
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
    if "optional" in data:
        return t.Optional(decode_type(data["optional"]))
    return t.Array(decode_type(data["array"]), data["ndim"], data["layout"], data["readonly"],
                   data.get("aligned", True))


# --- Python objects bound into code ----------------------------------------------------------

def describe_binding(global_name: str, obj: Any) -> dict[str, Any]:
    """Plain data telling a new process what to bind global `global_name` to (a Python
    object: targets/bindings.py's describe_object). Process bindings are not described:
    an entry lists their names (targets/objcache.py, "process")."""
    from jitcore.targets.bindings import NotRebindable, describe_object

    try:
        return describe_object(obj)
    except NotRebindable as exc:
        raise Unstable(str(exc)) from None


def resolve_binding(desc: dict[str, Any]) -> tuple[Any, int]:
    """(object to keep alive, the word to store) for a binding from `describe_binding`."""
    from jitcore.targets.bindings import resolve_object

    try:
        obj = resolve_object(desc)
    except (ValueError, KeyError) as exc:
        raise CorruptEntry(str(exc)) from None
    return obj, id(obj)


# --- checking an entry before anything in it is used ----------------------------------------

# Modules an entry may make this process import to bind a global: what jitcore's own code
# binds (exception classes, NumPy's scalar types and functions, print). A binding from any
# other module (a user's exception class) is looked up in the modules the program has
# already imported, never imported: naming a module must not run it.
IMPORTABLE = frozenset({"builtins", "math", "cmath", "numpy", "numpy.linalg", "numpy.random",
                        "numpy.exceptions"})

_ENTRY_FIELDS = {"format", "key", "module", "function", "signature", "argtypes", "return_type",
                 "symbol", "wrapper", "objects", "environment", "blobs"}
_RECORD_FIELDS = {"symbols", "bindings", "callees", "process", "blob", "ir"}


def check_entry(meta: dict[str, Any], n_blobs: int) -> None:
    """Raise CorruptEntry unless `meta` has exactly the fields, types and formats that
    `_serialize` writes. Runs before any binding is resolved or object loaded."""
    _check_fields(meta, _ENTRY_FIELDS, "the metadata")
    for name in ("key", "module", "function", "signature", "symbol", "wrapper"):
        _check_text(meta[name], name)
    _check_list(meta["argtypes"], "argtypes")
    _check_list(meta["environment"], "environment")
    try:
        decode_type(meta["return_type"])
    except Exception:  # any failure of a description we did not write
        raise CorruptEntry(f"return_type {str(meta['return_type'])[:60]!r} is no type") from None
    objects = meta["objects"]
    if not isinstance(objects, list) or not objects:
        raise CorruptEntry("objects is not a list of records")
    for record in objects:
        _check_record(record, n_blobs)
    if not any(meta["symbol"] in r["symbols"] for r in objects):
        raise CorruptEntry(f"no object defines {meta['symbol']}")


def _check_record(record: Any, n_blobs: int) -> None:
    _check_fields(record, _RECORD_FIELDS, "an object record")
    _check_list(record["symbols"], "symbols")
    _check_list(record["callees"], "callees")
    if not record["symbols"]:
        raise CorruptEntry("an object record defines no symbol")
    for field in ("blob", "ir"):
        index = record[field]
        if type(index) is not int or not 0 <= index < n_blobs:
            raise CorruptEntry(f"{field} {index!r} is not the index of a blob")
    from jitcore.targets.bindings import PROCESS

    process = record["process"]  # names of targets/bindings.py's table
    if not isinstance(process, list) or any(p not in PROCESS for p in process):
        raise CorruptEntry(f"unknown process bindings {str(process)[:60]!r}")
    bindings = record["bindings"]
    if not isinstance(bindings, dict):
        raise CorruptEntry("bindings is not a dict")
    for name, desc in bindings.items():
        _check_text(name, "a bound global")
        check_binding(desc)


def check_binding(desc: Any) -> None:
    """A binding description is one of the two kinds `describe_binding` writes; an
    import names an allowed or already imported module and a plain attribute path."""
    from jitcore.targets.bindings import resolve_object

    kind = desc.get("kind") if isinstance(desc, dict) else None
    if kind == "const":
        _check_fields(desc, {"kind", "value"}, "a constant binding")
        try:
            resolve_object(desc)  # a constant: decoded, nothing imported
        except Exception:  # a malformed or oversized constant
            raise CorruptEntry("a constant binding is malformed") from None
    elif kind == "import":
        _check_fields(desc, {"kind", "module", "qualname"}, "an import binding")
        module, qualname = desc["module"], desc["qualname"]
        if not (_dotted(module) and _dotted(qualname)) or "__" in qualname:
            raise CorruptEntry(f"an import binding names {str(module)[:60]!r}, "
                               f"{str(qualname)[:60]!r}")
        if module not in IMPORTABLE and module not in sys.modules:
            raise CorruptEntry(f"it binds {qualname} from module {module!r}, which jitcore "
                               "does not import and the program has not imported")
    else:
        raise CorruptEntry(f"unknown binding {str(desc)[:60]!r}")


def _dotted(name: Any) -> bool:
    return isinstance(name, str) and all(part.isidentifier() for part in name.split("."))


def _check_fields(value: Any, fields: set[str], what: str) -> None:
    if not isinstance(value, dict) or set(value) != fields:
        found = sorted(map(str, value)) if isinstance(value, dict) else type(value).__name__
        raise CorruptEntry(f"{what} has fields {found}, expected {sorted(fields)}")


def _check_text(value: Any, what: str) -> None:
    if not isinstance(value, str) or not 0 < len(value) <= 4096 or not value.isprintable():
        raise CorruptEntry(f"{what} is not a short printable text")


def _check_list(value: Any, what: str) -> None:
    if not isinstance(value, list):
        raise CorruptEntry(f"{what} is not a list")
    for item in value:
        _check_text(item, f"an item of {what}")


def read_header(path: Path) -> dict[str, Any]:
    """The metadata of an entry: owned by this user, authentic (for listing)."""
    return decode(read_entry(path))[0]


# --- directories -----------------------------------------------------------------------------

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
    """`<file stem>.<qualname>.<signature hash>`; the hash covers the user too, so users
    sharing a directory each keep their own entries instead of replacing each other's."""
    src = source_file(py_func)
    stem = src.stem if src is not None else py_func.__module__
    qual = "".join(c if c.isalnum() or c in "_." else "_" for c in py_func.__qualname__)
    sig = sha256(f"{argtypes} uid {os.geteuid()}".encode()).hexdigest()[:8]
    return f"{stem}.{qual}.{sig}"


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        warn(message, stacklevel=5)


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
        stem = entry_stem(self.dispatcher.py_func, argtypes)
        readable, sig = stem.rsplit(".", 1)
        return directory / fit_name(readable, f".{sig}.{key[:24]}{SUFFIX}")

    def _usable(self) -> bool:
        """Whether this user has a cache key (else nothing is read or written)."""
        try:
            user_mac()
        except NoKey as exc:
            self.reason = f"not cached: {exc}"
            _warn_once(f"jitcore: {exc}; compiling without caching")
            return False
        return True

    def load(self, argtypes: tuple[t.Type, ...]) -> Any:
        """The overload for `argtypes` from the cache, loaded and bound; None on a miss."""
        try:
            key = self._keys[argtypes] = entry_key(self.dispatcher, argtypes)
        except Exception as exc:  # Unstable, or a global whose repr fails
            self.reason = f"not cached: {exc}"
            return None
        if not self._usable():
            return None
        for directory in candidate_dirs(self.dispatcher.py_func):
            path = self._entry_path(directory, argtypes, key)
            try:
                overload = _materialize(read_entry(path), key, argtypes)
            except FileNotFoundError:
                continue
            except Exception as exc:  # a bad entry must never break a call
                self.reason = f"ignored {path}: {exc}"
                warn(f"jitcore: ignoring cache entry {path}: {exc}; recompiling")
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
            if not self._usable():
                return
            data = _serialize(overload, key, self.dispatcher)
        except Exception as exc:  # storing is best effort, never an error
            self.reason = f"not cached: {exc}"
            return
        failure = ""
        for directory in candidate_dirs(self.dispatcher.py_func):
            path = self._entry_path(directory, argtypes, key)
            try:
                make_dir(directory)
                write_atomic(path, data)
            except (OSError, NoKey) as exc:
                failure = (write_error(directory, path, exc) if isinstance(exc, OSError)
                           else str(exc))
                continue
            self.stores += 1
            if not self.dispatcher.py_func.__closure__:  # closures: one entry per cell value
                _prune(path)
            return
        self.reason = f"not cached: {failure}"
        _warn_once(f"jitcore: {failure}; compiling without caching")


def _prune(path: Path) -> None:
    """Remove this user's entries of the same function and signature with other keys."""
    prefix = path.name.rsplit(".", 2)[0] + "."
    for other in path.parent.glob(f"{glob_escape(prefix)}*{SUFFIX}"):
        if other != path and other.name.count(".") == path.name.count("."):
            remove_if_owned(other)


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
        records.append({**record, "blob": len(blobs), "ir": len(blobs) + 1})
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
    from jitcore.targets.bindings import UnknownBinding
    from jitcore.targets.objcache import CachedLibrary, load_records

    meta, blobs = decode(data)
    check_entry(meta, len(blobs))
    if meta.get("key") != key:
        raise CorruptEntry("the file belongs to another key")
    if meta["argtypes"] != [str(a) for a in argtypes]:
        raise CorruptEntry("the file belongs to another signature")
    sig = t.Signature(decode_type(meta["return_type"]), argtypes)
    try:
        load_records(meta["objects"], blobs, resolve_binding)
    except UnknownBinding as exc:  # names a binding this jitcore does not have
        raise CorruptEntry(str(exc)) from None
    own = next(r for r in meta["objects"] if meta["symbol"] in r["symbols"])
    library = CachedLibrary(blobs[own["ir"]])
    return Overload(sig, meta["symbol"], meta["wrapper"], Typed(None, sig),  # type: ignore[arg-type]
                    library, returnable=True, extra={"cached": True})


# --- for the command line --------------------------------------------------------------------

def find_entries(root: Path) -> list[Path]:
    """Cache files under `root` (a cache directory, a source tree, or the user cache)."""
    if root.is_file():
        return [root] if root.suffix == SUFFIX else []
    return sorted(p for p in root.rglob(f"*{SUFFIX}") if not p.name.startswith(".tmp-"))


def default_roots() -> list[Path]:
    override = os.environ.get("JITCORE_CACHE_DIR")
    return [Path(override)] if override else [Path.cwd(), user_cache_root()]
