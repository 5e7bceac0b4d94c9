"""Run mypy --strict on the package as it is installed (`make lint`).

The repository's folders install as one package through setuptools' package-dir mapping
(`typeinfer/` as `jitcore.typeinfer`, `vectorize/` as `jitcore.ufunc`, ...). mypy does not
run the editable install's import finder, so this lays the package out as installed, as a
tree of links under build/typecheck, checks it there (pyproject's [tool.mypy] points
mypy_path at it), and reports every error at its file in the repository:

    build/typecheck/jitcore/ufunc/kernels.py:12: error: ...  ->  vectorize/kernels.py:12: ...
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / "build" / "typecheck"
LOCATION = re.compile(r"^(?P<path>[^\s:]+\.pyi?)(?P<rest>:\d+:.*)$")


def package_dirs() -> dict[str, str]:
    """pyproject's package-dir mapping: installed package name -> source folder."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    mapping: dict[str, str] = config["tool"]["setuptools"]["package-dir"]
    return mapping


def lay_out_tree() -> None:
    """Link every package's folder into TREE at its installed place.

    A package whose own folder also holds a mapped subpackage's place (the top `jitcore`)
    becomes a real directory of links to its entries, so the subpackage can sit beside them.
    """
    shutil.rmtree(TREE, ignore_errors=True)
    mapping = package_dirs()
    for package in sorted(mapping, key=lambda name: name.count(".")):
        place = TREE.joinpath(*package.split("."))
        source = ROOT / mapping[package]
        has_children = any(other.startswith(package + ".") for other in mapping)
        place.parent.mkdir(parents=True, exist_ok=True)
        if not has_children:
            place.symlink_to(os.path.relpath(source, place.parent))
            continue
        place.mkdir()
        for entry in sorted(source.iterdir()):
            if entry.name != "__pycache__":
                (place / entry.name).symlink_to(os.path.relpath(entry, place))


def in_repository(line: str) -> str:
    """The mypy output line with a path inside TREE replaced by the file's own path."""
    match = LOCATION.match(line)
    if not match:
        return line
    path = Path(match["path"])
    real = (ROOT / path).resolve() if not path.is_absolute() else path.resolve()
    if not real.is_relative_to(ROOT):
        return line
    return f"{real.relative_to(ROOT)}{match['rest']}"


def main(argv: list[str]) -> int:
    lay_out_tree()
    result = subprocess.run([sys.executable, "-m", "mypy", *argv], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    for line in (result.stdout + result.stderr).splitlines():
        print(in_repository(line))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
