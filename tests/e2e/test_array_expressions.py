"""Whole-array expressions: operators and ufuncs with NumPy's broadcasting and dtypes,
fused into one loop (one allocation per expression), in-place updates, no leaks."""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import jitcore
from jitcore import errors, njit

DTYPES = [np.bool_, np.int8, np.uint8, np.int16, np.int32, np.uint32, np.int64, np.uint64,
          np.float32, np.float64, np.complex64, np.complex128]


def numpy_result(fn, *args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(*args)
        except (TypeError, ValueError, ZeroDivisionError) as exc:
            return exc


def assert_same_array(got, expected):
    assert isinstance(got, np.ndarray) == isinstance(expected, np.ndarray)
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape
    if expected.dtype.kind in "fc":
        single = expected.dtype in (np.float32, np.complex64)
        np.testing.assert_allclose(got, expected, rtol=2e-6 if single else 1e-12, equal_nan=True)
    else:
        assert np.array_equal(got, expected)


def values(dtype, n=7):
    raw = np.array([0, 1, -1, 2, 3, -7, 100][:n] * 2)[:n]
    if dtype is np.bool_:
        return (raw % 2).astype(np.bool_)
    with np.errstate(all="ignore"):
        return raw.astype(dtype)


BINARY_OPS = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / b, "floordiv": lambda a, b: a // b,
    "mod": lambda a, b: a % b, "lt": lambda a, b: a < b, "eq": lambda a, b: a == b,
    "and": lambda a, b: a & b, "xor": lambda a, b: a ^ b, "max": lambda a, b: np.maximum(a, b),
}
COMPILED = {name: njit(fn) for name, fn in BINARY_OPS.items()}
ALL_PAIRS = list(itertools.product(DTYPES, repeat=2))
# NumPy resolves the dtypes, so the risk per pair is in the element casts: six operators
# cover every pair; the others each dtype with itself, with float64 and with int8.
SOME_PAIRS = sorted({(d, e) for d in DTYPES for e in (d, np.float64, np.int8)} |
                    {(np.int8, d) for d in DTYPES}, key=str)
FULL_GRID = {"add", "truediv", "floordiv", "lt", "and", "max"}


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
def test_binary_operators_over_dtype_pairs(name, no_leaks):
    fn, compiled = BINARY_OPS[name], COMPILED[name]
    for da, db in ALL_PAIRS if name in FULL_GRID else SOME_PAIRS:
        a, b = values(da), values(db)[::-1].copy()
        expected = numpy_result(fn, a, b)
        if isinstance(expected, Exception):
            with pytest.raises(errors.TypingError):
                compiled(a, b)
            continue
        assert_same_array(compiled(a, b), expected)


def test_python_scalars_are_weak_like_numpy_2(no_leaks):
    f32 = np.arange(4, dtype=np.float32)
    i16 = np.arange(4, dtype=np.int16)
    for fn, arg in [(lambda a: a * 2.0, f32), (lambda a: a + 1, i16), (lambda a: a / 2, i16),
                    (lambda a: 2.5 - a, i16), (lambda a: a * 1j, f32), (lambda a: a > 1, i16)]:
        assert_same_array(njit(fn)(arg), fn(arg))


def test_broadcasting_and_layouts(no_leaks):
    m = np.arange(12.0).reshape(3, 4)
    row, col = np.arange(4.0), np.arange(3.0).reshape(3, 1)
    f = njit(lambda a, b, c: a * b - c)
    for a in (m, np.asfortranarray(m), m[::-1, ::2].copy(), m[:, ::-1]):
        b = row[: a.shape[1]]
        assert_same_array(f(a, b, col), a * b - col)
    assert_same_array(f(np.float64(2.0), row, 1.0), 2.0 * row - 1.0)
    assert_same_array(f(m[:0], row, 1.0), m[:0] * row - 1.0)  # empty
    with pytest.raises(ValueError, match="could not be broadcast"):
        f(m, np.arange(3.0), 1.0)


def test_unary_and_math_ufuncs(no_leaks):
    x = np.array([-2.5, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, np.inf, -np.inf, np.nan])
    i = np.array([-3, -1, 0, 2, 7], dtype=np.int32)
    cases = [lambda a: -a, lambda a: np.sqrt(a), lambda a: np.exp(a) + np.log(a),
             lambda a: np.abs(a), lambda a: np.floor(a) + np.ceil(a) + np.trunc(a),
             lambda a: np.sin(a) * np.cos(a), lambda a: np.tanh(a), lambda a: np.sign(a),
             lambda a: np.isnan(a) | np.isinf(a), lambda a: np.isfinite(a),
             lambda a: np.square(a), lambda a: np.arctan2(a, 2.0), lambda a: np.hypot(a, a),
             lambda a: np.minimum(a, 1.0), lambda a: np.fmax(a, 0.5), lambda a: np.clip(a, -1, 1),
             lambda a: np.where(a > 0, a, 0.0), lambda a: np.rint(a), lambda a: np.log1p(a),
             lambda a: np.logical_not(a > 1), lambda a: np.deg2rad(a), lambda a: np.signbit(a)]
    for fn in cases:
        for arg in (x, i, x.astype(np.float32)):
            expected = numpy_result(fn, arg)
            if isinstance(expected, Exception):
                continue
            with np.errstate(all="ignore"):
                assert_same_array(njit(fn)(arg), expected)


