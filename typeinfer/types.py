"""The type lattice: frozen value classes with singletons and `is_*` predicates.

    >>> promote(int32, float32)
    float64
    >>> Tuple((int64, float64))
    tuple(int64, float64)

Numeric promotion follows Numba (integers widen to at least 64 bits in
arithmetic; an integer meeting a float32 gives float64), which is NumPy's
scalar promotion with Python ints typed as int64.

The classes behave as frozen dataclasses with slots (equality and hash by class and
fields, keyword construction, pickling), written out by hand: this module is on the
path of a cache hit, and creating two dozen dataclasses costs several milliseconds.
"""
from __future__ import annotations

from typing import Any


def _frozen(obj: object, name: str) -> Exception:
    from dataclasses import FrozenInstanceError  # only when someone tries

    return FrozenInstanceError(f"cannot assign to field {name!r}")


class _Value:
    """Immutable; equal when the class and `_key` (the fields, in order) are equal."""

    __slots__ = ("_key",)
    __match_args__: tuple[str, ...] = ()
    _key: tuple[Any, ...]

    def _init(self, *values: Any) -> None:
        """Set the fields named by `__match_args__` (the dataclass field order)."""
        for name, value in zip(self.__match_args__, values):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_key", values)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._key == other._key
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key)

    def __setattr__(self, name: str, value: Any) -> None:
        raise _frozen(self, name)

    def __delattr__(self, name: str) -> None:
        raise _frozen(self, name)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._key)


class Type(_Value):
    """Base of every type; `name` is what messages and signatures print."""

    __slots__ = ()

    def __init__(self) -> None:
        object.__setattr__(self, "_key", ())

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return type(self).__name__.lower()

    @property
    def is_number(self) -> bool:
        return isinstance(self, (Boolean, Integer, Float, Complex))

    def __call__(self, *args: Type) -> Signature:
        """Numba's way of writing a signature: float64(int64, float64)."""
        return Signature(self, tuple(args))


class Boolean(Type):
    __slots__ = __match_args__ = ()

    @property
    def name(self) -> str:
        return "bool"


class Integer(Type):
    __slots__ = __match_args__ = ("bitwidth", "signed")
    bitwidth: int
    signed: bool

    def __init__(self, bitwidth: int, signed: bool = True) -> None:
        self._init(bitwidth, signed)

    @property
    def name(self) -> str:
        return f"{'' if self.signed else 'u'}int{self.bitwidth}"


class Float(Type):
    __slots__ = __match_args__ = ("bitwidth",)
    bitwidth: int

    def __init__(self, bitwidth: int) -> None:
        self._init(bitwidth)

    @property
    def name(self) -> str:
        return f"float{self.bitwidth}"


