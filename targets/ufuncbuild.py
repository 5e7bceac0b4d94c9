"""Build genuine `numpy.ufunc` objects from native inner loops, through NumPy's ufunc C API.

    uf = make_ufunc("f", [Loop(addr, "dd->d")], nin=2, nout=1, identity=None)
    isinstance(uf, np.ufunc)                 # True: NumPy broadcasts, casts, reduces

The table behind `numpy/__ufunc_api.h` (the `_UFUNC_API` capsule) gives
PyUFunc_FromFuncAndDataAndSignatureAndIdentity. NumPy keeps pointers to the
arrays of loops, data and type codes we pass, so they are kept alive for the
process (`_keepalive`), as are the name, doc and signature strings.

Dynamic ufuncs add loops later: `add_loop` writes new arrays into the ufunc's
`functions`/`data`/`types`/`ntypes` fields, which NumPy 2 supports explicitly
("this block exists solely to support numba's DUFuncs", dispatching.c), and
`install_resolver` replaces its type resolver by generated code that asks
Python to compile a loop for the operands' dtypes first. Field offsets are
checked against the running NumPy before anything is written.
"""
from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

# Slots of NumPy's ufunc C API table (numpy/__ufunc_api.h, NumPy 1.16+ and 2.x).
_FROM_FUNC_AND_DATA_AND_SIGNATURE_AND_IDENTITY = 42
# PyUFuncObject fields (numpy/ufuncobject.h): byte offsets on 64-bit platforms.
_NIN, _NOUT, _NARGS, _FUNCTIONS, _DATA, _NTYPES, _NAME, _TYPES = 16, 20, 24, 32, 40, 48, 56, 64
_USERLOOPS, _CORE_ENABLED, _CORE_SIGNATURE, _TYPE_RESOLVER = 96, 104, 136, 144
# identity= values NumPy knows by number (PyUFunc_Zero, One, None, ReorderableNone, Value)
_IDENTITY_ZERO, _IDENTITY_ONE, _IDENTITY_NONE, _IDENTITY_REORDERABLE = 0, 1, -1, -2
_IDENTITY_VALUE = -3

_keepalive: list[Any] = []  # arrays and strings NumPy points into, for the process


@dataclass(frozen=True)
class Loop:
    """One inner loop: its address, its data pointer and its NumPy type codes ("dd->d")."""

    address: int
    types: str
    data: int = 0

    def type_numbers(self) -> list[int]:
        import numpy as np

        return [np.dtype(c).num for c in self.types.replace("->", "")]


@cache
def _api_table() -> int:
    from numpy._core import _multiarray_umath  # type: ignore[attr-defined]

    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return int(get(_multiarray_umath._UFUNC_API, None))


def _slot(index: int) -> int:
    return int(ctypes.c_void_p.from_address(_api_table() + 8 * index).value or 0)


_FROM_FUNC_TYPE = ctypes.PYFUNCTYPE(
    ctypes.py_object, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
    ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int,
    ctypes.c_char_p, ctypes.c_void_p)


def _identity_args(identity: Any) -> tuple[int, Any]:
    """NumPy's identity code and value for Numba's spellings: 0, 1, None, "reorderable"."""
    if identity is None:
        return _IDENTITY_NONE, None
    if isinstance(identity, str):
        if identity != "reorderable":
            raise ValueError(f"identity must be a number, None or 'reorderable', "
                             f"not {identity!r}")
        return _IDENTITY_REORDERABLE, None
    if type(identity) is int and identity in (0, 1):
        return (_IDENTITY_ZERO if identity == 0 else _IDENTITY_ONE), None
    return _IDENTITY_VALUE, identity


def _arrays(loops: list[Loop], nargs: int) -> tuple[Any, Any, Any]:
    functions = (ctypes.c_void_p * max(1, len(loops)))(*[lp.address for lp in loops])
    data = (ctypes.c_void_p * max(1, len(loops)))(*[lp.data or None for lp in loops])
    codes = [n for lp in loops for n in lp.type_numbers()]
    assert len(codes) == nargs * len(loops), (codes, nargs)
    types = (ctypes.c_ubyte * max(1, len(codes)))(*codes)  # NumPy's char *types
    _keepalive.extend((functions, data, types))
    return functions, data, types


