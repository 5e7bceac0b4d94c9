"""The dispatcher from Python: decorators, options, lazy and eager compilation, arguments."""
from __future__ import annotations

import numpy as np
import pytest

from jitcore import errors, jit, njit, types
from tests.conftest import same
from jitcore.typeinfer.signatures import parse_type


def add(a, b):
    return a + b


def ident(x):
    return x


# --- decorators and options -------------------------------------------------------------


def test_public_names_import():
    import jitcore

    assert jitcore.jit is jit and jitcore.njit is njit
    assert types.float64 is not None and issubclass(errors.TypingError, errors.JitError)


@pytest.mark.parametrize("deco", [njit, jit, njit(), jit(), jit(nopython=True)])
def test_decorator_forms(deco):
    f = deco(add)
    assert f(2, 3) == 5
    assert f.py_func is add


@pytest.mark.parametrize("options", [
    {"nopython": True}, {"nogil": True}, {"cache": True}, {"parallel": True},
    {"fastmath": True}, {"boundscheck": True}, {"error_model": "numpy"}, {"inline": "never"},
    {"nogil": True, "fastmath": True, "error_model": "python"},
])
def test_numba_options_are_accepted(options):
    f = njit(**options)(add)
    assert same(f(1.5, 2), 3.5)
    assert f.targetoptions["nopython"] is True


def test_unknown_option_is_a_type_error():
    with pytest.raises(TypeError, match="unknown options: colour"):
        njit(colour="red")


def test_object_mode_is_refused():
    with pytest.raises(errors.UnsupportedError, match="object mode"):
        jit(forceobj=True)(add)
    with pytest.raises(errors.UnsupportedError, match="object mode"):
        jit(nopython=False)(add)


def test_jit_defaults_to_nopython():
    f = jit(add)
    assert f(1, 2) == 3 and f.signatures == [(types.int64, types.int64)]


def test_redecorating_a_dispatcher_uses_its_python_function():
    f = njit(njit(add))
    assert f.py_func is add and f(1, 2) == 3


# --- lazy compilation ---------------------------------------------------------------------


def test_one_signature_per_type_combination():
    f = njit(add)
    assert f.signatures == []
    f(1, 2)
    assert f.signatures == [(types.int64, types.int64)]
    f(3, 4)
    f(5, 6)
    assert len(f.signatures) == 1
    f(1.0, 2)
    assert f.signatures == [(types.int64, types.int64), (types.float64, types.int64)]
    f(1, 2.0)
    f(True, 2)
    f(1.0, 2)
    assert f.signatures[2:] == [(types.int64, types.float64), (types.boolean, types.int64)]
    assert list(f.overloads) == f.signatures


# --- eager compilation --------------------------------------------------------------------


def test_eager_signature_string():
    @njit("float64(int64, float64)")
    def scale(n, x):
        return n * x

    assert scale.signatures == [(types.int64, types.float64)]
    assert same(scale(2, 1.5), 3.0)
    assert same(scale(2, 3), 6.0)  # int -> float64 converts, as in Numba
    assert same(scale(np.int32(2), np.float32(1.5)), 3.0)
    assert len(scale.signatures) == 1  # nothing new is compiled


def test_eager_list_of_signatures_picks_the_closest():
    @njit(["complex128(complex128)", "float64(float64)", "int64(int64)"])
    def pick(x):
        return x

    assert same(pick(1), 1) and same(pick(1.5), 1.5) and same(pick(1j), 1j)
    assert same(pick(np.int8(3)), 3)  # int8 -> int64, not float64 or complex128
    assert same(pick(np.float32(0.5)), 0.5)
    assert same(pick(True), 1)
    assert len(pick.signatures) == 3


def test_eager_from_type_objects():
    @njit(types.float64(types.int64))
    def half(n):
        return n / 2

    assert half.nopython_signatures == [types.float64(types.int64)]
    assert same(half(3), 1.5)

    @njit([types.int32(types.int32), types.float32(types.float32)])
    def neg(x):
        return -x

    assert same(neg(5), -5) and same(neg(2.5), -2.5)


def test_eager_args_only_forms():
    @njit("(int64,)")
    def twice(x):
        return x * 2

    @njit("(float64, int64)")
    def mix(x, n):
        return x * n

    assert same(twice(21), 42) and twice.signatures == [(types.int64,)]
    assert same(mix(1.5, 2), 3.0)


def test_declared_return_type_converts_the_result():
    @njit("float64(int64)")
    def as_float(n):
        return n + 1

    @njit("int32(float64)")
    def as_int(x):
        return x

    @njit("complex128(float64)")
    def as_complex(x):
        return x

    assert same(as_float(1), 2.0)
    assert same(as_int(2.75), 2) and same(as_int(-2.75), -2)
    assert same(as_complex(1.5), 1.5 + 0j)


def test_eager_mismatch_names_the_argument():
    @njit("float64(int64, float64)")
    def scale(n, x):
        return n * x

    with pytest.raises(TypeError) as info:
        scale(2.5, 1.0)
    msg = str(info.value)
    assert "scale(): argument 'n' has type float64, expected int64" in msg
    assert "(int64, float64)" in msg
    with pytest.raises(TypeError, match="argument 'x' has type complex128, expected float64"):
        scale(1, 2j)
    with pytest.raises(TypeError, match="argument 'x' has type str"):
        scale(1, "a")


