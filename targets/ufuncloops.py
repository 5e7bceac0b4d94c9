"""NumPy inner loops as LLVM IR, calling kernels compiled by the normal pipeline.

    void @<name>(i8** args, i64* dimensions, i64* steps, i8* data)     ; what NumPy calls
    i32  @<name>.body(i8** args, i64* dimensions, i64* steps, i8* data) ; 0, or 1 with an error

An elementwise loop loads one element per input (args[k] + i * steps[k]), calls
the scalar kernel `i32 @kernel(ret*, x, y, ...)` and stores the result. When
every step equals its item size the loop indexes typed pointers, so LLVM sees
unit strides, inlines the kernel and vectorises. A generalised loop builds an
array-model view per argument from the core dimensions and steps and calls the
core kernel once per outer iteration.

A kernel that fails has set the Python exception (taking the GIL itself); the
loop stops and NumPy, which checks PyErr_Occurred after every loop, raises it.
`emit_parallel_loop` splits the outer dimension across the process's thread pool
(targets.threadpool, shared with prange); an exception raised on a worker thread
is moved to the calling thread by the pool.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from llvmlite import ir

from jitcore.lowering import arraymodel as am
from jitcore.lowering.context import ModuleInfo
from jitcore.lowering.emit import native_function_type
from jitcore.lowering.models import i1, i8, i8p, i32, i64, llvm_type, void
from jitcore.typeinfer import types as t

from . import threadpool
from .bindings import RawAddress
from .poolir import CHUNK_FN

LOOP_TYPE = ir.FunctionType(void, [i8p.as_pointer(), i64.as_pointer(), i64.as_pointer(), i8p])
BODY_TYPE = ir.FunctionType(i32, [i8p.as_pointer(), i64.as_pointer(), i64.as_pointer(), i8p])
_ZERO = ir.Constant(i64, 0)
_ONE = ir.Constant(i64, 1)


def _itemsize(ty: t.Type) -> int:
    return 1 if isinstance(ty, t.Boolean) else ty.bitwidth // 8  # type: ignore[attr-defined]


def _declare(module: ir.Module, name: str, fnty: ir.FunctionType) -> ir.Function:
    existing = module.globals.get(name)
    return existing if existing is not None else ir.Function(module, fnty, name)


def _entry(module: ir.Module, name: str, fnty: ir.FunctionType) -> tuple[ir.Function,
                                                                          ir.IRBuilder]:
    fn = ir.Function(module, fnty, name)
    fn.attributes.add("nounwind")
    return fn, ir.IRBuilder(fn.append_basic_block("entry"))


def _counted_loop(b: ir.IRBuilder, n: ir.Value, body: Callable[[ir.Value], None],
                  name: str) -> None:
    """for (i = 0; i < n; i++) body(i)."""
    start = b.block
    head = b.append_basic_block(f"{name}.head")
    inner = b.append_basic_block(f"{name}.body")
    done = b.append_basic_block(f"{name}.done")
    b.branch(head)
    b.position_at_end(head)
    i = b.phi(i64, name=f"{name}.i")
    i.add_incoming(_ZERO, start)
    b.cbranch(b.icmp_signed("<", i, n), inner, done)
    b.position_at_end(inner)
    body(i)
    i.add_incoming(b.add(i, _ONE, flags=["nsw", "nuw"]), b.block)
    b.branch(head)
    b.position_at_end(done)


def _load(b: ir.IRBuilder, ptr: ir.Value, ty: t.Type) -> ir.Value:
    value = b.load(ptr, align=min(_itemsize(ty), 8))
    return b.icmp_unsigned("!=", value, ir.Constant(i8, 0)) if isinstance(ty, t.Boolean) \
        else value


def _store(b: ir.IRBuilder, value: ir.Value, ptr: ir.Value, ty: t.Type) -> None:
    b.store(b.zext(value, i8) if isinstance(ty, t.Boolean) else value, ptr,
            align=min(_itemsize(ty), 8))


def _fail_on(b: ir.IRBuilder, status: ir.Value) -> None:
    with b.if_then(b.icmp_signed("!=", status, ir.Constant(i32, 0)), likely=False):
        b.ret(status)


def _public_loop(module: ir.Module, name: str, body: ir.Function) -> None:
    """The void function NumPy calls: the body's status only matters through PyErr."""
    fn, b = _entry(module, name, LOOP_TYPE)
    b.call(body, list(fn.args))
    b.ret_void()


