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
    import platform

    import llvmlite
    import llvmlite.binding as llvm

    from jitcore.version import __version__
    from jitcore.caching import user_cache_root
    from jitcore.targets.machine import host_cpu

    cpu, features = host_cpu()
    simd = [f[1:] for f in features.split(",") if f.startswith("+") and any(
        f[1:].startswith(p) for p in ("sse", "ssse", "avx", "fma", "neon", "sve", "asimd"))]
    try:
        import numpy

        numpy_version = numpy.__version__
    except ImportError:
        numpy_version = "not installed"
    rows = [("jitcore", __version__),
            ("Python", f"{platform.python_version()} ({sys.executable})"),
            ("NumPy", numpy_version),
            ("llvmlite", llvmlite.__version__),
            ("LLVM", ".".join(map(str, llvm.llvm_version_info))),
            ("platform", f"{platform.system()} {platform.machine()}"),
            ("host triple", llvm.get_process_triple()),
            ("host CPU", cpu),
            ("SIMD features", " ".join(sorted(simd)) or "none"),
            ("cache directory", os.environ.get("JITCORE_CACHE_DIR")
             or f"__jitcache__/ next to each source file, else {user_cache_root()}")]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    return 0


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