class Complex(Type):
    __slots__ = __match_args__ = ("bitwidth",)
    bitwidth: int  # of the whole number: complex128 is two float64

    def __init__(self, bitwidth: int) -> None:
        self._init(bitwidth)

    @property
    def name(self) -> str:
        return f"complex{self.bitwidth}"

    @property
    def underlying(self) -> Float:
        return Float(self.bitwidth // 2)


class NoneType(Type):
    __slots__ = __match_args__ = ()

    @property
    def name(self) -> str:
        return "none"


class ExceptionWithValues(Type):
    """An exception instance some of whose arguments are numbers computed at run time:
    argument i is the constant `consts[i]` where `values[i]` is None, else a value of
    type `values[i]` (laid out as a struct of those values, in order)."""

    __slots__ = __match_args__ = ("cls", "consts", "values")
    cls: type
    consts: tuple[Any, ...]
    values: tuple[Type | None, ...]

    def __init__(self, cls: type, consts: tuple[Any, ...],
                 values: tuple[Type | None, ...]) -> None:
        self._init(cls, consts, values)

    @property
    def name(self) -> str:
        return f"exception({self.cls.__name__})"

    @property
    def runtime(self) -> tuple[Type, ...]:
        return tuple(v for v in self.values if v is not None)


class CaughtException(Type):
    """The exception an `except` clause caught: a Python exception object whose references
    are counted like an array's (jitcore.frontend.ir.fetch_exception)."""

    __slots__ = __match_args__ = ()

    @property
    def name(self) -> str:
        return "caught exception"


class CaughtArgs(Type):
    """`e.args` of a caught exception (laid out as the exception, holding a reference):
    its length and its items read as float64 (their types are only known at run time)."""

    __slots__ = __match_args__ = ()

    @property
    def name(self) -> str:
        return "caught exception args"


class Optional(Type):
    """A value that is None on some paths and of type `base` on others (Numba's Optional).

    `x if c else None`, a function returning None on some paths: narrowed back to
    `base` by `is None` / `is not None` checks (typeinfer.narrowing).
    """

    __slots__ = __match_args__ = ("base",)
    base: Type

    def __init__(self, base: Type) -> None:
        self._init(base)

    @property
    def name(self) -> str:
        return f"OptionalType({self.base})"


def can_be_optional(ty: Type) -> bool:
    """Whether None and a value of `ty` may merge into Optional(ty): run-time values only."""
    return ty.is_number or isinstance(ty, (Tuple, Array))


class Undefined(Type):
    """The type of a local on a path where it is not assigned; merges into anything."""

    __slots__ = __match_args__ = ()


class Tuple(Type):
    """A tuple of fixed length; homogeneous or heterogeneous."""

    __slots__ = __match_args__ = ("items",)
    items: tuple[Type, ...]

    def __init__(self, items: tuple[Type, ...]) -> None:
        self._init(items)

    @property
    def name(self) -> str:
        if len(self.items) > 1 and all(t == self.items[0] for t in self.items):
            return f"UniTuple({self.items[0]} x {len(self.items)})"
        return f"tuple({', '.join(map(str, self.items))})"

    @property
    def is_homogeneous(self) -> bool:
        return all(t == self.items[0] for t in self.items)


class Range(Type):
    """The value of `range(...)`: start, stop, step of one integer type."""

    __slots__ = __match_args__ = ("dtype",)
    dtype: Integer

    def __init__(self, dtype: Integer) -> None:
        self._init(dtype)

    @property
    def name(self) -> str:
        return f"range({self.dtype})"


class RangeIter(Type):
    """The iterator over a range; lowered as a pointer to mutable state."""

    __slots__ = __match_args__ = ("dtype",)
    dtype: Integer

    def __init__(self, dtype: Integer) -> None:
        self._init(dtype)

    @property
    def name(self) -> str:
        return f"range_iter({self.dtype})"


class TupleIter(Type):
    """The iterator over a homogeneous tuple."""

    __slots__ = __match_args__ = ("tuple_type",)
    tuple_type: Tuple

    def __init__(self, tuple_type: Tuple) -> None:
        self._init(tuple_type)

    @property
    def name(self) -> str:
        return f"iter({self.tuple_type})"


class PyObjectConst(Type):
    """A compile-time Python object: a module, a builtin, an exception class.

    Its identity is the object; calls and attribute lookups on it are typed
    by rules registered for that object.
    """

    __slots__ = __match_args__ = ("value",)
    value: Any

    def __init__(self, value: Any) -> None:
        self._init(value)

    @property
    def name(self) -> str:
        v = self.value
        kind = type(v).__name__
        return f"{kind}({getattr(v, '__name__', repr(v))})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PyObjectConst) and other.value is self.value

    def __hash__(self) -> int:
        return hash(id(self.value))


class ExceptionValue(Type):
    """An exception instance built from constant arguments, ready to raise."""

    __slots__ = __match_args__ = ("cls", "args")
    cls: type
    args: tuple[Any, ...]

    def __init__(self, cls: type, args: tuple[Any, ...]) -> None:
        self._init(cls, args)

    @property
    def name(self) -> str:
        return f"exception({self.cls.__name__})"


class Dispatcher(Type):
    """The function type of another jitted function (a `jitcore` dispatcher)."""

    __slots__ = __match_args__ = ("dispatcher",)
    dispatcher: Any

    def __init__(self, dispatcher: Any) -> None:
        self._init(dispatcher)

    @property
    def name(self) -> str:
        return f"function({self.dispatcher.py_func.__qualname__})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dispatcher) and other.dispatcher is self.dispatcher

    def __hash__(self) -> int:
        return hash(id(self.dispatcher))


class FunctionChoice(Type):
    """One of several jitted functions, chosen at run time (`f = g if c else h`).

    Held as the index of the chosen option; a call branches to a direct call of each,
    so every option is specialised for the call's argument types (and inlined).
    """

    __slots__ = __match_args__ = ("options",)
    options: tuple[Dispatcher, ...]

    def __init__(self, options: tuple[Dispatcher, ...]) -> None:
        self._init(options)

    @property
    def name(self) -> str:
        return "function(" + " | ".join(o.dispatcher.py_func.__qualname__
                                        for o in self.options) + ")"


class BoundClosure(Tuple):
    """An inner function that reads enclosing variables, passed as a value: laid out as the
    tuple of the values it captured (`items`), called as `function(*items, *args)`."""

    __slots__ = ("function",)
    __match_args__ = ("items", "function")
    function: Dispatcher

    def __init__(self, items: tuple[Type, ...], function: Dispatcher) -> None:
        self._init(items, function)

    @property
    def name(self) -> str:
        return f"closure({self.function.dispatcher.py_func.__qualname__})"


def _function_options(ty: Type) -> tuple[Dispatcher, ...] | None:
    if isinstance(ty, Dispatcher):
        return (ty,)
    return ty.options if isinstance(ty, FunctionChoice) else None


class BoundMethod(Type):
    """`obj.attr` where attr is a method (c.conjugate): holds obj's value until the call.

    Calls are typed by the rule for "method.<attr>" on `this` and lowered likewise.
    """

    __slots__ = __match_args__ = ("this", "attr")
    this: Type
    attr: str

    def __init__(self, this: Type, attr: str) -> None:
        self._init(this, attr)

    @property
    def name(self) -> str:
        return f"method({self.this}.{self.attr})"


class Signature(_Value):
    """What a typing rule decides: the result type and the types the operands are cast to."""

    __slots__ = __match_args__ = ("return_type", "args")
    return_type: Type
    args: tuple[Type, ...]

    def __init__(self, return_type: Type, args: tuple[Type, ...]) -> None:
        self._init(return_type, args)

    def __str__(self) -> str:
        return f"{self.return_type}({', '.join(map(str, self.args))})"

    def __repr__(self) -> str:
        return f"Signature(return_type={self.return_type!r}, args={self.args!r})"


boolean = Boolean()
int8, int16, int32, int64 = (Integer(w) for w in (8, 16, 32, 64))
uint8, uint16, uint32, uint64 = (Integer(w, False) for w in (8, 16, 32, 64))
float32, float64 = Float(32), Float(64)
complex64, complex128 = Complex(64), Complex(128)
none = NoneType()
caught_exception = CaughtException()
caught_args = CaughtArgs()
undefined = Undefined()
intp = int64
b1 = bool_ = boolean
float_, double = float32, float64

integer_types = (int8, int16, int32, int64, uint8, uint16, uint32, uint64)
float_types = (float32, float64)
complex_types = (complex64, complex128)
number_types = (boolean, *integer_types, *float_types, *complex_types)

BY_NAME: dict[str, Type] = {t.name: t for t in number_types}
BY_NAME.update(
    {"none": none, "intp": intp, "uintp": uint64, "bool_": boolean, "b1": boolean,
     "float": float64, "double": float64, "int": int64, "complex": complex128,
     "i1": int8, "i2": int16, "i4": int32, "i8": int64, "u1": uint8, "u2": uint16,
     "u4": uint32, "u8": uint64, "f4": float32, "f8": float64, "c8": complex64,
     "c16": complex128, "void": none}
)


def optional(base: Type) -> Optional:
    """Numba's spelling of an Optional type: types.optional(float64)."""
    return Optional(base)


def UniTuple(item: Type, count: int) -> Tuple:
    """Numba's spelling of a homogeneous tuple type."""
    return Tuple((item,) * count)


def _rank(ty: Type) -> int:
    """Order of kinds in promotion: bool < int < float < complex."""
    return {Boolean: 0, Integer: 1, Float: 2, Complex: 3}[type(ty)]


def promote_ints(*types: Integer) -> Integer:
    """Arithmetic result of integers: at least 64 bits, signed if any is signed (Numba)."""
    width = max(64, *(t.bitwidth for t in types))
    return Integer(width, any(t.signed for t in types))


def promote(a: Type, b: Type) -> Type:
    """The common type of two numbers in arithmetic (bools count as integers)."""
    a2 = int64 if isinstance(a, Boolean) else a
    b2 = int64 if isinstance(b, Boolean) else b
    if isinstance(a2, Integer) and isinstance(b2, Integer):
        return promote_ints(a2, b2)
    if isinstance(a2, Complex) or isinstance(b2, Complex):
        widths = [t.bitwidth for t in (a2, b2) if isinstance(t, Complex)]
        widths += [t.bitwidth * 2 for t in (a2, b2) if isinstance(t, Float)]
        if any(isinstance(t, Integer) for t in (a2, b2)):
            widths.append(128)
        return Complex(max(widths))
    fa = a2.bitwidth if isinstance(a2, Float) else 64
    fb = b2.bitwidth if isinstance(b2, Float) else 64
    return Float(max(fa, fb))


def unify(a: Type, b: Type) -> Type | None:
    """The type two values merging at a join point take, or None if they cannot merge.

    Unlike `promote`, small integers keep their width when they meet their own
    kind (int32 with int32 stays int32) and bool stays bool.
    """
    if a == b:
        return a
    if isinstance(a, Undefined):
        return b
    if isinstance(b, Undefined):
        return a
    if isinstance(a, (NoneType, Optional)) or isinstance(b, (NoneType, Optional)):
        return _unify_optional(a, b)
    if a.is_number and b.is_number:
        if isinstance(a, Integer) and isinstance(b, Integer):
            if a.signed == b.signed:
                return Integer(max(a.bitwidth, b.bitwidth), a.signed)
            return promote_ints(a, b)
        if isinstance(a, Float) and isinstance(b, Float):
            return Float(max(a.bitwidth, b.bitwidth))
        if _rank(a) != _rank(b) and (isinstance(a, Boolean) or isinstance(b, Boolean)):
            other = b if isinstance(a, Boolean) else a
            return other if not isinstance(other, Integer) else promote_ints(other)
        return promote(a, b)
    if isinstance(a, Tuple) and isinstance(b, Tuple) and len(a.items) == len(b.items):
        items = [unify(x, y) for x, y in zip(a.items, b.items)]
        if all(t is not None for t in items):
            return Tuple(tuple(t for t in items if t is not None))
    fa, fb = _function_options(a), _function_options(b)
    if fa is not None and fb is not None:  # two jitted functions: either, chosen at run time
        return FunctionChoice(fa + tuple(f for f in fb if f not in fa))
    return merge_layouts(a, b)


def merge_layouts(a: Type, b: Type) -> Type | None:
    """The type of `a` and `b` merged where they differ only in array layouts and flags.

    Arrays of one dtype and ndim merge as any-strided ('A'), read-only if either is, and
    so do the iterators, `a.flat`, `enumerate` and `zip` values holding them: the data
    model does not depend on the layout (`for v in (a if c else a[::-1])`). None if
    anything else differs.
    """
    if a == b:
        return a
    if isinstance(a, Array) and isinstance(b, Array) and (a.dtype, a.ndim) == (b.dtype, b.ndim):
        return a.copy(layout=a.layout if a.layout == b.layout else "A",
                      readonly=a.readonly or b.readonly, aligned=a.aligned and b.aligned)
    if isinstance(a, Tuple) and isinstance(b, Tuple) and len(a.items) == len(b.items):
        items = [merge_layouts(x, y) for x, y in zip(a.items, b.items)]
        return None if None in items else Tuple(tuple(t for t in items if t is not None))
    if type(a) is type(b) and isinstance(a, _ARRAY_HOLDERS):
        fields = []
        for name in a.__match_args__:
            x, y = getattr(a, name), getattr(b, name)
            if isinstance(x, tuple):
                merged: Any = tuple(merge_layouts(u, v) for u, v in zip(x, y))
                if len(x) != len(y) or None in merged:
                    return None
            elif isinstance(x, Type):
                merged = merge_layouts(x, y)
                if merged is None:
                    return None
            elif x == y:
                merged = x
            else:
                return None
            fields.append(merged)
        return type(a)(*fields)
    return None


def _unify_optional(a: Type, b: Type) -> Type | None:
    """None meeting a value gives Optional(value); Optionals merge by their bases."""
    bases = [x.base if isinstance(x, Optional) else x for x in (a, b)
             if not isinstance(x, NoneType)]
    if len(bases) == 1:
        base: Type | None = bases[0]
    else:
        base = unify(bases[0], bases[1])
    if base is None or not can_be_optional(base):
        return None
    return Optional(base)


def can_convert(src: Type, dst: Type) -> bool:
    """Whether a value of `src` may be passed where `dst` is declared (eager signatures)."""
    if src == dst:
        return True
    if isinstance(dst, Optional):
        return isinstance(src, NoneType) or can_convert(
            src.base if isinstance(src, Optional) else src, dst.base)
    if src.is_number and dst.is_number:
        return _rank(src) <= _rank(dst)
    if isinstance(src, Tuple) and isinstance(dst, Tuple) and len(src.items) == len(dst.items):
        return all(can_convert(s, d) for s, d in zip(src.items, dst.items))
    if isinstance(src, Array) and isinstance(dst, Array):  # the same data, a weaker promise
        return ((src.dtype, src.ndim) == (dst.dtype, dst.ndim)
                and dst.layout in (src.layout, "A") and (dst.readonly or not src.readonly)
                and (src.aligned or not dst.aligned))
    return False


class Array(Type):
    """A NumPy array: element type, number of dimensions, layout 'C', 'F' or 'A' (any strides).

    `aligned=False` for data not aligned to its item size (a view at an odd offset of
    a byte buffer): its elements are loaded and stored with alignment 1.

    >>> Array(float64, 2, "C")
    array(float64, 2d, C)
    """

    __slots__ = __match_args__ = ("dtype", "ndim", "layout", "readonly", "aligned")
    dtype: Type
    ndim: int
    layout: str
    readonly: bool
    aligned: bool

    def __init__(self, dtype: Type, ndim: int, layout: str = "A", readonly: bool = False,
                 aligned: bool = True) -> None:
        self._init(dtype, ndim, layout, readonly, aligned)

    @property
    def name(self) -> str:
        ro = ", readonly" if self.readonly else ""
        unaligned = ", unaligned" if not self.aligned else ""
        return f"array({self.dtype}, {self.ndim}d, {self.layout}{ro}{unaligned})"

    def copy(self, **changes: Any) -> Array:
        fields = {"dtype": self.dtype, "ndim": self.ndim, "layout": self.layout,
                  "readonly": self.readonly, "aligned": self.aligned, **changes}
        return Array(**fields)


class Slice(Type):
    """slice(start, stop, step) built at run time; `present` tells which parts are not None.

    >>> Slice((True, True, False))
    slice(int64:int64)
    """

    __slots__ = __match_args__ = ("present",)
    present: tuple[bool, bool, bool]

    def __init__(self, present: tuple[bool, bool, bool]) -> None:
        self._init(present)

    @property
    def name(self) -> str:
        parts = ["int64" if p else "" for p in self.present]
        return f"slice({':'.join(parts if self.present[2] else parts[:2])})"


class ArrayFlat(Type):
    """`a.flat`: the array seen as one dimension in C order (indexing and iteration)."""

    __slots__ = __match_args__ = ("array",)
    array: Array

    def __init__(self, array: Array) -> None:
        self._init(array)

    @property
    def name(self) -> str:
        return f"flat({self.array})"


class Enumerate(Type):
    """The value of `enumerate(iterable, start)`: the iterable and the first count."""

    __slots__ = __match_args__ = ("iterable", "inner")
    iterable: Type
    inner: Type  # the type of iter(iterable)

    def __init__(self, iterable: Type, inner: Type) -> None:
        self._init(iterable, inner)

    @property
    def name(self) -> str:
        return f"enumerate({self.iterable})"


class EnumerateIter(Type):
    """The iterator of `for i, x in enumerate(...)`: a counter and the inner iterator."""

    __slots__ = __match_args__ = ("inner", "item")
    inner: Type
    item: Type  # what the inner iterator yields

    def __init__(self, inner: Type, item: Type) -> None:
        self._init(inner, item)

    @property
    def name(self) -> str:
        return f"iter(enumerate {self.inner})"


class Zip(Type):
    """The value of `zip(a, b, ...)`: the iterables."""

    __slots__ = __match_args__ = ("iterables", "inners")
    iterables: tuple[Type, ...]
    inners: tuple[Type, ...]  # the types of iter(a), iter(b), ...

    def __init__(self, iterables: tuple[Type, ...], inners: tuple[Type, ...]) -> None:
        self._init(iterables, inners)

    @property
    def name(self) -> str:
        return f"zip({', '.join(map(str, self.iterables))})"


class ZipIter(Type):
    """The iterator of `for a, b in zip(...)`: one inner iterator per iterable."""

    __slots__ = __match_args__ = ("inners", "items")
    inners: tuple[Type, ...]
    items: tuple[Type, ...]

    def __init__(self, inners: tuple[Type, ...], items: tuple[Type, ...]) -> None:
        self._init(inners, items)

    @property
    def name(self) -> str:
        return f"iter(zip {', '.join(map(str, self.inners))})"


class ArrayIter(Type):
    """The iterator of `for x in a` (over the first axis) or `for x in a.flat`."""

    __slots__ = __match_args__ = ("array", "flat")
    array: Array
    flat: bool

    def __init__(self, array: Array, flat: bool = False) -> None:
        self._init(array, flat)

    @property
    def name(self) -> str:
        return f"iter({'flat ' if self.flat else ''}{self.array})"


# Types holding arrays whose data model does not depend on the arrays' layouts.
_ARRAY_HOLDERS = (ArrayIter, ArrayFlat, Enumerate, EnumerateIter, Zip, ZipIter)
