"""np.int8(x) and its siblings on floats give, in an AOT library, what C's cast gives on the
machine the library is for: the x86-64 answers on x86-64, AArch64's saturating ones under
qemu (targets/specialise.py supplies the body per target; lowering's is portable)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
AARCH64_SYSROOT = Path("/usr/aarch64-linux-gnu")

# (exported function, C type of the result, C type of the argument, printf conversion)
FUNCTIONS = [("to_int8", "int8_t", "double", "%d"), ("to_uint8", "uint8_t", "double", "%u"),
             ("to_int16", "int16_t", "double", "%d"), ("to_uint16", "uint16_t", "double", "%u"),
             ("to_int32", "int32_t", "double", "%d"), ("to_uint32", "uint32_t", "double", "%u"),
             ("to_int64", "int64_t", "double", "%lld"),
             ("to_uint64", "uint64_t", "double", "%llu"),
             ("f32_to_int8", "int8_t", "float", "%d"),
             ("f32_to_uint32", "uint32_t", "float", "%u")]
VALUES = ["300.0", "-300.0", "1e10", "-1e10", "NAN", "INFINITY", "-INFINITY", "-1.0", "70000.5",
          "-70000.5", "4e9", "-4e9", "1e20", "-1e20", "3e9", "9.3e18", "1.5e19", "0.0"]


def _driver(library: bool) -> str:
    """A C program printing each conversion of each value: through the library's exports,
    or (`library` false) through C's own casts, compiled for the same machine."""
    lines = ["#include <math.h>", "#include <stdint.h>", "#include <stdio.h>"]
    if library:
        lines.append('#include "aot_casts.h"')
    else:
        for fn, ret, arg, _ in FUNCTIONS:
            lines.append(f"__attribute__((noinline)) int {fn}({arg} x, {ret} *r) "
                         f"{{ *r = ({ret})x; return 0; }}")
    lines += ["int main(void) {", f"  volatile double values[] = {{{', '.join(VALUES)}}};",
              f"  for (int i = 0; i < {len(VALUES)}; i++) {{"]
    for fn, ret, arg, fmt in FUNCTIONS:
        cast = "(long long)" if fmt == "%lld" else "(unsigned long long)" if fmt == "%llu" else ""
        lines.append(f'    {{ {ret} r = 0; if ({fn}(({arg})values[i], &r)) return 1; '
                     f'printf("{fmt} ", {cast}r); }}')
    lines += ['    printf("\\n");', "  }", "  return 0;", "}"]
    return "\n".join(lines)


def _run(cc: list[str], runner: list[str], source: str, out: Path, build: dict[str, Path] | None,
         name: str) -> list[list[int]]:
    src = out / f"{name}.c"
    src.write_text(source)
    exe = out / name
    libs = []
    if build is not None:
        lib_dir = build["library"].parent
        libs = [f"-I{lib_dir}", f"-L{lib_dir}", "-laot_casts", f"-Wl,-rpath,{lib_dir}"]
    subprocess.run([*cc, "-O0", str(src), *libs, "-lm", "-o", str(exe)], check=True,
                   capture_output=True)
    proc = subprocess.run([*runner, str(exe)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return [[int(v) for v in line.split()] for line in proc.stdout.splitlines()]


def _numpy() -> list[list[int]]:
    """NumPy's own answers in this process (the host machine)."""
    names = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "uint16": np.uint16,
             "int32": np.int32, "uint32": np.uint32, "int64": np.int64, "uint64": np.uint64}
    rows = []
    with np.errstate(invalid="ignore", over="ignore"):
        for text in VALUES:
            x = float(text.replace("NAN", "nan").replace("INFINITY", "inf"))
            row = []
            for fn, _, arg, _ in FUNCTIONS:
                src = np.float32(x) if arg == "float" else np.float64(x)
                row.append(int(names[fn.rsplit("_", 1)[1]](src)))
            rows.append(row)
    return rows


@pytest.mark.skipif(not (shutil.which("gcc") and np.dtype(np.intp).itemsize == 8),
                    reason="needs gcc")
def test_host_library_casts_as_numpy(tmp_path: Path) -> None:
    from jitcore.aot import compile_module_file

    build = compile_module_file(HERE / "aot_casts.py", tmp_path, kind="c")
    got = _run(["gcc"], [], _driver(True), tmp_path, build, "lib")
    assert got == _numpy()


@pytest.mark.skipif(not (shutil.which("aarch64-linux-gnu-gcc") and shutil.which("qemu-aarch64")
                         and AARCH64_SYSROOT.is_dir()),
                    reason="needs Debian's gcc-aarch64-linux-gnu and qemu-user "
                           "(apt-get install gcc-aarch64-linux-gnu qemu-user)")
def test_aarch64_library_casts_as_c_does_there(tmp_path: Path) -> None:
    from jitcore.aot import compile_module_file

    build = compile_module_file(HERE / "aot_casts.py", tmp_path, kind="c",
                                target="aarch64-linux-gnu")
    cc, runner = ["aarch64-linux-gnu-gcc"], ["qemu-aarch64", "-L", str(AARCH64_SYSROOT)]
    got = _run(cc, runner, _driver(True), tmp_path, build, "lib")
    reference = _run(cc, runner, _driver(False), tmp_path, None, "c")
    assert got == reference
    assert got[VALUES.index("NAN")][FUNCTIONS.index(("to_int32", "int32_t", "double", "%d"))] == 0
    assert got[VALUES.index("1e10")][0] == -1  # saturated to INT32_MAX, then narrowed
