"""Argument binding of library calls, generated from the registry of typing rules.

Every callee (and array method) whose rule declares a signature is called with every split
of its supported parameters into positional and keyword arguments that NumPy allows, each
compiled and compared with NumPy; arguments Python would refuse give Python's TypeError
text, and unsupported ones say so.
"""
from __future__ import annotations

import builtins
import cmath
import inspect
import math
import operator
from typing import Any

import numpy as np
import pytest

from jitcore import njit
from jitcore.errors import TypingError
from jitcore.typeinfer import registry
from jitcore.typeinfer.binder import Params

A = np.array([3.0, 1.0, 2.0, 5.0, 4.0, 0.5])
M = np.arange(12.0).reshape(3, 4)
INTS = np.array([4, 1, 3, 1, 9])

# Sample arguments for each supported parameter (every one given explicitly, with a value
# other than its default where that is possible). Names in CONSTANT are frozen into the
# code (they must be compile-time constants); the others are passed as arguments.
SAMPLES: dict[Any, dict[str, Any]] = {
    np.arange: {"start_or_stop": 2, "stop": 11, "step": 3, "dtype": np.float32},
    np.linspace: {"start": 0.0, "stop": 2.0, "num": 5, "endpoint": False},
    np.eye: {"N": 3, "M": 4, "k": 1, "dtype": np.int32},
    np.identity: {"n": 3, "dtype": np.int8},
    np.array: {"object": (1.0, 2.0), "dtype": np.float32},
    np.asarray: {"a": A, "dtype": np.float32},
    np.copy: {"a": M},
    np.concatenate: {"arrays": (M, M), "axis": 1},
    np.stack: {"arrays": (A, A), "axis": 1},
    np.sort: {"a": A},
    np.argsort: {"a": A},
    np.unique: {"ar": INTS},
    np.searchsorted: {"a": np.sort(A), "v": 2.5, "side": "right"},
    np.histogram: {"a": A, "bins": 3, "range": (0.0, 6.0)},
    np.round: {"a": A * 1.2345, "decimals": 2},
    np.around: {"a": A * 1.2345, "decimals": 1},
    np.isclose: {"a": A, "b": A + 1e-6, "rtol": 1e-3, "atol": 0.0, "equal_nan": True},
    np.allclose: {"a": A, "b": A + 1e-6, "rtol": 1e-9, "atol": 0.0, "equal_nan": True},
    np.empty: {"shape": (2, 3), "dtype": np.int16, "order": "F"},
    np.zeros: {"shape": (2, 3), "dtype": np.int16, "order": "F"},
    np.ones: {"shape": (2, 3), "dtype": np.int16, "order": "F"},
    np.full: {"shape": (2, 3), "fill_value": 7, "dtype": np.float32, "order": "F"},
    np.empty_like: {"prototype": M, "dtype": np.int32, "order": "F"},
    np.zeros_like: {"a": M, "dtype": np.int32, "order": "F"},
    np.ones_like: {"a": M, "dtype": np.int32, "order": "F"},
    np.full_like: {"a": M, "fill_value": 2.5, "dtype": np.int32, "order": "F"},
    np.ascontiguousarray: {"a": M.T, "dtype": np.float32},
    np.asfortranarray: {"a": M, "dtype": np.float32},
    np.random.random: {"size": 4},
    np.random.random_sample: {"size": (2, 2)},
    np.random.uniform: {"low": 1.0, "high": 2.0, "size": 3},
    np.random.normal: {"loc": 1.0, "scale": 2.0, "size": 3},
    np.random.randint: {"low": 1, "high": 5, "size": 3},
    np.random.seed: {"seed": 7},
    np.dot: {"a": M, "b": M.T},
    np.linalg.norm: {"x": M, "ord": 1},
}
SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
SAMPLES.update({
    np.linalg.solve: {"a": SPD, "b": A[:3]},
    np.linalg.svd: {"a": M, "full_matrices": False},
    np.linalg.svdvals: {"x": M},
    np.linalg.cond: {"x": SPD, "p": 1},
    np.linalg.qr: {"a": M, "mode": "complete"},
    np.linalg.lstsq: {"a": M.T.copy(), "b": A[:4], "rcond": 0.5},
    np.linalg.pinv: {"a": SPD, "rcond": 0.5},
    np.linalg.matrix_rank: {"A": M, "tol": 0.5},
    np.linalg.matrix_power: {"a": SPD, "n": 3},
    np.linalg.eigh: {"a": SPD, "UPLO": "U"},
    np.linalg.eigvalsh: {"a": SPD, "UPLO": "U"},
    np.trace: {"a": M, "offset": 1},
    np.vdot: {"a": A, "b": A},
    np.outer: {"a": A, "b": A},
    np.kron: {"a": M, "b": M},
    np.inner: {"a": M, "b": M},
    np.linalg.multi_dot: {"arrays": (M, M.T, M)},
})
for _fn in (np.linalg.inv, np.linalg.det, np.linalg.slogdet, np.linalg.cholesky, np.linalg.eig,
            np.linalg.eigvals):
    SAMPLES[_fn] = {"a": SPD}
