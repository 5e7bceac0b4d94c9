"""Typing rules for raising and catching.

    call check_assigned(x?, 'x')              -> none    (UnboundLocalError when x? is False)
    call fetch_exception()                    -> caught exception   (a handler starts)
    call exception_matches(exc, A, B)         -> bool    (except (A, B):)
    call restore_exception(exc)               -> none    (bare raise, re-raise)
    e.args                                    -> caught exception args
    e.args[i]                                 -> float64 (TypeError at run time if no number)
    len(e.args)                               -> int64

Raising itself (`raise E(...)`, `assert`) is typed by the annotator: a call of an
exception class with constant arguments is an ExceptionValue.
"""
from __future__ import annotations

import builtins

from jitcore.frontend.errors import TypingError
from jitcore.frontend.ir import (
    check_assigned,
    exception_matches,
    fetch_exception,
    restore_exception,
)

from ..binder import LEN, Bound
from ..registry import attr_rule, binop_rule, call_rule
from ..types import (
    Boolean,
    CaughtArgs,
    CaughtException,
    Integer,
    PyObjectConst,
    Signature,
    Type,
    boolean,
    caught_args,
    caught_exception,
    float64,
    int64,
    none,
)


@call_rule(check_assigned)
def check_assigned_(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if len(args) == 2 and isinstance(args[0], Boolean) and isinstance(args[1], PyObjectConst):
        return Signature(none, args)
    return None


@call_rule(fetch_exception)
def fetch_exception_(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    return Signature(caught_exception, args) if not args else None


@call_rule(exception_matches)
def exception_matches_(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if not args or not isinstance(args[0], CaughtException):
        return None
    for cls in args[1:]:
        if not (isinstance(cls, PyObjectConst) and isinstance(cls.value, type)
                and issubclass(cls.value, BaseException)):
            what = getattr(cls, "value", cls)
            raise TypingError(f"'except' takes exception classes, not "
                              f"{getattr(what, '__name__', what)!s}", None,
                              "name classes such as ValueError or (KeyError, IndexError)")
    return Signature(boolean, args)


@call_rule(restore_exception)
def restore_exception_(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if len(args) == 1 and isinstance(args[0], CaughtException):
        return Signature(none, args)
    return None


@attr_rule(CaughtException, "args")
def caught_args_(exc: Type) -> Type:
    return caught_args


@binop_rule("getitem", CaughtArgs, Integer)
def caught_arg(args: Type, index: Type) -> Signature:
    return Signature(float64, (args, int64))


@call_rule(builtins.len, params=LEN)
def caught_args_len(bound: Bound) -> Signature | None:
    obj = bound["obj"]
    return Signature(int64, (obj,)) if isinstance(obj, CaughtArgs) else None
