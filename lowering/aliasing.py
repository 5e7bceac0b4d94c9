"""Alias versioning: when the argument arrays a function writes overlap no other argument
array, it runs a copy of its body that tells LLVM so.

    i32 @f(retptr, args...)       checks the byte ranges the arrays span, then calls
    i32 @f.noalias(retptr, ...)   every element access marked with the argument it touches
                                  (scoped-noalias metadata: "!alias.scope a, !noalias b, out")
    i32 @f.mayalias(retptr, ...)  the same body without the marks, for overlapping arrays

Without the marks LLVM must assume that a store to `out[i, j]` may change `a` and `b`, so
it cannot reorder it with their loads. With them it can unroll-and-jam a loop nest:
matmul's j loop around its k reduction becomes 16 independent sums that the SLP
vectoriser packs into SIMD registers, each sum keeping Python's order of additions, so the
results are bit-for-bit those of the plain loop. Read-only arguments may overlap freely:
the entry check only compares each written array with the others.

Which argument an access touches is found on the emitted LLVM IR: a pointer is traced
back through GEPs, casts, phis, selects and the array struct's `data` field to the
argument it came from. Anything else (pointers loaded from memory, fresh allocations,
call results) stays unmarked, which LLVM reads as "may alias anything".
"""
from __future__ import annotations

from collections.abc import Callable

from llvmlite import ir

from jitcore.frontend import ir as jir
from jitcore.typeinfer import types as t

from .arraymodel import DATA, SHAPE, STRIDES, itemsize
from .models import i1, i64

NOALIAS, MAYALIAS = ".noalias", ".mayalias"


def wants_versions(fn: jir.Function) -> bool:
    """Worth a second body: two argument arrays, a store into an array, a loop in a loop.

    The payoff is loop nests (unroll-and-jam, hoisting loads past stores); single loops
    are already versioned by LLVM's vectoriser with its own overlap checks."""
    arrays = sum(isinstance(v.type, t.Array) and v.type.ndim > 0 for v in fn.entry.inputargs)
    if arrays < 2:
        return False
    stores = loops = 0
    for block in fn.blocks():
        for op in block.ops:
            if isinstance(op, jir.SetItem) and isinstance(op.obj.type, t.Array):
                stores += 1
            elif isinstance(op, jir.IterNext):
                loops += 1
    return stores > 0 and loops >= 2


def contiguous_only(fn: jir.Function) -> bool:
    """Every array `fn` handles is C or F contiguous, and it calls no jitted function
    (whose inlined body could make strided views).

    Then each subscript of an element address (i * shape[1] + j) lies within its axis
    unless the program indexes out of bounds, which is undefined as in Numba, and
    LLVM's dependence analysis may take that for granted. It needs to, to see that
    `out[i, j]` of one j iteration is not `out[i, j + 1]`, before unroll-and-jam moves
    the load of one past the store of the other (`out[i, j] += a[i, k] * b[k, j]`). With
    strides that could overlap (views, `as_strided`) the same assumption could be false.
    """
    for block in fn.blocks():
        values = list(block.inputargs) + [op.result for op in block.ops if op.result is not None]
        if any(isinstance(v.type, t.Array) and v.type.layout not in ("C", "F") for v in values):
            return False
        if any(isinstance(op, jir.Call) and isinstance(op.func.type, (t.Dispatcher,
                                                                     t.FunctionChoice))
               for op in block.ops):
            return False
    return True


