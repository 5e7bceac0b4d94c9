"""Kernels compiled ahead of time by tests/aot (and a usage example of @jitcore.export)."""
import math

import numpy as np

import jitcore


@jitcore.njit
def square(x):
    return x * x


@jitcore.export("float64(float64[:])")
def mean_square(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += square(a[i])
    return s / a.shape[0]


@jitcore.export("int64(int64)")
@jitcore.export("float64(float64)")
def halve(n):
    if n < 0:
        raise ValueError("negative input")
    return n // 2


@jitcore.export("float64[:](float64[:], float64)")
def scaled(a, k):
    out = np.empty_like(a)
    for i in range(a.shape[0]):
        out[i] = a[i] * k + math.sqrt(abs(a[i]))
    return out


@jitcore.export("float64(float64[:, ::1])")
def trace(m):
    return sum_diagonal(m)


@jitcore.njit
def sum_diagonal(m):
    s = 0.0
    for i in range(min(m.shape[0], m.shape[1])):
        s += m[i, i]
    return s


@jitcore.export("int64(int64[:], int64)", boundscheck=True)
def at(a, i):
    return a[i]


@jitcore.export("int64(int64)")
def collatz(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


@jitcore.export("float64(float64[:, ::1], float64[:, ::1], float64[:, ::1])")
def matmul_into(a, b, out):
    """A loop nest over argument arrays: compiled with alias versions (lowering/aliasing.py)."""
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            acc = 0.0
            for k in range(a.shape[1]):
                acc += a[i, k] * b[k, j]
            out[i, j] = acc
    return out[0, 0]
