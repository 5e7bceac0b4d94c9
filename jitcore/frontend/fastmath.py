"""The `fastmath` option: True, False, or a set of LLVM fast-math flags, as Numba takes it.

    @njit(fastmath=True)                    every flag ("fast")
    @njit(fastmath={"contract"})            fused multiply-add allowed, nothing else
    @njit(fastmath={"nnan", "ninf", "nsz"}) no NaN, no infinity, no signed zero

`contract` alone lets a * b + c become one fused multiply-add (one rounding instead of
two, as gcc does by default) while keeping the order of every sum; `reassoc` is what
lets a float reduction vectorise; `afn` lets math functions use vector variants.
"""
from __future__ import annotations

from typing import Any

FLAGS = ("afn", "arcp", "contract", "fast", "ninf", "nnan", "nsz", "reassoc")


def normalise(value: Any) -> bool | tuple[str, ...]:
    """True, False, or the sorted flags of a set, list or {flag: bool} dict."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, dict):
        names = [name for name, on in value.items() if on]
    elif isinstance(value, (set, frozenset, list, tuple)):
        names = list(value)
    else:
        raise TypeError(f"fastmath must be True, False or a set of flags, not {value!r}")
    unknown = sorted(str(name) for name in names if name not in FLAGS)
    if unknown:
        raise ValueError(f"unknown fastmath flag(s) {', '.join(map(repr, unknown))}; "
                         f"the flags are {', '.join(FLAGS)}")
    if "fast" in names:
        return True
    return tuple(sorted(set(names))) or False


def llvm_flags(value: Any) -> tuple[str, ...]:
    """The flags lowering puts on float operations and math calls for an option value."""
    value = normalise(value)
    if value is True:
        return ("fast",)
    return value or ()
