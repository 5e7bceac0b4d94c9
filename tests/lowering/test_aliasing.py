"""Alias versioning (lowering/aliasing.py): loop nests over argument arrays get a body
for disjoint arrays, unrolled-and-jammed and vectorised, and a plain one for overlapping
arrays. Each is compared with CPython, bit for bit: the jammed sums keep Python's order.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from jitcore import njit

from .test_simd import _host_has_avx2


def matmul(a, b, out):
    n, inner = a.shape
    m = b.shape[1]
    for i in range(n):
        for j in range(m):
            acc = out[i, j]  # its dtype (a literal 0.0 would promote float32 to float64)
            for k in range(inner):
                acc += a[i, k] * b[k, j]
            out[i, j] = acc


def pairwise(points, out):
    n, dims = points.shape
    for i in range(n):
        for j in range(n):
            total = 0.0
            for k in range(dims):
                diff = points[i, k] - points[j, k]
                total += diff * diff
            out[i, j] = math.sqrt(total)


def jacobi(grid, scratch, sweeps):
    rows, cols = grid.shape
    src, dst = grid, scratch
    for _ in range(sweeps):
        for i in range(1, rows - 1):
            for j in range(1, cols - 1):
                dst[i, j] = 0.25 * (src[i - 1, j] + src[i + 1, j] + src[i, j - 1] + src[i, j + 1])
        src, dst = dst, src


def shift_rows(a, b):
    """b[i] = a[i] + b[i-1] along each row: wrong if a store is moved past a load of a."""
    for i in range(a.shape[0]):
        for j in range(1, a.shape[1]):
            b[i, j] = a[i, j] + b[i, j - 1]


def run_both(fn, *args):
    """(CPython's outputs, compiled outputs): every argument array after the call."""
    py_args = [x.copy() if isinstance(x, np.ndarray) else x for x in args]
    fn(*py_args)
    njit(fn)(*args)
    return [x for x in py_args if isinstance(x, np.ndarray)], \
        [x for x in args if isinstance(x, np.ndarray)]


def assert_same_arrays(expected, got):
    for e, g in zip(expected, got):
        assert e.dtype == g.dtype
        np.testing.assert_array_equal(g, e, strict=True)


RNG = np.random.default_rng(7)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.int16,
                                   np.uint16, np.complex128])
@pytest.mark.parametrize("n, inner, m", [(17, 13, 19), (1, 1, 1), (0, 4, 3), (5, 0, 4),
                                         (33, 40, 37)])
def test_matmul_equals_python_bit_for_bit(dtype, n, inner, m):
    a = (RNG.random((n, inner)) * 10).astype(dtype)
    b = (RNG.random((inner, m)) * 10).astype(dtype)
    out = np.zeros((n, m), dtype)
    assert_same_arrays(*run_both(matmul, a, b, out))


@pytest.mark.parametrize("layout", ["F", "strided", "reversed"])
def test_matmul_on_non_contiguous_arrays(layout):
    base = RNG.random((30, 40))
    if layout == "F":
        a, b, out = np.asfortranarray(base[:20, :30]), np.asfortranarray(base[:30, :25]), \
            np.zeros((20, 25), order="F")
    elif layout == "strided":
        a, b, out = base[::2, ::3][:10, :7], base[1::2, ::2][:7, :9], np.zeros((20, 18))[::2, ::2]
    else:
        a, b, out = base[::-1, ::-1][:12, :11], base[:11, ::-2][:, :9], np.zeros((12, 9))
    assert_same_arrays(*run_both(matmul, a, b, out))


def test_output_that_is_an_input():
    """out is a: the plain body runs, and gives CPython's in-place answer."""
    a, b = RNG.random((9, 9)), RNG.random((9, 9))
    py_a, jit_a = a.copy(), a.copy()
    matmul(py_a, b, py_a)
    njit(matmul)(jit_a, b, jit_a)
    np.testing.assert_array_equal(jit_a, py_a)


