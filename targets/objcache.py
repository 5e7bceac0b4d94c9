"""Native object code outside the JIT: capture it from MCJIT, load it back without LLVM.

    capture_objects()                        # MCJIT hands us each module's object code
    obj = captured_object("jc.m.f.ab12(int64)")          # bytes of the module defining it
    syms = load_object(obj, [name])          # {symbol: address}, relocated, executable

A cache hit must cost milliseconds, and importing llvmlite.binding alone costs ~40 ms,
so objects are loaded here by a small ELF linker: sections are copied into fresh
pages, relocations applied, symbols resolved against (1) objects this loader
already loaded, (2) the process bindings of targets/bindings.py (NumPy's API table,
BLAS, the random generator's key, the thread pool, the runtime's counters and
allocator), (3)
modules in the MCJIT engine when LLVM is loaded, (4) the process (CPython's C API,
libm, libc). The JIT target machine uses the large code model, so MCJIT objects
relocate with absolute 64-bit words (R_X86_64_64) and section-relative PC64 words;
the PC32 / GOT forms of small-model code are handled too. Other machines or object
formats fall back to LLVM's own loader (`ExecutionEngine.add_object_file`). Either
loader gets only what `check_object` passed: a relocatable ELF object of this host's
class, byte order and machine whose tables lie within it (a damaged or foreign object is
a LoadError, not a crash).

Symbols this loader defines are published to LLVM (`llvm.add_symbol`) once it is
loaded, so code compiled later in the process can call cached functions.
"""
from __future__ import annotations

import ctypes
import os
import struct
import sys
from _thread import RLock  # threading.RLock, without importing threading (cache hits)
from collections.abc import Callable
from functools import cache
from typing import Any

from . import bindings

STATS = "jc.rt.stats"  # lowering.runtime.STATS, repeated to keep this module light
_lock = RLock()
_defined: dict[str, int] = {}  # symbol -> address, for everything this module loaded
_published: set[str] = set()  # symbols already given to LLVM
_keepalive: list[Any] = []
_captured: dict[str, bytes] = {}  # defined function symbol -> object code of its module
_capturing = False


# --- the runtime cell shared by every module ---------------------------------------------

_stats_cell = (ctypes.c_int64 * 2)(0, 0)


def stats_address() -> int:
    """Address of the process's [allocations, frees] counters (`jc.rt.stats`)."""
    return ctypes.addressof(_stats_cell)


def memory_stats() -> tuple[int, int]:
    return _stats_cell[0], _stats_cell[1]


RAW_ALLOC, RAW_FREE = bindings.RAW_ALLOC, bindings.RAW_FREE  # lowering.runtime's allocator
_runtime: dict[str, int] = {}


def runtime_symbols() -> dict[str, int]:
    """The runtime's bindings: its counters, and its allocator (libc's, or the checked one
    of the memory audit when JITCORE_MEMCHECK=1, chosen once per process)."""
    with _lock:
        if not _runtime:
            symbols = {STATS: stats_address(), RAW_ALLOC: _libc_address("aligned_alloc"),
                       RAW_FREE: _libc_address("free")}
            if os.environ.get("JITCORE_MEMCHECK", "") not in ("", "0"):
                from . import memcheck

                symbols.update(memcheck.install())
            _runtime.update(symbols)
    return _runtime


def _libc_address(name: str) -> int:
    return ctypes.cast(getattr(_process, name), ctypes.c_void_p).value or 0


# --- capture from MCJIT --------------------------------------------------------------------

def capture_objects(engine: Any) -> None:
    """Keep the object code MCJIT generates for each module (called once per engine)."""
    global _capturing
    if _capturing:
        return
    _capturing = True

    def notify(module: Any, buffer: bytes) -> None:
        data = bytes(buffer)
        for fn in module.functions:
            if not fn.is_declaration and fn.linkage.name == "external":
                _captured[fn.name] = data

    engine.set_object_cache(notify, None)


