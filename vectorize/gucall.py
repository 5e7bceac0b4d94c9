"""Calls of @guvectorize gufuncs from compiled code: a generated loop over the broadcast
loop dimensions calling the core kernel on views.

    @guvectorize(["void(float64[:], float64[:], float64[:])"], "(n),(n)->()")
    def dot(x, y, out): ...

    @njit
    def f(a, b, out):           # a: float64 2-D, b: float64 1-D, out: float64 1-D
        dot(a, b, out)          # -> call of the generated function below, compiled by jitcore

    def dot_call(a0, a1, a2):                    # one per gufunc and operand types
        c0 = a0.shape[1]                         # core dimension n, from its first operand
        if a1.shape[0] != c0:
            raise ValueError("dot: Input operand 1 has a mismatch in its core dimension 0, ...")
        d0 = 1                                   # the loop shape: NumPy's broadcasting
        ...
        for i0 in range(d0):
            kernel(a0[i0 * m0_0], a1, a2[i0:i0 + 1])
        return a2

The loop is the one whose input dtypes are the operands' own, else the first
declared one whose input dtypes the operands cast to safely (scalars: same kind,
as NumPy treats Python numbers) and whose outputs cast to the given outputs by
same kind, as NumPy's resolution picks it. Inputs of another dtype are converted
once before the loop; outputs of another dtype are computed into a temporary and
copied back. Outputs may be left out when the inputs define
every core dimension: the call then allocates and returns them (a scalar for a
0-d result), as NumPy does; given outputs are returned too (Numba returns None).
For a target="parallel" gufunc the outermost loop is a `prange`, run by the thread
pool.
"""
from __future__ import annotations

import itertools
import linecache
from dataclasses import dataclass
from typing import Any

import numpy as np

from jitcore.frontend.errors import TypingError
from jitcore.typeinfer import types as t

_ids = itertools.count()


@dataclass(frozen=True)
class GufuncCalls:
    """What calls of one gufunc from compiled code need: its layout, kernel and loops."""

    ufunc: Any
    kernel: Any  # the core function's Dispatcher
    ins: list[tuple[str, ...]]
    outs: list[tuple[str, ...]]
    loops: list[list[Any]]  # per declared signature, a targets.ufuncloops.CoreArg per argument
    parallel: bool = False  # target="parallel": the outermost loop is a prange


_HELPERS: dict[tuple[int, tuple[t.Type, ...]], Any] = {}


def register(calls: GufuncCalls) -> None:
    """Make `calls.ufunc` callable from compiled code with positional arrays and scalars."""
    from jitcore.lowering.registry import lower_runtime
    from jitcore.typeinfer.registry import runtime_call_rule

    def rule(args: tuple[t.Type, ...], kws: dict[str, t.Type]) -> t.Signature | None:
        from jitcore.compiler import CALLEES

        if kws:
            raise TypingError(f"gufunc '{calls.ufunc.__name__}' takes no keyword arguments "
                              f"({', '.join(kws)}) in compiled code", None,
                              "pass the outputs as positional arguments")
        return CALLEES.signature_of(_helper(calls, args), args)

    def lower(ctx: Any, sig: t.Signature, *args: Any) -> Any:
        return ctx.call_jitted(_HELPERS[id(calls.ufunc), sig.args], sig, list(args))

    runtime_call_rule(calls.ufunc, rule)
    lower_runtime(calls.ufunc, lower)


def _helper(calls: GufuncCalls, args: tuple[t.Type, ...]) -> Any:
    key = (id(calls.ufunc), args)
    helper = _HELPERS.get(key)
    if helper is None:
        helper = _HELPERS[key] = _build_helper(calls, args)
    return helper


def _build_helper(calls: GufuncCalls, args: tuple[t.Type, ...]) -> Any:
    from jitcore.frontend.markers import prange
    from jitcore.dispatcher import Dispatcher

    name = calls.ufunc.__name__
    nin, nout = len(calls.ins), len(calls.outs)
    if len(args) not in (nin, nin + nout):
        raise TypingError(f"gufunc '{name}' with layout {calls.ufunc.signature!r} takes "
                          f"{nin} inputs and optionally {nout} outputs, not {len(args)} "
                          "arguments")
    for k, ty in enumerate(args):
        _check_operand(calls, k, ty)
    loop = _pick_loop(calls, args)
    source = _Source(calls, args, loop).text()
    filename = f"<gufunc {name} call {next(_ids)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {"np": np, "kernel": calls.kernel, "prange": prange}
    namespace.update({f"dt{k}": np.dtype(_dtype_name(p.dtype)).type
                      for k, p in enumerate(loop)})
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own generated code
    return Dispatcher(namespace[f"{_identifier(name)}_call"],
                      {"nopython": True, "parallel": calls.parallel})


