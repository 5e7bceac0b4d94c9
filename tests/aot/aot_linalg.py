"""Kernels using np.linalg (LAPACK of NumPy's OpenBLAS) compiled ahead of time by
tests/aot/test_aot_linalg.py."""
import numpy as np

import jitcore


@jitcore.export("float64[:](float64[:, :], float64[:])")
def solve(a, b):
    return np.linalg.solve(a, b)


@jitcore.export("float64(float64[:, :])")
def det(a):
    return np.linalg.det(a)


@jitcore.export("float64[:](float64[:, :])")
def eigvalsh(a):
    return np.linalg.eigvalsh(a)
