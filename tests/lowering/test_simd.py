"""Contiguous float loops compile to packed SIMD instructions on hosts with AVX2."""
from __future__ import annotations

import re

import numpy as np
import pytest

from jitcore import njit


def _host_has_avx2() -> bool:
    from jitcore.targets.machine import host_cpu

    return "+avx2" in host_cpu()[1].split(",")


pytestmark = pytest.mark.skipif(not _host_has_avx2(), reason="the host CPU has no AVX2")
PACKED = re.compile(r"\bv(add|mul|sub|fmadd\w*|div)p[sd]\b.*%[yz]mm")


def saxpy(alpha, x, y):
    for i in range(len(x)):
        y[i] += alpha * x[i]


def total(a):
    acc = 0.0
    for i in range(len(a)):
        acc += a[i]
    return acc


def poly32(x, c, out):
    c0, c1, c2 = c[0], c[1], c[2]
    for i in range(len(x)):
        v = x[i]
        out[i] = (c2 * v + c1) * v + c0


def packed_lines(fn, *args) -> list[str]:
    fn(*args)
    asm = fn.inspect_asm(fn.signatures[0])
    return [line for line in asm.splitlines() if PACKED.search(line)]


def test_saxpy_is_packed():
    x = np.ones(64)
    assert packed_lines(njit(saxpy), 2.0, x, x.copy())


def test_float32_kernel_is_packed_single_precision():
    x = np.ones(64, np.float32)
    lines = packed_lines(njit(poly32), x, np.ones(3, np.float32), x.copy())
    assert any("ps" in line for line in lines)


def test_float_sum_is_packed_only_with_fastmath():
    a = np.ones(64)
    assert packed_lines(njit(fastmath=True)(total), a)
    assert not packed_lines(njit(total), a)  # IEEE order of additions is kept by default


def test_fused_array_expression_is_packed():
    a = np.ones(64)
    assert packed_lines(njit(lambda a, b, c: a * b + c), a, a, a)


def _sections(text: str, comment: str) -> dict[str, list[str]]:
    """The labelled sections of an inspect_* listing, keyed by their header."""
    out: dict[str, list[str]] = {}
    header = ""
    for line in text.splitlines():
        if line.startswith(f"{comment} ==== "):
            header = line
            out[header] = []
        else:
            out.setdefault(header, []).append(line)
    return out


def test_listing_labels_the_function_and_the_wrapper_python_calls():
    f = njit(fastmath=True)(total)
    f(np.ones(64))
    sections = _sections(f.inspect_asm(f.signatures[0]), "#")
    headers = list(sections)
    assert headers[0] == ("# ==== total(array(float64, 1d, C)): the function, as compiled code "
                          "calls it ====")
    assert headers[1].startswith("# ==== total(array(float64, 1d, C)): the entry point Python "
                                 "calls (CPython wrapper")
    assert headers[2].startswith("# ==== the rest of the module")
    function, wrapper = sections[headers[0]], sections[headers[1]]
    assert function[0].endswith('(array(float64, 1d, C))":')
    assert wrapper[0].endswith('(array(float64, 1d, C)).py":')
    # The loop Python runs is vectorised too: LLVM inlined the function into the wrapper.
    assert any(PACKED.search(line) for line in function)
    assert any(PACKED.search(line) for line in wrapper)
    ir_sections = _sections(f.inspect_llvm(f.signatures[0]), ";")
    named = [h.split(":")[0] for h in ir_sections][:2]
    assert named == ["; ==== total(array(float64, 1d, C))"] * 2
    assert ir_sections[list(ir_sections)[1]][0].startswith("define ptr @")
    assert f.inspect_asm() == {f.signatures[0]: f.inspect_asm(f.signatures[0])}


def horner7(x, c, out):
    c0, c1, c2, c3, c4, c5, c6, c7 = c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
    for i in range(len(x)):
        v = x[i]
        out[i] = ((((((c7 * v + c6) * v + c5) * v + c4) * v + c3) * v + c2) * v + c1) * v + c0


def _vector_ops(fn, pattern, *args) -> int:
    """Matches of `pattern` in the optimised IR of the function itself (not its wrapper,
    which inlines a second copy)."""
    fn(*args)
    text = next(iter(fn.inspect_llvm().values()))
    own = text[text.index("define"):]
    own = own[:own.index("\n}\n")]
    return len(re.findall(pattern, own))


def test_interleaving_is_for_short_loops_and_reductions():
    """targets/codegen.py turns off LLVM's interleaving of streaming loops "to saturate the
    load/store ports": a long body such as a degree-7 polynomial keeps at most two copies
    per vector iteration (four cost it 13 % on large arrays), while saxpy's short body and
    a sum's accumulators are still interleaved four ways (plus a vectorised remainder)."""
    x = np.ones(64, np.float32)
    assert _vector_ops(njit(horner7), r"store <\d+ x float>", x, np.ones(8, np.float32),
                       x.copy()) <= 3
    y = np.ones(64)
    assert _vector_ops(njit(saxpy), r"store <\d+ x double>", 2.0, y, y.copy()) >= 4
    assert _vector_ops(njit(fastmath=True)(total), r"fadd fast <\d+ x double>", y) >= 4
