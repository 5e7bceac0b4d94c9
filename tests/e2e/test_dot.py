"""np.dot, @ and np.linalg.norm against NumPy: shapes, dtypes, layouts, errors, BLAS calls.

    np.dot(a, b) / a @ b   1-d and 2-d, float32/float64 through BLAS, other dtypes by loop
"""
from __future__ import annotations

import numpy as np
import pytest

from jitcore import errors, njit

from .npcheck import assert_np_same, tol

dot = njit(lambda a, b: np.dot(a, b))
matmul = njit(lambda a, b: a @ b)


def _variants(m: np.ndarray) -> list[np.ndarray]:
    """C, F, reversed and every-other views of the same values."""
    out = [np.ascontiguousarray(m)]
    if m.ndim == 2:
        out.append(np.asfortranarray(m))
        out.append(np.ascontiguousarray(m[::-1, ::-1])[::-1, ::-1])
    big = np.repeat(m, 2, axis=-1)
    out.append(big[..., ::2])
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.complex128,
                                   np.uint8])
@pytest.mark.parametrize("shapes", [((4, 5), (5, 3)), ((4, 5), (5,)), ((5,), (5, 3)),
                                    ((5,), (5,)), ((1, 5), (5, 1)), ((3, 1), (1, 4))])
def test_products_against_numpy(dtype, shapes, no_leaks):
    rng = np.random.default_rng(1)
    a = (rng.integers(-3, 4, shapes[0]) + rng.random(shapes[0])).astype(dtype)
    b = (rng.integers(-3, 4, shapes[1]) + rng.random(shapes[1])).astype(dtype)
    for x in _variants(a):
        for y in _variants(b):
            expected = np.dot(x, y)
            assert_np_same(dot(x, y), expected, tol(dtype) * 10)
            assert_np_same(matmul(x, y), x @ y, tol(dtype) * 10)


def test_mixed_dtypes_and_empty(no_leaks):
    a = np.arange(6, dtype=np.int8).reshape(2, 3)
    b = np.arange(3, dtype=np.float32)
    assert_np_same(dot(a, b), np.dot(a, b))
    assert_np_same(dot(b, b.astype(np.float64)), np.dot(b, b.astype(np.float64)))
    for x, y in ((np.ones((0, 3)), np.ones((3, 2))), (np.ones((2, 0)), np.ones((0, 4))),
                 (np.ones(0), np.ones(0)), (np.ones((2, 3)), np.ones((3, 0)))):
        assert_np_same(dot(x, y), np.dot(x, y))
        assert_np_same(matmul(x, y), x @ y)


def test_large_float32_and_views(no_leaks):
    rng = np.random.default_rng(2)
    a = rng.random((70, 90)).astype(np.float32)
    b = rng.random((90, 60)).astype(np.float32)
    assert_np_same(dot(a, b), np.dot(a, b), 1e-4)
    assert_np_same(dot(a[::3, 1::2], b[:45, ::-1]), np.dot(a[::3, 1::2], b[:45, ::-1]), 1e-4)


