"""The cache's file layer in this process: HMAC, object checks, metadata checks, names."""
from __future__ import annotations

import errno
import hmac
import os
import struct
from pathlib import Path
from typing import Any

import pytest
from jitcore.targets import cachefiles, objcache
from jitcore.targets.cachefiles import CorruptEntry, Mac

from jitcore import caching

# --- the HMAC --------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [b"", b"k", bytes(range(32)), b"\xff" * 64, bytes(range(100))],
                         ids=["empty", "short", "32", "64", "100"])
@pytest.mark.parametrize("message", [b"", b"abc", bytes(range(256)) * 20],
                         ids=["empty", "short", "long"])
def test_the_mac_is_hmac_sha256(key: bytes, message: bytes) -> None:
    mac = Mac(key)
    assert mac.digest(message) == hmac.new(key, message, "sha256").digest()
    assert mac.digest(message[:7], message[7:]) == mac.digest(message)  # parts, reused


def test_an_entry_written_with_another_key_is_corrupt() -> None:
    mine, theirs = Mac(os.urandom(32)), Mac(os.urandom(32))
    data = cachefiles.encode({"format": cachefiles.FORMAT, "key": "k"}, [b"obj"], theirs)
    assert cachefiles.decode(data, theirs)[1] == [b"obj"]
    with pytest.raises(CorruptEntry, match="authentication code does not match"):
        cachefiles.decode(data, mine)


def test_blob_offsets_are_checked_after_the_mac() -> None:
    import marshal

    mac = Mac(b"x" * 32)
    head = marshal.dumps({"format": cachefiles.FORMAT, "blobs": [[1, 10]]}, 4)
    rest = struct.pack("<I", len(head)) + head + b"abc"
    bad = cachefiles.MAGIC + mac.digest(cachefiles.MAGIC, rest) + rest
    with pytest.raises(CorruptEntry, match="blob offsets out of bounds"):
        cachefiles.decode(bad, mac)


# --- files ------------------------------------------------------------------------------------


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "entry.jcc"
    os.mkfifo(fifo)
    with pytest.raises(CorruptEntry, match="not a regular file"):
        cachefiles.read_entry(fifo)


def test_a_missing_entry_is_a_plain_miss(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        cachefiles.read_entry(tmp_path / "none.jcc")


def test_the_write_warning_names_the_real_error(tmp_path: Path) -> None:
    path = tmp_path / "x.jcc"
    denied = OSError(errno.EACCES, os.strerror(errno.EACCES))
    long = OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG))
    assert cachefiles.write_error(tmp_path, path, denied) == (
        f"the cache directory {tmp_path} is not writable (Permission denied)")
    assert cachefiles.write_error(tmp_path, path, long) == (
        f"cannot write the cache entry {path}: File name too long")


@pytest.mark.parametrize("readable", ["m.f", "m." + "x" * 300, "m." + "é" * 200,
                                      "m." + "q.r" * 120])
def test_names_fit_in_a_file_name(readable: str, tmp_path: Path) -> None:
    tail = ".ab12cd34." + "0" * 24 + ".jcc"
    name = cachefiles.fit_name(readable, tail)
    assert len(name.encode()) <= cachefiles.NAME_MAX and name.endswith(tail)
    assert name.startswith(readable[:40])
    (tmp_path / name).write_bytes(b"")  # the file system takes it
    if len(readable) > 100:
        assert cachefiles.fit_name(readable + "z", tail) != name


# --- objects ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def elf() -> bytes:
    from llvmlite import ir

    m = ir.Module("checked")
    i64 = ir.IntType(64)
    counter = ir.GlobalVariable(m, i64, "checked_counter")
    counter.initializer = ir.Constant(i64, 0)
    fn = ir.Function(m, ir.FunctionType(i64, [i64]), "checked_f")
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    b.ret(b.add(fn.args[0], b.load(counter)))
    return objcache.compile_object(m, opt=1)


