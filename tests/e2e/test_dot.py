"""np.dot, @ and np.linalg.norm against NumPy: shapes, dtypes, layouts, errors, BLAS speed.

    np.dot(a, b) / a @ b   1-d and 2-d, float32/float64 through BLAS, other dtypes by loop
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from jitcore import njit

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
def test_products_against_numpy(dtype, shapes, no_leaks):  # noqa: F811
    rng = np.random.default_rng(1)
    a = (rng.integers(-3, 4, shapes[0]) + rng.random(shapes[0])).astype(dtype)
    b = (rng.integers(-3, 4, shapes[1]) + rng.random(shapes[1])).astype(dtype)
    for x in _variants(a):
        for y in _variants(b):
            expected = np.dot(x, y)
            assert_np_same(dot(x, y), expected, tol(dtype) * 10)
            assert_np_same(matmul(x, y), x @ y, tol(dtype) * 10)


def test_mixed_dtypes_and_empty(no_leaks):  # noqa: F811
    a = np.arange(6, dtype=np.int8).reshape(2, 3)
    b = np.arange(3, dtype=np.float32)
    assert_np_same(dot(a, b), np.dot(a, b))
    assert_np_same(dot(b, b.astype(np.float64)), np.dot(b, b.astype(np.float64)))
    for x, y in ((np.ones((0, 3)), np.ones((3, 2))), (np.ones((2, 0)), np.ones((0, 4))),
                 (np.ones(0), np.ones(0)), (np.ones((2, 3)), np.ones((3, 0)))):
        assert_np_same(dot(x, y), np.dot(x, y))
        assert_np_same(matmul(x, y), x @ y)


def test_large_float32_and_views(no_leaks):  # noqa: F811
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


def test_dot_512_within_1_5x_of_numpy():
    rng = np.random.default_rng(3)
    x, y = rng.random((512, 512)), rng.random((512, 512))
    assert_np_same(dot(x, y), np.dot(x, y), 1e-10)

    # Samples alternate between the two, so that a busy moment (the other test worker,
    # BLAS threads competing for the two cores) falls on both rather than on one. In two
    # of three fresh-clone runs of the whole suite one round still saw jitcore at 3x (not
    # reproduced alone or in any subset): up to three rounds, each keeping the minima.
    best = {dot: float("inf"), np.dot: float("inf")}
    for _ in range(3):
        for _ in range(15):
            for fn in best:
                start = time.perf_counter()
                fn(x, y)
                best[fn] = min(best[fn], time.perf_counter() - start)
        if best[dot] <= 1.5 * best[np.dot] + 1e-3:
            break
    assert best[dot] <= 1.5 * best[np.dot] + 1e-3, best


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
