"""@guvectorize: generalised ufuncs, checked against the kernel run in Python on each core
slice."""
from __future__ import annotations

import numpy as np
import pytest

from jitcore import guvectorize
from jitcore.ufunc.sigparse import parse_layout

from .reference import assert_same, sample


@guvectorize(["void(float64[:], float64[:], float64[:])",
              "void(int64[:], int64[:], int64[:])"], "(n),(n)->()")
def dot(x, y, out):
    acc = 0
    for i in range(x.shape[0]):
        acc += x[i] * y[i]
    out[0] = acc


@guvectorize(["void(float64[:], float64, float64[:])", "void(float32[:], float32, float32[:])"],
             "(n),()->(n)")
def shift(x, k, out):
    for i in range(x.shape[0]):
        out[i] = x[i] + k


@guvectorize(["void(float64[:, :], float64[:, :], float64[:, :])"], "(m,n),(n,p)->(m,p)")
def matmul(a, b, c):
    m, n = a.shape
    p = b.shape[1]
    for i in range(m):
        for j in range(p):
            s = 0.0
            for k in range(n):
                s += a[i, k] * b[k, j]
            c[i, j] = s


@guvectorize(["void(float64[:], float64[:], float64[:])"], "(n)->(),()")
def minmax(x, lo, hi):
    lo[0] = x[0]
    hi[0] = x[0]
    for v in x:
        lo[0] = min(lo[0], v)
        hi[0] = max(hi[0], v)


def reference(gufunc, py_func, ins, core_out):
    """Run the Python kernel on every loop index, writing into outputs NumPy-style
    (a () output is passed as a one-element view, as the compiled kernel sees it)."""
    nin = len(ins)
    cores = [len(dims) for dims in parse_layout(gufunc.signature)[0]]
    loop = np.broadcast_shapes(*(a.shape[:a.ndim - c] for a, c in zip(ins, cores)))
    dtypes = gufunc.resolve_dtypes(tuple(a.dtype for a in ins) + (None,) * gufunc.nout)
    outs = [np.zeros(loop + (shape or (1,)), dt) for shape, dt in zip(core_out, dtypes[nin:])]
    for index in np.ndindex(loop):
        args = []
        for a, c, dt in zip(ins, cores, dtypes):
            view = np.broadcast_to(a, loop + a.shape[a.ndim - c:])[index].astype(dt)
            args.append(view if c else dt.type(view))
        py_func(*args, *(o[index] for o in outs))
    outs = [o.reshape(loop) if not shape else o for o, shape in zip(outs, core_out)]
    outs = [o if o.ndim else o[()] for o in outs]
    return outs[0] if len(outs) == 1 else tuple(outs)


def test_is_a_generalised_ufunc():
    assert isinstance(dot, np.ufunc)
    assert dot.signature == "(n),(n)->()"
    assert (dot.nin, dot.nout) == (2, 1)
    assert dot.types == ["dd->d", "ll->l"]


def test_dot_over_loop_shapes_and_layouts():
    for dtype in ("float64", "int64"):
        for xs, ys in (((5,), (5,)), ((3, 4), (4,)), ((2, 1, 3), (4, 3)), ((0, 3), (3,)),
                       ((3, 0), (3, 0))):
            x, y = sample(dtype, xs, 1), sample(dtype, ys, 2)
            for xv in (x, np.asfortranarray(x), np.repeat(x, 2, axis=-1)[..., ::2]):
                assert_same(dot(xv, y), reference(dot, dot.py_func, [xv, y], [()]))


def test_scalar_input_and_core_output():
    x = sample("float64", (3, 4), 3)
    k = np.array([10.0, 20.0, 30.0])[:, None]
    assert_same(shift(x, k), reference(shift, shift.py_func, [x, k], [(4,)]))
    assert_same(shift(x, 1.5), x + 1.5)
    xf = x.astype(np.float32)
    assert_same(shift(xf, np.float32(2)), xf + np.float32(2))


def test_matmul_and_two_outputs():
    a, b = sample("float64", (6, 3, 4), 4), sample("float64", (4, 5), 5)
    np.testing.assert_allclose(matmul(a, b), a @ b, rtol=1e-13)
    np.testing.assert_allclose(matmul(a[:, ::-1, ::2], b[::2].T.T), a[:, ::-1, ::2] @ b[::2])
    np.testing.assert_allclose(matmul(np.asfortranarray(a[0]), b), a[0] @ b)
    x = sample("float64", (4, 7), 6)
    lo, hi = minmax(x)
    assert_same(lo, x.min(axis=1))
    assert_same(hi, x.max(axis=1))


def test_out_and_axes_come_from_numpy():
    x, y = sample("float64", (3, 4), 7), sample("float64", (3, 4), 8)
    out = np.empty(3)
    assert dot(x, y, out=out) is out
    assert_same(out, (x * y).sum(axis=1))
    assert_same(dot(x, y, axes=[(0,), (0,), ()]), (x * y).sum(axis=0))
    with pytest.raises(ValueError, match="dot"):
        dot(np.ones(3), np.ones(4))  # core dimension n mismatch


def test_kernel_exception_reaches_python():
    @guvectorize(["void(float64[:], float64[:])"], "(n)->()")
    def first_positive(x, out):
        for i in range(x.shape[0]):
            if x[i] > 0:
                out[0] = x[i]
                return
        raise ValueError("no positive value")

    assert_same(first_positive(np.array([[-1.0, 2.0], [3.0, 1.0]])), np.array([2.0, 3.0]))
    with pytest.raises(ValueError, match="no positive value"):
        first_positive(np.array([[-1.0, 2.0], [-3.0, -1.0]]))
