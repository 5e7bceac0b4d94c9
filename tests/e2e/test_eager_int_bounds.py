"""A Python int passed to an eager signature must fit the declared integer type, as NumPy's
casting rules for Python ints require (np.uint8(-1) raises OverflowError)."""
from __future__ import annotations

import numpy as np
import pytest

from jitcore import njit

WIDTHS = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64"]


@pytest.mark.parametrize("ty", WIDTHS)
def test_python_int_out_of_bounds_raises(ty: str) -> None:
    f = njit(f"{ty}({ty})")(lambda x: x)
    info = np.iinfo(ty)
    assert f(int(info.max)) == info.max and f(int(info.min)) == info.min
    for bad in (int(info.min) - 1, int(info.max) + 1):
        with pytest.raises(OverflowError):
            np.dtype(ty).type(bad)  # NumPy refuses it too
        # beyond int64 the argument has no type at all (its own OverflowError)
        text = f"Python integer {bad} out of bounds for {ty}" if -2**63 <= bad < 2**63 else ""
        with pytest.raises(OverflowError, match=text):
            f(bad)


def test_numpy_integers_and_bools_convert_as_numpy_casts_them() -> None:
    f = njit("uint8(uint8)")(lambda x: x)
    assert f(True) == 1
    assert f(np.int64(-1)) == np.int64(-1).astype(np.uint8)  # unsafe casting of NumPy ints
