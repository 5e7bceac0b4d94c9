"""@guvectorize: generalised ufuncs whose core kernel is compiled by jitcore.

    @guvectorize(["void(float64[:], float64[:], float64[:])"], "(n),(n)->()")
    def dot(x, y, out):
        acc = 0.0
        for i in range(x.shape[0]):
            acc += x[i] * y[i]
        out[0] = acc

Each argument reaches the kernel as the signature declares it: an array view of
its core dimensions (a "()" output declared `float64[:]` is a one-element view)
or, for a "()" input declared as a scalar, its value. The kernel is compiled
twice per signature, for views of any strides and for C-contiguous views; the
loop picks per call (LLVM vectorises the contiguous one).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jitcore.frontend.errors import TypingError
from jitcore.typeinfer import types as t

from .gucall import GufuncCalls
from .gucall import register as register_calls
from .kernels import MIN_CHUNK_GUFUNC, Kernel, load_loop, typecodes
from .sigparse import dimension_indices, parse_layout
from .ufuncs import _register, _resolver_address


def build_gufunc(py_func: Callable[..., Any], signatures: list[Any], layout: str,
                 options: dict[str, Any], identity: Any, parallel: bool) -> Any:
    from jitcore.targets.ufuncbuild import install_resolver, make_ufunc

    name = py_func.__name__
    try:
        ins, outs = parse_layout(layout)
    except ValueError as exc:
        raise ValueError(f"@guvectorize ufunc '{name}': {exc}") from None
    nargs = len(ins) + len(outs)
    kernel = Kernel(py_func, options, "@guvectorize", name)
    nparams = len(kernel.dispatcher._pysig.parameters)
    if nparams != nargs:
        raise TypeError(f"@guvectorize ufunc '{name}': layout {layout!r} has {nargs} "
                        f"arguments but {name}() takes {nparams}")
    dims = dimension_indices(ins + outs)
    ndims = 1 + len({d for arg in dims for d in arg})
    loops, params_of = [], []
    for spec in signatures:
        params = _core_args(kernel, spec, layout, ins + outs, dims, len(ins))
        loops.append(_gufunc_loop(kernel, spec, params, len(ins), ndims, parallel))
        params_of.append(params)
    ufunc = make_ufunc(name, loops, len(ins), len(outs), identity, py_func.__doc__ or "",
                       signature=layout)
    info = _register(kernel, ufunc, dynamic=False, parallel=parallel, callable_from_jit=False)
    for params in params_of:
        args = tuple(p.ty for p in params)
        info.loops[args] = t.Signature(t.none, args)
    install_resolver(ufunc, _resolver_address)  # for its error messages
    register_calls(GufuncCalls(ufunc, kernel.dispatcher, ins, outs, params_of, parallel))
    return ufunc


def _core_args(kernel: Kernel, spec: Any, layout: str, args: list[tuple[str, ...]],
               dims: list[tuple[int, ...]], nin: int) -> list[Any]:
    """How each argument reaches the kernel, checked against the layout."""
    from jitcore.targets.ufuncloops import CoreArg
    from jitcore.typeinfer.signatures import parse_signature

    try:
        ret, argtypes = parse_signature(spec)
    except TypingError as exc:
        raise TypingError(f"{kernel.describe(spec)}: {exc.message}", None, exc.note) from None
    if ret not in (None, t.none):
        raise TypingError(f"{kernel.describe(spec)}: a gufunc kernel returns nothing "
                          f"(void), not {ret}", None, "write results into the output arguments")
    if len(argtypes) != len(args):
        raise TypingError(f"{kernel.describe(spec)}: {len(argtypes)} argument types for the "
                          f"{len(args)} arguments of layout {layout!r}")
    params = []
    for k, (ty, names, indices) in enumerate(zip(argtypes, args, dims)):
        shown = f"({','.join(names)})"
        if isinstance(ty, t.Array):
            if ty.ndim != len(names) and not (ty.ndim == 1 and not names):
                raise TypingError(f"{kernel.describe(spec)}: argument {k} is {ty} but its "
                                  f"layout {shown} has {len(names)} dimensions")
            params.append(CoreArg(ty.copy(layout="A", readonly=False), indices, ty.dtype))
        elif ty.is_number:
            if names or k >= nin:
                what = "an output" if k >= nin else f"layout {shown}"
                raise TypingError(f"{kernel.describe(spec)}: argument {k} is the scalar {ty} "
                                  f"but {what} needs an array", None,
                                  "declare it as an array, e.g. float64[:]")
            params.append(CoreArg(ty, (), ty))
        else:
            raise TypingError(f"{kernel.describe(spec)}: argument {k} has type {ty}, which "
                              "is neither a number nor an array")
    return params


def _gufunc_loop(kernel: Kernel, spec: Any, params: list[Any], nin: int, ndims: int,
                 parallel: bool) -> Any:
    from jitcore.targets.ufuncbuild import Loop
    from jitcore.targets.ufuncloops import emit_gufunc_loop, emit_parallel_loop

    general = tuple(p.ty for p in params)
    overloads = [_compile_void(kernel, spec, general)]
    contiguous = tuple(ty.copy(layout="C") if isinstance(ty, t.Array) else ty for ty in general)
    if contiguous != general:
        overloads.append(_compile_void(kernel, spec, contiguous))
    dtypes = [p.dtype for p in params]
    codes = typecodes(dtypes[:nin], dtypes[nin:])
    name = kernel.symbol(codes.replace("->", "_"))

    def emit(module: Any, info: Any) -> None:
        emit_gufunc_loop(module, name, [ov.symbol for ov in overloads], params,
                         public=not parallel)
        if parallel:
            emit_parallel_loop(module, name, nin, len(params) - nin, ndims, MIN_CHUNK_GUFUNC)

    return Loop(load_loop(overloads, emit, name), codes)


def _compile_void(kernel: Kernel, spec: Any, argtypes: tuple[t.Type, ...]) -> Any:
    overload = kernel.compile(spec, argtypes)
    ret = overload.signature.return_type
    if ret != t.none:
        raise TypingError(f"{kernel.describe(spec)}: a gufunc kernel returns nothing, but "
                          f"{kernel.name}() returns {ret}", overload.typed.graph.loc,
                          "write results into the output arguments")
    return overload
