"""The shape of the package: one installed package, imports that run one way.

Every module's imports are read from its syntax tree, function bodies included, so an
import hidden inside a function to dodge a circle counts like any other.
"""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Source folder -> installed package (pyproject's package-dir mapping).
FOLDERS = {"jitcore": "jitcore", "typeinfer": "jitcore.typeinfer",
           "lowering": "jitcore.lowering", "targets": "jitcore.targets",
           "vectorize": "jitcore.ufunc"}

# Lower layers never import higher ones. The driver is everything in jitcore/ that is not
# the front end; the public API (the package's __init__) and the ufunc decorators sit on it.
LAYERS = ["front end", "typing", "lowering", "targets", "driver", "public API"]
ROOMS = {"jitcore.frontend": 0, "jitcore.typeinfer": 1, "jitcore.lowering": 2,
         "jitcore.targets": 3, "jitcore.ufunc": 5}


def layer(module: str) -> int:
    if module == "jitcore":
        return 5
    room = ".".join(module.split(".")[:2])
    return ROOMS.get(room, 4)


def modules() -> dict[str, Path]:
    found = {}
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import statement of the module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:  # `from pkg import module` imports the module
                sub = f"{base}.{alias.name}"
                yield (sub if sub in known else base), node.lineno


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {target for target, _ in imports(name, path, known) if target in known}
            for name, path in known.items()}


def largest_cycle(edges: dict[str, set[str]]) -> list[str]:
    """The largest strongly connected component of the import graph (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    best: list[str] = []

    def visit(v: str) -> None:
        nonlocal best
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > len(best):
                best = sorted(component)

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return best


def test_imports_run_one_way() -> None:
    known = modules()
    upward = []
    for name, path in known.items():
        for target, line in imports(name, path, known):
            if target.split(".")[0] in ("typeinfer", "lowering", "targets", "vectorize"):
                upward.append(f"{path.relative_to(ROOT)}:{line} imports top-level {target}")
            elif target in known and layer(target) > layer(name):
                upward.append(f"{path.relative_to(ROOT)}:{line} ({LAYERS[layer(name)]}) "
                              f"imports {target} ({LAYERS[layer(target)]})")
    assert upward == []


def test_no_import_cycle_crosses_rooms() -> None:
    cycle = largest_cycle(graph())
    assert len({layer(m) for m in cycle}) <= 1, cycle


def test_only_jitcore_is_installed() -> None:
    """A wheel of the project holds one top-level package."""
    text = (ROOT / "pyproject.toml").read_text()
    assert '"jitcore.ufunc" = "vectorize"' in text
    import jitcore.lowering
    import jitcore.targets
    import jitcore.typeinfer
    import jitcore.ufunc

    for package, folder in ((jitcore.typeinfer, "typeinfer"), (jitcore.lowering, "lowering"),
                            (jitcore.targets, "targets"), (jitcore.ufunc, "vectorize")):
        assert Path(package.__file__ or "").parent.name == folder


SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import jitcore
    from jitcore import njit, vectorize

    @njit(cache=True)
    def total(a):
        s = 0.0
        for x in a:
            s += x
        return s

    @vectorize(["float64(float64)"])
    def twice(x):
        return 2 * x

    a = np.arange(10.0)
    print(total(a), twice(a).sum(), total.cache_info()["hits"])
""")

KERNELS = textwrap.dedent("""
    import numpy as np
    from jitcore import export

    @export("float64(float64[:])")
    def total(a):
        s = 0.0
        for x in a:
            s += x
        return s
""")


def test_user_modules_named_like_our_rooms_do_not_matter(tmp_path: Path) -> None:
    """A user's targets.py, lowering.py, typeinfer.py and vectorize.py next to their script
    are theirs: compiling, caching and AOT builds go through jitcore's own rooms."""
    for name in ("targets", "lowering", "typeinfer", "vectorize"):
        (tmp_path / f"{name}.py").write_text(f"raise ImportError('the user {name}.py')\n")
    (tmp_path / "script.py").write_text(SCRIPT)
    (tmp_path / "kernels.py").write_text(KERNELS)
    env = {"JITCORE_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    runs = [subprocess.run([sys.executable, "script.py"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=300) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert runs[0].stdout.split() == ["45.0", "90.0", "0"]
    assert runs[1].stdout.split() == ["45.0", "90.0", "1"]  # the second process hit the cache
    aot = subprocess.run([sys.executable, "-m", "jitcore", "aot", "kernels.py", "-o", "out",
                          "--kind", "python"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=300)
    assert aot.returncode == 0, aot.stderr
    check = subprocess.run([sys.executable, "-c", "import numpy as np, kernels; "
                            "print(kernels.total(np.arange(4.0)))"], cwd=tmp_path / "out",
                           env=env, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "6.0"
