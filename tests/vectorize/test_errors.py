"""Errors name the ufunc and the signature (and quote the kernel's line when it fails to type)."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

from jitcore import guvectorize, vectorize
from jitcore.frontend.errors import TypingError, UnsupportedError


def kernel(x, y):
    return x + y


def test_unparsable_signature():
    with pytest.raises(TypingError) as info:
        vectorize(["float64(float64, float64"])(kernel)
    assert "@vectorize ufunc 'kernel', signature 'float64(float64, float64'" in str(info.value)
    with pytest.raises(TypingError, match="signature 'flot64\\(float64, float64\\)'.*"
                                          "unknown type 'flot64'"):
        vectorize(["flot64(float64, float64)"])(kernel)


def test_kernel_that_fails_to_type_is_quoted():
    def bad(x):
        return x.imag_part

    line = inspect.getsourcelines(bad)[1] + 1
    with pytest.raises(TypingError) as info:
        vectorize(["float64(float64)"])(bad)
    message = str(info.value)
    assert message.startswith("@vectorize ufunc 'bad', signature 'float64(float64)': ")
    assert f"line {line}, in " in message and "bad" in message
    assert "return x.imag_part" in message and "^^^" in message


def test_signature_arity_and_kernel_types():
    with pytest.raises(TypingError, match="ufunc 'kernel', signature 'float64\\(float64\\)': "
                                          "kernel\\(\\) takes 2 arguments but 1 were given"):
        vectorize(["float64(float64)"])(kernel)

    def pair(x):
        return (x, x)

    with pytest.raises(TypingError, match="ufunc 'pair'.*numbers, not UniTuple"):
        vectorize(["(float64,)"])(pair)


def test_decorator_options():
    with pytest.raises(UnsupportedError, match="target='cuda'"):
        vectorize(["float64(float64, float64)"], target="cuda")(kernel)
    with pytest.raises(TypeError, match="unknown options: colour"):
        vectorize(["float64(float64, float64)"], colour="blue")
    with pytest.raises(UnsupportedError, match="object mode"):
        vectorize(["float64(float64, float64)"], forceobj=True)
    with pytest.raises(ValueError, match="identity"):
        vectorize(["float64(float64, float64)"], identity="sometimes")(kernel)

    def star(*xs):
        return xs[0]

    with pytest.raises(TypeError, match="positional parameters only"):
        vectorize(["float64(float64)"])(star)


def test_no_loop_for_input_dtype():
    add = vectorize(["float64(float64, float64)", "int32(int32, int32)"])(kernel)
    expected = ("ufunc 'kernel' has no loop for input dtypes (complex128, float64) that the "
                "casting rules allow; its loops: float64(float64, float64), int32(int32, int32)")
    with pytest.raises(TypeError) as info:
        add(np.array([1j]), np.array([2.0]))
    assert str(info.value) == expected
    assert isinstance(info.value.__cause__, TypeError)  # NumPy's own error, chained
    with pytest.raises(TypeError, match="has no loop for input dtypes \\(<U1, int64\\)"):
        add(np.array(["a"]), 1)
    with pytest.raises(TypeError, match="ufunc 'kernel' has no loop"):
        add.reduce(np.array([1j, 2j]))
    with pytest.raises(TypeError, match="ufunc 'core' has no loop for input dtypes "
                                        "\\(complex128\\).*its loops: "
                                        "void\\(array\\(float64, 1d, A\\)"):
        guvectorize(["void(float64[:], float64[:])"], "(n)->()")(core)(np.ones(3, complex))


def core(x, out):
    out[0] = x[0]


def test_gufunc_layout_errors():
    sig = ["void(float64[:], float64[:])"]
    with pytest.raises(ValueError, match="@guvectorize ufunc 'core': invalid gufunc layout "
                                         "'\\(n\\)\\(\\)': expected one '->'"):
        guvectorize(sig, "(n)()")(core)
    with pytest.raises(ValueError, match="ufunc 'core': invalid gufunc layout '\\(n,\\)->\\(\\)'"):
        guvectorize(sig, "(n,)->()")(core)
    with pytest.raises(TypeError, match="layout '\\(n\\),\\(n\\)->\\(\\)' has 3 arguments but "
                                        "core\\(\\) takes 2"):
        guvectorize(sig, "(n),(n)->()")(core)


def test_gufunc_signature_errors():
    with pytest.raises(TypingError, match="signature 'void\\(float64\\[:, :\\], float64\\[:\\]"
                                          "\\)': argument 0 is array\\(float64, 2d, A\\) but its "
                                          "layout \\(n\\) has 1 dimensions"):
        guvectorize(["void(float64[:, :], float64[:])"], "(n)->()")(core)
    with pytest.raises(TypingError, match="argument 1 is the scalar float64 but an output needs "
                                          "an array"):
        guvectorize(["void(float64[:], float64)"], "(n)->()")(core)
    with pytest.raises(TypingError, match="returns nothing \\(void\\), not float64"):
        guvectorize(["float64(float64[:], float64[:])"], "(n)->()")(core)
    with pytest.raises(TypingError, match="2 argument types for the 3 arguments"):
        guvectorize(["void(float64[:], float64[:])"], "(n),(n)->()")(kernel_3)

    def returns(x, out):
        out[0] = x[0]
        return 1.0

    with pytest.raises(TypingError, match="ufunc 'returns'.*returns nothing, but returns\\(\\) "
                                          "returns float64"):
        guvectorize(["void(float64[:], float64[:])"], "(n)->()")(returns)


def kernel_3(x, y, out):
    out[0] = x[0] + y[0]