for _fn in (np.sum, np.prod, np.mean, np.min, np.max, np.amin, np.amax, np.argmin, np.argmax,
            np.all, np.any, np.cumsum, np.cumprod):
    SAMPLES[_fn] = {"a": M, "axis": 1}
for _ufunc, _ in registry.declared_calls():
    if isinstance(_ufunc, np.ufunc):  # inputs only (positional): floats where it takes them
        _floats = any(types.startswith("d" * _ufunc.nin) for types in _ufunc.types)
        SAMPLES[_ufunc] = {f"x{k + 1}": (A / 6 + 0.1 * k if _floats else INTS + k)
                           for k in range(_ufunc.nin)}
# math and cmath: every parameter positional-only (or *args: a tuple of the values)
for _fn in (math.sqrt, math.exp, math.log2, math.log10, math.log1p, math.expm1, math.sin,
            math.cos, math.tan, math.asin, math.acos, math.atan, math.sinh, math.cosh,
            math.tanh, math.asinh, math.atanh, math.fabs, math.erf, math.erfc, math.gamma,
            math.lgamma, math.degrees, math.radians, math.exp2, math.cbrt, math.ulp,
            math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite,
            math.frexp, math.modf):
    SAMPLES[_fn] = {"x": 0.625}
for _fn in (math.atan2, math.copysign, math.fmod, math.pow, math.nextafter, math.remainder):
    SAMPLES[_fn] = {"x": 0.625, "y": -1.5}
SAMPLES.update({
    math.acosh: {"x": 1.5}, math.log: {"x": 8.0, "base": 2.0},
    math.hypot: {"coordinates": (3.0, 4.0, 12.0)}, math.isclose: {
        "a": 1.0, "b": 1.001, "rel_tol": 0.01, "abs_tol": 0.0},
    math.gcd: {"integers": (12, 18, 8)}, math.lcm: {"integers": (4, 6, 10)},
    math.factorial: {"n": 6}, math.isqrt: {"n": 99}, math.comb: {"n": 9, "k": 4},
    math.perm: {"n": 9, "k": 4}, math.ldexp: {"x": 0.75, "i": 5},
    cmath.log: {"x": 1 + 2j, "base": 3.0}, cmath.rect: {"r": 2.0, "phi": 0.5},
    math.fsum: {"seq": A / 7}, math.dist: {"p": A, "q": A[::-1].copy()},
    math.prod: {"iterable": A, "start": 0.5},
    divmod: {"x": 17, "y": -5}, pow: {"base": 7, "exp": 5, "mod": 13},
    round: {"number": 2.675, "ndigits": 2}, int: {"x": -7.5}, float: {"x": 3},
    bool: {"x": 0.5}, abs: {"x": -A}, len: {"obj": M},
    isinstance: {"obj": 2.5, "class_or_tuple": float}, type: {"object": 7},
    np.where: {"condition": A > 2, "x": A, "y": -A}, sum: {"iterable": A, "start": 2.5},
    any: {"iterable": A}, all: {"iterable": A}, zip: {"iterables": (A, INTS)},
    enumerate: {"iterable": A, "start": 3},
})
for _fn in (cmath.sqrt, cmath.exp, cmath.phase, cmath.polar, cmath.isnan, cmath.isinf,
            cmath.isfinite):
    SAMPLES[_fn] = {"z": 0.5 - 1.25j}
# the operator module (positional-only): ints, or an array and an index
for _fn, _ in registry.declared_calls():
    if getattr(_fn, "__module__", None) == "_operator":
        _names = list(inspect.signature(_fn).parameters)
        SAMPLES[_fn] = dict(zip(_names, (7, 3) if len(_names) == 2 else (7,)))
