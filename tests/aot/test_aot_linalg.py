"""np.linalg ahead of time: PyInit finds the LAPACK routines in NumPy's OpenBLAS, as the
JIT does, and the extension runs without llvmlite or jitcore."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

USE_LAPACK = r"""
import sys
sys.modules["llvmlite"] = None
sys.modules["jitcore"] = None
import numpy as np
import aot_linalg as k
a = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]])
b = np.array([1.0, 2.0, 3.0])
assert np.allclose(k.solve(a, b), np.linalg.solve(a, b))
assert np.allclose(k.solve(np.asfortranarray(a), b), np.linalg.solve(a, b))
assert np.isclose(k.det(a), np.linalg.det(a))
assert np.allclose(k.eigvalsh(a), np.linalg.eigvalsh(a))
try:
    k.solve(np.ones((2, 2)), np.ones(2))
except np.linalg.LinAlgError as exc:
    error = str(exc)
print(repr(error))
"""


@pytest.fixture(scope="module")
def linalg_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from jitcore.aot import compile_module_file

    return compile_module_file(HERE / "aot_linalg.py", tmp_path_factory.mktemp("aot-linalg"))


def test_extension_linalg_matches_numpy(linalg_build: dict[str, Path]) -> None:
    ext = linalg_build["extension"]
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ext.parent)}
    proc = subprocess.run([sys.executable, "-c", USE_LAPACK], env=env, cwd=ext.parent,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == repr("Singular matrix")
