"""np.dot / @ ahead of time: NumPy's OpenBLAS in the extension module, our kernel in C."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

USE_BLAS = r"""
import sys
sys.modules["llvmlite"] = None
sys.modules["jitcore"] = None
import numpy as np
import aot_blas as k
rng = np.random.default_rng(7)
worst = 0.0
shapes = [(1, 1, 1), (3, 4, 5), (64, 33, 17), (128, 128, 128), (0, 3, 4), (3, 0, 4)]
for m, n, p in shapes:
    a, b = rng.standard_normal((m, n)), rng.standard_normal((n, p))
    operands = [(a, b), (np.asfortranarray(a), b), (a, np.asfortranarray(b)),
                (a[:, ::-1].copy()[:, ::-1], b.T.copy().T)]
    if m > 1 and n > 1:
        big = rng.standard_normal((2 * m, 2 * n))
        operands.append((big[::2, ::2], b))  # strided: copied before the call
    for x, y in operands:
        got, want = k.matmul(x, y), x @ y
        assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, want.shape)
        worst = max(worst, float(np.max(np.abs(got - want), initial=0.0)))
        got32 = k.matmul32(x.astype(np.float32), y.astype(np.float32))
        assert got32.dtype == np.float32
        assert np.allclose(got32, want, rtol=1e-4, atol=1e-4)
    x = rng.standard_normal(n)
    assert np.allclose(k.matvec(a, x), a @ x)
    assert np.isclose(k.inner(x, x), x @ x)
try:
    k.matmul(np.ones((2, 3)), np.ones((2, 3)))
except ValueError as exc:
    error = str(exc)
print(repr({"worst": worst, "error": error}))
"""


@pytest.fixture(scope="module")
def blas_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from jitcore.aot import compile_module_file

    return compile_module_file(HERE / "aot_blas.py", tmp_path_factory.mktemp("aot-blas"))


def _run_extension(build: dict[str, Path], extra_env: dict[str, str]) -> dict[str, object]:
    ext = build["extension"]
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ext.parent), **extra_env}
    proc = subprocess.run([sys.executable, "-c", USE_BLAS], env=env, cwd=ext.parent,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return eval(proc.stdout)  # type: ignore[no-any-return]


def test_extension_dot_matches_numpy(blas_build: dict[str, Path]) -> None:
    out = _run_extension(blas_build, {})
    assert out["worst"] < 1e-12
    assert out["error"] == ("matmul: Input operand 1 has a mismatch in its core dimension 0, "
                            "with gufunc signature (n?,k),(k,m?)->(n?,m?) (size 2 is different "
                            "from 3)")


def test_extension_calls_numpys_openblas(blas_build: dict[str, Path]) -> None:
    """PyInit looks the cblas functions up in the OpenBLAS NumPy bundles: the dynamic
    linker reports one more binding of scipy_cblas_dgemm64_ than NumPy alone makes."""
    ext = blas_build["extension"]

    def bindings(statement: str) -> int:
        env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ext.parent),
               "LD_DEBUG": "bindings"}
        proc = subprocess.run([sys.executable, "-c", statement], cwd=ext.parent, env=env,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stderr.count("normal symbol `scipy_cblas_dgemm64_'")

    assert bindings("import aot_blas") == bindings("import numpy") + 1
    symbols = subprocess.run(["nm", str(ext)], capture_output=True, text=True).stdout
    assert "jc.blas.dgemm" in symbols  # the process binding PyInit fills (targets/bindings.py)


DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include "aot_blas.h"
int main(void) {
    enum { M = 5, N = 7, P = 3 };
    double a[M * N], b[N * P], want[M * P];
    for (int i = 0; i < M * N; i++) a[i] = (i % 11) - 4.5;
    for (int i = 0; i < N * P; i++) b[i] = (i % 5) * 0.25 + 1.0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < P; j++) {
            double s = 0;
            for (int k = 0; k < N; k++) s += a[i * N + k] * b[k * P + j];
            want[i * P + j] = s;
        }
    jc_array_float64_2d A = {0}, B = {0}, C;
    A.data = a; A.shape[0] = M; A.shape[1] = N; A.strides[0] = N * 8; A.strides[1] = 8;
    B.data = b; B.shape[0] = N; B.shape[1] = P; B.strides[0] = 8; B.strides[1] = N * 8;
    /* B given column-major: the same numbers, read through strides */
    double bt[N * P];
    for (int k = 0; k < N; k++) for (int j = 0; j < P; j++) bt[j * N + k] = b[k * P + j];
    B.data = bt;
    A.nitems = M * N; A.itemsize = 8; B.nitems = N * P; B.itemsize = 8;
    if (matmul(&A, &B, &C) != 0) { printf("error %s\n", aot_blas_error_message()); return 1; }
    double worst = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < P; j++) {
            double got = *(double *)((char *)C.data + i * C.strides[0] + j * C.strides[1]);
            double d = got - want[i * P + j];
            if (d < 0) d = -d;
            if (d > worst) worst = d;
        }
    printf("shape %lld %lld worst %.3g\n", (long long)C.shape[0], (long long)C.shape[1], worst);
    aot_blas_release(C.meminfo);
    return 0;
}
"""


def test_c_library_dot_uses_its_own_kernel(blas_build: dict[str, Path], tmp_path: Path) -> None:
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    lib = blas_build["library"]
    header = blas_build["header"].read_text()
    assert "jc_array_float64_2d" in header
    symbols = subprocess.run(["nm", "-D", "--undefined-only", str(lib)], capture_output=True,
                             text=True).stdout
    assert "cblas" not in symbols  # no BLAS needed by the C library
    (tmp_path / "driver.c").write_text(DRIVER)
    exe = tmp_path / "driver"
    subprocess.run([cc, "-O1", "-o", str(exe), str(tmp_path / "driver.c"), f"-I{lib.parent}",
                    f"-L{lib.parent}", "-laot_blas", f"-Wl,-rpath,{lib.parent}"], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60).stdout
    shape, worst = out.split(" worst ")
    assert shape == "shape 5 3" and float(worst) < 1e-12, out