SAMPLES.update({operator.getitem: {"a": A, "b": 2}, operator.setitem: {"a": A.copy(), "b": 1,
                                                                      "c": 2.5},
                operator.contains: {"a": (1, 2, 3), "b": 2},
                operator.is_: {"a": 7, "b": None}, operator.is_not: {"a": None, "b": None}})
for _fn in (np.var, np.std):
    SAMPLES[_fn] = {"a": M, "axis": 0, "ddof": 1}
CONSTANT = {"dtype", "order", "side", "mode", "UPLO"}
# compared by type and shape only: random draws, uninitialised memory
SHAPE_ONLY = {np.random.random, np.random.random_sample, np.random.uniform, np.random.normal,
              np.random.randint, np.random.seed, np.empty, np.empty_like}

METHOD_SAMPLES: dict[str, dict[str, Any]] = {
    **{kind: {"axis": 1} for kind in ("sum", "prod", "mean", "min", "max", "argmin", "argmax",
                                      "all", "any", "cumsum", "cumprod")},
    "var": {"axis": 0, "ddof": 1}, "std": {"axis": 1, "ddof": 1},
    "copy": {"order": "F"}, "flatten": {"order": "C"}, "ravel": {"order": "C"},
    "astype": {"dtype": np.int32, "order": "F"}, "fill": {"value": 2.5},
    "sort": {}, "argsort": {},
}


def _name(callee: Any) -> str:
    module = getattr(callee, "__module__", "") or ""
    if module in ("math", "cmath", "builtins", "_operator"):
        return f"{module.lstrip('_')}.{callee.__name__}"
    if isinstance(callee, np.ufunc):
        return f"np.{callee.__name__}"
    prefix = "np.random." if "random" in module else "np.linalg." if "linalg" in module else "np."
    return prefix + callee.__name__


def _splits(params: Params) -> list[tuple[list[str], list[str]]]:
    """Each way to pass the supported parameters: the first k positionally, the rest by
    keyword, as far as the signature allows."""
    names = list(params.names)
    every = list(params.signature.parameters)
    kinds = {n: params.signature.parameters[n].kind for n in names}
    out = []
    for k in range(len(names) + 1):
        pos, kw = names[:k], names[k:]
        if pos != every[:k]:  # an unsupported parameter comes first (np.var's dtype)
            continue
        if any(kinds[n] is inspect.Parameter.KEYWORD_ONLY for n in pos):
            continue
        if any(kinds[n] in (inspect.Parameter.POSITIONAL_ONLY,
                            inspect.Parameter.VAR_POSITIONAL) for n in kw):
            continue
        out.append((pos, kw))
    return out


# iterators cannot be returned to Python: their items are summed
_ITEMS_SUMMED = "    s = 0.0\n    for i, x in {call}:\n        s += i * x\n    return s"
BODIES = {"builtins.enumerate": _ITEMS_SUMMED, "builtins.zip": _ITEMS_SUMMED,
          "builtins.type": "    return {call}(2.5)"}  # a class is called, not returned


def _build(call: str, args: list[str], consts: dict[str, Any]) -> Any:
    scope: dict[str, Any] = {"np": np, "math": math, "cmath": cmath, "operator": operator,
                             "builtins": builtins, **consts}
    body = BODIES.get(call.partition("(")[0], "    return {call}").format(call=call)
    exec(f"def f({', '.join(args)}):\n{body}", scope)  # noqa: S102
    return scope["f"]


def _compare(got: Any, expected: Any, random: bool) -> None:
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected):
            _compare(g, e, random)
        return
    if random:
        assert np.shape(got) == np.shape(expected)
        assert np.asarray(got).dtype == np.asarray(expected).dtype
        return
    if isinstance(expected, np.ndarray):
        assert isinstance(got, np.ndarray)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        if expected.ndim > 1:
            assert got.flags.f_contiguous == expected.flags.f_contiguous
        np.testing.assert_allclose(got, expected, rtol=1e-12) if expected.dtype.kind in "fc" \
            else np.testing.assert_array_equal(got, expected)
    else:
        assert type(got) is type(expected) or np.isscalar(got)
        assert got == pytest.approx(expected) or (got is None and expected is None)


def _spread(params: Params, samples: dict[str, Any], names: list[str]) -> tuple[
        list[str], list[Any]]:
    """Argument names and values, a *args parameter's tuple spread into one per value."""
    out_names, values = [], []
    for n in names:
        if n == params.varargs:
            out_names += [f"{n}{i}" for i in range(len(samples[n]))]
            values += list(samples[n])
        else:
            out_names.append(n)
            values.append(samples[n])
    return out_names, values


