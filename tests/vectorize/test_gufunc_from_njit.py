"""@guvectorize gufuncs called from @njit code: the same results as the gufunc called from
Python (NumPy's loop over the broadcast loop dimensions), with and without outputs."""
from __future__ import annotations

import numpy as np
import pytest

from jitcore import guvectorize, njit
from jitcore.frontend.errors import TypingError

from .reference import assert_same, sample
from .test_gufuncs import dot, matmul, minmax, shift


@njit
def call2(f_x, f_y):
    return dot(f_x, f_y)


@njit
def call3(f_x, f_y, f_out):
    return dot(f_x, f_y, f_out)


@njit
def statement(f_x, f_y, f_out):
    dot(f_x, f_y, f_out)  # Numba's usual spelling: the output argument, result unused
    return f_out.sum()


@njit
def shifted(f_x, f_k):
    return shift(f_x, f_k)


@njit
def shifted_into(f_x, f_k, f_out):
    shift(f_x, f_k, f_out)


@njit
def batched(f_a, f_b):
    return matmul(f_a, f_b)


@njit
def extremes(f_x):
    return minmax(f_x)


def same(got, expected):
    """The gufunc returns NumPy scalars for 0-d results; compiled code returns Python's."""
    if np.ndim(expected) == 0:
        assert type(got) is type(expected.item()) and got == expected.item(), (got, expected)
    else:
        assert_same(got, expected)


def layouts(x):
    return (x, np.asfortranarray(x), np.repeat(x, 2, axis=-1)[..., ::2], x[::-1])


def test_dot_over_loop_shapes_layouts_and_dtypes(no_leaks):
    for dtype in ("float64", "int64"):
        for xs, ys in (((5,), (5,)), ((3, 4), (4,)), ((2, 1, 3), (4, 3)), ((0, 3), (3,)),
                       ((3, 0), (3, 0)), ((4,), (2, 3, 4))):
            x, y = sample(dtype, xs, 1), sample(dtype, ys, 2)
            for xv in layouts(x):
                same(call2(xv, y), dot(xv, y))
                same(call2(y, xv), dot(y, xv))


def test_inputs_convert_to_the_loop_numpy_picks(no_leaks):
    x = sample("int32", (3, 4), 3)
    y = sample("float32", (4,), 4)
    for a, b in ((x, y), (x, x[0]), (x.astype(np.bool_), x[1]), (x.astype(np.uint8), y)):
        same(call2(a, b), dot(a, b))  # the float64 or int64 loop, as NumPy resolves it


def test_given_outputs_are_written_and_returned(no_leaks):
    x, y = sample("float64", (3, 4), 5), sample("float64", (3, 4), 6)
    out = np.full(3, -1.0)
    got = call3(x, y, out)
    assert got is out
    assert_same(out, dot(x, y))
    out[:] = 0
    assert statement(x, y, out) == dot(x, y).sum()
    assert_same(out, dot(x, y))
    strided = np.zeros(6)[::2]
    call3(x, y, strided)
    assert_same(strided, dot(x, y))
    narrow = np.zeros(3, np.float32)  # the float64 loop's result cast back, as NumPy does
    expected = np.zeros(3, np.float32)
    dot(x, y, out=expected)
    call3(x, y, narrow)
    assert_same(narrow, expected)
    zero_d = np.zeros(())  # a 0-d output: written through a one-element view
    assert call3(x[0], y[0], zero_d) is zero_d
    assert zero_d[()] == dot(x[0], y[0])
    wide = np.zeros((2, 3))  # the output has a loop dimension the inputs broadcast along
    expected = np.zeros((2, 3))
    dot(x, y, out=expected)
    call3(x, y, wide)
    assert_same(wide, expected)


def test_scalar_inputs_and_core_outputs(no_leaks):
    x = sample("float64", (3, 4), 7)
    k = np.array([10.0, 20.0, 30.0])[:, None]
    for kv in (k, 1.5, 2, np.float64(-0.5), np.array(3.0)):
        same(shifted(x, kv), shift(x, kv))
    xf = x.astype(np.float32)
    same(shifted(xf, np.float32(2)), shift(xf, np.float32(2)))
    out = np.zeros((3, 3, 4))  # k's loop shape (3, 1) broadcasts with x's (3,)
    shifted_into(x, k, out)
    assert_same(out, shift(x, k))
    same(shifted(x[0], 1.0), shift(x[0], 1.0))


