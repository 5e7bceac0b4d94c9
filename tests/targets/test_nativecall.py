"""The native dispatch slot: which calls take the generated fast path, and that none crash."""
from __future__ import annotations

import ctypes

import numpy as np
import pytest

from jitcore import njit
from jitcore.targets.nativecall import ENTRY_WORDS, MAX_ARGS, build_table
from tests.conftest import same


class MissCounter:
    """Replaces a dispatcher's Python fallback, counting the calls the native slot misses."""

    def __init__(self, dispatcher):
        self.calls = 0
        self.fallback = dispatcher._jc_miss
        dispatcher._jc_miss = self

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.fallback(*args, **kwargs)


def compiled(fn, *warm_args):
    f = njit(fn)
    for args in warm_args:
        f(*args)
    return f, MissCounter(f)


def test_table_layout():
    table = build_table([(0x1000, [11, 22]), (0x2000, [33])])
    words = list(table)
    assert words[0] == 2
    assert words[1:1 + ENTRY_WORDS] == [2, 0x1000, 11, 22] + [0] * (MAX_ARGS - 2)
    assert words[1 + ENTRY_WORDS:3 + ENTRY_WORDS] == [1, 0x2000]
    assert list(build_table([])) == [0]


@pytest.mark.parametrize("args", [
    (1, 2), (1.5, 2.5), (True, False), (1j, 2j), (1, 2.5),
    (np.int32(3), np.int32(4)), (np.float32(1.5), np.float32(2)), (np.uint8(7), np.uint8(9)),
    (np.int64(5), np.int64(6)), (np.float64(1.0), np.float64(2.0)),
    (np.bool_(True), np.bool_(True)),
], ids=repr)
def test_exact_types_take_the_fast_path(args):
    f, misses = compiled(lambda a, b: (a, b), args)
    assert misses.calls == 0
    for _ in range(3):
        assert same(f(*args), tuple(v.item() if isinstance(v, np.generic) else v for v in args))
    assert misses.calls == 0


def test_fallback_calls():
    def fn(a, b=2.5):
        return a * b

    f, misses = compiled(fn, (1, 2.5))
    assert same(f(1, 2.5), 2.5) and misses.calls == 0
    assert same(f(1), 2.5) and misses.calls == 1  # default
    assert same(f(1, b=3.0), 3.0) and misses.calls == 2  # keyword
    assert same(f(a=2, b=3.0), 6.0) and misses.calls == 3
    assert len(f.signatures) == 1


def test_fallback_for_conversions_to_eager_signatures():
    f = njit("float64(float64, float64)")(lambda a, b: a + b)
    misses = MissCounter(f)
    assert same(f(1.0, 2.0), 3.0) and misses.calls == 0
    assert same(f(1, 2), 3.0) and misses.calls == 1
    assert same(f(np.int8(1), 2.0), 3.0) and misses.calls == 2


def test_arrays_given_to_an_any_layout_signature_take_the_fast_path_after_one_miss():
    # @njit("i4(i8[:])") declares layout A: a C (or F, or strided) array converts to it.
    # Once seen, those types go to the same wrapper natively (it was 1.1 us a call, 7x
    # Numba's, for helpers of real packages compiled from signatures).
    f = njit("int32(int64[:], float64[:, :])")(lambda a, m: a.shape[0] + m.shape[1])
    misses = MissCounter(f)
    c, fortran, strided = np.arange(5), np.ones((2, 3), order="F"), np.arange(10)[::2]
    for _ in range(3):
        assert f(c, np.ones((2, 3))) == 8
    assert misses.calls == 1  # (C, C): the first call only
    for _ in range(3):
        assert f(strided, fortran) == 8 and f(c, fortran) == 8
    assert misses.calls == 3  # (A, F) and (C, F): once each
    assert len(f.signatures) == 1  # still the one declared overload
    with pytest.raises(TypeError):
        f(np.arange(5.0), fortran)  # float64 is no int64[:]: never aliased