# --- elementwise loops ---------------------------------------------------------------------

def emit_elementwise_loop(module: ir.Module, name: str, kernel: str, sig: t.Signature,
                          public: bool = True) -> None:
    """Define `name.body` applying `kernel` element by element, and `name` (NumPy's loop)
    calling it unless `public` is False (the parallel loop takes that name)."""
    kernel_fn = _declare(module, kernel, native_function_type(sig.return_type, sig.args))
    body, b = _entry(module, f"{name}.body", BODY_TYPE)
    body.linkage = "internal"
    args, dims, steps, _ = body.args
    types = [*sig.args, sig.return_type]
    n = b.load(dims, name="n")
    bases = [b.load(b.gep(args, [ir.Constant(i64, k)]), name=f"arg{k}") for k in range(len(types))]
    strides = [b.load(b.gep(steps, [ir.Constant(i64, k)]), name=f"step{k}")
               for k in range(len(types))]
    retslot = b.alloca(llvm_type(sig.return_type), name="ret")
    unit = ir.Constant(i1, 1)
    for ty, stride in zip(types, strides):
        unit = b.and_(unit, b.icmp_signed("==", stride, ir.Constant(i64, _itemsize(ty))))

    def element(address: Callable[[int, ir.Value], ir.Value]) -> Callable[[ir.Value], None]:
        def step(i: ir.Value) -> None:
            values = [_load(b, address(k, i), ty) for k, ty in enumerate(sig.args)]
            _fail_on(b, b.call(kernel_fn, [retslot, *values], name="status"))
            _store(b, b.load(retslot), address(len(sig.args), i), sig.return_type)
        return step

    def typed(k: int, i: ir.Value) -> ir.Value:
        base = b.bitcast(bases[k], am.storage_type(types[k]).as_pointer())
        return b.gep(base, [i], inbounds=True)

    def strided(k: int, i: ir.Value) -> ir.Value:
        raw = b.gep(bases[k], [b.mul(i, strides[k])], inbounds=True)
        return b.bitcast(raw, am.storage_type(types[k]).as_pointer())

    with b.if_else(unit, likely=True) as (contiguous, general):
        with contiguous:
            _counted_loop(b, n, element(typed), "unit")
        with general:
            _counted_loop(b, n, element(strided), "strided")
    b.ret(ir.Constant(i32, 0))
    if public:
        _public_loop(module, name, body)


# --- generalised loops ---------------------------------------------------------------------

@dataclass(frozen=True)
class CoreArg:
    """How one gufunc argument reaches the core kernel.

    `dims` are the indices of its core dimensions in the signature's list of names;
    `ty` is the kernel's parameter type: a scalar (core dims ()) or an array whose
    ndim equals len(dims), or 1 for a () argument passed as a one-element array.
    """

    ty: t.Type
    dims: tuple[int, ...]
    dtype: t.Type


