"""The cache's files: format, authentication, trust checks, directories, native helpers.

    data = encode(meta, blobs)             # MAGIC | HMAC-SHA256 | u32 len | metadata | blobs
    meta, blobs = decode(read_entry(path))  # yours, authentic and well formed, or CorruptEntry
    write_atomic(path, data)               # a temporary file renamed over `path`

A cache entry is native code this process will run, so it is used only if this user wrote
it: the file must be a regular file owned by the user (or root), and its HMAC, keyed by
a secret of the user's (`key`, mode 0600 in the private directory `~/.cache/jitcore`,
mode 0700), must match. Only then is its metadata parsed. A planted, foreign (another
user's key) or tampered entry is a `CorruptEntry`, which the caller reports and rebuilds.

What is about Python functions (keys from bytecode, bindings of Python objects, the
FunctionCache) lives in `jitcore/caching.py`; this module is what targets need too:
the dispatch slot and the thread pool keep their object code here (`native_stub`).
"""
from __future__ import annotations

import errno
import marshal
import os
import stat
import struct
import sys
import warnings
from collections.abc import Callable
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

try:  # hashlib's OpenSSL costs ~10 ms to load; a cache hit must cost less than that in all
    from _sha256 import sha256 as _sha256_impl  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - CPython builds without the module
    from hashlib import sha256 as _sha256_impl
# constant-time comparison (what hmac.compare_digest is), without importing hashlib
from _operator import _compare_digest as compare_digest

sha256: Any = _sha256_impl

MAGIC = b"JCCACHE\x02"  # 2: authenticated by an HMAC, not a bare checksum
SUFFIX = ".jcc"
FORMAT = 2  # of the metadata: 2 is marshal, not JSON text
KEY_FILE = "key"
KEY_SIZE = 32
NAME_MAX = 255  # bytes in a file name on Linux, macOS and Windows file systems
_HEAD = len(MAGIC) + 32 + 4


class CacheWarning(RuntimeWarning):
    """A cache entry or directory could not be used; compilation goes on without it."""


class Unstable(Exception):
    """The function depends on something without a value stable across processes."""


class CorruptEntry(Exception):
    """A cache file that is truncated, damaged, not ours, or not well formed."""


class NoKey(Exception):
    """The user's cache key cannot be read or created: nothing can be cached."""


def warn(message: str, stacklevel: int = 4) -> None:
    warnings.warn(message, CacheWarning, stacklevel=stacklevel)


# --- the environment part of every key ------------------------------------------------------

@cache
def environment() -> tuple[str, ...]:
    """The parts of the key that are the same for every function in this process (the
    stamp of the sources covers jitcore's version: version.py is one of them)."""
    return (f"jitcore {_sources_stamp()}", f"python {sys.version}",
            f"llvmlite {_llvmlite_version()}", f"numpy {_numpy_version()}",
            f"cpu {cpu_fingerprint()}", f"boundscheck {_config_boundscheck()}")


def _config_boundscheck() -> bool:
    from jitcore.frontend import config

    return config.BOUNDSCHECK


# The compiler's packages; the rooms live in their own folders of the source tree.
COMPILER_ROOMS = ("jitcore", "jitcore.typeinfer", "jitcore.lowering", "jitcore.targets",
                  "jitcore.ufunc")


def _sources_stamp() -> str:
    """Size and mtime of every compiler source file: an edited compiler invalidates all.

    One stat per file, read through os.scandir (a third cheaper than os.walk + os.stat:
    every cache hit pays for this).
    """
    h = sha256()

    def walk(directory: str, skip: set[str]) -> None:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            if entry.name.endswith(".py"):
                st = entry.stat()
                h.update(f"{entry.path}:{st.st_size}:{st.st_mtime_ns};".encode())
            elif entry.name != "__pycache__" and entry.path not in skip and entry.is_dir():
                walk(entry.path, skip)

    folders = []
    for package in COMPILER_ROOMS:
        spec = find_spec(package)  # finds the folder without running its __init__
        assert spec is not None and spec.submodule_search_locations is not None
        folders += list(spec.submodule_search_locations)
    for folder in folders:  # a room inside another's folder is walked once, as itself
        walk(folder, set(folders))
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
        from .machine import host_cpu

        return f"{machine} {' '.join(host_cpu())}"
    keep = ("vendor_id", "cpu family", "model", "model name", "stepping", "flags", "Features",
            "CPU implementer", "CPU architecture", "CPU variant", "CPU part")
    fields = [line for line in first.splitlines() if line.split(":")[0].strip() in keep]
    return machine + " " + str(sha256("\n".join(fields).encode()).hexdigest())[:16]