def make_ufunc(name: str, loops: list[Loop], nin: int, nout: int, identity: Any = None,
               doc: str = "", signature: str | None = None) -> Any:
    """A new numpy.ufunc (a generalised one when `signature` is given, e.g. "(n),(n)->()")."""
    functions, data, types = _arrays(loops, nin + nout)
    code, value = _identity_args(identity)
    strings = [name.encode(), doc.encode(), signature.encode() if signature else None]
    _keepalive.extend((*strings, value))
    create = _FROM_FUNC_TYPE(_slot(_FROM_FUNC_AND_DATA_AND_SIGNATURE_AND_IDENTITY))
    ufunc = create(functions, data, types, len(loops), nin, nout, code, strings[0], strings[1],
                   0, strings[2], None if code != _IDENTITY_VALUE else id(value))
    _check_layout(ufunc)
    return ufunc


# --- ufunc fields, for dynamic ufuncs ------------------------------------------------------

def _word(ufunc: Any, offset: int) -> ctypes.c_void_p:
    return ctypes.c_void_p.from_address(id(ufunc) + offset)


def _int(ufunc: Any, offset: int) -> ctypes.c_int:
    return ctypes.c_int.from_address(id(ufunc) + offset)


def _check_layout(ufunc: Any) -> None:
    """Refuse to touch a ufunc whose fields are not where numpy/ufuncobject.h says."""
    ok = (_int(ufunc, _NIN).value == ufunc.nin and _int(ufunc, _NOUT).value == ufunc.nout
          and _int(ufunc, _NARGS).value == ufunc.nargs
          and _int(ufunc, _NTYPES).value == ufunc.ntypes
          and ctypes.string_at(_word(ufunc, _NAME).value or 0) == ufunc.__name__.encode())
    if ok and ufunc.signature is not None:
        ok = ctypes.string_at(_word(ufunc, _CORE_SIGNATURE).value or 0).decode().replace(
            " ", "") == ufunc.signature.replace(" ", "")
    if not ok:
        import numpy as np

        raise RuntimeError(f"unexpected ufunc object layout in NumPy {np.__version__}")


def add_loop(ufunc: Any, loop: Loop) -> None:
    """Put `loop` first in the ufunc's loop list (NumPy's linear search prefers it)."""
    nargs = ufunc.nargs
    count = _int(ufunc, _NTYPES).value
    old_functions = ctypes.cast(_word(ufunc, _FUNCTIONS).value or 0,
                                ctypes.POINTER(ctypes.c_void_p))
    old_data = ctypes.cast(_word(ufunc, _DATA).value or 0, ctypes.POINTER(ctypes.c_void_p))
    old_types = ctypes.string_at(_word(ufunc, _TYPES).value or 0, count * nargs)
    functions = (ctypes.c_void_p * (count + 1))(loop.address, *old_functions[:count])
    data = (ctypes.c_void_p * (count + 1))(loop.data or None, *old_data[:count])
    types = (ctypes.c_ubyte * ((count + 1) * nargs))(*loop.type_numbers(), *old_types)
    _keepalive.extend((functions, data, types))  # old arrays stay alive too (in _keepalive)
    _word(ufunc, _FUNCTIONS).value = ctypes.addressof(functions)
    _word(ufunc, _DATA).value = ctypes.addressof(data)
    _word(ufunc, _TYPES).value = ctypes.addressof(types)
    _int(ufunc, _NTYPES).value = count + 1


def install_resolver(ufunc: Any, make_resolver: Callable[[int], int]) -> None:
    """Replace the ufunc's type resolver by `make_resolver(address of NumPy's default)`."""
    default = int(_word(ufunc, _TYPE_RESOLVER).value or 0)
    if not default:
        raise RuntimeError("a ufunc created by PyUFunc_FromFuncAndData has no type resolver")
    _word(ufunc, _TYPE_RESOLVER).value = make_resolver(default)
    if not _word(ufunc, _USERLOOPS).value:
        # NumPy consults the type resolver only for ufuncs with loops or user loops;
        # an empty user-loop dict makes a ufunc without loops yet ask it (and is harmless).
        loops: dict[Any, Any] = {}
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(loops))
        _word(ufunc, _USERLOOPS).value = id(loops)
