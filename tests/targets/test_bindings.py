"""targets/bindings.py: one table of process bindings, used by the JIT and the cache loader."""
from __future__ import annotations

import ctypes
import re

import numpy as np
import pytest

from jitcore import njit, prange
from jitcore.targets import bindings
from jitcore.targets.bindings import PROCESS, UnknownBinding


@njit
def product(a, b):
    return a @ b


@njit
def noise(n):
    np.random.seed(7)
    return np.random.random(n)


@njit(parallel=True)
def total(a):
    s = 0.0
    for i in prange(a.shape[0]):
        s += a[i]
    return s


def _external_globals(fn, sig) -> set[str]:
    text = str(fn.inspect_llvm(sig))
    return set(re.findall(r'^@"?([\w.]+)"? = external global', text, re.MULTILINE))


def test_lowered_code_reads_only_named_process_bindings() -> None:
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(product(a, a.T), a @ a.T)
    assert len(noise(3)) == 3
    assert total(np.ones(100)) == 100.0
    seen = set()
    for fn in (product, noise, total):
        for sig in fn.signatures:
            names = _external_globals(fn, sig)
            info = fn.overloads[sig].library.info
            assert names <= set(PROCESS), names
            assert names <= info.bindings  # recorded for the loaders, not found by luck
            assert not any(type(v).__name__ == "RawAddress" for v in info.py_constants.values())
            seen |= info.bindings
    assert {bindings.NUMPY_API, bindings.RANDOM_KEY, bindings.BLAS_DGEMM,
            bindings.POOL_RUN} <= seen


def test_cells_hold_what_the_resolvers_compute() -> None:
    from numpy._core import _multiarray_umath

    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    assert bindings.value(bindings.NUMPY_API) == get(_multiarray_umath._ARRAY_API, None)
    assert bindings.address(bindings.NUMPY_API) == bindings.address(bindings.NUMPY_API)
    key = bindings.value(bindings.RANDOM_KEY)
    libc = ctypes.CDLL(None)
    libc.pthread_getspecific.restype = ctypes.c_void_p
    libc.pthread_getspecific(ctypes.c_uint(key))  # a valid key: no crash, any value
    for name in (bindings.BLAS_DGEMM, bindings.BLAS_SGEMM):
        assert bindings.value(name) == bindings.blas_function(name)


def test_a_name_outside_the_table_is_refused() -> None:
    with pytest.raises(UnknownBinding, match="jc.numpy.api.f"):
        bindings.address("jc.numpy.api.f")


def test_without_blas_the_product_loops() -> None:
    """A process where NumPy has no scipy-openblas leaves the cell null: the code loops."""
    @njit
    def matmul(a, b):
        return a @ b

    cell = ctypes.c_void_p.from_address(bindings.address(bindings.BLAS_DGEMM))
    saved = cell.value
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 3))
    try:
        cell.value = None
        no_blas = matmul(a, b)
    finally:
        cell.value = saved
    np.testing.assert_allclose(no_blas, a @ b, rtol=1e-12)
    np.testing.assert_allclose(matmul(a[:, ::2], b[::2]), a[:, ::2] @ b[::2], rtol=1e-12)


def test_python_objects_round_trip_as_plain_data() -> None:
    import json

    for obj in (ZeroDivisionError, ("integer division by zero",), None, 2**70, np.add):
        desc = json.loads(json.dumps(bindings.describe_object(obj)))
        back = bindings.resolve_object(desc)
        assert back == obj or back is obj
    with pytest.raises(bindings.NotRebindable):
        bindings.describe_object(object())


def test_the_cache_loader_refuses_an_unknown_binding_before_loading() -> None:
    from jitcore.targets import objcache

    record = {"symbols": ["jc.test.never_defined"], "process": ["jc.bogus"], "bindings": {},
              "blob": 0, "ir": 1}
    with pytest.raises(UnknownBinding, match="jc.bogus"):
        objcache.load_records([record], [b"not an object", b""], lambda d: (None, 0))
    assert not objcache.is_defined("jc.test.never_defined")


def test_every_cell_binding_has_an_aot_form() -> None:
    from jitcore.targets import aotglue
    from llvmlite import ir

    module = ir.Module("t")
    cells = aotglue._define_cells(module, sorted(PROCESS))
    fn = ir.Function(module, ir.FunctionType(ir.IntType(8).as_pointer(), []), "init")
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    binder = aotglue._Binder(module, b, fn.append_basic_block("fail"))
    for name, cell in cells.items():
        binder.process(name, cell)  # raises for a binding PyInit cannot compute
    assert set(cells) == {n for n, binding in PROCESS.items() if binding.cell}