# --- the user's private directory and secret key -------------------------------------------

def user_cache_root() -> Path:
    """$XDG_CACHE_HOME/jitcore, or ~/.cache/jitcore (a relative XDG path is ignored, as the
    XDG specification says)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jitcore"


def private_dir() -> Path:
    """The user's cache root, created mode 0700; raises NoKey if it is not the user's own."""
    root = user_cache_root()
    if not root.is_absolute():  # no home directory: never a private directory in the cwd
        raise NoKey("there is no home directory for the private cache directory (set HOME "
                    "or XDG_CACHE_HOME)")
    try:
        try:
            st = os.stat(root)  # one stat on every hit but the first
        except FileNotFoundError:
            root.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.mkdir(root, 0o700)
            except FileExistsError:  # another process made it first: check it the same
                pass
            st = os.stat(root)
        if not stat.S_ISDIR(st.st_mode):
            raise NoKey(f"the private cache directory {root} is not a directory")
        if st.st_uid != os.geteuid():
            raise NoKey(f"the private cache directory {root} is owned by uid {st.st_uid}, "
                        f"not by you (uid {os.geteuid()})")
        if st.st_mode & 0o077:  # made by an older jitcore, or by hand: make it private
            os.chmod(root, 0o700)
    except OSError as exc:
        raise NoKey(f"cannot create the private directory {root}: {exc.strerror or exc}"
                    ) from None
    return root


class Mac:
    """HMAC-SHA256 (RFC 2104) with one key, built on `_sha256`: the `hmac` module would
    import hashlib's OpenSSL (~10 ms), more than a whole cache hit may cost."""

    def __init__(self, key: bytes) -> None:
        block = key.ljust(64, b"\0") if len(key) <= 64 else sha256(key).digest().ljust(64, b"\0")
        self._inner = sha256(bytes(b ^ 0x36 for b in block))
        self._outer = sha256(bytes(b ^ 0x5C for b in block))

    def digest(self, *parts: bytes) -> bytes:
        inner = self._inner.copy()
        for part in parts:
            inner.update(part)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return bytes(outer.digest())


@cache
def _user_mac() -> Mac | str:
    try:
        return Mac(_read_or_create_key(private_dir() / KEY_FILE))
    except NoKey as exc:
        return str(exc)


def user_mac() -> Mac:
    """The MAC keyed by this user's secret (read once per process); raises NoKey."""
    mac = _user_mac()
    if isinstance(mac, str):
        raise NoKey(mac)
    return mac


