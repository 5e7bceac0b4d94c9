"""@vectorize without signatures: a real ufunc that compiles a loop per new input dtypes."""
from __future__ import annotations

import math

import numpy as np
import pytest

from jitcore import vectorize
from jitcore.frontend.errors import TypingError

from .reference import assert_same, elementwise, layouts, sample


def test_compiles_one_loop_per_new_input_dtypes():
    @vectorize
    def axpb(a, b):
        return 2 * a + b

    assert isinstance(axpb, np.ufunc) and axpb.types == []
    assert axpb.__name__ == "axpb"
    for dtype in ("int8", "int32", "int64", "uint16", "float32", "float64", "complex128"):
        a, b = sample(dtype, (3, 4), 1), sample(dtype, (4,), 2)
        for x in layouts(a):
            assert_same(axpb(x, b), elementwise(axpb, axpb.py_func, x, b), rtol=1e-6)
    count = len(axpb.types)
    assert count == 7
    axpb(np.arange(3, dtype=np.int8), np.arange(3, dtype=np.int8))  # known: no new loop
    assert len(axpb.types) == count
    assert axpb.types[0] == "DD->D"  # the newest loop comes first


def test_types_follow_the_kernel():
    @vectorize
    def half(x):
        return x / 2

    assert_same(half(np.arange(4)), np.arange(4) / 2)  # int64 in, float64 out
    assert half.types == ["l->d"]
    assert_same(half(np.float32(3.0)), np.float64(1.5))  # jit semantics: float32 / int -> f64
    assert_same(half(7), np.float64(3.5))


def test_mixed_and_scalar_operands():
    @vectorize
    def mix(a, b):
        return a * b - 1

    assert_same(mix(2, 3), np.int64(5))
    assert_same(mix(2.5, 2), np.float64(4.0))
    x = np.arange(5, dtype=np.int32)
    assert_same(mix(x, np.int8(3)), elementwise(mix, mix.py_func, x, np.int8(3)))
    assert set(mix.types) == {"ll->l", "dl->d", "ib->l"}


def test_reductions_on_a_dynamic_ufunc():
    @vectorize(identity=0)
    def plus(a, b):
        return a + b

    x = sample("int64", (4, 5), 3)
    assert_same(plus.reduce(x, axis=1), np.add.reduce(x, axis=1))
    assert_same(plus.accumulate(x.astype(np.float64)), np.add.accumulate(x.astype(np.float64)))
    assert_same(plus.reduce(np.empty(0, np.int64)), np.int64(0))
    assert_same(plus.outer(np.arange(3), np.arange(2)), np.add.outer(np.arange(3), np.arange(2)))


def test_kernel_failing_for_new_dtypes_names_ufunc_and_types():
    @vectorize
    def root(x):
        return math.sqrt(x)

    assert_same(root(np.array([4.0])), np.array([2.0]))
    with pytest.raises(TypingError) as info:
        root(np.array([1 + 1j]))
    message = str(info.value)
    assert "@vectorize ufunc 'root', signature '(complex128)'" in message
    assert "return math.sqrt(x)" in message and "^" in message
    assert root.types == ["d->d"]  # the failure added nothing
    with pytest.raises(TypeError, match="ufunc 'root' cannot compile a loop for input dtypes "
                                        r"\(<U1\)"):
        root(np.array(["a"]))
    assert_same(root(np.array([9.0])), np.array([3.0]))


def test_kernel_returning_no_number_is_an_error():
    @vectorize
    def pair(x):
        return (x, x)

    with pytest.raises(TypingError, match="ufunc 'pair', signature '\\(int64\\)'.*numbers"):
        pair(np.arange(3))


def test_dtype_and_signature_ask_for_a_loop():
    @vectorize
    def add(a, b):
        return a + b

    x = np.arange(3)
    assert_same(add(x, x), x + x)
    assert_same(add(x, x, dtype=np.float64), (x + x).astype(np.float64))
    assert_same(add(x, x, out=np.empty(3, np.float32)), (x + x).astype(np.float32))
    assert_same(add(x.astype(np.float64), 1, signature="ff->f"), np.arange(1, 4, dtype="f4"))
    # int32 + int32 is int64 in compiled code (as in Numba): the loop is ii->l
    assert_same(add(x, x, signature=(np.int32, np.int32, None)), x + x)
    assert set(add.types) == {"ll->l", "dd->d", "ff->f", "ii->l"}