def captured_object(symbol: str) -> bytes | None:
    """The object code of the module that defines `symbol`, if MCJIT generated it here."""
    return _captured.get(symbol)


# --- lookup and publication ----------------------------------------------------------------

def address_of(symbol: str) -> int:
    """The address of a symbol this loader defined (0 if none)."""
    return _defined.get(symbol, 0)


def publish_to_llvm() -> None:
    """Tell LLVM where our symbols are, if LLVM is loaded (else nothing needs to know)."""
    llvm = sys.modules.get("llvmlite.binding")
    if llvm is None:
        return
    with _lock:
        for name, addr in [*runtime_symbols().items(), *_defined.items()]:
            if name not in _published:
                llvm.add_symbol(name, addr)
                _published.add(name)


_process = ctypes.CDLL(None)


@cache
def load_libmvec() -> bool:
    """Load glibc's vector math library with global symbols, where the JIT and this
    loader find its functions by name (targets/specialise.py calls them)."""
    try:
        ctypes.CDLL("libmvec.so.1", mode=ctypes.RTLD_GLOBAL)
    except OSError:
        return False
    return True


def process_symbol(name: str) -> int:
    """The address of a symbol of the process (C API, libc, libm, global libraries)."""
    if name in bindings.PROCESS:  # NumPy's API table, BLAS, the pool, jc.rt.stats, ...
        return bindings.address(name)
    if name.startswith("_ZGV"):  # glibc's vector math (fastmath code): loaded on first use
        load_libmvec()
    try:
        return ctypes.cast(getattr(_process, name), ctypes.c_void_p).value or 0
    except AttributeError:
        pass
    llvm = sys.modules.get("llvmlite.binding")  # MCJIT modules and symbols added to LLVM
    if llvm is not None:
        codegen = sys.modules.get("jitcore.targets.codegen")
        if codegen is not None and name in getattr(codegen, "_defined", ()):
            from .machine import jit_engine

            return int(jit_engine().get_global_value_address(name))
        return int(llvm.address_of_symbol(name) or 0)
    return 0


def resolve_symbol(name: str) -> int:
    return _defined.get(name) or process_symbol(name)


# --- loading -------------------------------------------------------------------------------

class LoadError(Exception):
    """The object cannot be loaded here (format, relocation or missing symbol)."""


def load_object(data: bytes, names: list[str]) -> dict[str, int]:
    """Load one object file; returns the addresses of the global symbols it defines."""
    return load_objects([(data, names)])


def load_objects(items: list[tuple[bytes, list[str]]]) -> dict[str, int]:
    """Load object files that may refer to each other (a recursive cycle), all at once.

    `names` (per object) lists the symbols the caller needs: LLVM's loader can only be
    asked by name. The symbols are recorded process-wide (see `address_of`) and
    published to LLVM. Raises LoadError, leaving nothing of the batch callable.
    """
    for data, _ in items:
        check_object(data)
    with _lock:
        if all(_elf_loadable(data) for data, _ in items):
            batch: dict[str, int] = {}
            try:
                loaders = [_ElfLoader(data) for data, _ in items]
                for loader in loaders:
                    loader.place()
                for loader in loaders:
                    batch.update(loader.defined())
                for loader in loaders:
                    loader.link(lambda name: batch.get(name) or resolve_symbol(name))
            except (struct.error, IndexError, ValueError, StopIteration) as exc:
                raise LoadError(f"a malformed ELF object: {exc!r}") from None
        else:
            batch = {}
            for data, names in items:
                batch.update(_llvm_load(data, names))
        missing = [n for _, names in items for n in names if not batch.get(n)]
        if missing:
            raise LoadError(f"the objects do not define {missing}")
        _defined.update(batch)
    publish_to_llvm()
    return batch


def _elf_loadable(data: bytes) -> bool:
    """Whether our own loader takes `data` (checked by `check_object` already)."""
    return host_elf_machine() == _EM_X86_64 and sys.platform.startswith("linux")


