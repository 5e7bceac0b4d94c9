"""Typing rules for array indexing beyond integers: slices, None, `...`, masks, index arrays.

    array(float64, 1d, C)[1:3]            -> array(float64, 1d, C)   (a view)
    array(float64, 1d, C)[::2]            -> array(float64, 1d, A)
    array(float64, 2d, C)[:, j]           -> array(float64, 1d, A)
    array(float64, 2d, C)[i, None, 1:]    -> array(float64, 2d, C)
    array(float64, 1d, C)[mask]           -> array(float64, 1d, C)   (a copy)
    array(float64, 2d, C)[idx]            -> array(float64, 2d, C)   (rows, a copy)
    array(float64, 3d, C)[0, :, idx]      -> array(float64, 2d, C)   (idx's axis first)
    slice(a, b)                           -> slice(int64:int64)

Basic indexes (integers, slices, None, one Ellipsis) give views whose layout is
worked out here; boolean and integer index arrays give new C arrays. Assignments
through any of these broadcast a scalar or an array into the selected elements.
"""
from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Literal

from jitcore.frontend.errors import TypingError

from ..registry import call_rule, op_rule
from ..types import (
    Array,
    Boolean,
    Integer,
    NoneType,
    PyObjectConst,
    Signature,
    Slice,
    Tuple,
    Type,
    int64,
    none,
)

Kind = Literal["int", "slice", "newaxis", "ellipsis", "array"]