def emit_gufunc_loop(module: ir.Module, name: str, kernels: Sequence[str],
                     params: Sequence[CoreArg], public: bool = True) -> None:
    """Define `name.body` calling a core kernel per outer iteration, and `name` unless not
    `public` (as `emit_elementwise_loop`).

    `kernels` has the kernel taking arrays of any layout first and optionally one
    taking C-contiguous arrays, called when every core view is contiguous.
    """
    arg_types = tuple(p.ty for p in params)
    general = _declare(module, kernels[0], native_function_type(t.none, arg_types))
    body, b = _entry(module, f"{name}.body", BODY_TYPE)
    body.linkage = "internal"
    args, dims, steps, _ = body.args
    nargs = len(params)
    n = b.load(dims, name="n")

    def word(ptr: ir.Value, index: int, what: str) -> ir.Value:
        return b.load(b.gep(ptr, [ir.Constant(i64, index)]), name=what)

    bases = [word(args, k, f"arg{k}") for k in range(nargs)]
    outer = [word(steps, k, f"step{k}") for k in range(nargs)]
    views: list[tuple[list[ir.Value], list[ir.Value]] | None] = []
    core_step = nargs
    for k, p in enumerate(params):
        shape = [word(dims, 1 + d, f"dim{d}") for d in p.dims]
        strides = [word(steps, core_step + j, f"core{k}.{j}") for j in range(len(p.dims))]
        core_step += len(p.dims)
        if isinstance(p.ty, t.Array) and not p.dims:  # () as a one-element array
            shape, strides = [_ONE], [ir.Constant(i64, _itemsize(p.dtype))]
        views.append((shape, strides) if isinstance(p.ty, t.Array) else None)
    retslot = b.alloca(i8, name="ret")

    def loop_calling(kernel: ir.Function, name: str) -> None:
        def step(i: ir.Value) -> None:
            values = []
            for k, (p, view) in enumerate(zip(params, views)):
                ptr = b.gep(bases[k], [b.mul(i, outer[k])], inbounds=True)
                if view is None:
                    values.append(_load(b, b.bitcast(ptr, am.storage_type(p.ty).as_pointer()),
                                        p.ty))
                else:
                    assert isinstance(p.ty, t.Array)
                    values.append(_array_view(b, p.ty, ptr, *view))
            _fail_on(b, b.call(kernel, [retslot, *values], name="status"))
        _counted_loop(b, n, step, name)

    if len(kernels) == 1:
        loop_calling(general, "outer")
    else:
        contiguous_types = tuple(p.ty.copy(layout="C") if isinstance(p.ty, t.Array) else p.ty
                                 for p in params)
        fast = _declare(module, kernels[1], native_function_type(t.none, contiguous_types))
        contiguous = ir.Constant(i1, 1)
        for p, view in zip(params, views):
            if view is not None:
                contiguous = b.and_(contiguous, _is_contiguous(b, *view, _itemsize(p.dtype)))
        with b.if_else(contiguous, likely=True) as (then, otherwise):
            with then:
                loop_calling(fast, "contiguous")
            with otherwise:
                loop_calling(general, "strided")
    b.ret(ir.Constant(i32, 0))
    if public:
        _public_loop(module, name, body)


def _is_contiguous(b: ir.IRBuilder, shape: list[ir.Value], strides: list[ir.Value],
                   itemsize: int) -> ir.Value:
    """Whether a view of `shape` with byte `strides` is C-contiguous (axes of length 1 aside)."""
    ok = ir.Constant(i1, 1)
    expected: ir.Value = ir.Constant(i64, itemsize)
    for size, stride in reversed(list(zip(shape, strides))):
        fits = b.or_(b.icmp_signed("==", stride, expected), b.icmp_signed("==", size, _ONE))
        ok = b.and_(ok, fits)
        expected = b.mul(expected, size)
    return ok


def _array_view(b: ir.IRBuilder, ty: t.Array, data: ir.Value, shape: list[ir.Value],
                strides: list[ir.Value]) -> ir.Value:
    """{meminfo=null, parent=null, nitems, itemsize, data, shape, strides} over NumPy's memory."""
    out = ir.Constant(llvm_type(ty), ir.Undefined)
    out = b.insert_value(out, ir.Constant(i8p, None), am.MEMINFO)
    out = b.insert_value(out, ir.Constant(i8p, None), am.PARENT)
    nitems: ir.Value = _ONE
    for axis, (size, stride) in enumerate(zip(shape, strides)):
        nitems = b.mul(nitems, size)
        out = b.insert_value(out, size, [am.SHAPE, axis])
        out = b.insert_value(out, stride, [am.STRIDES, axis])
    out = b.insert_value(out, nitems, am.NITEMS)
    out = b.insert_value(out, ir.Constant(i64, am.itemsize(ty)), am.ITEMSIZE)
    return b.insert_value(out, b.bitcast(data, am.storage_type(ty.dtype).as_pointer()), am.DATA)


# --- the parallel target -------------------------------------------------------------------

_CLOSURE = ir.LiteralStructType([i8p.as_pointer(), i64.as_pointer(), i64.as_pointer(), i8p])
# args, dims, steps, data: NumPy's loop arguments, read by every chunk


