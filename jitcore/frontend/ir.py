"""The flow-graph IR: blocks with arguments, links passing values, ops with locations.

    block0(n):
      v0 = call range(n)
      v1 = getiter v0
      jump block1(v1, 0)
    block1(it, total):
      v2 = iternext it           # (value, valid)
      ...

There are no phis: a block declares `inputargs` and every `Link` into it
passes one value per argument (as in rpython's flow model). After type
inference each `Variable` carries its type in `v.type` and each op its
`Signature` in `op.sig`.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, final

from jitcore.frontend.errors import Loc


class Value:
    """Something an op reads: a Variable or a Constant."""

    __slots__ = ()
    type: Any


@final
class Variable(Value):
    """An SSA value: assigned once, by an op or as a block argument."""

    __slots__ = ("name", "type")
    _counter = 0

    def __init__(self, name: str = "v") -> None:
        Variable._counter += 1
        self.name = f"{name}_{Variable._counter}"
        self.type: Any = None

    def __repr__(self) -> str:
        return self.name


@final
class Constant(Value):
    """A compile-time value: a literal, a global, a closure cell's content."""

    __slots__ = ("type", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.type: Any = None

    def __repr__(self) -> str:
        v = self.value
        return getattr(v, "__name__", None) or repr(v)


@dataclass(eq=False, slots=True)
class Op:
    """Base of operations; `result` is None for ops that produce nothing."""

    result: Variable | None
    loc: Loc

    def sources(self) -> list[Value]:
        raise NotImplementedError


@final
@dataclass(eq=False, slots=True)
class BinOp(Op):
    """result = lhs <opname> rhs; `opname` is a key of jitcore.frontend.operations.BINARY."""

    opname: str
    lhs: Value
    rhs: Value
    sig: Any = None

    def sources(self) -> list[Value]:
        return [self.lhs, self.rhs]


@final
@dataclass(eq=False, slots=True)
class UnaryOp(Op):
    """result = <opname> operand: neg, pos, invert, not, truth."""

    opname: str
    operand: Value
    sig: Any = None

    def sources(self) -> list[Value]:
        return [self.operand]


@final
@dataclass(eq=False, slots=True)
class Call(Op):
    """result = func(*args, **dict(zip(kwnames, kwargs)))."""

    func: Value
    args: list[Value]
    kwnames: tuple[str, ...] = ()
    kwargs: list[Value] = field(default_factory=list)
    sig: Any = None
    target: Any = None  # what the typing rule resolved the call to

    def sources(self) -> list[Value]:
        return [self.func, *self.args, *self.kwargs]


@final
@dataclass(eq=False, slots=True)
class GetAttr(Op):
    """result = obj.attr"""

    obj: Value
    attr: str
    sig: Any = None

    def sources(self) -> list[Value]:
        return [self.obj]


@final
@dataclass(eq=False, slots=True)
class GetItem(Op):
    """result = obj[index]"""

    obj: Value
    index: Value
    sig: Any = None

    def sources(self) -> list[Value]:
        return [self.obj, self.index]


@final
@dataclass(eq=False, slots=True)
class SetItem(Op):
    """obj[index] = value"""

    obj: Value
    index: Value
    value: Value
    sig: Any = None

    def sources(self) -> list[Value]:
        return [self.obj, self.index, self.value]


@final
@dataclass(eq=False, slots=True)
class BuildTuple(Op):
    """result = (items...); `is_list`: written as a list display, `[items...]`, which is
    compiled as a tuple where no one can tell the difference (jitcore/listdisplays.py)."""

    items: list[Value]
    is_list: bool = False

    def sources(self) -> list[Value]:
        return list(self.items)


@final
@dataclass(eq=False, slots=True)
class TupleItem(Op):
    """result = tup[index] for a constant index (unpacking, iterator results)."""

    tup: Value
    index: int

    def sources(self) -> list[Value]:
        return [self.tup]


@final
@dataclass(eq=False, slots=True)
class UnpackCheck(Op):
    """Asserts at typing time that `seq` unpacks into exactly `count` values."""

    seq: Value
    count: int

    def sources(self) -> list[Value]:
        return [self.seq]


@final
@dataclass(eq=False, slots=True)
class GetIter(Op):
    """result = iter(obj)"""

    obj: Value
    sig: Any = None

    def sources(self) -> list[Value]:
        return [self.obj]


@final
@dataclass(eq=False, slots=True)
class IterNext(Op):
    """result = (next value, valid) of an iterator; advances it."""

    it: Value
    sig: Any = None

    def sources(self) -> list[Value]:
        return [self.it]


def check_assigned(assigned: bool, name: str) -> None:
    """What a read of a local that some paths leave unassigned does first, as in CPython.

    The flow builder calls it as `call check_assigned(x?, 'x')`, where `x?` is a flag
    the links carry; typed in typeinfer/rules/exceptions.py, lowered in
    lowering/impls/exceptions.py.
    """
    if not assigned:
        raise UnboundLocalError(f"cannot access local variable '{name}' where it is not "
                                "associated with a value")


class PendingError(BaseException):
    """`raise PendingError`: propagate the exception already set (a re-raise)."""


# What the flow builder emits for a `try` statement (typed in typeinfer/rules/exceptions.py,
# lowered in lowering/impls/exceptions.py). The caught exception is a value of its own type:
# the Python exception object, taken by `fetch_exception` when a handler starts, whose
# references are counted like an array's (a handler may keep it in a local).

def fetch_exception() -> BaseException:
    """Take the exception being raised, clearing the error indicator."""
    raise NotImplementedError("compiled code only")


def exception_matches(exc: BaseException, *classes: type) -> bool:
    """`except classes:` matches `exc` (`except (A, B):` passes each class)."""
    return isinstance(exc, classes)


def restore_exception(exc: BaseException) -> None:
    """Set `exc` as the exception being raised again (bare `raise`, a handler's re-raise)."""
    raise NotImplementedError("compiled code only")


@final
@dataclass(eq=False, slots=True)
class ArrayExpr(Op):
    """result = an elementwise expression over arrays and scalars, computed in one loop.

    Made by lowering.arrayexpr from trees of elementwise ops. `tree` is ("leaf", i) for
    `leaves[i]` or ("apply", ufunc, loop_signature, [subtrees]); with `inplace` the result
    is written into leaves[0] (a += b) instead of a new array.
    """

    tree: Any
    leaves: list[Value]
    inplace: bool = False

    def sources(self) -> list[Value]:
        return list(self.leaves)


# --- block exits -------------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class Link:
    """A control-flow edge carrying one value per argument of `target`."""

    target: Block
    args: list[Value]


@dataclass(eq=False, slots=True)
class Exit:
    """How a block ends. `handler`: where an exception raised in the block goes (inside a
    `try`), passing the values the block started with; it is the last of `links()`."""

    loc: Loc
    handler: Link | None = field(default=None, kw_only=True)

    def links(self) -> list[Link]:
        return self._handler()

    def _handler(self) -> list[Link]:
        return [] if self.handler is None else [self.handler]

    def sources(self) -> list[Value]:
        return []


@final
@dataclass(eq=False, slots=True)
class Jump(Exit):
    link: Link

    def links(self) -> list[Link]:
        return [self.link, *self._handler()]


@final
@dataclass(eq=False, slots=True)
class Branch(Exit):
    """Go to `if_true` when `cond` is truthy, else `if_false`."""

    cond: Value
    if_true: Link
    if_false: Link
    sig: Any = None  # truth test of cond's type

    def links(self) -> list[Link]:
        return [self.if_true, self.if_false, *self._handler()]

    def sources(self) -> list[Value]:
        return [self.cond]


@final
@dataclass(eq=False, slots=True)
class Return(Exit):
    value: Value

    def sources(self) -> list[Value]:
        return [self.value]


@final
@dataclass(eq=False, slots=True)
class Raise(Exit):
    """Raise an exception value (class or instance built from constants)."""

    exc: Value

    def sources(self) -> list[Value]:
        return [self.exc]


@dataclass(eq=False, slots=True)
class Block:
    inputargs: list[Variable]
    ops: list[Op] = field(default_factory=list)
    exit: Exit | None = None
    label: int = 0  # bytecode offset it starts at

    def __repr__(self) -> str:
        return "entry" if self.label < 0 else f"block{self.label}"


@dataclass(eq=False, slots=True)
class Function:
    """A whole function: its entry block's inputargs are the parameters."""

    name: str
    qualname: str
    argnames: list[str]
    entry: Block
    loc: Loc
    return_type: Any = None

    def blocks(self) -> Iterator[Block]:
        """Every reachable block, entry first, in depth-first preorder."""
        seen = {id(self.entry)}
        stack = [self.entry]
        while stack:
            block = stack.pop()
            yield block
            assert block.exit is not None
            for link in reversed(block.exit.links()):
                if id(link.target) not in seen:
                    seen.add(id(link.target))
                    stack.append(link.target)