def test_batched_matmul_and_two_outputs(no_leaks):
    a, b = sample("float64", (6, 3, 4), 8), sample("float64", (4, 5), 9)
    for av in (a, a[:, ::-1], np.asfortranarray(a)):
        same(batched(av, b), matmul(av, b))
    same(batched(a[0], b.T.copy().T), matmul(a[0], b))
    x = sample("float64", (4, 7), 10)
    lo, hi = extremes(x)
    assert_same(lo, minmax(x)[0])
    assert_same(hi, minmax(x)[1])
    lo, hi = extremes(x[0])  # 0-d results: scalars
    assert (lo, hi) == (x[0].min(), x[0].max())


def test_size_errors_are_value_errors_like_numpy():
    bad = (np.ones((3, 4)), np.ones(5))
    with pytest.raises(ValueError) as numpy_error:
        dot(*bad)
    with pytest.raises(ValueError) as ours:
        call2(*bad)
    prefix = "dot: Input operand 1 has a mismatch in its core dimension 0, with gufunc " \
             "signature (n),(n)->()"
    assert str(numpy_error.value).startswith(prefix)
    assert str(ours.value).startswith(prefix)
    with pytest.raises(ValueError, match="dot: operands could not be broadcast together"):
        call2(np.ones((3, 4)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="dot: non-broadcastable output operand 0"):
        call3(np.ones((3, 4)), np.ones(4), np.ones(2))
    with pytest.raises(ValueError, match="dot: non-broadcastable output operand 0"):
        call3(np.ones((3, 4)), np.ones(4), np.ones((1, 1)))


def test_kernel_exception_reaches_the_caller():
    @guvectorize(["void(float64[:], float64[:])"], "(n)->()")
    def first_positive(x, out):
        for i in range(x.shape[0]):
            if x[i] > 0:
                out[0] = x[i]
                return
        raise ValueError("no positive value")

    @njit
    def use(x):
        return first_positive(x)

    assert_same(use(np.array([[-1.0, 2.0], [3.0, 1.0]])), np.array([2.0, 3.0]))
    with pytest.raises(ValueError, match="no positive value"):
        use(np.array([[-1.0, 2.0], [-3.0, -1.0]]))


def test_parallel_gufunc_from_compiled_code_runs_on_the_pool(no_leaks):
    @guvectorize(["void(float64[:], float64[:])"], "(n)->()", target="parallel")
    def total(x, out):
        s = 0.0
        for i in range(x.shape[0]):
            if x[i] < 0:
                raise ValueError("negative entry")
            s += x[i]
        out[0] = s

    @njit
    def use(x):
        return total(x)

    for x in (sample("float64", (500, 6), 11) + 5, np.ones((0, 3)), np.ones((2, 3, 4))):
        assert_same(use(x), total(x))
        assert_same(use(x[::-1]), total(x[::-1]))
    x = np.ones((1000, 4))
    x[999, 2] = -1.0  # the last chunk, run by a worker or the caller
    with pytest.raises(ValueError, match="negative entry"):
        use(x)


def test_unsupported_calls_are_typing_errors():
    @njit
    def keyword(x, out):
        return dot(x, x, out=out)

    with pytest.raises(TypingError, match="gufunc 'dot' takes no keyword arguments \\(out\\)"):
        keyword(np.ones(3), np.ones(()))

    @njit
    def one_arg(x):
        return dot(x)

    with pytest.raises(TypingError, match="takes 2 inputs and optionally 1 outputs, not 1"):
        one_arg(np.ones(3))

    @njit
    def scalar_core(x):
        return dot(x, 2.0)

    with pytest.raises(TypingError, match="input 1 is the scalar float64 but its core "
                                          "dimensions \\(n\\) need an array"):
        scalar_core(np.ones(3))

    with pytest.raises(TypingError, match="input 0 is array\\(float64, 0d, C\\) but its core "
                                          "dimensions \\(n\\) need at least 1"):
        call2(np.ones(()), np.ones(3))
    readonly = np.zeros(3)
    readonly.flags.writeable = False
    with pytest.raises(TypingError, match="output 0 is a read-only array"):
        call3(np.ones((3, 2)), np.ones(2), readonly)

    @njit
    def complex_input(x):
        return dot(x, x)

    with pytest.raises(TypingError, match="gufunc 'dot' has no loop for \\(array\\(complex128"):
        complex_input(np.ones(3, np.complex128))

    @guvectorize(["void(float64[:], float64[:])"], "(n)->(m)")
    def spread(x, out):
        out[:] = x.sum()

    @njit
    def no_out(x):
        return spread(x)

    with pytest.raises(TypingError, match="output 0 has core dimension 'm', which no input "
                                          "has") as info:
        no_out(np.ones(3))
    assert info.value.loc is not None and info.value.loc.line > 0

    @njit
    def with_out(x, out):
        return spread(x, out)

    out = np.zeros((2, 5))
    with_out(np.ones((2, 3)), out)
    assert_same(out, np.full((2, 5), 3.0))
