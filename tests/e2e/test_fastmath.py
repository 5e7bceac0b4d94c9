"""The fastmath option: True, False, or a set of LLVM fast-math flags (Numba's surface).

Each flag set is checked for what it must change in the code (the flags on the float
operations, FMA instructions for `contract`, a packed sum for `reassoc`) and for what it
must not (strict code stays bit-for-bit CPython's).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from jitcore import njit, vectorize
from jitcore.frontend.fastmath import FLAGS, llvm_flags, normalise


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), (None, False),
    ({"contract"}, ("contract",)),
    (["nsz", "contract", "nsz"], ("contract", "nsz")),
    (frozenset({"reassoc", "afn"}), ("afn", "reassoc")),
    ({"contract": True, "nnan": False}, ("contract",)),
    ({"nnan": False}, False), (set(), False),
    ({"fast", "nnan"}, True),
])
def test_normalise(value, expected):
    assert normalise(value) == expected


def test_llvm_flags():
    assert llvm_flags(True) == ("fast",)
    assert llvm_flags(False) == llvm_flags(None) == ()
    assert llvm_flags({"contract", "arcp"}) == ("arcp", "contract")
    assert set(FLAGS) == {"fast", "nnan", "ninf", "nsz", "arcp", "contract", "afn", "reassoc"}


def test_unknown_flag_is_refused_when_decorating():
    with pytest.raises(ValueError, match=r"'bogus'.*the flags are afn, arcp, contract"):
        njit(fastmath={"contract", "bogus"})(lambda x: x)


def test_wrong_kind_of_value_is_refused():
    with pytest.raises(TypeError, match="fastmath must be True, False or a set of flags"):
        njit(fastmath="contract")(lambda x: x)


def test_dispatcher_keeps_the_normalised_value():
    """Sorted flags: the value is part of the on-disk cache key, which must not depend on
    the iteration order of a set of strings (it changes between processes)."""
    f = njit(fastmath={"nsz", "contract"})(lambda x: x)
    assert f.targetoptions["fastmath"] == ("contract", "nsz")


def horner(x, c, out):
    for i in range(len(x)):
        v = x[i]
        out[i] = ((c[3] * v + c[2]) * v + c[1]) * v + c[0]


def _run(fn, x, c):
    out = np.zeros_like(x)
    fn(x, c, out)
    return out


def _horner_args(dtype):
    rng = np.random.default_rng(5)
    return rng.normal(0.0, 3.0, 1001).astype(dtype), rng.normal(0.0, 1.0, 4).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_contract_fuses_and_stays_close(dtype):
    x, c = _horner_args(dtype)
    strict = njit(horner)
    fused = njit(fastmath={"contract"})(horner)
    expected = _run(horner, x, c)
    np.testing.assert_array_equal(_run(strict, x, c), expected)  # Python's two roundings
    got = _run(fused, x, c)
    np.testing.assert_allclose(got, expected, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-5 if dtype == np.float32 else 1e-12)
    llvm = next(iter(fused.inspect_llvm().values()))
    assert "fmul contract" in llvm and "fadd contract" in llvm and " fast " not in llvm
    assert "contract" not in next(iter(strict.inspect_llvm().values()))


def _host_has(feature: str) -> bool:
    from jitcore.targets.machine import host_cpu

    return f"+{feature}" in host_cpu()[1].split(",")


@pytest.mark.skipif(not _host_has("fma"), reason="the host CPU has no FMA instructions")
def test_contract_gives_fma_instructions():
    x, c = _horner_args(np.float64)
    fused, strict = njit(fastmath={"contract"})(horner), njit(horner)
    _run(fused, x, c), _run(strict, x, c)
    assert "vfmadd" in next(iter(fused.inspect_asm().values()))
    assert "vfmadd" not in next(iter(strict.inspect_asm().values()))


def total(a):
    acc = 0.0
    for i in range(len(a)):
        acc += a[i]
    return acc


def test_reassoc_alone_lets_a_sum_vectorise():
    a = np.random.default_rng(6).random(1000)
    reordered, strict = njit(fastmath={"reassoc"})(total), njit(total)
    assert reordered(a) == pytest.approx(total(a), rel=1e-12)
    assert strict(a) == total(a)
    assert "fadd reassoc <" in next(iter(reordered.inspect_llvm().values()))
    assert "fadd <" not in next(iter(strict.inspect_llvm().values()))


def mixed(x, z):
    return math.sin(x) * math.exp(-x) + abs(z * z + 1j) + (z / (x + 2.0)).real


@pytest.mark.parametrize("flags", [{"afn"}, {"nnan", "ninf", "nsz"}, {"arcp"}, {"fast"}])
def test_flag_sets_on_math_and_complex_code(flags):
    f = njit(fastmath=flags)(mixed)
    for x, z in [(0.5, 1.5 - 2j), (3.0, -0.25 + 0.5j), (10.0, 4j)]:
        assert f(x, z) == pytest.approx(mixed(x, z), rel=1e-12)


def test_vectorize_takes_a_flag_set():
    @vectorize(["float64(float64, float64, float64)"], fastmath={"contract"})
    def fma_like(a, b, c):
        return a * b + c

    a, b, c = (np.random.default_rng(k).random(100) for k in range(3))
    np.testing.assert_allclose(fma_like(a, b, c), a * b + c, rtol=1e-15)