def _patch(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def _section_header(data: bytes, kind: int) -> int:
    shoff, shnum = struct.unpack_from("<Q", data, 40)[0], struct.unpack_from("<H", data, 60)[0]
    return next(shoff + i * 64 for i in range(shnum)
                if struct.unpack_from("<I", data, shoff + i * 64 + 4)[0] == kind)


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="forges x86-64 objects")
@pytest.mark.parametrize("damage, message", [
    (lambda d: b"MZ" + d[2:], "not an ELF object"),
    (lambda d: d[:4] + b"\x01" + d[5:], "not a 64-bit ELF object"),
    (lambda d: d[:5] + b"\x02" + d[6:], "other byte order"),
    (lambda d: _patch(d, 18, "<H", 183), "for machine 183, not for this x86_64 host"),
    (lambda d: _patch(d, 16, "<H", 2), "of type 2, not a relocatable object"),
    (lambda d: _patch(d, 40, "<Q", len(d)), "section table lies outside"),
    (lambda d: _patch(d, _section_header(d, 2) + 32, "<Q", 1 << 40), "lies outside the object"),
    (lambda d: _patch(d, _section_header(d, 2) + 40, "<I", 999), "do not exist"),
    (lambda d: d[:40], "not a 64-bit ELF object"),
])
def test_objects_are_checked_before_any_loader(elf: bytes, damage: Any, message: str) -> None:
    objcache.check_object(elf)
    bad = damage(elf)
    with pytest.raises(objcache.LoadError, match=message):
        objcache.check_object(bad)
    with pytest.raises(objcache.LoadError, match=message):
        objcache.load_object(bad, ["checked_f"])


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="forges x86-64 objects")
def test_a_relocation_outside_its_section_is_an_error(elf: bytes) -> None:
    rela = _section_header(elf, 4)
    offset = struct.unpack_from("<Q", elf, rela + 24)[0]
    bad = _patch(elf, offset, "<Q", 1 << 30)  # the first relocation's r_offset
    with pytest.raises(objcache.LoadError, match="out of bounds"):
        objcache.load_object(bad, ["checked_f"])


# --- metadata -----------------------------------------------------------------------------


def _meta() -> dict[str, Any]:
    return {"format": 2, "key": "k" * 64, "module": "m", "function": "f",
            "signature": "(int64,) -> int64", "argtypes": ["int64"], "return_type": "int64",
            "symbol": "jc.f", "wrapper": "jc.f.wrap", "environment": ["python 3"],
            "blobs": [[0, 1], [1, 1]],
            "objects": [{"symbols": ["jc.f", "jc.f.wrap"], "callees": [],
                         "process": ["jc.numpy.api"],
                         "blob": 0, "ir": 1,
                         "bindings": {"jc.obj.f.0": {"kind": "import", "module": "builtins",
                                                     "qualname": "ValueError"},
                                      "jc.obj.f.1": {"kind": "const",
                                                     "value": {"tuple": [{"str": "m"}]}}}}]}


def test_a_well_formed_entry_passes() -> None:
    caching.check_entry(_meta(), 2)


@pytest.mark.parametrize("change, message", [
    (lambda m: m.pop("key"), "the metadata has fields"),
    (lambda m: m.update(extra=1), "the metadata has fields"),
    (lambda m: m.update(symbol=3), "symbol is not a short printable text"),
    (lambda m: m.update(function="f\x00"), "function is not a short printable text"),
    (lambda m: m.update(argtypes="int64"), "argtypes is not a list"),
    (lambda m: m.update(return_type={"array": "int64"}), "is no type"),
    (lambda m: m.update(objects=[]), "objects is not a list of records"),
    (lambda m: m.update(symbol="jc.g"), "no object defines jc.g"),
    (lambda m: m["objects"][0].update(blob=2), "blob 2 is not the index of a blob"),
    (lambda m: m["objects"][0].update(ir=True), "ir True is not the index of a blob"),
    (lambda m: m["objects"][0].update(process=["libc_system"]), "unknown process bindings"),
    (lambda m: m["objects"][0].update(symbols=[]), "defines no symbol"),
    (lambda m: m["objects"][0]["bindings"].update(x={"kind": "pickle"}), "unknown binding"),
    (lambda m: m["objects"][0]["bindings"].update(
        x={"kind": "raw", "name": "numpy_api"}), "unknown binding"),
    (lambda m: m["objects"][0]["bindings"].update(
        x={"kind": "const", "value": {"int": "9" * 5000}}), "constant binding is malformed"),
    (lambda m: m["objects"][0]["bindings"].update(
        x={"kind": "import", "module": "os", "qualname": "system", "extra": 1}), "fields"),
    (lambda m: m["objects"][0]["bindings"].update(
        x={"kind": "import", "module": "builtins", "qualname": "__import__"}), "names"),
    (lambda m: m["objects"][0]["bindings"].update(
        x={"kind": "import", "module": "os;x", "qualname": "a"}), "names"),
    (lambda m: m["objects"][0]["bindings"].update(
        x={"kind": "import", "module": "jitcore_never_imported_module", "qualname": "A"}),
     "which jitcore does not import and the program has not imported"),
])
def test_a_malformed_entry_is_refused(change: Any, message: str) -> None:
    meta = _meta()
    change(meta)
    with pytest.raises(CorruptEntry, match=message.replace("(", r"\(").replace(")", r"\)")):
        caching.check_entry(meta, 2)


def test_imports_come_from_jitcore_s_modules_or_those_already_loaded() -> None:
    for module in ("math", "numpy", "builtins", "os"):  # os: imported by every program
        caching.check_binding({"kind": "import", "module": module, "qualname": "x"})


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    root = cachefiles.user_cache_root()
    assert root.is_absolute() and root == Path(os.path.expanduser("~")) / ".cache" / "jitcore"