VIEWS = {
    "same": lambda m: (m, m),
    "shifted": lambda m: (m[:, :-1], m[:, 1:]),  # every store feeds a later load
    "transposed": lambda m: (m, m.T),
    "column": lambda m: (m[:, ::2], m[:, 1::2]),  # interleaved: the extents overlap
    "reversed": lambda m: (m, m[::-1, ::-1]),
    "disjoint-halves": lambda m: (m[:6], m[6:]),  # one buffer, no overlap: the fast body
}


@pytest.mark.parametrize("views", list(VIEWS))
def test_overlapping_views(views):
    base = RNG.random((12, 12))
    py_base = base.copy()
    shift_rows(*VIEWS[views](py_base))
    njit(shift_rows)(*VIEWS[views](base))
    np.testing.assert_array_equal(base, py_base)


def test_read_only_inputs_may_be_the_same_array():
    a = RNG.random((15, 15))
    out = np.zeros((15, 15))
    expected = np.zeros((15, 15))
    matmul(a, a, expected)
    njit(matmul)(a, a, out)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("same_buffer", [False, True])
def test_swapped_arrays_keep_both_origins(same_buffer):
    """src and dst swap each sweep: every access may touch either argument."""
    grid = RNG.random((14, 11))
    scratch = grid if same_buffer else grid.copy()
    py_grid = grid.copy()
    py_scratch = py_grid if same_buffer else py_grid.copy()
    jacobi(py_grid, py_scratch, 4)
    njit(jacobi)(grid, scratch, 4)
    np.testing.assert_array_equal(grid, py_grid)
    np.testing.assert_array_equal(scratch, py_scratch)


@pytest.mark.parametrize("n", [0, 1, 2, 5, 40])
def test_pairwise_equals_python(n):
    points = RNG.random((n, 3))
    assert_same_arrays(*run_both(pairwise, points, np.zeros((n, n))))


def test_arrays_inside_a_tuple_or_fresh_are_left_unmarked():
    def nest(pair, n):
        a, b = pair
        tmp = np.zeros(a.shape[1])
        for i in range(n):
            for j in range(a.shape[1]):
                tmp[j] += a[i, j]
                b[i, j] = tmp[j]
        return tmp

    a = RNG.random((6, 5))
    b = a  # the same array: unmarked accesses keep the store/load order
    py_a = a.copy()
    expected = nest((py_a, py_a), 6)
    got = njit(nest)((a, b), 6)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(a, py_a)


def test_versions_only_for_loop_nests_that_store_into_argument_arrays():
    def one_loop(a, b):
        for i in range(len(a)):
            b[i] = a[i]

    def one_array(a):
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                a[i, j] += 1.0

    for fn, args in [(one_loop, (np.ones(3), np.ones(3))), (one_array, (np.ones((2, 2)),))]:
        compiled = njit(fn)
        compiled(*args)
        assert ".noalias" not in compiled.inspect_llvm(compiled.signatures[0])
    compiled = njit(matmul)
    compiled(np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2)))
    text = compiled.inspect_llvm(compiled.signatures[0])
    assert "its body for arrays that do not overlap" in text
    assert "its body for overlapping arrays" in text


@pytest.mark.skipif(not _host_has_avx2(), reason="the host CPU has no AVX2")
def test_matmul_reduction_is_vectorised_across_columns():
    """The k sum stays in order per (i, j); the vectors hold several j at once."""
    def matmul_f64(a, b, out):  # the shared benchmark's kernel
        n, inner = a.shape
        m = b.shape[1]
        for i in range(n):
            for j in range(m):
                acc = 0.0
                for k in range(inner):
                    acc += a[i, k] * b[k, j]
                out[i, j] = acc

    compiled = njit(matmul_f64)
    compiled(np.ones((4, 4)), np.ones((4, 4)), np.ones((4, 4)))
    text = compiled.inspect_llvm(compiled.signatures[0])
    body = text.split("its body for arrays that do not overlap ====")[1].split("\n}\n")[0]
    assert "fadd <" in body and "fmul <" in body
    assert "reassoc" not in body and "fast" not in body.replace("fastcc", "")


# --- accumulating into the output: jammed when every array is contiguous ---------------