# e_machine of the ELF objects this host runs, by `uname -m`
_ELF_MACHINES = {"x86_64": 62, "amd64": 62, "aarch64": 183, "arm64": 183, "ppc64le": 21,
                 "s390x": 22, "riscv64": 243}


def host_elf_machine() -> int | None:
    return _ELF_MACHINES.get(os.uname().machine.lower())


def check_object(data: bytes) -> None:
    """Raise LoadError unless `data` is a relocatable ELF object for this host whose
    section table and sections lie within it: the loaders trust what they are given."""
    if data[:4] != b"\x7fELF":
        raise LoadError("not an ELF object")
    if len(data) < 64 or data[4] != 2:
        raise LoadError("not a 64-bit ELF object")
    order = "<" if data[5] == 1 else ">"
    if data[5] != (1 if sys.byteorder == "little" else 2):
        raise LoadError(f"an ELF object of the other byte order than this {sys.byteorder}-"
                        "endian host")
    (e_type, e_machine, _, _, _, shoff, _, _, _, _, shentsize, shnum, shstrndx) = (
        struct.unpack_from(order + "HHIQQQIHHHHHH", data, 16))
    host = host_elf_machine()
    if e_machine != host:
        raise LoadError(f"an ELF object for machine {e_machine}, not for this "
                        f"{os.uname().machine} host ({host})")
    if e_type != 1:
        raise LoadError(f"an ELF object of type {e_type}, not a relocatable object")
    if shentsize != 64 or shstrndx >= shnum or shoff + shnum * 64 > len(data):
        raise LoadError("the ELF section table lies outside the object")
    for i in range(shnum):
        _, kind, _, _, offset, size, link, info, _, entsize = struct.unpack_from(
            order + "IIQQQQIIQQ", data, shoff + i * 64)
        if kind != _SHT_NOBITS and offset + size > len(data):
            raise LoadError(f"ELF section {i} lies outside the object")
        if kind in (_SHT_SYMTAB, _SHT_RELA) and (link >= shnum or entsize != 24
                                                 or (kind == _SHT_RELA and info >= shnum)):
            raise LoadError(f"ELF section {i} refers to sections that do not exist")


def _llvm_load(data: bytes, names: list[str]) -> dict[str, int]:
    """LLVM's RuntimeDyld, for objects our ELF loader does not handle (other hosts)."""
    import llvmlite.binding as llvm

    from .machine import jit_engine

    engine = jit_engine()
    publish_to_llvm()
    engine.add_object_file(llvm.ObjectFileRef.from_data(data))
    engine.finalize_object()
    return {n: int(engine.get_global_value_address(n)) for n in names}


_EM_X86_64 = 62
_SHT_SYMTAB, _SHT_RELA, _SHT_NOBITS = 2, 4, 8
_SHF_WRITE, _SHF_ALLOC, _SHF_EXECINSTR = 1, 2, 4
_SHN_UNDEF, _SHN_ABS, _SHN_COMMON = 0, 0xFFF1, 0xFFF2
_STB_LOCAL, _STT_SECTION = 0, 3
# x86-64 relocation types
_R_64, _R_PC32, _R_PLT32, _R_GOTPCREL, _R_32, _R_32S = 1, 2, 4, 9, 10, 11
_R_PC64, _R_GOTOFF64, _R_GOTPC32, _R_GOTPC64, _R_GOTPCRELX, _R_REX_GOTPCRELX = (
    24, 25, 26, 29, 41, 42)
_PAGE = 4096
_PROT_READ, _PROT_WRITE, _PROT_EXEC = 1, 2, 4
_MAP_PRIVATE, _MAP_ANONYMOUS = 0x02, 0x20

_libc = ctypes.CDLL(None, use_errno=True)
_mmap = _libc.mmap
_mmap.restype = ctypes.c_void_p
_mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                  ctypes.c_long]
_mprotect = _libc.mprotect
_mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


