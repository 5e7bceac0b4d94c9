"""NumPy scalar constructors in compiled code (np.float64(x), np.int8(x), ...), against NumPy;
and the Python-path dispatch of calls with array arguments (keywords, defaults)."""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

from jitcore import errors, njit

from .numgrid import ALL, COMPLEXES, FLOATS, INTS, py, values

REALS = [np.bool_, *INTS, *FLOATS]
# Floats that convert differently to each integer width: fractions of both signs, values past
# 8, 16, 32 and 63 bits, and the non-finite ones (x86-64 NumPy's answers, see impls/npscalars).
FLOAT_EDGES = [0.0, -0.0, 0.9, -0.9, 127.5, -128.7, 255.9, 300.7, -300.7, 70000.5, 3e9, -3e9,
               1e10, 2.0 ** 31, -2.0 ** 31, 2.0 ** 32, 2.0 ** 63, -2.0 ** 63, 1e19, 1e20, -1e20,
               math.inf, -math.inf, math.nan]


def expected(cls: Any, x: Any) -> Any:
    """What NumPy gives, as the Python number compiled code returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overflow in casts (NumPy warns, compiled code wraps)
        return cls(x).item() if x is not None else cls().item()


def same_number(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, complex):
        return same_number(a.real, b.real) and same_number(a.imag, b.imag)
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


def sources(src: Any) -> list[Any]:
    if src in FLOATS:
        return [*values(src), *(src(v) for v in FLOAT_EDGES)]
    return values(src)


@pytest.mark.parametrize("dst", ALL, ids=lambda c: c.__name__)
def test_every_constructor_from_every_real_type(dst: Any) -> None:
    f = njit(lambda x: dst(x))
    for src in REALS:
        for x in sources(src):
            got, want = f(x), expected(dst, x)
            assert same_number(got, want), f"np.{dst.__name__}({src.__name__}({py(x)!r})): " \
                f"got {got!r}, NumPy gives {want!r}"


@pytest.mark.parametrize("dst", [np.bool_, *COMPLEXES], ids=lambda c: c.__name__)
def test_complex_to_complex_and_bool(dst: Any) -> None:
    f = njit(lambda z: dst(z))
    for src in COMPLEXES:
        for z in values(src):
            assert same_number(f(z), expected(dst, z)), (dst, z)


def test_no_argument_is_zero() -> None:
    f = njit(lambda: (np.bool_(), np.int8(), np.uint64(), np.float32(), np.float64(),
                      np.complex64(), np.complex128()))
    assert f() == (False, 0, 0, 0.0, 0.0, 0j, 0j)
    assert [type(v) for v in f()] == [bool, int, int, float, float, complex, complex]


def test_result_has_the_numpy_type() -> None:
    # float32 arithmetic rounds to float32. (Small integers add in int64 in compiled code,
    # as in Numba, so int8 + int8 is not NumPy's; that is the arithmetic's rule, not this one.)
    def f(x: float, n: int) -> tuple[Any, ...]:
        return (np.float32(x) + np.float32(0.2), np.int8(n), np.float32(x) / np.float32(3),
                np.complex64(x) * np.complex64(x))

    got = njit(f)(0.1, 127)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = tuple(v.item() for v in f(0.1, 127))
    assert got == want and got[0] != 0.1 + 0.2


def test_aliases() -> None:
    f = njit(lambda x: (np.intp(x), np.double(x), np.single(x), np.int_(x), np.longlong(x),
                        np.ulonglong(x), np.uint(x), np.byte(x), np.ubyte(x), np.short(x),
                        np.intc(x), np.cdouble(x), np.csingle(x)))
    # NumPy scalars as arguments: NumPy sends a Python float through int() (raising where a
    # cast wraps), but compiled code cannot tell a Python float from an np.float64.
    for x in map(np.float64, (3.75, -2.5, 1e10)):
        want = tuple(expected(c, x) for c in (np.intp, np.double, np.single, np.int_, np.longlong,
                                              np.ulonglong, np.uint, np.byte, np.ubyte, np.short,
                                              np.intc, np.cdouble, np.csingle))
        assert all(same_number(a, b) for a, b in zip(f(x), want)), x


def test_int64_values_wrap_like_numpy_scalars() -> None:
    # Integers in compiled code are int64, so np.int8(300) wraps as np.int8(np.int64(300)) does
    # (NumPy 2 raises OverflowError only for a Python int literal).
    f = njit(lambda n: (np.int8(n), np.uint8(n), np.uint64(n), np.int16(n)))
    for n in (300, -1, -129, 2 ** 40 + 5, -2 ** 63, 2 ** 63 - 1):
        want = tuple(expected(c, np.int64(n)) for c in (np.int8, np.uint8, np.uint64, np.int16))
        assert f(n) == want


def test_in_loops_and_as_converters() -> None:
    def total(a: Any) -> Any:
        s = np.float32(0)
        for i in range(a.shape[0]):
            s += np.float32(a[i]) * np.float32(0.5)
        return s

    a = np.linspace(-3.0, 7.0, 101)
    assert njit(total)(a) == total(a).item()


def error_of(pyfunc: Any, *args: Any) -> str:
    with pytest.raises(errors.TypingError) as info:
        njit(pyfunc)(*args)
    return str(info.value)


def test_array_argument_is_refused_with_astype_hint() -> None:
    def conv(a):
        return np.float64(a)

    msg = error_of(conv, np.arange(3))
    assert msg.startswith("numpy.float64() of an array is not supported")
    assert f"line {conv.__code__.co_firstlineno + 1}, in conv" in msg
    assert "    return np.float64(a)\n           ^^^^^^^^^^^^^" in msg
    assert "note: use a.astype(np.float64) to convert an array" in msg


def test_complex_to_real_is_refused() -> None:
    def conv(z):
        return np.int32(z)

    msg = error_of(conv, 1 + 2j)
    assert msg.startswith("numpy.int32() cannot take the complex value complex128")
    assert f"line {conv.__code__.co_firstlineno + 1}, in conv" in msg
    assert "    return np.int32(z)\n           ^^^^^^^^^^^" in msg
    assert "take z.real" in msg


def test_keywords_and_extra_arguments_are_refused() -> None:
    def two(x):
        return np.float64(x, x)

    assert error_of(two, 1.0).startswith("float64() does not accept arguments (float64, float64)")
    assert error_of(lambda x: np.float16(x), 1.0).startswith(
        "numpy.float16() is not supported in compiled code")


# --- the Python path of the dispatcher with array arguments ----------------------------------

def test_keyword_calls_with_arrays_pick_the_overload_of_each_layout() -> None:
    @njit
    def first(a, k=0):
        return a[0, 0] + k

    c = np.arange(12.0).reshape(3, 4)
    f = np.asfortranarray(c)
    strided = c[:, ::2]
    ro = c.copy()
    ro.flags.writeable = False
    ints = np.arange(12).reshape(3, 4)
    for _ in range(2):  # the second round comes from the memo
        for arr in (c, f, strided, ro, ints, c, f):
            assert same_number(first(arr, k=1), arr[0, 0].item() + 1)
            assert same_number(first(a=arr), arr[0, 0].item())
    layouts = sorted((s[0].layout, s[0].readonly, str(s[0].dtype)) for s in first.signatures)
    assert layouts == [("A", False, "float64"), ("C", False, "float64"), ("C", False, "int64"),
                       ("C", True, "float64"), ("F", False, "float64")]


def test_keyword_call_writes_through_writeable_only() -> None:
    @njit
    def fill(a, v=1.0):
        a[0] = v

    a = np.zeros(3)
    fill(a, v=2.0)
    assert a[0] == 2.0
    a.flags.writeable = False
    with pytest.raises(errors.TypingError):
        fill(a, v=3.0)
    assert a[0] == 2.0


def test_keyword_call_with_unaligned_and_byte_swapped_arrays() -> None:
    @njit
    def total(a, k=0.0):
        return a.sum() + k

    buf = np.zeros(8 * 4 + 1, dtype=np.uint8)
    unaligned = np.frombuffer(buf.data, dtype=np.float64, count=4, offset=1)
    aligned = np.arange(4.0)
    for arr in (aligned, unaligned, aligned, unaligned):
        assert total(arr, k=0.5) == arr.sum() + 0.5
    swapped = aligned.astype(">f8")
    with pytest.raises(TypeError, match="big-endian byte order"):
        total(swapped, k=1.0)  # same kind of array, other byte order: not the memo's entry
    assert total(aligned, k=1.0) == 7.0


def test_keyword_call_with_array_and_tuple_still_types_each_call() -> None:
    @njit
    def pick(a, t=(0, 1)):
        return a[t[0]] + t[1]

    a = np.arange(5)
    assert pick(a, t=(1, 2)) == 3
    assert pick(a, t=(1, 2.5)) == 3.5


def test_repeated_keyword_calls_with_arrays_skip_typeof(monkeypatch: Any) -> None:
    import jitcore.dispatcher as dispatcher

    @njit
    def scaled(a, k=2.0):
        return a[-1] * k

    c, f = np.arange(6.0).reshape(2, 3), np.asfortranarray(np.arange(6.0).reshape(2, 3))
    assert scaled(c, k=1.0)[0] == 3.0 and scaled(a=f)[2] == 10.0

    def no_typeof(value: Any) -> None:
        raise AssertionError("typeof called on a memoised call")

    monkeypatch.setattr(dispatcher, "typeof", no_typeof)
    assert scaled(a=c)[1] == 8.0 and scaled(f, k=3.0)[0] == 9.0
    with pytest.raises(AssertionError, match="typeof called"):
        scaled(c[:, ::2], k=1.0)  # a new layout is typed