def matmul_inplace(a, b, out):
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            for k in range(a.shape[1]):
                out[i, j] += a[i, k] * b[k, j]


def row_recurrence(a, b, out):
    """out[i, j] depends on out[i, j - 1]: a true dependence across the jammed loop."""
    for i in range(a.shape[0]):
        for j in range(1, b.shape[1]):
            acc = out[i, j - 1] - out[i, 0]
            for k in range(a.shape[1]):
                acc += a[i, k] * b[k, j]
            out[i, j] = acc


def anti_dependence(a, b, out):
    """out[i, j] reads out[i, j + 1] before iteration j + 1 writes it."""
    for i in range(a.shape[0]):
        for j in range(b.shape[1] - 1):
            acc = out[i, j + 1]
            for k in range(a.shape[1]):
                acc += a[i, k] * b[k, j]
            out[i, j] = acc


def column_recurrence(a, b, out):
    for i in range(1, a.shape[0]):
        for j in range(b.shape[1]):
            acc = out[i - 1, j]
            for k in range(a.shape[1]):
                acc -= a[i, k] * b[k, j]
            out[i, j] = acc


@pytest.mark.parametrize("fn", [matmul, matmul_inplace, row_recurrence, anti_dependence,
                                column_recurrence])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("n, inner, m", [(9, 7, 11), (1, 3, 2), (4, 0, 5), (16, 16, 16)])
@pytest.mark.parametrize("order", ["C", "F"])
def test_dependences_through_the_output_against_python(fn, dtype, n, inner, m, order):
    a = np.asarray((RNG.random((n, inner)) * 8).astype(dtype), order=order)
    b = np.asarray((RNG.random((inner, m)) * 8).astype(dtype), order=order)
    out = np.asarray((RNG.random((n, m)) * 8).astype(dtype), order=order)
    assert_same_arrays(*run_both(fn, a, b, out))


@pytest.mark.skipif(not _host_has_avx2(), reason="the host CPU has no AVX2")
@pytest.mark.parametrize("fn", [matmul, matmul_inplace])
def test_accumulating_into_the_output_is_jammed(fn):
    compiled = njit(fn)
    compiled(np.ones((4, 4)), np.ones((4, 4)), np.ones((4, 4)))
    text = compiled.inspect_llvm(compiled.signatures[0])
    body = text.split("its body for arrays that do not overlap ====")[1].split("\n}\n")[0]
    assert "fadd <" in body and "fmul <" in body


def _typed_graph(fn, *args):
    from jitcore.compiler import CALLEES
    from jitcore.frontend.flow import build_flow_graph
    from jitcore.typeinfer.annotator import annotate
    from jitcore.typeinfer.typeof import typeof

    graph = build_flow_graph(fn)
    annotate(graph, tuple(typeof(x) for x in args), CALLEES)
    return graph


def sliced_inside(a, b, out):
    for i in range(a.shape[0]):
        row = out[i, ::2]
        for j in range(row.shape[0]):
            row[j] = a[i, j] + b[j, i]


@njit
def _helper(x):
    return x * 2.0


def calls_a_jitted_function(a, b, out):
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[i, j] = _helper(a[i, j]) + b[i, j]


def test_contiguous_only():
    """Dependence analysis may assume in-bounds subscripts only when no array can be a
    strided view: not for strided arguments, views made inside, or jitted callees."""
    from jitcore.lowering.aliasing import contiguous_only

    c, f = np.ones((4, 4)), np.asfortranarray(np.ones((4, 4)))
    assert contiguous_only(_typed_graph(matmul, c, f, c))
    assert not contiguous_only(_typed_graph(matmul, c, c[:, ::2], c))
    assert not contiguous_only(_typed_graph(sliced_inside, c, c, c))
    assert not contiguous_only(_typed_graph(calls_a_jitted_function, c, c, c))
    for fn in (sliced_inside, calls_a_jitted_function):
        assert_same_arrays(*run_both(fn, RNG.random((4, 4)), RNG.random((4, 4)),
                                     np.zeros((4, 8))))