# slice(start, stop[, step]) with variable parts (constant ones are folded by the flow builder)
@call_rule(builtins.slice)
def slice_call(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if kws or not 1 <= len(args) <= 3:
        return None
    parts = list(args) if len(args) > 1 else [none, args[0]]
    parts += [none] * (3 - len(parts))
    if not all(isinstance(p, (Integer, Boolean, NoneType)) for p in parts):
        return None
    present = tuple(not isinstance(p, NoneType) for p in parts)
    converted = tuple(_as_index(a) if not isinstance(a, NoneType) else a for a in args)
    return Signature(Slice(present), converted)  # type: ignore[arg-type]


def index_kind(ty: Type) -> Kind | None:
    if isinstance(ty, Integer):
        return "int"
    if isinstance(ty, Slice):
        return "slice"
    if isinstance(ty, PyObjectConst) and isinstance(ty.value, slice):
        parts = (ty.value.start, ty.value.stop, ty.value.step)
        return "slice" if all(p is None or isinstance(p, int) for p in parts) else None
    if isinstance(ty, NoneType):
        return "newaxis"
    if isinstance(ty, PyObjectConst) and ty.value is Ellipsis:
        return "ellipsis"
    if isinstance(ty, Array) and isinstance(ty.dtype, (Integer, Boolean)):
        return "array"
    return None


def axes_consumed(ty: Type) -> int:
    """How many axes of the indexed array an index item selects (a mask: its ndim)."""
    kind = index_kind(ty)
    if kind == "array" and isinstance(ty, Array) and isinstance(ty.dtype, Boolean):
        return ty.ndim
    return 1 if kind in ("int", "slice", "array") else 0


def index_items(index: Type) -> tuple[Type, ...]:
    return index.items if isinstance(index, Tuple) else (index,)


def convert_index(index: Type) -> Type:
    """The index with its integers converted to int64 (what the lowering receives)."""
    if isinstance(index, Tuple):
        return Tuple(tuple(_as_index(i) if isinstance(i, Integer) else i for i in index.items))
    return _as_index(index) if isinstance(index, Integer) else index


def _as_index(ty: Type) -> Type:
    """int64, except uint64 stays: its values past 2**63 must not wrap to negatives."""
    return ty if isinstance(ty, Integer) and ty.bitwidth == 64 and not ty.signed else int64


def _slice_shape(ty: Type) -> str:
    """'full' (:), 'partial' (a:b, unit step) or 'strided' (any other step)."""
    if isinstance(ty, PyObjectConst):
        s: slice = ty.value
        if s.step not in (None, 1):
            return "strided"
        return "full" if s.start is None and s.stop is None else "partial"
    assert isinstance(ty, Slice)
    if ty.present[2]:
        return "strided"
    return "full" if not ty.present[0] and not ty.present[1] else "partial"


def expand_positions(arr: Array, items: tuple[Type, ...]) -> list[int | None]:
    """The position in `items` of each expanded item, None for ':' put in for `...` or the
    implicit trailing axes."""
    kinds = [index_kind(i) for i in items]
    if kinds.count("ellipsis") > 1:
        raise TypingError("an index can only have a single ellipsis ('...')")
    consumed = sum(axes_consumed(i) for i in items)
    if consumed > arr.ndim:
        raise TypingError(f"too many indices for {arr}: {consumed} given")
    fill: list[int | None] = [None] * (arr.ndim - consumed)
    out: list[int | None] = []
    for pos, kind in enumerate(kinds):
        out += fill if kind == "ellipsis" else [pos]
    if "ellipsis" not in kinds:
        out += fill
    return out


def expand(arr: Array, items: tuple[Type, ...]) -> list[Type | None]:
    """The index items with `...` (or the implicit trailing axes) as None placeholders for ':'.

    None placeholders are full slices; NoneType items stay (new axes).
    """
    return [None if pos is None else items[pos] for pos in expand_positions(arr, items)]


def _contiguous(shapes: list[str]) -> bool:
    """Whether fixed/sliced axes, read outermost first, keep a contiguous block."""
    seen_slice = False
    for shape in shapes:
        if shape == "int":
            if seen_slice:
                return False
        elif (seen_slice and shape != "full") or shape == "strided":
            return False
        else:
            seen_slice = True
    return True


def view_type(arr: Array, items: tuple[Type, ...]) -> Type:
    """The result of basic indexing: the element, or a view with its layout."""
    expanded = expand(arr, items)
    kinds = [index_kind(i) for i in items]
    ndim = sum(i is None or index_kind(i) in ("slice", "newaxis") for i in expanded)
    if ndim == 0 and "ellipsis" not in kinds and "newaxis" not in kinds:
        return arr.dtype
    shapes = ["full" if i is None else "int" if index_kind(i) == "int" else _slice_shape(i)
              for i in expanded if not isinstance(i, NoneType)]
    layout = "A"
    if arr.layout == "C" and _contiguous(shapes):
        layout = "C"
    elif arr.layout == "F" and _contiguous(shapes[::-1]):
        layout = "F"
    if ndim <= 1 and layout == "F":
        layout = "C"  # one contiguous axis is both; typeof calls it C
    return arr.copy(ndim=ndim, layout=layout)


def is_basic(items: tuple[Type, ...]) -> bool:
    kinds = [index_kind(i) for i in items]
    return None not in kinds and "array" not in kinds


def fancy_type(arr: Array, index: Array) -> Array:
    """a[mask] (mask over the leading axes) or a[idx] (integer array over axis 0): new arrays."""
    if isinstance(index.dtype, Boolean):
        if index.ndim > arr.ndim or index.ndim == 0:
            raise TypingError(f"cannot index {arr} with a boolean array of {index.ndim} "
                              "dimensions", None, "the mask covers the leading axes")
        return Array(arr.dtype, arr.ndim - index.ndim + 1, "C")
    if arr.ndim == 0:
        raise TypingError("a 0-d array cannot be indexed with an integer array")
    return Array(arr.dtype, index.ndim + arr.ndim - 1, "C")


@dataclass(frozen=True)
class Mixed:
    """How a tuple index holding index arrays selects (NumPy's advanced indexing).

    `entries` has one (kind, position in the tuple) per expanded item, with ("slice", None)
    for the ':' that `...` and the implicit trailing axes stand for. Once an array is present
    the integers are advanced indexes too. The advanced indexes broadcast to `adv_ndim`
    dimensions, which stand where the advanced items are when those are adjacent, else
    first: `adv_at` is the number of result axes before them.
    """
    entries: tuple[tuple[Kind, int | None], ...]
    adv_ndim: int
    adv_at: int
    ndim: int


def _known(kind: Kind | None) -> Kind:
    assert kind is not None  # is_mixed: every item of the index is supported
    return kind


def is_mixed(index: Type) -> bool:
    """A tuple index with at least one index array and only supported items."""
    kinds = [index_kind(i) for i in index_items(index)]
    return isinstance(index, Tuple) and "array" in kinds and None not in kinds


def mixed_plan(arr: Array, items: tuple[Type, ...]) -> Mixed:
    arrays = [i for i in items if isinstance(i, Array)]
    if sum(isinstance(i.dtype, Boolean) for i in arrays) > 1:
        raise TypingError(f"cannot index {arr} with more than one boolean array", None,
                          "combine the masks with & into one")
    if any(i.ndim == 0 for i in arrays):
        raise TypingError(f"cannot index {arr} with a 0-d index array next to other indexes",
                          None, "use an integer: int(i) or i[()]")
    kinds = [index_kind(i) for i in items]
    entries: tuple[tuple[Kind, int | None], ...] = tuple(
        ("slice", None) if pos is None else (_known(kinds[pos]), pos)
        for pos in expand_positions(arr, items))
    advanced = [k for k, (kind, _) in enumerate(entries) if kind in ("int", "array")]
    adjacent = advanced[-1] - advanced[0] + 1 == len(advanced)
    adv_at = sum(kind in ("slice", "newaxis") for kind, _ in entries[:advanced[0]])
    adv_ndim = max(1 if isinstance(i.dtype, Boolean) else i.ndim for i in arrays)
    ndim = adv_ndim + sum(kind in ("slice", "newaxis") for kind, _ in entries)
    return Mixed(entries, adv_ndim, adv_at if adjacent else 0, ndim)


@op_rule("getitem", Array, Type)
def getitem(arr: Array, index: Type) -> Signature | None:
    items = index_items(index)
    if isinstance(index, Array):
        if index_kind(index) != "array":
            return None
        return Signature(fancy_type(arr, index), (arr, index))
    if is_mixed(index):
        ret = Array(arr.dtype, mixed_plan(arr, items).ndim, "C")
        return Signature(ret, (arr, convert_index(index)))
    if not is_basic(items):
        return None
    if arr.ndim == 0 and isinstance(index, Integer):
        raise TypingError("a 0-d array cannot be indexed with an integer", None,
                          "use a[()] to read its value")
    return Signature(view_type(arr, items), (arr, convert_index(index)))


def check_writable(arr: Array) -> None:
    if arr.readonly:
        raise TypingError(f"cannot assign to an element of a read-only array ({arr})", None,
                          "pass a writeable array or copy it first")


@op_rule("setitem", Array, Type, Type)
def setitem(arr: Array, index: Type, value: Type) -> Signature | None:
    if index_kind(index) != "array" and not is_basic(index_items(index)) and not is_mixed(index):
        return None
    check_writable(arr)
    if isinstance(index, Array):
        target: Type = fancy_type(arr, index)
        converted: Type = index
    elif is_mixed(index):
        target = Array(arr.dtype, mixed_plan(arr, index_items(index)).ndim, "C")
        converted = convert_index(index)
    else:
        target = view_type(arr, index_items(index))
        converted = convert_index(index)
    if value.is_number:
        return Signature(none, (arr, converted, arr.dtype))
    if (isinstance(value, Tuple) and isinstance(target, Array) and value.items
            and all(item.is_number for item in value.items)):  # a[:2] = (x, y)
        return Signature(none, (arr, converted, Tuple((arr.dtype,) * len(value.items))))
    if not isinstance(target, Array) or not isinstance(value, Array) or not value.dtype.is_number:
        return None
    if value.ndim > target.ndim:
        raise TypingError(f"cannot assign {value} to a selection of {target.ndim} dimensions "
                          f"of {arr}", None, "the value must broadcast to the selection")
    return Signature(none, (arr, converted, value))