def _check_operand(calls: GufuncCalls, k: int, ty: t.Type) -> None:
    name, nin = calls.ufunc.__name__, len(calls.ins)
    core = (calls.ins + calls.outs)[k]
    what = f"input {k}" if k < nin else f"output {k - nin}"
    shown = f"({','.join(core)})"
    if isinstance(ty, t.Array):
        if not ty.dtype.is_number:
            raise TypingError(f"gufunc '{name}': {what} is {ty}, an array of non-numbers")
        if ty.ndim < len(core):
            raise TypingError(f"gufunc '{name}': {what} is {ty} but its core dimensions "
                              f"{shown} need at least {len(core)}")
        if k >= nin and ty.readonly:
            raise TypingError(f"gufunc '{name}': {what} is a read-only array")
        return
    if not ty.is_number:
        raise TypingError(f"gufunc '{name}': {what} has type {ty}; gufuncs take arrays "
                          "and numbers")
    if k >= nin:
        raise TypingError(f"gufunc '{name}': {what} is the scalar {ty}; an output must be "
                          "an array")
    if core:
        raise TypingError(f"gufunc '{name}': {what} is the scalar {ty} but its core "
                          f"dimensions {shown} need an array")


def _element(ty: t.Type) -> t.Type:
    return ty.dtype if isinstance(ty, t.Array) else ty


def _dtype_name(ty: t.Type) -> str:
    return "bool" if isinstance(ty, t.Boolean) else ty.name


def _pick_loop(calls: GufuncCalls, args: tuple[t.Type, ...]) -> list[Any]:
    """A loop whose input dtypes are the operands' own, else the first the operands cast to."""
    nin = len(calls.ins)
    have = [np.dtype(_dtype_name(_element(ty))) for ty in args]
    for loop in calls.loops:
        if all(have[k] == np.dtype(_dtype_name(loop[k].dtype)) for k in range(nin)):
            return loop
    for loop in calls.loops:
        ok = True
        for k, ty in enumerate(args):
            want = np.dtype(_dtype_name(loop[k].dtype))
            if k >= nin:
                ok = ok and bool(np.can_cast(want, have[k], "same_kind"))
            else:
                ok = ok and bool(np.can_cast(have[k], want, "safe" if isinstance(ty, t.Array)
                                             else "same_kind"))
        if ok:
            return loop
    shown = ", ".join(map(str, args))
    loops = ", ".join(f"({', '.join(str(p.ty) for p in lp)})" for lp in calls.loops)
    raise TypingError(f"gufunc '{calls.ufunc.__name__}' has no loop for ({shown}) that the "
                      "casting rules allow", None, f"its loops: {loops}")


def _identifier(name: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name) or "gufunc"