def emit_versions(llfn: ir.Function, argtypes: tuple[t.Type, ...],
                  emit_body: Callable[[ir.Function], None]) -> bool:
    """Give `llfn` the checking body; `emit_body(f)` lowers the function's graph into `f`.
    False when the marks would tell LLVM nothing: then `llfn` just calls the one body."""
    module = llfn.module
    fast = _body(module, llfn, NOALIAS)
    emit_body(fast)
    written, touched = _mark_accesses(fast, argtypes)
    pairs = [(w, o) for w in sorted(written) for o in sorted(touched)
             if o != w and (o not in written or o > w)]
    b = ir.IRBuilder(llfn.append_basic_block("entry"))
    args = llfn.args[1:]  # after retptr
    if not pairs:  # nothing to tell LLVM: the one body, inlined into llfn and dropped
        fast.attributes.discard("noinline")
        fast.attributes.add("alwaysinline")
        fast.linkage = "internal"
        b.ret(b.call(fast, list(llfn.args), tail=True))
        return False
    slow = _body(module, llfn, MAYALIAS)
    emit_body(slow)
    # One block per pair, each branching out on overlap, extents computed where first
    # needed: as one block of and-ed tests, SLP spent 90 ms on seven arrays' checks.
    slow_block = llfn.append_basic_block("overlap")
    extents: dict[int, tuple[ir.Value, ir.Value, ir.Value]] = {}
    for w, o in pairs:
        for k in (w, o):
            if k not in extents:
                ty = argtypes[k]
                assert isinstance(ty, t.Array)  # only array arguments are accessed
                extents[k] = _extent(b, ty, args[k])
        next_block = llfn.append_basic_block("apart")
        b.cbranch(_apart(b, extents[w], extents[o]), next_block, slow_block)
        b.position_at_end(next_block)
    b.ret(b.call(fast, list(llfn.args)))
    b.position_at_end(slow_block)
    b.ret(b.call(slow, list(llfn.args)))
    return True


def _body(module: ir.Module, llfn: ir.Function, suffix: str) -> ir.Function:
    body = ir.Function(module, llfn.function_type, llfn.name + suffix)
    body.attributes.add("noinline")  # else both get inlined into the check: twice the code
    return body


# --- the runtime check ---------------------------------------------------------------------


def _extent(b: ir.IRBuilder, ty: t.Array, arr: ir.Value) -> tuple[ir.Value, ir.Value, ir.Value]:
    """(first byte, one past the last byte, whether empty) of the elements `arr` spans."""
    lo = b.ptrtoint(b.extract_value(arr, DATA), i64)
    hi = b.add(lo, ir.Constant(i64, itemsize(ty)))
    empty: ir.Value = ir.Constant(i1, 0)
    zero = ir.Constant(i64, 0)
    for axis in range(ty.ndim):
        n = b.extract_value(arr, [SHAPE, axis])
        reach = b.mul(b.sub(n, ir.Constant(i64, 1)), b.extract_value(arr, [STRIDES, axis]))
        below = b.icmp_signed("<", reach, zero)
        lo = b.add(lo, b.select(below, reach, zero))
        hi = b.add(hi, b.select(below, zero, reach))
        empty = b.or_(empty, b.icmp_signed("<=", n, zero))
    return lo, hi, empty


def _apart(b: ir.IRBuilder, x: tuple[ir.Value, ...], y: tuple[ir.Value, ...]) -> ir.Value:
    (xlo, xhi, xempty), (ylo, yhi, yempty) = x, y
    separate = b.or_(b.icmp_unsigned("<=", xhi, ylo), b.icmp_unsigned("<=", yhi, xlo))
    return b.or_(separate, b.or_(xempty, yempty))


# --- marking the accesses ------------------------------------------------------------------

_Origins = frozenset[int] | None  # argument positions a pointer may point into; None: unknown
_Leaned = frozenset[tuple[int, bool]]  # the open phis (memo keys) an answer depends on