def test_shape_errors():
    with pytest.raises(ValueError) as info:
        dot(np.ones((2, 3)), np.ones(4))
    assert str(info.value) == "shapes (2,3) and (4,) not aligned: 3 (dim 1) != 4 (dim 0)"
    with pytest.raises(ValueError) as info:
        dot(np.ones(3), np.ones(4))
    assert str(info.value) == "shapes (3,) and (4,) not aligned: 3 (dim 0) != 4 (dim 0)"
    with pytest.raises(ValueError) as info:
        matmul(np.ones((2, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError) as expected:
        np.ones((2, 3)) @ np.ones((4, 2))
    assert str(info.value) == str(expected.value)


@pytest.mark.parametrize("dtype, gemm", [(np.float64, "dgemm"), (np.float32, "sgemm")])
def test_float_products_call_blas_gemm(dtype, gemm):
    """A float32/float64 product is one call of BLAS's gemm, not a loop of ours (its speed
    against NumPy's is measured by benchmarks/dot_bench.py, not asserted here)."""
    rng = np.random.default_rng(3)
    x, y = rng.random((512, 512)).astype(dtype), rng.random((512, 512)).astype(dtype)
    product = njit(lambda a, b: np.dot(a, b))
    assert_np_same(product(x, y), np.dot(x, y), 1e-10 if dtype == np.float64 else 1e-3)
    llvm = product.inspect_llvm(product.signatures[0])
    assert gemm in llvm, "no call of BLAS's gemm in the compiled product"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_small_products_loop_and_large_ones_call_blas(dtype, no_leaks):
    # gemm's call costs more than a small product: at most SMALL_PRODUCT multiply-adds run
    # in a loop of ours, more in BLAS; both sides of the bound agree with NumPy
    from jitcore.lowering.impls.linalg import SMALL_PRODUCT

    rng = np.random.default_rng(5)
    assert SMALL_PRODUCT == 512
    for a_shape, b_shape in [((512,), (512,)), ((513,), (513,)), ((8, 8), (8, 8)),
                             ((8, 8), (8, 9)), ((1, 512), (512,)), ((2, 16), (16, 17))]:
        a = rng.random(a_shape).astype(dtype)
        b = rng.random(b_shape).astype(dtype)
        for x, y in ((a, b), (a[..., ::-1], b[::-1])):
            assert_np_same(dot(x, y), np.dot(x, y), tol(np.dtype(dtype)) * 10)
    llvm = dot.inspect_llvm(dot.signatures[0])
    assert "icmp ugt i64 %" in llvm and f", {SMALL_PRODUCT}" in llvm


def test_a_dot_of_short_slices_in_a_loop_matches_numpy():
    @njit
    def slide(x, w):
        s = 0.0
        for i in range(x.shape[0] - w.shape[0]):
            s += np.dot(x[i:i + w.shape[0]], w)
        return s

    x, w = np.arange(40.0), np.arange(4.0)
    expected = sum(np.dot(x[i:i + 4], w) for i in range(36))
    assert slide(x, w) == expected


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.complex128, np.bool_])
def test_norm(dtype):
    v = (np.arange(-3, 4) * 1.5).astype(dtype)
    m = (np.arange(12).reshape(3, 4) - 5.5).astype(dtype)
    plain = njit(lambda a: np.linalg.norm(a))
    ordered = njit(lambda a, o: np.linalg.norm(a, o))
    fro = njit(lambda a: np.linalg.norm(a, "fro"))
    for a in (v, v[::-2], m, np.asfortranarray(m), m[:, ::-1]):
        assert_np_same(plain(a), np.linalg.norm(a), 1e-6)
    for o in (1, 2, 0, 3, np.inf, -np.inf):
        assert_np_same(ordered(v, o), np.linalg.norm(v, o), 1e-6)
    for o in (1, -1, np.inf, -np.inf):
        assert_np_same(ordered(m, o), np.linalg.norm(m, o), 1e-6)
    assert_np_same(fro(m), np.linalg.norm(m, "fro"), 1e-6)


def _matmul_inplace(a, b):
    a @= b
    return a


@pytest.mark.parametrize("a_shape, dtype", [((2, 3), np.float64), ((3,), np.float64),
                                            ((4, 3), np.float32), ((2, 3), np.int64),
                                            ((0, 3), np.float64), ((3, 3), np.float64)])
def test_matmul_inplace_writes_into_the_target(a_shape, dtype, no_leaks):
    a = (np.arange(np.prod(a_shape)) % 5).astype(dtype).reshape(a_shape)
    b = np.arange(9).astype(dtype).reshape(3, 3)
    for view in (b, np.asfortranarray(b), b[::-1]):
        expected = _matmul_inplace(a.copy(), view)
        target = a.copy()
        got = njit(_matmul_inplace)(target, view)
        assert got is target  # NumPy updates a itself: the caller sees the product
        assert_np_same(target, expected)
    if a.shape == (3, 3):  # a @= a: the product is complete before a is overwritten
        same, expected = a.copy(), a.copy()
        assert_np_same(njit(_matmul_inplace)(same, same), _matmul_inplace(expected, expected))


def test_matmul_inplace_errors_match_numpy():
    f = njit(_matmul_inplace)
    with pytest.raises(ValueError, match=r"Output operand 0 has a mismatch in its core "
                                         r"dimension 1, .*\(size 3 is different from 4\)"):
        f(np.ones((2, 3)), np.ones((3, 4)))
    with pytest.raises(errors.TypingError, match="at least two dimensions"):
        f(np.ones(3), np.ones(3))
    with pytest.raises(errors.TypingError, match="cannot cast ufunc 'matmul' output from "
                                                 "float64 to int64"):
        f(np.ones((2, 2), np.int64), np.ones((2, 2)))