def test_ufuncs_on_scalars_give_scalars():
    for fn, arg in [(lambda x: np.sqrt(x), 2.0), (lambda x: np.sqrt(x), 4),
                    (lambda x: np.maximum(x, 3), 2), (lambda x: np.where(x > 1, 1.5, 2), 3)]:
        got, expected = njit(fn)(arg), fn(arg)
        assert got == expected and isinstance(got, (int, float, bool))


def test_expression_is_fused_into_one_allocation(no_leaks):
    f = njit(lambda a, b, c, d, e: a * b + c * d - e)
    arrays = [np.random.rand(1000) for _ in range(5)]
    f(*arrays)  # compile
    before = jitcore.memory_stats()[0]
    result = f(*arrays)
    assert jitcore.memory_stats()[0] - before == 1
    a, b, c, d, e = arrays
    assert_same_array(result, a * b + c * d - e)


def test_shared_subexpressions_are_computed_once_per_use(no_leaks):
    def g(a, b):
        t = a * b
        return t + t, t
    x, y = np.arange(5.0), np.arange(5.0) + 1
    got = njit(g)(x, y)
    assert_same_array(got[0], g(x, y)[0]) and assert_same_array(got[1], g(x, y)[1])


def test_inplace_updates(no_leaks):
    def update(a, b):
        a += b
        a *= 2
        a -= 1
        return a

    for a, b in [(np.arange(6.0).reshape(2, 3), np.arange(3.0)),
                 (np.arange(6, dtype=np.int32), 3),
                 (np.arange(6.0), np.float32(0.5))]:
        expected, target = update(a.copy(), b), a.copy()
        got = njit(update)(target, b)
        assert_same_array(got, expected)
        assert got is target  # the target itself is updated and returned
    with pytest.raises(errors.TypingError, match="same_kind"):
        njit(update)(np.arange(3), 0.5)  # float into int in place, as NumPy refuses


def _store_then_read(a):
    t = a * 1.0
    a[0] = 2.25
    return t + a


def _slice_store_then_read(a):
    t = np.sqrt(a)
    a[1:] = 0.0
    return t * 2.0


def _inplace_then_read(a):
    t = a + 1.0
    a += 10.0
    return t - a


def _matmul_inplace_then_read(a):
    t = a + 1.0
    a @= a
    return t * 2.0


def _store_in_callee(a):
    t = a * 3.0
    _zero_first(a)
    return t + 1.0


@njit
def _zero_first(a):
    a[0] = 0.0


@pytest.mark.parametrize("fn", [_store_then_read, _slice_store_then_read, _inplace_then_read,
                                _matmul_inplace_then_read, _store_in_callee])
def test_fusion_never_moves_a_read_past_a_write(fn, no_leaks):
    # a fused tree is evaluated where its result is used: a write to an operand in
    # between must not be seen (found by the fuzzer: 4.5 where NumPy gives 1.75)
    a = np.arange(1.0, 5.0).reshape(2, 2) if fn is _matmul_inplace_then_read \
        else np.array([1.0, 0.5, 4.0])
    py = _zero_first.py_func if fn is _store_in_callee else None
    expected_input = a.copy()
    if py is not None:
        globals()["_zero_first"] = py
    try:
        expected = fn(expected_input)
    finally:
        if py is not None:
            globals()["_zero_first"] = njit(py)
    got_input = a.copy()
    assert_same_array(njit(fn)(got_input), expected)
    assert_same_array(got_input, expected_input)


def test_inplace_with_overlapping_operand_matches_numpy(no_leaks):
    def shift(a, b):
        a += b
    base = np.arange(10.0)
    expected = base.copy()
    shift(expected, expected[::-1])
    got = base.copy()
    njit(shift)(got, got[::-1])
    assert_same_array(got, expected)


def test_array_truth_is_an_error():
    with pytest.raises(errors.TypingError, match="ambiguous"):
        njit(lambda a: 1 if a else 0)(np.ones(2))


def test_integer_division_by_zero_gives_zero_like_numpy(no_leaks):
    a, b = np.array([5, -5, 7]), np.array([0, 2, 0])
    with np.errstate(all="ignore"):
        assert_same_array(njit(lambda a, b: a // b)(a, b), a // b)
        assert_same_array(njit(lambda a, b: a % b)(a, b), a % b)


def _builtin_abs(a, b):
    return abs(a), abs(a - b) * 2


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint16, np.float32, np.float64,
                                   np.complex64, np.complex128])
def test_builtin_abs_of_arrays_is_np_absolute(dtype):
    """abs(a) is a.__abs__(), np.absolute: the same dtypes and values (int8 -128 wraps).
    Complex magnitudes are hypot's, which may differ from NumPy's in the last bit."""
    a = np.array([-128, -1, 0, 5, 127]).astype(dtype)
    b = a[::-1].copy()
    if np.dtype(dtype).kind == "c":
        a = a + 1j * a[::-1]
    for e, g in zip(_builtin_abs(a, b), njit(_builtin_abs)(a, b)):
        assert g.dtype == e.dtype
        if np.dtype(dtype).kind == "c":
            np.testing.assert_allclose(g, e, rtol=4 * np.finfo(e.dtype).eps)
        else:
            np.testing.assert_array_equal(g, e, strict=True)


def test_abs_of_a_bool_array_stays_bool():
    a = np.array([True, False, True])
    for fn in (lambda x: abs(x), lambda x: np.abs(x)):
        np.testing.assert_array_equal(njit(fn)(a), fn(a), strict=True)
    assert njit(lambda x: abs(x))(True) == 1