class _Source:
    """The text of the generated call function (see the module docstring)."""

    def __init__(self, calls: GufuncCalls, args: tuple[t.Type, ...], loop: list[Any]) -> None:
        self.calls, self.args, self.loop = calls, args, loop
        self.nin = len(calls.ins)
        self.cores = calls.ins + calls.outs
        self.name = calls.ufunc.__name__
        # loop dimensions of each operand given; outputs left out have all of them
        given = [(a.ndim if isinstance(a, t.Array) else 0) - len(self.cores[k])
                 for k, a in enumerate(args)]
        self.nloop = max(given, default=0)
        self.lines: list[str] = []

    def emit(self, line: str, depth: int = 1) -> None:
        self.lines.append("    " * depth + line)

    def fail(self, message: str, depth: int = 2) -> None:
        self.emit(f"raise ValueError({message!r})", depth)

    def text(self) -> str:
        params = [f"a{k}" for k in range(len(self.args))]
        self.lines.append(f"def {_identifier(self.name)}_call({', '.join(params)}):")
        core_size = self._core_dimensions()
        self._loop_shape()
        outs = self._outputs(core_size)
        views = self._operands()
        body = 1
        for j in range(self.nloop):
            loop = "prange" if j == 0 and self.calls.parallel else "range"
            self.emit(f"for i{j} in {loop}(d{j}):", body)
            body += 1
        self.emit(f"kernel({', '.join(views)})", body)
        for k, copy in outs["copies"]:
            self.emit(f"a{k}[...] = {copy}")
        results = outs["results"]
        self.emit(f"return {results[0] if len(results) == 1 else '(' + ', '.join(results) + ')'}")
        return "\n".join(self.lines) + "\n"

    def _shape(self, k: int, axis: int) -> str:
        return f"a{k}.shape[{axis}]"

    def _core_dimensions(self) -> dict[str, str]:
        """c<j> = each core dimension's size, checked against every operand that has it."""
        size: dict[str, str] = {}
        layout = self.calls.ufunc.signature
        for k, ty in enumerate(self.args):
            if not isinstance(ty, t.Array):
                continue
            core = self.cores[k]
            first = ty.ndim - len(core)
            for j, dim in enumerate(core):
                if dim not in size:
                    size[dim] = f"c{len(size)}"
                    self.emit(f"{size[dim]} = {self._shape(k, first + j)}")
                    continue
                kind, index = ("Input", k) if k < self.nin else ("Output", k - self.nin)
                self.emit(f"if {self._shape(k, first + j)} != {size[dim]}:")
                self.fail(f"{self.name}: {kind} operand {index} has a mismatch in its core "
                          f"dimension {j}, with gufunc signature {layout} (size is different "
                          f"from that of the operand setting {dim})")
        return size

    def _loop_shape(self) -> None:
        """d<j> = the broadcast loop shape of the operands given; outputs must match it."""
        for j in range(self.nloop):
            self.emit(f"d{j} = 1")
        given = [(k, ty) for k, ty in enumerate(self.args) if isinstance(ty, t.Array)]
        for k, ty in given:
            if k >= self.nin:
                continue
            first = self.nloop - (ty.ndim - len(self.cores[k]))
            for axis in range(ty.ndim - len(self.cores[k])):
                s, d = self._shape(k, axis), f"d{first + axis}"
                self.emit(f"if {s} != 1:")
                self.emit(f"if {d} != 1 and {d} != {s}:", 2)
                self.fail(f"{self.name}: operands could not be broadcast together "
                          f"(input {k}, loop dimension {first + axis})", 3)
                self.emit(f"{d} = {s}", 2)
        for k, ty in given:
            if k < self.nin:
                continue
            nloop = ty.ndim - len(self.cores[k])
            first = self.nloop - nloop
            for axis in range(nloop):  # an output has the loop dimensions or broadcasts them
                s, d = self._shape(k, axis), f"d{first + axis}"
                self.emit(f"if {d} == 1:")
                self.emit(f"{d} = {s}", 2)
                self.emit(f"elif {s} != {d}:")
                self.fail(f"{self.name}: non-broadcastable output operand {k - self.nin} "
                          "does not match the broadcast shape of the inputs")
            if nloop < self.nloop:  # fewer loop dimensions than the inputs: never fits
                for axis in range(self.nloop - nloop):
                    self.emit(f"if d{axis} != 1:")
                    self.fail(f"{self.name}: non-broadcastable output operand "
                              f"{k - self.nin} does not match the broadcast shape of the "
                              "inputs")

    def _outputs(self, core_size: dict[str, str]) -> dict[str, Any]:
        """Allocate outputs left out; temporaries for outputs of another dtype."""
        copies, results = [], []
        for o, core in enumerate(self.calls.outs):
            k = self.nin + o
            dt = f"dt{k}"
            if k < len(self.args):
                results.append(f"a{k}")
                if _element(self.args[k]) != self.loop[k].dtype:
                    self.emit(f"o{k} = np.empty(a{k}.shape, {dt})")
                    copies.append((k, f"o{k}"))
                else:
                    self.emit(f"o{k} = a{k}")
                continue
            missing = [d for d in core if d not in core_size]
            if missing:
                raise TypingError(f"gufunc '{self.name}': output {o} has core dimension "
                                  f"{missing[0]!r}, which no input has", None,
                                  "pass the output array")
            shape = [f"d{j}" for j in range(self.nloop)] + [core_size[d] for d in core]
            if not shape:  # a 0-d result: NumPy returns a scalar
                self.emit(f"o{k} = np.empty(1, {dt})")
                results.append(f"o{k}[0]")
            else:
                self.emit(f"o{k} = np.empty(({', '.join(shape)},), {dt})")
                results.append(f"o{k}")
        return {"copies": copies, "results": results}

    def _operands(self) -> list[str]:
        """The expression of each kernel argument inside the loop nest."""
        views = []
        for k, p in enumerate(self.loop):
            core = self.cores[k]
            if k < self.nin:
                ty = self.args[k]
                source = f"a{k}"
                if not isinstance(ty, t.Array):  # a number for a () input
                    if isinstance(p.ty, t.Array):
                        self.emit(f"v{k} = np.full(1, a{k}, dt{k})")
                    else:  # converted through an array: compiled code lacks np.float32(x)
                        self.emit(f"v{k} = np.full(1, a{k}, dt{k})[0]")
                    views.append(f"v{k}")
                    continue
                if ty.dtype != p.dtype:
                    self.emit(f"v{k} = a{k}.astype(dt{k})")
                    source = f"v{k}"
                nloop = ty.ndim - len(core)
                broadcast = True
            else:
                source = f"o{k}"
                given = self.args[k] if k < len(self.args) else None
                ndim = given.ndim if isinstance(given, t.Array) else self.nloop + len(core)
                if k >= len(self.args) and not (self.nloop or core):
                    ndim = 1  # the one-element result array
                    views.append(source)
                    continue
                nloop = ndim - len(core)
                broadcast = False
            views.append(self._view(k, source, nloop, core, p, broadcast))
        return views

    def _view(self, k: int, source: str, nloop: int, core: tuple[str, ...], p: Any,
              broadcast: bool) -> str:
        """source indexed by the loop indices (size-1 input axes stay at 0)."""
        first = self.nloop - nloop
        index = []
        for axis in range(nloop):
            i = f"i{first + axis}"
            if broadcast:
                self.emit(f"m{k}_{axis} = 0 if {source}.shape[{axis}] == 1 else 1")
                i = f"{i} * m{k}_{axis}"
            index.append(i)
        if not core and isinstance(p.ty, t.Array):  # () as a one-element array
            if not index:
                self.emit(f"w{k} = {source}.reshape(1)")
                return f"w{k}"
            index[-1] = f"{index[-1]}:{index[-1]} + 1"
        if not index:
            return f"{source}[()]" if not core else source
        return f"{source}[{', '.join(index)}]"
