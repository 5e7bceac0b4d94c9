"""Ahead of time: an extension module without llvmlite or jitcore, a C library, AArch64."""
from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

EXPECTED_C = """mean_square 3.500000
halve 4
halve_f 4.0
error ValueError: negative input
scaled {:.6f} {:.6f} {:.6f} {:.6f}
trace 6.0
at 9
error IndexError: {}
collatz 111
"""


def _expected_c(bounds_message: str) -> str:
    vals = [x * 2.0 + math.sqrt(abs(x)) for x in (0.0, 1.0, 2.0, 3.0)]
    return EXPECTED_C.format(*vals, bounds_message)


@pytest.fixture(scope="module")
def host_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from jitcore.aot import compile_module_file

    out = tmp_path_factory.mktemp("aot-host")
    return compile_module_file(HERE / "aot_kernels.py", out)


USE_EXTENSION = r"""
import sys
sys.modules["llvmlite"] = None          # importing llvmlite must fail
sys.modules["jitcore"] = None           # and jitcore too: only NumPy at run time
import numpy as np
import aot_kernels as k
out = {}
out["mean"] = k.mean_square(np.arange(4.0))
out["strided"] = k.mean_square(np.arange(8.0)[::2])
out["halve"] = [k.halve(9), k.halve(9.0), k.halve(np.int32(9)), type(k.halve(9)).__name__]
out["scaled"] = k.scaled(np.arange(4.0), 2.0).tolist()
out["trace"] = k.trace(np.arange(9.0).reshape(3, 3))
out["at"] = k.at(np.arange(5), -2)
errors = []
for call in (lambda: k.halve(-1), lambda: k.at(np.arange(5), 7),
             lambda: k.mean_square(np.arange(4)), lambda: k.trace(np.ones((3, 3)).T),
             lambda: k.mean_square(np.arange(4.0), 1)):
    try:
        call()
        errors.append(None)
    except Exception as exc:
        errors.append([type(exc).__name__, str(exc)])
out["errors"] = errors
out["collatz"] = k.collatz(27)
print(repr(out))
"""


