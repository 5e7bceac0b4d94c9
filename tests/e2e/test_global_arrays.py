"""Global NumPy arrays are frozen into compiled code as read-only constants, like Numba.

The array's bytes are copied into the module when the function is compiled; later
changes to the Python global are not seen. The copy is a read-only C array whatever
the original's layout, byte order or alignment.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jitcore import njit, prange
from jitcore.frontend.errors import TypingError

from ..caching.procs import env_for, run, write

TABLE = np.arange(10.0) * 1.5
GRID = np.arange(12, dtype=np.int32).reshape(3, 4)
FORTRAN = np.asfortranarray(np.arange(6.0).reshape(2, 3))
FLAGS = np.array([True, False, True])
SWAPPED = np.arange(5, dtype=">i8")  # big-endian: copied to native order
EMPTY = np.zeros((0, 3))
UNALIGNED = np.frombuffer(bytes(8 * 4 + 1), dtype=np.float64, offset=1)


def lookup(i):
    return TABLE[i] * 2.0


def grid_sum():
    s = 0
    for i in range(GRID.shape[0]):
        for j in range(GRID.shape[1]):
            s += GRID[i, j] * (j + 1)
    return s


def fortran_total():
    return FORTRAN[1, 2] + FORTRAN.sum() + FORTRAN.shape[1]


def flag_count():
    return FLAGS.sum() + (1 if FLAGS[1] else 0)


def swapped_last():
    return SWAPPED[-1] + SWAPPED.sum()


def empty_shape():
    return EMPTY.shape[0] + EMPTY.shape[1] + EMPTY.size


def unaligned_sum():
    return UNALIGNED.sum()


@pytest.mark.parametrize("pyfunc, args", [
    (lookup, (3,)), (lookup, (-1,)), (grid_sum, ()), (fortran_total, ()), (flag_count, ()),
    (swapped_last, ()), (empty_shape, ()), (unaligned_sum, ()),
])
def test_global_arrays_read_like_python(pyfunc, args, no_leaks):
    from ..conftest import same

    expected = pyfunc(*args)
    expected = expected.item() if isinstance(expected, np.generic) else expected  # as Numba
    got = njit(pyfunc)(*args)
    assert same(got, expected), (got, expected)


def whole_table():
    return TABLE


def row_view():
    return GRID[1]


def test_returned_global_is_a_read_only_copy(no_leaks):
    got = njit(whole_table)()
    assert np.array_equal(got, TABLE) and got.dtype == TABLE.dtype
    assert not np.shares_memory(got, TABLE)
    assert not got.flags.writeable
    with pytest.raises(ValueError):
        got[0] = 1.0
    row = njit(row_view)()
    assert np.array_equal(row, GRID[1]) and row.dtype == np.int32 and not row.flags.writeable


def writes_global():
    TABLE[0] = 1.0


def test_writing_a_global_array_is_a_typing_error():
    with pytest.raises(TypingError) as info:
        njit(writes_global)()
    assert "writes_global" in str(info.value) and "read-only" in str(info.value)


def test_later_changes_to_the_global_are_not_seen():
    namespace = {"np": np, "DATA": np.array([1.0, 2.0, 3.0])}
    exec("def total():\n    return DATA.sum()\n", namespace)
    f = njit(namespace["total"])
    assert f() == 6.0
    namespace["DATA"][0] = 100.0  # frozen at compile time, as in Numba
    assert f() == 6.0


def uses_table(i):
    return njit_lookup(i) + TABLE[0]


njit_lookup = njit(lookup)


def test_global_array_in_callee_and_caller(no_leaks):
    f = njit(uses_table)
    assert f(4) == lookup(4) + TABLE[0]


def closure_over_array():
    weights = np.array([0.5, 0.25, 0.125])

    def dot(a):
        s = 0.0
        for i in range(weights.size):
            s += a[i] * weights[i]
        return s
    return dot


def test_closure_cell_array_is_frozen_too(no_leaks):
    dot = closure_over_array()
    a = np.array([1.0, 2.0, 4.0])
    assert njit(dot)(a) == dot(a)


def parallel_lookup(idx):
    out = np.empty(idx.size)
    for i in prange(idx.size):
        out[i] = TABLE[idx[i]] + GRID[idx[i] % 3, 0]
    return out


def test_global_arrays_in_prange_body(no_leaks):
    idx = np.arange(1000) % 10
    got = njit(parallel=True)(parallel_lookup)(idx)
    assert np.array_equal(got, parallel_lookup(idx))


CACHED = """
import numpy as np
from jitcore import njit

WEIGHTS = np.array({values})

@njit(cache=True)
def weigh(i):
    return WEIGHTS[i] * 2.0 + WEIGHTS.sum()

report(value=weigh(1), info=weigh.cache_info())
"""


def test_cache_key_covers_the_array_values(tmp_path: Path) -> None:
    env = env_for(tmp_path / "cache")
    script = write(tmp_path / "weights.py", CACHED.format(values=[1.0, 2.0, 3.0]))
    first, _ = run(script, env)
    assert first["value"] == 10.0 and first["info"]["stores"] == 1
    second, _ = run(script, env)
    assert second["value"] == 10.0 and second["info"]["hits"] == 1
    assert second["llvm_loaded"] is False  # the data came with the cached object
    write(tmp_path / "weights.py", CACHED.format(values=[1.0, 5.0, 3.0]))
    third, _ = run(script, env)
    assert third["value"] == 19.0 and third["info"]["hits"] == 0