def _cases() -> list[Any]:
    return [pytest.param(callee, params, id=_name(callee))
            for callee, params in registry.declared_calls()]


def test_every_declared_callee_has_samples() -> None:
    missing = [_name(c) for c, _ in registry.declared_calls() if c not in SAMPLES]
    assert not missing, f"add sample arguments for {missing} to SAMPLES"
    missing = [n for _, n, _ in registry.declared_methods() if n not in METHOD_SAMPLES]
    assert not missing, f"add sample arguments for {missing} to METHOD_SAMPLES"


# Callees whose rules still parse their own arguments: this list only shrinks. A new rule
# must declare its signature (registry.call_rule(..., params=...)).
UNDECLARED = {"builtins.range", "builtins.print",
              "builtins.min", "builtins.max", "builtins.complex", "builtins.slice",
              "check_assigned", "BoundMethod",
              # the IR's own helpers of try/except (jitcore/frontend/ir.py)
              "exception_matches", "fetch_exception", "restore_exception",
              # jitcore.library.linalg's LAPACK primitive (a Fortran call, not Python's)
              "lapack",
              "prange", "np.clip", "np.random.rand", "np.random.randn",
              # NumPy's scalar constructors (typeinfer/rules/npscalars.py)
              "np.bool", "np.int8", "np.int16", "np.int32", "np.int64", "np.longlong",
              "np.uint8", "np.uint16", "np.uint32", "np.uint64", "np.ulonglong", "np.float32",
              "np.float64", "np.complex64", "np.complex128"}


def _undeclared_name(callee: Any) -> str:
    module = getattr(callee, "__module__", "") or ""
    if module == "builtins" or module.startswith("numpy"):
        return _name(callee) if module != "builtins" else f"builtins.{callee.__name__}"
    return getattr(callee, "__name__", repr(callee))


def test_every_call_rule_declares_its_signature() -> None:
    njit(lambda a: a.sum())(A)  # the NumPy domains loaded too
    names = {_undeclared_name(c) for c in registry.undeclared_calls()}
    assert not names - UNDECLARED, f"declare the parameters of {sorted(names - UNDECLARED)}"
    assert not UNDECLARED - names, f"declared now: remove {sorted(UNDECLARED - names)}"


@pytest.mark.parametrize(("callee", "params"), _cases())
def test_positional_and_keyword(callee: Any, params: Params) -> None:
    samples = SAMPLES[callee]
    assert set(samples) == set(params.names)
    for pos, kw in _splits(params):
        consts = {f"C_{n}": samples[n] for n in params.names if n in CONSTANT}
        runtime, args = _spread(params, samples, [n for n in params.names if n not in CONSTANT])
        value = {n: (f"C_{n}" if n in CONSTANT else n) for n in params.names}
        if params.varargs:
            value[params.varargs] = ", ".join(_spread(params, samples, [params.varargs])[0])
        text = ", ".join([value[n] for n in pos] + [f"{n}={value[n]}" for n in kw])
        pyfunc = _build(f"{_name(callee)}({text})", runtime, consts)
        expected = pyfunc(*args)
        got = njit(pyfunc)(*args)
        _compare(got, expected, callee in SHAPE_ONLY)


@pytest.mark.parametrize("kind", sorted({n for _, n, _ in registry.declared_methods()}))
def test_methods_positional_and_keyword(kind: str) -> None:
    params = next(p for _, n, p in registry.declared_methods() if n == kind)
    samples = METHOD_SAMPLES[kind]
    for pos, kw in _splits(params):
        consts = {f"C_{n}": samples[n] for n in params.names if n in CONSTANT}
        runtime = [n for n in params.names if n not in CONSTANT]
        value = {n: (f"C_{n}" if n in CONSTANT else n) for n in params.names}
        text = ", ".join([value[n] for n in pos] + [f"{n}={value[n]}" for n in kw])
        body = f"x.{kind}({text})"
        if kind in ("fill", "sort"):
            body = f"(x.{kind}({text}), x)[1]"
        pyfunc = _build(body, ["x", *runtime], consts)
        args = [samples[n] for n in runtime]
        base = (A if kind in ("sort", "argsort") else M).copy()
        expected = pyfunc(base.copy(), *args)
        got = njit(pyfunc)(base.copy(), *args)
        _compare(got, expected, False)