def test_more_than_max_args_fall_back():
    names = [f"a{k}" for k in range(MAX_ARGS + 1)]
    namespace: dict = {}
    exec(f"def many({', '.join(names)}):\n    return {' + '.join(names)}", namespace)
    f_many, misses_many = compiled(namespace["many"], tuple(range(MAX_ARGS + 1)))
    assert f_many(*range(MAX_ARGS + 1)) == sum(range(MAX_ARGS + 1)) and misses_many.calls == 1

    def eight(a, b, c, d, e, f, g, h):
        return a + b + c + d + e + f + g + h

    f8, misses8 = compiled(eight, tuple(range(8)))
    assert f8(*range(8)) == 28 and misses8.calls == 0


def test_nine_array_arguments_take_the_fast_path():
    # nbody_step's shape: seven arrays and two floats (the Python fallback costs ~3 us per
    # array argument, which was 10 % of a 200-body step)
    def step(x, y, z, vx, vy, vz, m, dt, eps):
        return x[0] + y[0] + z[0] + vx[0] + vy[0] + vz[0] + m[0] + dt + eps

    arrays = [np.full(2, float(k)) for k in range(7)]
    f, misses = compiled(step, (*arrays, 0.5, 0.25))
    assert same(f(*arrays, 0.5, 0.25), 21.75) and misses.calls == 0
    assert same(f(*arrays[::-1], 1.5, 0.25), 22.75) and misses.calls == 0


def test_tuple_arguments_fall_back():
    f, misses = compiled(lambda t: t[0] + t[1], ((1, 2),))
    assert f((3, 4)) == 7 and misses.calls == 1
    assert same(f((3, 4.5)), 7.5) and misses.calls == 2


def test_zero_arguments():
    f, misses = compiled(lambda: 42, ())
    assert f() == 42 and misses.calls == 0


@pytest.mark.parametrize("args,message", [
    ((), r"missing a required argument: 'a'"),
    ((1,), r"missing a required argument: 'b'"),
    ((1, 2, 3), r"too many positional arguments"),
    (("x", 1), r"argument 'a' has type str"),
    ((1, [2]), r"argument 'b' has type list"),
    ((object(), 1), r"argument 'a' has type object"),
    ((1, (1, "a")), r"argument 'b' has type tuple\(int, str\)"),
    ((1, b"x"), r"argument 'b' has type bytes"),
    ((1, {1}), r"argument 'b' has type set"),
])
def test_bad_calls_raise_type_errors(args, message):
    f, _ = compiled(lambda a, b: a + b, (1, 2))
    with pytest.raises(TypeError, match=message):
        f(*args)
    assert f(1, 2) == 3  # and nothing is broken


def test_none_argument_is_typed_and_rejected_by_inference():
    from jitcore.frontend.errors import TypingError

    f, _ = compiled(lambda a, b: a + b, (1, 2))
    with pytest.raises(TypingError, match="unsupported operand type\\(s\\) for \\+: 'NoneType' "
                                          "and 'int64'"):
        f(None, 1)


def test_subclasses_of_int_and_float_are_converted_not_trusted():
    class MyInt(int):
        pass

    class MyFloat(float):
        pass

    f, misses = compiled(lambda a: a + 1, (1,))
    assert same(f(MyInt(5)), 6) and misses.calls == 1
    assert same(f(MyFloat(1.5)), 2.5)


def test_overflow_on_fast_path_has_a_clear_message():
    f, misses = compiled(lambda n: n, (1,))
    with pytest.raises(OverflowError, match=r"argument 'n' = 18446744073709551616 does not "
                                            r"fit in int64"):
        f(2**64)
    assert misses.calls == 0  # the error comes from the generated wrapper itself


def test_wrapper_entry_point_checks_its_argument_count():
    f, _ = compiled(lambda a, b: a + b, (1, 2))
    entry = f.overloads[f.signatures[0]].entry_point
    assert entry(2, 3) == 5
    with pytest.raises(TypeError, match="takes 2 positional arguments"):
        entry(1)
    with pytest.raises(TypeError, match="takes 2 positional arguments"):
        entry(1, 2, 3)
    with pytest.raises(TypeError):
        entry("a", 2)


def test_dispatcher_class_call_slot_is_generated_code():
    from jitcore.dispatcher import Dispatcher

    f, _ = compiled(lambda: 1, ())
    tp_call = ctypes.c_void_p.from_address(id(Dispatcher) + 16 * 8).value

    class Plain:
        def __call__(self):
            pass

    assert tp_call != ctypes.c_void_p.from_address(id(Plain) + 16 * 8).value
    assert f() == 1
