"""Lowering knows nothing of the running process: no ctypes, no os, no dlopen, no /proc.

What belongs to one process (NumPy's C API table, BLAS, the random generator's thread key,
the thread pool) is a named global of targets/bindings.py's table, bound by the loaders.
Every module under lowering/ is read as a syntax tree, function bodies included.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_MODULES = {"ctypes", "os", "glob", "subprocess", "mmap", "platform", "_ctypes"}
FORBIDDEN_NAMES = {"CDLL", "dlopen", "dlsym", "RTLD_GLOBAL", "pythonapi", "addressof"}


def offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [f"{where} imports {a.name}" for a in node.names
                      if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            if (node.module or "").split(".")[0] in FORBIDDEN_MODULES:
                found.append(f"{where} imports from {node.module}")
            if (node.module or "").startswith("jitcore.targets"):
                found.append(f"{where} imports {node.module}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                "/proc/" in node.value or node.value.startswith("/proc")):
            found.append(f"{where} reads {node.value!r}")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            found.append(f"{where} uses {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_NAMES:
            found.append(f"{where} uses .{node.attr}")
    return found


def test_no_lowering_module_touches_the_process() -> None:
    paths = sorted((ROOT / "lowering").rglob("*.py"))
    assert len(paths) > 20
    assert [o for path in paths for o in offences(path)] == []


def test_the_check_sees_what_it_looks_for(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    import ctypes\n    from os import path\n"
                   "    return open('/proc/self/maps'), ctypes.CDLL(None)\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = offences(bad)
    finally:
        ROOT = saved
    assert found == ["bad.py:2 imports ctypes", "bad.py:3 imports from os",
                     "bad.py:4 reads '/proc/self/maps'", "bad.py:4 uses .CDLL"]