# --- the bugs that started this: a lone positional of np.arange is the stop ----------------

@pytest.mark.parametrize("call", ["np.arange(7, step=3)", "np.arange(-2.25, step=0.5)",
                                  "np.arange(2, stop=9)", "np.arange(5, step=None)",
                                  "np.arange(5, None, 2)", "np.arange(1, 9, 2, np.int8)",
                                  "np.arange(3.5, dtype=np.int64)"])
def test_arange_lone_start_or_stop(call: str) -> None:
    pyfunc = _build(call, [], {})
    expected = pyfunc()
    got = njit(pyfunc)()
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_variance_third_positional_is_dtype_not_ddof() -> None:
    # np.var(a, axis, dtype, out, ddof): a positional ddof would be NumPy's dtype
    with pytest.raises(TypingError, match="the argument 'dtype' is not supported"):
        njit(lambda a: np.var(a, 0, 1))(M)
    assert njit(lambda a: np.var(a, 0, ddof=1))(M) == pytest.approx(np.var(M, 0, ddof=1))


# --- Python's TypeError text -----------------------------------------------------------------

def _message(pyfunc: Any, *args: Any) -> str:
    with pytest.raises(TypeError) as python:
        pyfunc(*args)
    with pytest.raises(TypingError) as compiled:
        njit(pyfunc)(*args)
    assert str(python.value) in str(compiled.value)
    return str(compiled.value)


def test_unknown_keyword_is_pythons_error() -> None:
    text = _message(lambda: np.zeros(3, z=1))
    assert "zeros() got an unexpected keyword argument 'z'" in text


def test_duplicate_argument_is_pythons_error() -> None:
    text = _message(lambda: np.linspace(0, 1, 5, num=3))
    assert "linspace() got multiple values for argument 'num'" in text


def test_missing_argument_is_pythons_error() -> None:
    text = _message(lambda: np.linspace(0))
    assert "linspace() missing 1 required positional argument: 'stop'" in text


def test_too_many_positionals_is_pythons_error() -> None:
    with pytest.raises(TypingError, match=r"arange\(\) takes from 1 to 4 positional "
                       "arguments but 5 were given"):
        njit(lambda: np.arange(1, 9, 2, np.int8, 4))()


def test_unknown_method_keyword() -> None:
    with pytest.raises(TypingError, match="got an unexpected keyword argument 'z'"):
        njit(lambda a: a.copy(z=1))(M)


def test_unsupported_parameter_is_named() -> None:
    with pytest.raises(TypingError) as info:
        njit(lambda a: np.sum(a, keepdims=True))(M)
    text = str(info.value)
    assert "sum(): the argument 'keepdims' is not supported in compiled code" in text
    assert "sum(a, axis)" in text


def test_ufunc_keywords_are_refused_by_name() -> None:
    with pytest.raises(TypingError, match="sqrt\\(\\): the argument 'out' is not supported"):
        njit(lambda a, b: np.sqrt(a, b))(A, A)
    with pytest.raises(TypingError, match="add\\(\\): the argument 'where' is not supported"):
        njit(lambda a: np.add(a, a, where=a > 1))(A)


@pytest.mark.parametrize(("source", "args"), [
    ("math.sqrt(x=a)", (4.0,)), ("math.sqrt(a, a)", (4.0,)), ("math.sqrt()", ()),
    ("math.atan2(a)", (1.0,)), ("math.atan2(a, y=a)", (1.0,)), ("math.log(a, a, a)", (2.0,)),
    ("math.log()", ()), ("math.isclose(a, a, rel=a)", (1.0,)), ("math.isclose(a)", (1.0,)),
    ("math.perm(a, a, a)", (3,)), ("math.comb(a)", (3,)), ("math.gcd(x=a)", (3,)),
    ("cmath.rect(a)", (1.0,)), ("cmath.log(a, base=a)", (1.0,)), ("cmath.phase(z=a)", (1j,)),
])
def test_math_call_errors_are_the_c_functions_own(source: str, args: tuple[Any, ...]) -> None:
    pyfunc = _build(source, ["a"][:len(args)], {})
    _message(pyfunc, *args)


def test_keyword_only_and_positional_only_are_respected() -> None:
    with pytest.raises(TypingError, match="positional-only arguments passed as keyword "
                       "arguments: 'start_or_stop'"):
        njit(lambda: np.arange(start_or_stop=3))()