def emit_parallel_loop(module: ir.Module, name: str, nin: int, nout: int, ndims: int,
                       min_chunk: int) -> None:
    """Define `name`: NumPy's loop running `name.body` over chunks of the outer dimension on
    the process's thread pool (targets.threadpool, the one prange uses).

    `ndims` counts the dimensions entries (1 + core dimensions). The pool's chunk count
    (a few per active thread) is capped so a chunk holds at least `min_chunk` outer
    iterations; a loop too small for two chunks runs inline, without touching the pool.
    An elementwise loop whose inputs overlap its output other than element for element
    (NumPy's reduce and accumulate pass the accumulator as an input) depends on earlier
    iterations and runs inline too. The pool releases the caller's GIL if it holds it
    (NumPy keeps it for small loops) and restores a chunk's exception in the caller.
    """
    nargs = nin + nout
    body = module.globals[f"{name}.body"]
    chunk = _chunk_function(module, name, body, nargs, ndims)
    fn, b = _entry(module, name, LOOP_TYPE)
    args, dims, steps, _ = fn.args
    n = b.load(dims, name="n")
    nchunks = _declare(module, threadpool.NCHUNKS, ir.FunctionType(i64, [i64]))
    k = b.call(nchunks, [n], name="k")
    most = b.sdiv(n, ir.Constant(i64, max(1, min_chunk)), name="most")
    k = b.select(b.icmp_signed("<", most, k), most, k, name="chunks")
    inline = b.icmp_signed("<", k, ir.Constant(i64, 2))
    if ndims == 1:
        inline = b.or_(inline, b.not_(_iterations_independent(b, args, steps, n, nin, nout)))
    with b.if_then(inline):
        b.call(body, list(fn.args))
        b.ret_void()
    closure = b.alloca(_CLOSURE, name="closure")
    for j, value in enumerate(fn.args):
        b.store(value, _field(b, closure, j))
    run = _declare(module, threadpool.RUN, ir.FunctionType(
        i32, [CHUNK_FN.as_pointer(), i8p, i64, i64]))
    b.call(run, [chunk, b.bitcast(closure, i8p), n, k])  # a failure is set as PyErr
    b.ret_void()


def _iterations_independent(b: ir.IRBuilder, args: ir.Value, steps: ir.Value, n: ir.Value,
                            nin: int, nout: int) -> ir.Value:
    """No output is written twice (step 0) and no input overlaps an output except exactly."""
    def span(k: int) -> tuple[ir.Value, ir.Value, ir.Value, ir.Value]:
        base = b.ptrtoint(b.load(b.gep(args, [ir.Constant(i64, k)])), i64)
        step = b.load(b.gep(steps, [ir.Constant(i64, k)]))
        reach = b.mul(b.sub(n, _ONE), step)
        negative = b.icmp_signed("<", reach, _ZERO)
        low = b.add(base, b.select(negative, reach, _ZERO))
        high = b.add(base, b.select(negative, _ZERO, reach))
        return base, step, low, high

    ok = ir.Constant(i1, 1)
    for o in range(nin, nin + nout):
        out_base, out_step, out_low, out_high = span(o)
        ok = b.and_(ok, b.icmp_signed("!=", out_step, _ZERO))
        for k in range(nin):
            base, step, low, high = span(k)
            overlap = b.and_(b.icmp_signed("<=", low, out_high),
                             b.icmp_signed("<=", out_low, high))
            exact = b.and_(b.icmp_signed("==", base, out_base),
                           b.icmp_signed("==", step, out_step))
            ok = b.and_(ok, b.or_(b.not_(overlap), exact))
    return ok


def _field(b: ir.IRBuilder, ptr: ir.Value, k: int) -> ir.Value:
    return b.gep(ptr, [ir.Constant(i32, 0), ir.Constant(i32, k)], inbounds=True)


def _capi(module: ir.Module, name: str, ret: ir.Type, args: list[ir.Type]) -> ir.Function:
    return _declare(module, name, ir.FunctionType(ret, args))


def _chunk_function(module: ir.Module, name: str, body: ir.Function, nargs: int,
                    ndims: int) -> ir.Function:
    """i32 chunk(closure, lo, hi, c): the body over outer iterations [lo, hi), as the pool
    calls it; a failing body has set this thread's exception, which the pool collects."""
    fn, b = _entry(module, f"{name}.chunk", CHUNK_FN)
    fn.linkage = "internal"
    raw, start, stop, _ = fn.args
    closure = b.bitcast(raw, _CLOSURE.as_pointer())
    args, dims, steps, data = (b.load(_field(b, closure, k)) for k in range(4))
    moved_args = b.alloca(i8p, nargs, name="args")
    for k in range(nargs):
        step = b.load(b.gep(steps, [ir.Constant(i64, k)]))
        base = b.load(b.gep(args, [ir.Constant(i64, k)]))
        b.store(b.gep(base, [b.mul(start, step)]), b.gep(moved_args, [ir.Constant(i64, k)]))
    moved_dims = b.alloca(i64, ndims, name="dims")
    b.store(b.sub(stop, start), moved_dims)
    for j in range(1, ndims):
        b.store(b.load(b.gep(dims, [ir.Constant(i64, j)])),
                b.gep(moved_dims, [ir.Constant(i64, j)]))
    b.ret(b.call(body, [moved_args, moved_dims, steps, data], name="status"))
    return fn


