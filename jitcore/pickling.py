"""Pickling dispatchers: by reference where the receiver can import them, else by value.

    pickle.dumps(kernel)   # module-level kernel: ("mymod", "kernel"), imported on load
    pickle.dumps(closure)  # __main__ function or closure: its code (marshal), the globals it
                           # reads (modules by name, values pickled), its cells and defaults

The receiving process rebuilds the Python function and wraps it in a dispatcher with
the same options, so it compiles there on first call (or loads from the cache); eager
signatures are compiled when it is rebuilt, and stay the only ones. A
function pickled by value is rebuilt once per process: later loads of the same payload
(say, one per Dask task) return the same dispatcher and its compiled code.
"""
from __future__ import annotations

import builtins
import dis
import hashlib
import importlib
import marshal
import pickle
import sys
import threading
import types
from typing import Any

_rebuilt: dict[str, Any] = {}
_rebuilt_lock = threading.Lock()


def reduce_dispatcher(dispatcher: Any) -> tuple[Any, tuple[Any, ...]]:
    """Dispatcher.__reduce__."""
    func = dispatcher.py_func
    if _importable(dispatcher):
        return _by_reference, (func.__module__, func.__qualname__)
    return _by_value, _function_state(dispatcher)


def _importable(dispatcher: Any) -> bool:
    """Whether `module.qualname` names this very dispatcher, as it will in the receiver."""
    func = dispatcher.py_func
    module = func.__module__
    if module in (None, "__main__", "__mp_main__") or "<locals>" in func.__qualname__:
        return False
    try:
        return _lookup(sys.modules[module], func.__qualname__) is dispatcher
    except (KeyError, AttributeError):
        return False


def _lookup(obj: Any, qualname: str) -> Any:
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _by_reference(module: str, qualname: str) -> Any:
    return _lookup(importlib.import_module(module), qualname)


def _function_state(dispatcher: Any) -> tuple[Any, ...]:
    func = dispatcher.py_func
    code = marshal.dumps(func.__code__)
    cells = tuple(_encode(dispatcher, c.cell_contents) for c in func.__closure__ or ())
    names = sorted(_global_names(func.__code__))
    namespace = func.__globals__
    found = {name: _encode(dispatcher, namespace[name]) for name in names if name in namespace}
    eager = [(dispatcher._declared_returns.get(args), args) for args in dispatcher._eager_sigs]
    payload = pickle.dumps((found, cells, func.__defaults__, func.__kwdefaults__,
                            dispatcher.targetoptions, eager if dispatcher._eager else None))
    token = hashlib.sha256(code + func.__qualname__.encode() + payload).hexdigest()
    return (token, code, func.__name__, func.__qualname__, func.__module__, payload)


def _global_names(code: types.CodeType) -> set[str]:
    """The names the code (and the code of its nested functions) reads as globals."""
    names = {ins.argval for ins in dis.get_instructions(code)
             if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _encode(dispatcher: Any, value: Any) -> Any:
    if value is dispatcher:
        return _Self()
    if isinstance(value, types.ModuleType):
        return _Module(value.__name__)
    return value


class _Self:
    """A reference of the function to its own dispatcher (recursion)."""


class _Module:
    """A module global, imported by name in the receiver."""

    def __init__(self, name: str) -> None:
        self.name = name


def _by_value(token: str, code: bytes, name: str, qualname: str, module: str,
              payload: bytes) -> Any:
    with _rebuilt_lock:
        existing = _rebuilt.get(token)
        if existing is not None:
            return existing
    from jitcore.dispatcher import Dispatcher

    found, cells, defaults, kwdefaults, options, eager = pickle.loads(payload)
    namespace: dict[str, Any] = {"__builtins__": builtins, "__name__": module}
    func = types.FunctionType(marshal.loads(code), namespace, name, defaults,
                              tuple(types.CellType() for _ in cells) or None)
    func.__qualname__ = qualname
    func.__kwdefaults__ = kwdefaults
    dispatcher = Dispatcher(func, options)
    for key, value in found.items():
        namespace[key] = _decode(dispatcher, value)
    for cell, value in zip(func.__closure__ or (), cells):
        cell.cell_contents = _decode(dispatcher, value)
    if eager:  # the same declared signatures, compiled now that the globals are in place
        from jitcore.typeinfer.types import Signature

        dispatcher._eager = True
        for ret, args in eager:
            dispatcher.compile(Signature(ret, args) if ret is not None else args)
    with _rebuilt_lock:
        return _rebuilt.setdefault(token, dispatcher)


def _decode(dispatcher: Any, value: Any) -> Any:
    if isinstance(value, _Self):
        return dispatcher
    if isinstance(value, _Module):
        return importlib.import_module(value.name)
    return value