def test_extension_module_runs_with_only_numpy(host_build: dict[str, Path]) -> None:
    ext = host_build["extension"]
    assert ext.name.startswith("aot_kernels.cpython-311")
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ext.parent)}
    proc = subprocess.run([sys.executable, "-c", USE_EXTENSION], env=env, cwd=ext.parent,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = eval(proc.stdout)
    assert out["mean"] == 3.5 and out["strided"] == 14.0
    assert out["halve"] == [4, 4.0, 4, "int"]
    assert out["scaled"] == [x * 2.0 + math.sqrt(abs(x)) for x in (0.0, 1.0, 2.0, 3.0)]
    assert out["trace"] == 12.0 and out["at"] == 3 and out["collatz"] == 111
    halve_err, bounds_err, dtype_err, layout_err, count_err = out["errors"]
    assert halve_err == ["ValueError", "negative input"]
    assert bounds_err[0] == "IndexError" and "7" in bounds_err[1]
    assert dtype_err[0] == "TypeError" and "mean_square()" in dtype_err[1]
    assert "array(float64, 1d, A)" in dtype_err[1]
    assert layout_err[0] == "TypeError"  # an F-ordered matrix where C is declared
    assert count_err[0] == "TypeError"


def test_extension_matches_the_jit(host_build: dict[str, Path]) -> None:
    sys.path.insert(0, str(host_build["extension"].parent))
    try:
        import importlib

        ext = importlib.import_module("aot_kernels")
        assert Path(ext.__file__).suffix == ".so"
    finally:
        sys.path.pop(0)
    sys.modules.pop("aot_kernels", None)
    import importlib.util

    spec = importlib.util.spec_from_file_location("aot_kernels_jit", HERE / "aot_kernels.py")
    jit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(jit)
    rng = np.random.default_rng(1)
    for n in (1, 7, 64):
        a = rng.standard_normal(n)
        assert ext.mean_square(a) == jit.mean_square(a)
        np.testing.assert_array_equal(ext.scaled(a, 1.5), jit.scaled(a, 1.5))
    for n in (1, 2, 27, 97):
        assert ext.collatz(n) == jit.collatz(n)
    # A loop nest with alias versions: disjoint arrays, then the output is an input.
    a, b = rng.random((9, 7)), rng.random((7, 11))
    got, expected = np.zeros((9, 11)), np.zeros((9, 11))
    assert ext.matmul_into(a, b, got) == jit.matmul_into.py_func(a, b, expected)
    np.testing.assert_array_equal(got, expected)
    square_a, square_b = rng.random((6, 6)), rng.random((6, 6))
    expected = square_a.copy()
    jit.matmul_into.py_func(expected, square_b, expected)
    ext.matmul_into(square_a, square_b, square_a)
    np.testing.assert_array_equal(square_a, expected)


def _gcc_run(cc: list[str], build: dict[str, Path], out: Path, runner: list[str]) -> str:
    lib_dir = build["library"].parent
    exe = out / "driver"
    subprocess.run([*cc, "-std=c11", "-Wall", "-Werror", "-O1", str(HERE / "driver.c"),
                    f"-I{build['header'].parent}", f"-L{lib_dir}", "-laot_kernels",
                    f"-Wl,-rpath,{lib_dir}", "-o", str(exe)], check=True, capture_output=True)
    proc = subprocess.run([*runner, str(exe)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_c_header_compiles_and_links_with_gcc(host_build: dict[str, Path],
                                              tmp_path: Path) -> None:
    cc = shutil.which("gcc") or shutil.which("cc")
    assert cc, "a C compiler is needed for the C-ABI test"
    header = host_build["header"].read_text()
    assert "int mean_square(const jc_array_float64_1d *a, double *result);" in header
    stdout = _gcc_run([cc], host_build, tmp_path, [])
    bounds = stdout.splitlines()[7].split(": ", 1)[1]
    assert "5" in bounds  # the index named in the message, formatted by vsnprintf
    assert stdout == _expected_c(bounds)


AARCH64_SYSROOT = Path("/usr/aarch64-linux-gnu")


@pytest.mark.skipif(not (shutil.which("aarch64-linux-gnu-gcc") and shutil.which("qemu-aarch64")
                         and AARCH64_SYSROOT.is_dir()),
                    reason="needs Debian's gcc-aarch64-linux-gnu and qemu-user "
                           "(apt-get install gcc-aarch64-linux-gnu qemu-user)")
def test_aarch64_library_runs_under_qemu(tmp_path: Path) -> None:
    from jitcore.aot import compile_module_file

    build = compile_module_file(HERE / "aot_kernels.py", tmp_path, kind="c",
                                target="aarch64-linux-gnu")
    info = subprocess.run(["file", str(build["library"])], capture_output=True, text=True)
    assert info.returncode != 0 or "aarch64" in info.stdout
    assert build["object"].read_bytes()[18:20] == (183).to_bytes(2, "little")  # EM_AARCH64
    stdout = _gcc_run(["aarch64-linux-gnu-gcc"], build, tmp_path,
                      ["qemu-aarch64", "-L", str(AARCH64_SYSROOT)])
    bounds = stdout.splitlines()[7].split(": ", 1)[1]
    assert stdout == _expected_c(bounds)


def test_command_line_and_errors(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    bad = tmp_path / "nothing.py"
    bad.write_text("import jitcore\n\n@jitcore.njit\ndef f(x):\n    return x\n")
    proc = subprocess.run([sys.executable, "-m", "jitcore", "aot", str(bad), "-o",
                           str(tmp_path / "o")], env=env, capture_output=True, text=True)
    assert proc.returncode == 1 and "exports nothing" in proc.stderr
    good = tmp_path / "tiny.py"
    good.write_text("import jitcore\n\n@jitcore.export('int64(int64, int64)')\n"
                    "def add(a, b):\n    return a + b\n")
    proc = subprocess.run([sys.executable, "-m", "jitcore", "aot", str(good), "-o",
                           str(tmp_path / "o"), "--kind", "python"], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "extension" in proc.stdout and "library" not in proc.stdout
    check = subprocess.run([sys.executable, "-c", "import tiny; print(tiny.add(2, 40))"],
                           cwd=tmp_path / "o", capture_output=True, text=True,
                           env={"PATH": os.environ["PATH"]})
    assert check.stdout.strip() == "42", check.stderr
