"""The command line: `python -m jitcore cache|sysinfo|aot`.

    python -m jitcore cache list [PATH]      entries under PATH (default: here and the user cache)
    python -m jitcore cache clear [PATH]     remove them
    python -m jitcore sysinfo                versions, host CPU and SIMD features, cache place
    python -m jitcore aot kernels.py -o out [--target aarch64-linux-gnu] [--cpu C] [--features F]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jitcore", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cache = sub.add_parser("cache", help="show or remove on-disk cache entries")
    cache.add_argument("action", choices=["list", "clear"])
    cache.add_argument("path", nargs="?", help="a cache directory, source tree or entry file")
    sub.add_parser("sysinfo", help="versions, host CPU, SIMD features, cache directory")
    aot = sub.add_parser("aot", help="compile a module's exported functions ahead of time")
    aot.add_argument("module", help="a Python file whose functions carry @jitcore.export(...)")
    aot.add_argument("-o", "--output", default=".", help="output directory")
    aot.add_argument("--name", help="name of the extension module and library (default: "
                     "the module's name)")
    aot.add_argument("--target", default=None, help="target triple, e.g. aarch64-linux-gnu")
    aot.add_argument("--cpu", default=None, help="target CPU (default: generic; 'host' for "
                     "this machine's)")
    aot.add_argument("--features", default=None, help="target features, e.g. +neon")
    aot.add_argument("--kind", choices=["all", "python", "c"], default="all",
                     help="the extension module, the C library, or both")
    args = parser.parse_args(argv)
    if args.command == "cache":
        return cache_command(args.action, args.path)
    if args.command == "sysinfo":
        return sysinfo()
    return aot_command(args)


def cache_command(action: str, path: str | None) -> int:
    from jitcore.caching import SUFFIX, CorruptEntry, default_roots, find_entries, read_header

    roots = [Path(path)] if path else default_roots()
    entries = [e for root in roots if root.exists() for e in find_entries(root)]
    if action == "clear":
        total = 0
        for entry in entries:
            try:
                size = entry.stat().st_size
                entry.unlink()
                total += size
            except OSError as exc:
                print(f"cannot remove {entry}: {exc}", file=sys.stderr)
        for root in roots:  # temporary files of interrupted writers
            if root.is_dir():
                for tmp in root.rglob(f".tmp-*{SUFFIX}"):
                    tmp.unlink(missing_ok=True)
        print(f"removed {len(entries)} entries ({_size(total)}) under "
              f"{', '.join(map(str, roots))}")
        return 0
    if not entries:
        print(f"no cache entries under {', '.join(map(str, roots))}")
        return 0
    print(f"{'function':<40} {'signature':<36} {'size':>9}  {'age':>6}  path")
    for entry in entries:
        st = entry.stat()
        try:
            meta = read_header(entry)
            function = f"{meta.get('module', '')}.{meta['function']}".lstrip(".")
            signature = meta["signature"]
        except (CorruptEntry, OSError, ValueError, KeyError) as exc:
            function, signature = "<damaged>", str(exc)[:36]
        print(f"{function:<40} {signature:<36} {_size(st.st_size):>9}  "
              f"{_age(time.time() - st.st_mtime):>6}  {entry}")
    print(f"{len(entries)} entries, {_size(sum(e.stat().st_size for e in entries))}")
    return 0


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB"):
        if n < 1024 or unit == "MiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _age(seconds: float) -> str:
    for unit, span in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= span:
            return f"{seconds / span:.0f}{unit}"
    return f"{seconds:.0f}s"


def sysinfo() -> int:
    """What `numba -s` tells, for jitcore: versions, CPU and SIMD, BLAS, the thread pool,
    the cache, the compilers for AOT and the settings in the environment."""
    rows = _sysinfo_rows()
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    return 0


def _sysinfo_rows() -> list[tuple[str, str]]:
    import platform
    import shutil
    from importlib import metadata

    import llvmlite
    import llvmlite.binding as llvm

    from jitcore.caching import user_cache_root
    from jitcore.targets.machine import host_cpu
    from jitcore.version import __version__

    cpu, features = host_cpu()
    simd = [f[1:] for f in features.split(",") if f.startswith("+") and any(
        f[1:].startswith(p) for p in ("sse", "ssse", "avx", "fma", "neon", "sve", "asimd"))]

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    rows = [("jitcore", __version__),
            ("Python", f"{platform.python_version()} ({sys.executable})"),
            ("NumPy", version("numpy")),
            ("SciPy", version("scipy")),
            ("Numba", version("numba")),
            ("llvmlite", llvmlite.__version__),
            ("LLVM", ".".join(map(str, llvm.llvm_version_info))),
            ("platform", f"{platform.system()} {platform.release()} {platform.machine()}, "
                         f"{' '.join(platform.libc_ver())}"),
            ("memory", _memory()),
            ("host triple", llvm.get_process_triple()),
            ("host CPU", cpu),
            ("CPUs", _cpus()),
            ("SIMD features", " ".join(sorted(simd)) or "none"),
            ("BLAS", _blas()),
            ("thread pool", _pool_size()),
            ("cache directory", os.environ.get("JITCORE_CACHE_DIR")
             or f"__jitcache__/ next to each source file, else {user_cache_root()}"),
            ("user cache", _cache_size(user_cache_root())),
            ("C compiler (AOT)", shutil.which("gcc") or shutil.which("cc") or "none found")]
    settings = [f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("JITCORE_")]
    rows.append(("environment", " ".join(settings) or "no JITCORE_* variables set"))
    return rows


def _cpus() -> str:
    total = os.cpu_count() or 1
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return str(total)
    return f"{total} ({usable} usable by this process)" if usable != total else str(total)


def _memory() -> str:
    try:
        with open("/proc/meminfo") as f:
            fields = dict(line.split(":", 1) for line in f)
        return f"{int(fields['MemTotal'].split()[0]) / 2**20:.1f} GiB"
    except (OSError, KeyError, ValueError):
        return "unknown"


def _blas() -> str:
    from jitcore.targets.bindings import BLAS_DGEMM, blas_function

    try:
        import numpy

        info = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
        name = f"{info.get('name', '?')} {info.get('version', '')}".strip()
    except (ImportError, KeyError, TypeError):
        return "NumPy not installed: products use jitcore's loops"
    used = "used for float32/float64 products" if blas_function(BLAS_DGEMM) else \
        "its cblas exports not found: products use jitcore's loops"
    return f"{name} (NumPy's), {used}"


def _pool_size() -> str:
    from jitcore.targets.threadpool import ThreadCountError, default_size

    try:
        return f"{default_size()} threads (JITCORE_NUM_THREADS, else the usable CPUs)"
    except ThreadCountError as exc:
        return f"misconfigured: {exc.message}"


def _cache_size(root: Path) -> str:
    files = list(root.rglob("*.jcc")) if root.is_dir() else []
    size = sum(p.stat().st_size for p in files)
    return f"{root}: {len(files)} entries, {size / 2**20:.1f} MiB"


def aot_command(args: argparse.Namespace) -> int:
    from jitcore.aot import AotError, compile_module_file

    try:
        outputs = compile_module_file(args.module, args.output, name=args.name,
                                      target=args.target, cpu=args.cpu, features=args.features,
                                      kind=args.kind)
    except AotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for kind, path in outputs.items():
        print(f"{kind:<10} {path}")
    return 0
