"""Signature strings and type names, as Numba writes them."""
from __future__ import annotations

import pytest

from jitcore import types
from jitcore.frontend.errors import TypingError
from jitcore.typeinfer.signatures import parse_signature, parse_type


@pytest.mark.parametrize("text,expected", [
    ("float64(int64, float64)", (types.float64, (types.int64, types.float64))),
    ("int32()", (types.int32, ())),
    ("(int64,)", (None, (types.int64,))),
    ("(int64, float32)", (None, (types.int64, types.float32))),
    ("void(int64)", (types.none, (types.int64,))),
    ("boolean(bool_, b1)", (types.boolean, (types.boolean, types.boolean))),
    ("f8(i4, u1, c16)", (types.float64, (types.int32, types.uint8, types.complex128))),
    ("UniTuple(float64, 2)(Tuple(int64, float32),)",
     (types.UniTuple(types.float64, 2), (types.Tuple((types.int64, types.float32)),))),
    ("  float64 ( int64 , )  ", (types.float64, (types.int64,))),
    ("void(float64[:], int8[:, :], f4[::1], c16[:, ::1], u1[::1, :])",
     (types.none, (types.Array(types.float64, 1, "A"), types.Array(types.int8, 2, "A"),
                   types.Array(types.float32, 1, "C"), types.Array(types.complex128, 2, "C"),
                   types.Array(types.uint8, 2, "F")))),
])
def test_parse_signature(text, expected):
    assert parse_signature(text) == expected


def test_signature_objects_and_type_tuples():
    assert parse_signature(types.float64(types.int64)) == (types.float64, (types.int64,))
    assert parse_signature((types.int8, types.float32)) == (None, (types.int8, types.float32))


@pytest.mark.parametrize("text,message", [
    ("float64(int64", "unexpected end"),
    ("float65(int64)", "unknown type 'float65'"),
    ("float64(int64) x", "unexpected 'x'"),
    ("(int64,,)", "unknown type ','"),
    ("float64(int64[:, ::1, :])", "only the first or the last axis"),
    ("float64(int64[::2])", "only '::1' marks a contiguous axis"),
    ("UniTuple(int64, n)(int64)", "needs an integer count"),
])
def test_bad_signatures(text, message):
    with pytest.raises(TypingError, match="invalid signature") as info:
        parse_signature(text)
    assert message in str(info.value)


def test_array_types():
    assert parse_type("float64[:]") == types.Array(types.float64, 1, "A")
    assert parse_type("float32[::1]") == types.Array(types.float32, 1, "C")
    assert parse_type("int64[:, ::1]") == types.Array(types.int64, 2, "C")
    assert parse_type("int64[::1, :]") == types.Array(types.int64, 2, "F")
    assert parse_type("uint8[:, :, :]") == types.Array(types.uint8, 3, "A")
    ret, args = parse_signature("float64[:](float64[:], float64)")
    assert ret == types.Array(types.float64, 1, "A") and args[1] is types.float64


def test_parse_type():
    assert parse_type("uint64") is types.uint64
    assert parse_type("complex64") == types.complex64


def test_eager_array_signatures_take_any_layout():
    import numpy as np

    from jitcore import njit

    @njit("float64(float64[:])")
    def total(a):
        t = 0.0
        for x in a:
            t += x
        return t

    @njit
    def caller(a):
        return total(a) + 1.0

    assert total(np.arange(4.0)) == 6.0
    assert total(np.arange(8.0)[::2]) == 12.0
    assert caller(np.arange(3.0)) == 4.0
    with pytest.raises(TypeError, match="argument 'a' has type array\\(int64, 1d, C\\), "
                                        "expected array\\(float64, 1d, A\\)"):
        total(np.arange(4))
