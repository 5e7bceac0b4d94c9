"""Kernels using np.dot / @ (BLAS in the JIT) compiled ahead of time by tests/aot."""
import numpy as np

import jitcore


@jitcore.export("float64[:, :](float64[:, :], float64[:, :])")
def matmul(a, b):
    return a @ b


@jitcore.export("float32[:, :](float32[:, :], float32[:, :])")
def matmul32(a, b):
    return np.dot(a, b)


@jitcore.export("float64[:](float64[:, :], float64[:])")
def matvec(a, x):
    return np.dot(a, x)


@jitcore.export("float64(float64[:], float64[:])")
def inner(x, y):
    return x @ y
