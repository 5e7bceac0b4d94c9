"""A prange kernel exported for tests/aot/test_aot_parallel.py.

np.random keeps one generator state per native thread: `draws` seeds the calling
thread's and then draws in a prange loop, so every value a pool worker draws comes
from another stream than `serial_draws`' (the same seed, one thread).
"""
import numpy as np

import jitcore
from jitcore import prange


@jitcore.njit
def _work(x):
    s = x
    for j in range(20000):
        s = s * 0.999999 + 1e-9 * j
    return s


@jitcore.export("float64[:](int64)", parallel=True)
def draws(n):
    np.random.seed(1234)
    out = np.empty(n)
    for i in prange(n):
        out[i] = _work(np.random.random())
    return out


@jitcore.export("float64[:](int64)")
def serial_draws(n):
    np.random.seed(1234)
    out = np.empty(n)
    for i in range(n):
        out[i] = _work(np.random.random())
    return out


@jitcore.export("float64(float64[:])", parallel=True)
def psum(a):
    s = 0.0
    for i in prange(a.shape[0]):
        s += a[i] * 2.0
    return s