def test_invalid_signature_strings():
    for bad in ["float64(int64", "float65(int64)", "float64 int64", "(int64,,)"]:
        with pytest.raises(errors.TypingError, match="invalid signature"):
            njit(bad)(ident)
    with pytest.raises(TypeError, match="signature must be a string"):
        njit([42])(ident)


def test_declared_return_that_cannot_convert():
    with pytest.raises(errors.TypingError, match=r"<lambda>\(\) returns UniTuple.* cannot be "
                                                 r"converted to the declared float64"):
        njit("float64(int64)")(lambda n: (n, n))


# --- keyword arguments and defaults ---------------------------------------------------------


def test_keywords_and_defaults_bind_like_python():
    def f(a, b=2, c=3.0):
        return a + b * c

    g = njit(f)
    for args, kwargs in [((1,), {}), ((1, 5), {}), ((1,), {"c": 1.0}), ((), {"a": 2, "b": 3}),
                         ((1, 2, 3), {}), ((1,), {"c": 2, "b": 1.5})]:
        assert same(g(*args, **kwargs), f(*args, **kwargs)), (args, kwargs)


def test_binding_errors_name_the_function():
    g = njit(add)
    with pytest.raises(TypeError, match=r"add\(\): missing a required argument: 'b'"):
        g(1)
    with pytest.raises(TypeError, match=r"add\(\): too many positional arguments"):
        g(1, 2, 3)
    with pytest.raises(TypeError, match=r"^add\(\) got an unexpected keyword argument 'c'$"):
        g(1, 2, c=3)
    with pytest.raises(TypeError, match=r"^add\(\) got multiple values for argument 'a'$"):
        g(1, 2, a=3)


def test_keyword_only_parameters():
    def f(a, *, k=2):
        return a * k

    g = njit(f)
    assert g(3) == 6 and g(3, k=4) == 12


# --- argument and result types ----------------------------------------------------------------

NUMPY_SCALARS = [np.int8(-3), np.int16(-300), np.int32(-70000), np.int64(-(2**40)),
                 np.uint8(250), np.uint16(65000), np.uint32(2**32 - 1), np.uint64(2**64 - 1),
                 np.float32(1.5), np.float64(-2.25), np.complex64(1 - 2j),
                 np.complex128(3 + 4j), np.bool_(True), np.bool_(False)]


@pytest.mark.parametrize("value", NUMPY_SCALARS, ids=lambda v: type(v).__name__)
def test_numpy_scalars_get_their_own_types_and_round_trip(value):
    f = njit(ident)
    got = f(value)
    assert got == value.item() and type(got) is type(value.item())
    assert f.signatures == [(parse_type(str(value.dtype)),)]
    assert f(value) == got  # the native fast path, second call
    assert len(f.signatures) == 1


def test_numpy_scalar_arithmetic_keeps_width():
    f = njit(add)
    assert same(f(np.int8(100), np.int8(100)), 200)  # promoted to int64 as in Numba
    assert f.signatures == [(types.int8, types.int8)]
    assert same(f(np.float32(0.1), np.float32(0.2)), float(np.float32(0.1) + np.float32(0.2)))


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 2**64, 10**30])
def test_python_int_too_big_is_an_overflow_error(value):
    f = njit(ident)
    f(1)
    with pytest.raises(OverflowError, match=r"ident\(\): argument 'x' = -?\d+ does not fit "
                                            r"in int64"):
        f(value)


def test_int64_limits_pass():
    f = njit(ident)
    for value in (2**63 - 1, -(2**63), 0, -1):
        assert same(f(value), value)


def test_results_box_to_python_types():
    cases = [
        (lambda x: x > 0, (1,), True),
        (lambda x: x, (np.uint64(2**64 - 1),), 2**64 - 1),
        (lambda x: x, (-(2**63),), -(2**63)),
        (lambda x: x * 0.5, (3,), 1.5),
        (lambda x: x, (2j,), 2j),
        (lambda x: x, (np.complex64(1.5 - 2j),), 1.5 - 2j),
        (lambda x: None, (1,), None),
        (lambda x, z: (x, x + 0.5, (x > 0, (z, None))), (1, 1j), (1, 1.5, (True, (1j, None)))),
        (lambda x: (), (1,), ()),
    ]
    for fn, args, expected in cases:
        assert same(njit(fn)(*args), expected), (args, expected)


def test_special_floats_round_trip():
    f = njit(ident)
    for value in (float("nan"), float("inf"), float("-inf"), -0.0, 5e-324):
        assert same(f(value), value)


def test_tuple_arguments():
    def first_plus_last(t):
        return t[0] + t[2]

    f = njit(first_plus_last)
    assert same(f((1, 2.5, 3)), 4)
    assert same(f((1.5, (1, 2), 2)), 3.5)
    assert len(f.signatures) == 2


def test_unsupported_argument_types_name_the_argument():
    f = njit(add)
    for bad, shown in [("a", "str"), ([1], "list"), (object(), "object"), ({}, "dict"),
                       ((1, "a"), r"tuple\(int, str\)")]:
        with pytest.raises(TypeError, match=rf"add\(\): argument 'b' has type {shown}, "
                                            "which compiled code does not support"):
            f(1, bad)


def test_methods_through_descriptor():
    class Box:
        scale = njit(lambda self_value, x: x * 2)

    assert Box.scale(None, 4) == 8