def _mark_accesses(fn: ir.Function,
                   argtypes: tuple[t.Type, ...]) -> tuple[set[int], set[int]]:
    """Attach scopes to the loads and stores of argument arrays: (the arguments stored to,
    the arguments accessed), both empty when marking would tell LLVM nothing."""
    arrays = {id(arg): k for k, (arg, ty) in enumerate(zip(fn.args[1:], argtypes))
              if isinstance(ty, t.Array)}
    accesses = [(instr, instr.operands[0] if isinstance(instr, ir.LoadInstr)
                 else instr.operands[1])
                for block in fn.blocks for instr in block.instructions
                if isinstance(instr, (ir.LoadInstr, ir.StoreInstr))]
    origins = _Provenance(arrays)
    found = [(instr, origins.of(ptr)) for instr, ptr in accesses]
    marked = [(instr, o) for instr, o in found if o]
    stored = {o for instr, o in marked if isinstance(instr, ir.StoreInstr)}
    kinds = {o for _, o in marked}
    if not any(s.isdisjoint(o) for s in stored for o in kinds):
        return set(), set()  # every store may touch all that is accessed (src/dst swaps)
    written, touched = set().union(*stored), set().union(*kinds)
    module = fn.module
    domain = module.add_metadata([ir.MetaDataString(module, f"jc.alias.{fn.name}")])
    scopes = {k: module.add_metadata([ir.MetaDataString(module, f"jc.alias.{fn.name}.{k}"),
                                      domain]) for k in sorted(touched)}
    lists: dict[frozenset[int], tuple[ir.Value, ir.Value]] = {}
    for instr, o in marked:
        if o not in lists:
            lists[o] = (module.add_metadata([scopes[k] for k in sorted(o)]),
                        module.add_metadata([scopes[k] for k in sorted(touched - o)]))
        scope, others = lists[o]
        instr.set_metadata("alias.scope", scope)
        if len(others.operands):
            instr.set_metadata("noalias", others)
    return written, touched


class _Provenance:
    """Which argument arrays a pointer (or an array struct's data field) comes from.

    A depth-first walk of the operands; a phi met again while it is being traced adds
    nothing (its other incomings decide), and results that leaned on such an open phi
    are not remembered until that phi is finished. A walk longer than `BUDGET` steps gives
    up (unknown), so a huge function costs linear time and simply stays unmarked."""

    BUDGET = 200_000

    def __init__(self, arrays: dict[int, int]) -> None:
        self.arrays = arrays
        self.memo: dict[tuple[int, bool], _Origins] = {}
        self.open: set[tuple[int, bool]] = set()
        self.steps = 0

    def of(self, pointer: ir.Value) -> _Origins:
        return self._of(pointer, False)[0]

    def _of(self, value: ir.Value, field: bool) -> tuple[_Origins, _Leaned]:
        """(origins, the open phis the answer leaned on); `field`: about an array struct's
        data field rather than the value itself."""
        key = (id(value), field)
        if key in self.memo:
            return self.memo[key], frozenset()
        if key in self.open:
            return frozenset(), frozenset((key,))
        self.steps += 1
        if self.steps > self.BUDGET:
            return None, frozenset()
        self.open.add(key)
        try:
            result, leaned = self._trace(value, field)
        finally:
            self.open.discard(key)
        leaned = leaned - {key}
        if not leaned:
            self.memo[key] = result
        return result, leaned

    def _trace(self, value: ir.Value, field: bool) -> tuple[_Origins, _Leaned]:
        if isinstance(value, ir.Argument):
            k = self.arrays.get(id(value))
            return (frozenset((k,)) if field and k is not None else None), frozenset()
        if isinstance(value, ir.PhiInstr):
            return self._all([(v, field) for v, _ in value.incomings])
        if isinstance(value, ir.SelectInstr):
            return self._all([(value.operands[1], field), (value.operands[2], field)])
        if field:
            if isinstance(value, ir.InsertValue):
                if value.indices == [DATA]:
                    return self._of(value.value, False)
                return self._of(value.aggregate, True)
            return None, frozenset()
        if isinstance(value, ir.GEPInstr):
            return self._of(value.pointer, False)
        if isinstance(value, ir.CastInstr) and value.opname == "bitcast":
            return self._of(value.operands[0], False)
        if isinstance(value, ir.ExtractValue) and value.indices == [DATA]:
            return self._of(value.aggregate, True)
        return None, frozenset()

    def _all(self, parts: list[tuple[ir.Value, bool]]) -> tuple[_Origins, _Leaned]:
        out: set[int] = set()
        leaned: _Leaned = frozenset()
        for value, field in parts:
            origins, more = self._of(value, field)
            if origins is None:
                return None, frozenset()
            out |= origins
            leaned |= more
        return frozenset(out), leaned


