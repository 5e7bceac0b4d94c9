"""Data models: how each jitcore type is represented as an LLVM value.

    int32       -> i32            complex128  -> {double, double}
    bool        -> i1             tuple(a, b) -> {A, B}
    range(i64)  -> {i64, i64, i64}            (start, stop, step)
    range_iter  -> {i64, i64, i64}*           (next, stop, step), on the stack
    OptionalType(T) -> {i1, T}                (present, value); None is zeroinitializer

Compile-time-only values (modules, builtins, exception values, other jitted
functions, none) have no run-time content and are represented by an `i8 0`.
"""
from __future__ import annotations

from functools import cache

from llvmlite import ir

from jitcore.typeinfer import types as t

i1 = ir.IntType(1)
i8 = ir.IntType(8)
i32 = ir.IntType(32)
i64 = ir.IntType(64)
f32 = ir.FloatType()
f64 = ir.DoubleType()
void = ir.VoidType()
i8p = i8.as_pointer()
pyobj = i8p  # PyObject*: opaque to generated code
DUMMY = ir.Constant(i8, 0)  # the value of a type with no run-time content


@cache
def llvm_type(ty: t.Type) -> ir.Type:
    """The LLVM type holding a value of `ty` in a register."""
    if isinstance(ty, t.Boolean):
        return i1
    if isinstance(ty, (t.CaughtException, t.CaughtArgs)):
        return pyobj
    if isinstance(ty, t.ExceptionWithValues):
        return ir.LiteralStructType([llvm_type(v) for v in ty.runtime])
    if isinstance(ty, t.Integer):
        return ir.IntType(ty.bitwidth)
    if isinstance(ty, t.Float):
        return f32 if ty.bitwidth == 32 else f64
    if isinstance(ty, t.Complex):
        part = llvm_type(ty.underlying)
        return ir.LiteralStructType([part, part])
    if isinstance(ty, t.Tuple):
        return ir.LiteralStructType([llvm_type(item) for item in ty.items])
    if isinstance(ty, t.Range):
        return ir.LiteralStructType([llvm_type(ty.dtype)] * 3)
    if isinstance(ty, t.RangeIter):  # {current, stop, step, remaining}
        return ir.LiteralStructType([llvm_type(ty.dtype)] * 4).as_pointer()
    if isinstance(ty, t.Array):
        from .arraymodel import array_struct

        return array_struct(ty)
    if isinstance(ty, t.Slice):
        return ir.LiteralStructType([i64] * 3)  # parts that are None hold 0
    if isinstance(ty, t.ArrayFlat):
        return llvm_type(ty.array)
    if isinstance(ty, t.ArrayIter):  # {next index, array} on the stack
        return ir.LiteralStructType([i64, llvm_type(ty.array)]).as_pointer()
    if isinstance(ty, t.BoundMethod):
        return llvm_type(ty.this)  # the receiver, until the method is called
    if isinstance(ty, t.FunctionChoice):  # the index of the chosen function
        return ir.IntType(32)
    if isinstance(ty, t.TupleIter):
        return ir.LiteralStructType([i64, llvm_type(ty.tuple_type)]).as_pointer()
    if isinstance(ty, t.Enumerate):  # {iterable, start}
        return ir.LiteralStructType([llvm_type(ty.iterable), i64])
    if isinstance(ty, t.EnumerateIter):  # {count on the stack, inner iterator}
        return ir.LiteralStructType([i64.as_pointer(), llvm_type(ty.inner)])
    if isinstance(ty, t.Zip):
        return ir.LiteralStructType([llvm_type(item) for item in ty.iterables])
    if isinstance(ty, t.ZipIter):
        return ir.LiteralStructType([llvm_type(inner) for inner in ty.inners])
    if isinstance(ty, t.Optional):  # {present, value}; None is all zeros (null memory)
        return ir.LiteralStructType([i1, llvm_type(ty.base)])
    return i8  # none, undefined and compile-time constants


def is_compile_time_only(ty: t.Type) -> bool:
    return isinstance(ty, (t.NoneType, t.Undefined, t.PyObjectConst, t.ExceptionValue,
                           t.Dispatcher))
