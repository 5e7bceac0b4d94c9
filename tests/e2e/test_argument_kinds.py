"""Values compiled code takes as something else: ndarray subclasses (np.memmap) as their base
array, IntEnum members as their int values; and values it refuses, with what to do instead."""
from __future__ import annotations

import enum
import re
from pathlib import Path

import numpy as np
import pytest

from jitcore import njit


class Color(enum.IntEnum):
    RED = 1
    GREEN = 2


class Tagged(np.ndarray):
    pass


@njit
def total(a):
    return a.sum()


@njit
def doubled(a):
    return a * 2


@njit
def set_first(a, v):
    a[0] = v


def test_memmap_is_taken_as_its_base_array(tmp_path: Path) -> None:
    m = np.memmap(tmp_path / "m.bin", dtype=np.float64, mode="w+", shape=(4,))
    m[:] = 2.0
    assert total(m) == 8.0
    out = doubled(m)
    assert type(out) is np.ndarray and out.tolist() == [4.0] * 4
    set_first(m, 9.0)  # writes reach the mapped file
    m.flush()
    assert np.fromfile(tmp_path / "m.bin")[0] == 9.0


def test_ndarray_subclass_is_taken_as_its_base_array() -> None:
    a = np.arange(6.0).reshape(2, 3).view(Tagged)
    assert total(a) == 15.0
    assert doubled(a).tolist() == (np.asarray(a) * 2).tolist()


@pytest.mark.parametrize("value", [np.ma.masked_array([1.0, 2.0], mask=[0, 1]),
                                   np.matrix([[1.0, 2.0]])])
def test_subclasses_that_change_meaning_are_refused(value: np.ndarray) -> None:
    with pytest.raises(TypeError, match=rf"argument 'a' is a {type(value).__name__}, whose "
                       r"operations differ from an ndarray's: pass np.asarray\(x\)"):
        total(value)


def test_big_endian_array_names_the_byte_order() -> None:
    with pytest.raises(TypeError, match=r"argument 'a' is an array of dtype >f8 \(big-endian "
                       r"byte order\).*x.astype\(x.dtype.newbyteorder\('='\)\)"):
        total(np.arange(3.0).astype(">f8"))


@pytest.mark.parametrize("value", [np.array(["a", "b"]), np.array([1, None], dtype=object),
                                   np.zeros(2, dtype="datetime64[s]")])
def test_unsupported_dtype_is_named(value: np.ndarray) -> None:
    dtype = re.escape(str(value.dtype))
    with pytest.raises(TypeError, match=rf"argument 'a' is an array of dtype {dtype} "
                       r".*which compiled code does not support: pass x.astype\(\.\.\.\)"):
        total(value)


def test_intenum_members_in_compiled_code_are_their_values() -> None:
    @njit
    def f(x):
        return x * Color.RED + Color.GREEN, x == Color.GREEN

    assert f(3) == (5, False)
    assert f(2) == (4, True)


def test_intenum_arguments_are_ints() -> None:
    @njit
    def f(c):
        return c + 1

    assert f(Color.GREEN) == 3