def _read_or_create_key(path: Path) -> bytes:
    for _ in range(2):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            _create_key(path)
            continue
        except OSError as exc:
            raise NoKey(f"cannot read the cache key {path}: {exc.strerror}") from None
        try:
            st = os.fstat(fd)
            key = os.read(fd, KEY_SIZE + 1)
        finally:
            os.close(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
            raise NoKey(f"the cache key {path} is not private (mode {st.st_mode & 0o777:o}, "
                        f"uid {st.st_uid}); remove it and jitcore makes a new one")
        if len(key) != KEY_SIZE:
            raise NoKey(f"the cache key {path} is damaged; remove it and jitcore makes a new one")
        return key
    raise NoKey(f"cannot create the cache key {path}")


def _create_key(path: Path) -> None:
    """Write a fresh key under a temporary name, then link it into place: a process that
    loses the race keeps the winner's key, and no one ever reads half a key."""
    tmp = path.with_name(f".key-{os.getpid()}-{os.urandom(6).hex()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, os.urandom(KEY_SIZE))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    except OSError as exc:
        raise NoKey(f"cannot create the cache key {path}: {exc.strerror}") from None


# --- the file format -------------------------------------------------------------------------

def encode(meta: dict[str, Any], blobs: list[bytes], mac: Mac | None = None) -> bytes:
    """MAGIC | HMAC of everything else | u32 metadata length | metadata | blobs.

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
    return MAGIC + (mac or user_mac()).digest(MAGIC, rest) + rest


def decode(data: bytes, mac: Mac | None = None) -> tuple[dict[str, Any], list[bytes]]:
    """The metadata and blobs of an entry written with this user's key.

    Nothing is parsed before the HMAC matches (`marshal` is not safe on hostile data);
    then the layout is checked: a dict with the format and in-bounds blob offsets.
    """
    if data[:len(MAGIC)] != MAGIC:
        raise CorruptEntry("not a jitcore cache file of this version")
    if len(data) < _HEAD:
        raise CorruptEntry("truncated")
    digest, rest = data[len(MAGIC):len(MAGIC) + 32], data[len(MAGIC) + 32:]
    if not compare_digest((mac or user_mac()).digest(MAGIC, rest), digest):
        raise CorruptEntry("its authentication code does not match: written with another "
                           "user's key, or changed since it was written")
    (size,) = struct.unpack_from("<I", rest, 0)
    try:
        meta = marshal.loads(rest[4:4 + size])
    except (ValueError, EOFError, TypeError) as exc:
        raise CorruptEntry(f"unreadable metadata: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise CorruptEntry(f"format {found}, expected {FORMAT}")
    body = rest[4 + size:]
    offsets = meta.get("blobs")
    if not (isinstance(offsets, list) and all(
            isinstance(o, list) and len(o) == 2 and all(type(x) is int and x >= 0 for x in o)
            and o[0] + o[1] <= len(body) for o in offsets)):
        raise CorruptEntry("blob offsets out of bounds")
    return meta, [body[a:a + n] for a, n in offsets]


# --- reading and writing files ---------------------------------------------------------------

def trusted_owner(uid: int) -> bool:
    return uid == os.geteuid() or uid == 0


def read_entry(path: Path) -> bytes:
    """The bytes of a cache file this user (or root) owns.

    Raises FileNotFoundError for a miss, CorruptEntry for anything else there: another
    user's file, a symbolic link, a FIFO or device (opened non-blocking, never read).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise CorruptEntry("it is a symbolic link, not a cache file") from None
        raise CorruptEntry(f"cannot read it: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise CorruptEntry("it is not a regular file")
        if not trusted_owner(st.st_uid):
            raise CorruptEntry(f"it is owned by uid {st.st_uid}, not by you "
                               f"(uid {os.geteuid()}) or root")
        chunks = []
        while chunk := os.read(fd, max(st.st_size, 1 << 16)):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same directory, then rename over `path`."""
    tmp = path.parent / f".tmp-{os.getpid()}-{os.urandom(6).hex()}{SUFFIX}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
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


def make_dir(directory: Path) -> None:
    """Create a cache directory: private (0700) under the user's root, else as umask says."""
    root = user_cache_root()
    if directory == root or root in directory.parents:
        private_dir()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    else:
        directory.mkdir(parents=True, exist_ok=True)


def remove_if_owned(path: Path) -> None:
    """Unlink a file this user owns (in a shared directory, never another user's)."""
    try:
        if os.lstat(path).st_uid == os.geteuid():
            path.unlink()
    except OSError:
        pass


def fit_name(readable: str, tail: str) -> str:
    """`readable + tail` as a file name, with `readable` cut and hashed if it is too long
    (a long qualified name must not make the entry impossible to write)."""
    name = readable + tail
    if len(name.encode()) <= NAME_MAX:
        return name
    budget = NAME_MAX - len(tail.encode()) - 18  # "~" and 16 hex digits, with room
    short = readable.encode()[:max(budget, 16)].decode(errors="ignore")
    return f"{short}~{sha256(readable.encode()).hexdigest()[:16]}{tail}"


def write_error(directory: Path, path: Path, exc: OSError) -> str:
    """The warning for a failed store: "not writable" only when it is so, else the error."""
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"the cache directory {directory} is not writable ({exc.strerror})"
    return f"cannot write the cache entry {path}: {exc.strerror or exc}"


# --- process-independent native helpers (the dispatcher's call slot, the thread pool) -------

def native_stub(name: str, key: str, build: Callable[[], bytes],
                names: list[str]) -> dict[str, int]:
    """Load helper object code from the user's cache, or `build()` it (LLVM) and store it."""
    from .objcache import LoadError, load_object

    override = os.environ.get("JITCORE_CACHE_DIR")
    root = Path(override) if override else user_cache_root()
    parts = [*environment(), key, f"uid {os.geteuid()}"]  # users never share a stub file
    digest = sha256("\n".join(parts).encode()).hexdigest()[:24]
    path = root / "stubs" / f"{name}.{digest}{SUFFIX}"
    try:
        meta, blobs = decode(read_entry(path))
        if meta.get("key") == key and len(blobs) == 1:
            return load_object(blobs[0], names)
    except (OSError, CorruptEntry, NoKey, LoadError):  # missing, foreign, damaged: build it
        pass
    obj = build()
    symbols = load_object(obj, names)
    try:
        make_dir(path.parent)
        write_atomic(path, encode({"format": FORMAT, "key": key, "function": name,
                                   "signature": "(native helper)"}, [obj]))
    except (OSError, NoKey):
        pass  # a read-only cache: the next process builds it again
    return symbols