def _pages(size: int) -> int:
    return max(_PAGE, (size + _PAGE - 1) // _PAGE * _PAGE)


def _map(size: int) -> int:
    addr = _mmap(None, size, _PROT_READ | _PROT_WRITE, _MAP_PRIVATE | _MAP_ANONYMOUS, -1, 0)
    if addr in (None, ctypes.c_void_p(-1).value):
        raise LoadError(f"mmap of {size} bytes failed (errno {ctypes.get_errno()})")
    return int(addr)


class _ElfLoader:
    """One relocatable x86-64 ELF object: place, relocate, protect."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        (_, _, _, _, _, _, shoff, _, _, _, _, shentsize, shnum, shstrndx) = struct.unpack_from(
            "<16sHHIQQQIHHHHHH", data, 0)
        self.sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                         for i in range(shnum)]
        names_off = self.sections[shstrndx][4]
        self.names = [self._cstr(names_off + s[0]) for s in self.sections]
        self.base: dict[int, int] = {}  # section index -> load address
        self.got: dict[int, int] = {}  # target address -> GOT slot address
        self.stubs: dict[int, int] = {}  # target address -> jump stub address

    def _cstr(self, offset: int) -> str:
        end = self.data.index(b"\0", offset)
        return self.data[offset:end].decode()

    def _loaded(self, index: int) -> bool:
        sh = self.sections[index]
        return bool(sh[2] & _SHF_ALLOC) and self.names[index] != ".eh_frame" and sh[5] > 0

    def _relas(self) -> list[tuple[int, ...]]:
        return [s for s in self.sections if s[1] == _SHT_RELA and self._loaded(s[7])]

    def place(self) -> None:
        n_relocs = sum(s[5] // 24 for s in self._relas())
        self.code, _ = self._place(16 * n_relocs, 8 * n_relocs)
        self.table = self._symbol_table()

    def defined(self) -> dict[str, int]:
        """Global symbols this object defines, by name (valid after `place`)."""
        return {e[0]: e[1] for e in self.table if e[3] and e[2] != _SHN_UNDEF and e[1]}

    def link(self, resolve: Callable[[str], int]) -> None:
        """Resolve undefined symbols, apply relocations, make the code executable."""
        addresses = []
        for name, addr, shndx, _ in self.table:
            if shndx == _SHN_UNDEF and name:
                addr = resolve(name)
                if not addr:
                    raise LoadError(f"undefined symbol {name}")
            addresses.append(addr)
        for rela in self._relas():
            self._relocate(rela, addresses)
        code_addr, code_size = self.code
        if code_size and _mprotect(code_addr, code_size, _PROT_READ | _PROT_EXEC) != 0:
            raise LoadError("mprotect failed")

    def _place(self, stub_bytes: int, got_bytes: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """Lay sections out in one executable and one writable mapping, copy their bytes."""
        groups: dict[bool, list[int]] = {True: [], False: []}
        for i in range(len(self.sections)):
            if self._loaded(i):
                groups[bool(self.sections[i][2] & _SHF_EXECINSTR)].append(i)
        regions = []
        for is_code, extra in ((True, stub_bytes), (False, got_bytes)):
            offsets, size = {}, 0
            for i in groups[is_code]:
                align = max(1, self.sections[i][8])
                size = (size + align - 1) // align * align
                offsets[i] = size
                size += self.sections[i][5]
            size = (size + 15) // 16 * 16
            total = _pages(size + extra)
            addr = _map(total)
            _keepalive.append((addr, total))
            for i, off in offsets.items():
                self.base[i] = addr + off
                sh = self.sections[i]
                if sh[1] != _SHT_NOBITS:  # mmap'd pages are already zero for .bss
                    ctypes.memmove(addr + off, self.data[sh[4]:sh[4] + sh[5]], sh[5])
            regions.append((addr, total, addr + size))
        self._stub_next = regions[0][2]
        self._got_next = regions[1][2]
        return (regions[0][0], regions[0][1]), (regions[1][0], regions[1][1])

    def _symbol_table(self) -> list[tuple[str, int, int, bool]]:
        """(name, address or 0 if undefined, section index, is global) per symbol index."""
        symtab_index = next(i for i, s in enumerate(self.sections) if s[1] == _SHT_SYMTAB)
        sh = self.sections[symtab_index]
        strtab = self.sections[sh[6]][4]
        out = []
        for k in range(sh[5] // 24):
            st_name, st_info, _, shndx, value, size = struct.unpack_from(
                "<IBBHQQ", self.data, sh[4] + 24 * k)
            name = self._cstr(strtab + st_name) if st_name else ""
            bind, typ = st_info >> 4, st_info & 0xF
            if shndx == _SHN_UNDEF:
                addr = 0
            elif shndx == _SHN_ABS:
                addr = value
            elif shndx == _SHN_COMMON:
                addr = _map(_pages(size))
                _keepalive.append((addr, _pages(size)))
            elif shndx in self.base:
                addr = self.base[shndx] + (0 if typ == _STT_SECTION else value)
            else:
                addr = 0  # a symbol in a section we do not load (.eh_frame)
            out.append((name, addr, shndx, bind != _STB_LOCAL))
        return out

    def _relocate(self, rela: tuple[int, ...], symbols: list[int]) -> None:
        target = rela[7]
        where = self.base[target]
        for k in range(rela[5] // 24):
            offset, info, addend = struct.unpack_from("<QQq", self.data, rela[4] + 24 * k)
            kind, sym = info & 0xFFFFFFFF, info >> 32
            width = 8 if kind in (_R_64, _R_PC64) else 4
            if sym >= len(symbols) or offset + width > self.sections[target][5]:
                raise LoadError(f"a relocation in {self.names[target]} is out of bounds")
            s = symbols[sym]
            p = where + offset
            if kind == _R_64:
                ctypes.c_uint64.from_address(p).value = (s + addend) & (2**64 - 1)
            elif kind == _R_PC64:
                ctypes.c_uint64.from_address(p).value = (s + addend - p) & (2**64 - 1)
            elif kind in (_R_PC32, _R_PLT32):
                value = s + addend - p
                if not -2**31 <= value < 2**31:  # a far function: go through a stub
                    value = self._stub(s) + addend - p
                self._put32(p, value, signed=True)
            elif kind in (_R_GOTPCREL, _R_GOTPCRELX, _R_REX_GOTPCRELX):
                self._put32(p, self._got_slot(s) + addend - p, signed=True)
            elif kind in (_R_32, _R_32S):
                self._put32(p, s + addend, signed=kind == _R_32S)
            else:
                raise LoadError(f"unsupported relocation type {kind} in {self.names[target]}")

    @staticmethod
    def _put32(p: int, value: int, signed: bool) -> None:
        lo, hi = (-2**31, 2**31) if signed else (0, 2**32)
        if not lo <= value < hi:
            raise LoadError("a 32-bit relocation is out of range")
        ctypes.c_uint32.from_address(p).value = value & 0xFFFFFFFF

    def _got_slot(self, s: int) -> int:
        if s not in self.got:
            self.got[s] = self._got_next
            ctypes.c_uint64.from_address(self._got_next).value = s
            self._got_next += 8
        return self.got[s]

    def _stub(self, s: int) -> int:
        """jmp *0(%rip); .quad s — a 16-byte trampoline within reach of the code."""
        if s not in self.stubs:
            at = self._stub_next
            ctypes.memmove(at, b"\xff\x25\x00\x00\x00\x00" + struct.pack("<Q", s) + b"\x90\x90",
                           16)
            self.stubs[s] = at
            self._stub_next += 16
        return self.stubs[s]


# --- cache records: one object with what binds it --------------------------------------------

# first symbol of a record -> (record, object code, compressed IR), for records loaded here
_records: dict[str, tuple[dict[str, Any], bytes, bytes]] = {}


def is_defined(symbol: str) -> bool:
    """Whether this process already has code for `symbol` (loaded here or JIT-compiled)."""
    if symbol in _defined:
        return True
    codegen = sys.modules.get("jitcore.targets.codegen")
    return codegen is not None and symbol in getattr(codegen, "_defined", ())


def load_records(records: list[dict[str, Any]], blobs: list[bytes],
                 resolve_binding: Callable[[dict[str, Any]], tuple[Any, int]]) -> None:
    """Load the objects of a cache entry that this process does not have yet, and bind
    their globals. Everything that can fail runs before any object is loaded: the process
    bindings each object reads ("process": names of targets/bindings.py's table, which
    raises UnknownBinding for another name) are resolved first."""
    todo = [r for r in records if not is_defined(r["symbols"][0])]
    for record in todo:  # nothing is resolved for an object no loader may take
        unknown = [name for name in record["process"] if name not in bindings.PROCESS]
        if unknown:
            raise bindings.UnknownBinding(f"{unknown[0]!r} is not a process binding")
        check_object(blobs[record["blob"]])
    for record in todo:
        for name in record["process"]:
            bindings.address(name)
    values = [{name: resolve_binding(desc) for name, desc in r["bindings"].items()}
              for r in todo]
    addresses = load_objects([(blobs[r["blob"]], [*r["symbols"], *r["bindings"]])
                              for r in todo])
    for bound in values:
        for name, (obj, word) in bound.items():
            ctypes.c_void_p.from_address(addresses[name]).value = word
            _keepalive.append(obj)
    for record in records:
        _records.setdefault(record["symbols"][0], (record, blobs[record["blob"]],
                                                   blobs[record["ir"]]))


def cached_record(symbol: str) -> tuple[dict[str, Any], set[str]]:
    """What a cache entry needs to hold for the code of `symbol`, and the callees it calls.

    The record has "symbols", "object", "ir", "process" (the process bindings the code
    reads, by name) and either "constants" (objects to describe) or "bindings" (already
    described, for code that came from the cache).
    """
    import zlib

    from .cachefiles import Unstable

    if symbol in _records:
        record, obj, ir_blob = _records[symbol]
        rec = {k: v for k, v in record.items()
               if k in ("symbols", "bindings", "process", "callees")}
        return {**rec, "object": obj, "ir": zlib.decompress(ir_blob).decode()}, set(
            record.get("callees", ()))
    compiler = sys.modules.get("jitcore.compiler")
    overload = getattr(compiler, "_SYMBOLS", {}).get(symbol)
    captured = _captured.get(symbol)
    if overload is None or captured is None or not hasattr(overload.library, "info"):
        raise Unstable(f"the code of {symbol} is not available to store")
    info = overload.library.info
    callees = set(info.called_symbols)
    return {"symbols": [symbol, overload.wrapper_symbol], "object": captured,
            "ir": overload.library.ir_text, "constants": dict(info.py_constants),
            "process": sorted(info.bindings), "callees": sorted(callees)}, callees


class CachedLibrary:
    """What an overload loaded from the cache has in place of a JIT module."""

    finalized = True

    def __init__(self, ir_blob: bytes) -> None:
        self._ir_blob = ir_blob
        self._asm: str | None = None

    def address(self, symbol: str) -> int:
        addr = resolve_symbol(symbol)
        if not addr:
            raise LoadError(f"native symbol {symbol} is not loaded")
        return addr

    @property
    def ir_text(self) -> str:
        import zlib

        return zlib.decompress(self._ir_blob).decode()

    def asm(self) -> str:
        if self._asm is None:
            import llvmlite.binding as llvm

            from .machine import host_target_machine

            self._asm = host_target_machine().emit_assembly(llvm.parse_assembly(self.ir_text))
        return self._asm


def compile_object(module: Any, opt: int) -> bytes:
    """Object code for an llvmlite.ir module, as the JIT would generate it (host CPU)."""
    from .codegen import optimise, parse
    from .machine import host_target_machine

    mod = parse(module, [])
    optimise(mod, opt)
    return bytes(host_target_machine().emit_object(mod))