# --- the type resolver of dynamic ufuncs ---------------------------------------------------

RESOLVER = "jc.ufunc.resolve_types"
# int resolver(PyUFuncObject *, NPY_CASTING, PyArrayObject **operands, PyObject *type_tup,
#              PyArray_Descr **out_dtypes)
RESOLVER_TYPE = ir.FunctionType(i32, [i8p, i32, i8p.as_pointer(), i8p, i8p.as_pointer()])


def emit_type_resolver(module: ir.Module, info: ModuleInfo, hook: object, on_failure: object,
                       default: int) -> None:
    """Define RESOLVER: call `hook(ufunc, address of operands, requested dtypes or None)`
    (which may add a loop), then
    NumPy's `default` resolver at that address; if that fails, `on_failure(ufunc, operands,
    exception)` may raise a clearer exception instead. All three are bound at load time."""
    fn, b = _entry(module, RESOLVER, RESOLVER_TYPE)
    ufunc, _, operands, requested, _ = fn.args
    hook_gv = _bound_global(module, info, "jc.ufunc.hook", hook)
    failure_gv = _bound_global(module, info, "jc.ufunc.on_failure", on_failure)
    default_gv = _bound_global(module, info, "jc.ufunc.default_resolver", RawAddress(default))
    failed = ir.Constant(i32, -1)
    null = ir.Constant(i8p, None)
    address = b.call(_capi(module, "PyLong_FromVoidPtr", i8p, [i8p]),
                     [b.bitcast(operands, i8p)])
    with b.if_then(b.icmp_unsigned("==", address, null), likely=False):
        b.ret(failed)
    call = _declare(module, "PyObject_CallFunctionObjArgs",
                    ir.FunctionType(i8p, [i8p], var_arg=True))
    decref = _capi(module, "Py_DecRef", void, [i8p])
    none = _bound_global(module, info, "jc.ufunc.none", None)
    asked = b.select(b.icmp_unsigned("==", requested, null), b.load(none), requested)
    result = b.call(call, [b.load(hook_gv), ufunc, address, asked, null])
    with b.if_then(b.icmp_unsigned("==", result, null), likely=False):
        b.call(decref, [address])
        b.ret(failed)
    b.call(decref, [result])
    default_fn = b.bitcast(b.load(default_gv), RESOLVER_TYPE.as_pointer())
    status = b.call(default_fn, list(fn.args))
    with b.if_then(b.icmp_signed("<", status, ir.Constant(i32, 0)), likely=False):
        slots = [b.alloca(i8p) for _ in range(3)]
        b.call(_capi(module, "PyErr_Fetch", void, [i8p.as_pointer()] * 3), slots)
        b.call(_capi(module, "PyErr_NormalizeException", void, [i8p.as_pointer()] * 3), slots)
        value = b.load(slots[1])
        with b.if_then(b.icmp_unsigned("!=", value, null)):
            result = b.call(call, [b.load(failure_gv), ufunc, address, value, null])
            with b.if_then(b.icmp_unsigned("==", result, null)):  # raised a clearer error
                for slot in slots:
                    b.call(decref, [b.load(slot)])
                b.call(decref, [address])
                b.ret(failed)
            b.call(decref, [result])
        b.call(_capi(module, "PyErr_Restore", void, [i8p, i8p, i8p]),
               [b.load(slot) for slot in slots])
    b.call(decref, [address])
    b.ret(status)


def _bound_global(module: ir.Module, info: ModuleInfo, name: str, obj: object) -> ir.Value:
    gv = ir.GlobalVariable(module, i8p, name)
    gv.initializer = ir.Constant(i8p, None)
    info.py_constants[name] = obj
    return gv
