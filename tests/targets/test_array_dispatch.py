"""The native dispatch slot with ndarray arguments: each compiled (dtype, ndim, layout,
read-only) combination is found without the Python fallback; anything else falls back."""
from __future__ import annotations

import numpy as np
import pytest

from jitcore import njit
from jitcore.targets.nativecall import array_code
from tests.targets.test_nativecall import MissCounter
from jitcore.typeinfer import types as t
from jitcore.typeinfer.typeof import typeof

DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
          np.uint64, np.float32, np.float64, np.complex64, np.complex128, np.longlong,
          np.ulonglong, np.intc, np.uintc]


def first(a):
    return a.size


def arrays():
    base = np.arange(24.0).reshape(4, 6)
    ro = base.copy()
    ro.flags.writeable = False
    return {"1d C": np.arange(5.0), "1d strided": np.arange(10.0)[::2], "2d C": base,
            "2d F": np.asfortranarray(base), "2d A": base[::2, ::2], "0d": np.array(3.0),
            "3d C": np.zeros((2, 3, 4)), "read-only": ro, "empty": np.zeros((0, 3))}


@pytest.mark.parametrize("name", list(arrays()))
def test_every_layout_takes_the_fast_path_after_compiling(name):
    a = arrays()[name]
    f = njit(first)
    assert f(a) == a.size  # compiles
    misses = MissCounter(f)
    for _ in range(3):
        assert f(a) == a.size
    assert misses.calls == 0


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).char)
def test_every_dtype_takes_the_fast_path(dtype):
    a = np.zeros(3, dtype)
    f = njit(first)
    f(a)
    misses = MissCounter(f)
    f(a)
    f(np.ones(4, dtype))
    assert misses.calls == 0


def test_aliases_of_one_width_share_an_overload():
    f = njit(first)
    f(np.zeros(3, np.int64))
    misses = MissCounter(f)
    f(np.zeros(3, np.longlong))
    f(np.zeros(3, np.uint64))  # a new type: compiles once
    f(np.zeros(3, np.ulonglong))
    assert misses.calls == 1
    assert len(f.signatures) == 2


def test_mismatches_fall_back_and_compile():
    f = njit(first)
    f(np.zeros(3))
    misses = MissCounter(f)
    variants = [np.zeros(3, np.float32), np.zeros((3, 1)), np.zeros(6)[::2],
                np.asfortranarray(np.zeros((2, 2)))]
    for a in variants:
        f(a)
        f(a)
    assert misses.calls == len(variants)  # one miss each, to compile; then native
    ro = np.zeros(3)
    ro.flags.writeable = False
    f(ro)
    f(ro)
    assert misses.calls == len(variants) + 1


def test_arrays_the_compiler_cannot_type_always_fall_back():
    f = njit(first)
    f(np.zeros(3))
    misses = MissCounter(f)
    swapped = np.zeros(3, ">f8")
    with pytest.raises(TypeError, match=r"dtype >f8 \(big-endian byte order\)"):
        f(swapped)
    with pytest.raises(TypeError, match=r"dtype float16 \(<f2\), which compiled code does not"):
        f(np.zeros(3, np.float16))
    assert misses.calls == 2


def test_unaligned_arrays_compile_but_always_take_the_python_path():
    """Unaligned data has its own overload (typeof: `unaligned`), found by the Python
    path each time: the slot's code for it is 0, which matches nothing."""
    f = njit(first)
    unaligned = np.frombuffer(bytes(33), np.float64, 4, 1)
    assert not unaligned.flags.aligned
    assert f(unaligned) == 4
    misses = MissCounter(f)
    for _ in range(3):
        assert f(unaligned) == 4
    assert misses.calls == 3
    assert f.signatures == [(t.Array(t.float64, 1, "C", readonly=True, aligned=False),)]


def test_subclasses_are_not_trusted():
    class Sub(np.ndarray):
        pass

    f = njit(first)
    f(np.zeros(3))
    misses = MissCounter(f)
    sub = (np.arange(3.0) + 1).view(Sub)
    assert f(sub) == 3 and f(sub) == 3  # taken as its base array, as Numba does
    assert misses.calls == 2  # but never by the native check, which trusts ndarray only


def test_mixed_scalar_and_array_arguments():
    def scaled(a, k, x):
        return a[k] * x

    f = njit(scaled)
    a = np.arange(4.0)
    f(a, 1, 2.0)
    misses = MissCounter(f)
    assert f(a, 2, 3.0) == 6.0
    assert f(a, np.int64(3), np.float64(1.0)) == 3.0
    assert misses.calls == 0


def test_codes_match_typeof():
    """The code the table holds for a type equals the code of an array typeof gives it."""
    for a in arrays().values():
        ty = typeof(a)
        assert isinstance(ty, t.Array)
        assert array_code(a.dtype.num, a.ndim, ty.layout, ty.readonly) == array_code(
            np.dtype(ty.dtype.name).num, ty.ndim, ty.layout, ty.readonly)
    codes = {array_code(n, d, lay, ro) for n in range(16) for d in range(4) for lay in "CFA"
             for ro in (False, True)} - {array_code(9, 0, "C", False)}
    assert all(c >> 63 for c in codes) and len(codes) > 300


def test_array_results_on_the_fast_path_do_not_leak():
    import gc

    import jitcore

    f = njit(lambda a: a[::2])
    a = np.arange(10.0)
    f(a)
    gc.collect()
    before = jitcore.memory_stats()
    misses = MissCounter(f)
    for _ in range(1000):
        assert f(a)[1] == 2.0
    assert misses.calls == 0
    gc.collect()
    after = jitcore.memory_stats()
    assert after[0] - before[0] == after[1] - before[1]
