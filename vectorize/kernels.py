"""Kernels through the normal pipeline, and the native loops that call them.

    kernel = Kernel(py_func, options, "@vectorize", "add")
    overload = kernel.compile("float64(float64, float64)")   # jitcore.dispatcher
    loop = elementwise_loop(kernel, overload.signature, parallel=False)   # a ufuncbuild.Loop

A kernel is an ordinary `Dispatcher`: the scalar (or core) function is typed,
lowered and loaded exactly like `@njit` code (jitcore.compiler). The loops are
small modules of their own (targets.ufuncloops), loaded by the compiler's `load`
with the kernel's IR linked in so LLVM inlines it.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

from jitcore.frontend.errors import JitError
from jitcore.typeinfer import types as t

_ids = itertools.count()
KERNEL_DEFAULTS = {"nopython": True, "error_model": "numpy"}  # elementwise: NumPy semantics
MIN_CHUNK_ELEMENTWISE = 1 << 14  # elements per chunk at least: smaller loops run inline
MIN_CHUNK_GUFUNC = 1


class Kernel:
    """The compiled kernels of one @vectorize / @guvectorize function."""

    def __init__(self, py_func: Callable[..., Any], options: dict[str, Any], decorator: str,
                 name: str) -> None:
        from jitcore.dispatcher import Dispatcher

        self.decorator = decorator
        self.name = name
        self.dispatcher = Dispatcher(py_func, {**KERNEL_DEFAULTS, **options})
        self.uid = next(_ids)

    def describe(self, spec: Any) -> str:
        shown = spec if isinstance(spec, str) else _show(spec)
        return f"{self.decorator} ufunc '{self.name}', signature '{shown}'"

    def compile(self, spec: Any, argtypes: tuple[t.Type, ...] | None = None) -> Any:
        """The kernel's overload for a signature string (or for `argtypes`, typed lazily)."""
        try:
            if argtypes is None:
                return self.dispatcher.compile(spec)
            return self.dispatcher.compile_overload(argtypes)
        except JitError as exc:
            raise type(exc)(f"{self.describe(spec)}: {exc.message}", exc.loc,
                            exc.note) from None

    def symbol(self, what: str) -> str:
        name = re.sub(r"[^A-Za-z0-9_.]", "_", self.name)
        return f"jc.ufunc.{name}.{self.uid}.{what}.{next(_ids)}"


def _show(spec: Any) -> str:
    if isinstance(spec, t.Signature):
        return f"{spec.return_type}({', '.join(map(str, spec.args))})"
    return f"({', '.join(map(str, spec))})"


def load_loop(kernel_overloads: Sequence[Any], emit: Callable[[Any, Any], None],
              symbol: str) -> int:
    """Emit a loop module with `emit(module, module_info)`, load it through the compiler's
    `load` (the kernels' IR linked in for inlining; the thread pool if the loop runs on it)
    and return the address of `symbol`."""
    from llvmlite import ir

    from jitcore.compiler import Native, compile_lock, load_now
    from jitcore.frontend import config
    from jitcore.lowering.context import ModuleInfo

    with compile_lock:
        module = ir.Module(symbol)
        info = ModuleInfo()
        emit(module, info)
        library = load_now(Native(module, info, symbol), config.OPT_LEVEL,
                           [ov.inline_ir for ov in kernel_overloads])
        return int(library.address(symbol))


def elementwise_loop(kernel: Kernel, overload: Any, parallel: bool) -> Any:
    """The ufuncbuild.Loop applying the kernel `overload` element by element."""
    from jitcore.targets.ufuncbuild import Loop
    from jitcore.targets.ufuncloops import emit_elementwise_loop, emit_parallel_loop

    sig = overload.signature
    name = kernel.symbol(typecodes(sig.args, (sig.return_type,)).replace("->", "_"))

    def emit(module: Any, info: Any) -> None:
        emit_elementwise_loop(module, name, overload.symbol, sig, public=not parallel)
        if parallel:
            emit_parallel_loop(module, name, len(sig.args), 1, 1, MIN_CHUNK_ELEMENTWISE)

    address = load_loop([overload], emit, name)
    return Loop(address, typecodes(sig.args, (sig.return_type,)))


def typecodes(ins: Sequence[t.Type], outs: Sequence[t.Type]) -> str:
    """NumPy's type codes of a loop: "dd->d"."""
    return "".join(map(dtype_char, ins)) + "->" + "".join(map(dtype_char, outs))


def dtype_char(ty: t.Type) -> str:
    import numpy as np

    if not ty.is_number:
        raise TypeError(f"{ty} is not a NumPy dtype")
    return str(np.dtype("bool" if isinstance(ty, t.Boolean) else ty.name).char)


def from_dtype(dtype: Any) -> t.Type | None:
    """The jitcore type of a NumPy dtype, or None for dtypes compiled code lacks."""
    name = "bool" if dtype.kind == "b" else dtype.name
    ty = t.BY_NAME.get(name) if name != "bool" else t.boolean
    return ty if ty is not None and ty.is_number and dtype.isnative else None
