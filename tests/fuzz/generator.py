"""Random, valid, terminating Python functions within jitcore's subset (Csmith/YARPGen style).

    >>> prog = generate(seed=7, profile="arrays")
    >>> print(prog.source)           # helpers h0.. and the entry function f
    >>> print(prog.args_src)         # an expression building f's arguments

Every value stays bounded by construction, so CPython's unbounded ints and int64 agree:
a product's operands are reduced `% 1000`, a divisor is `(e % 7 + 1)` or `(abs(e) + 1.0)`,
`exp` takes `min(e, 20.0)`, a loop runs over a small range or an array's length, a `while`
loop has a counter no other statement writes. Locals are all assigned before the first
statement that may branch, so every read is defined; each keeps one type throughout.
Scalars read from float32/int64 arrays go through float()/int(), since NumPy 2 keeps
np.float32 arithmetic in float32 where compiled code (like Numba) widens to float64.

A profile weights the features; a feature can be switched off (`disabled`) while a bug
of another room is open, so the default seed range passes.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

# Each feature is a construct the generator can write; profiles choose among them.
FEATURES = (
    "int_ops",            # + - * // % & | ^ << >> ~ ** on bounded ints
    "float_ops",          # + - * / // % ** on floats
    "math",               # math.* calls with guarded domains
    "branching_operands",  # x if c else y, and/or, chained comparisons inside operands
    "control",            # if/elif/else
    "loops",              # for over range/arrays/enumerate, nested
    "while",              # while loops with a private counter
    "break_continue",     # break/continue, for/else
    "early_return",       # return in the middle
    "raise",              # raise ValueError("...") on some paths
    "calls",              # helper @njit functions, keywords
    "tuples",             # tuple values, indexing, unpacking
    "displays",           # list displays [a, b] read by np.array() or indexed
    "arrays",             # array parameters, element reads/stores, reductions
    "views",              # slices, strided and transposed views, rows/columns
    "ufuncs",             # array expressions with ufuncs
    "alloc",              # np.zeros/ones/full/arange/copy
    "array_rebind",       # array variables rebound across loops and branches
    "loop_defined",       # arrays, scalars, tuples assigned in a loop or branch, read after
    "merge_layouts",      # a C array and a strided view meeting: `for v in (a if c else ...)`
    "inplace",            # a += ..., a[:] = ..., slice stores
    "dtypes",             # int64 and float32 arrays next to float64
    "layouts",            # Fortran-ordered and non-contiguous parameters
    "specials",           # inf, -inf, nan, -0.0, 1e300 and 2**40 among the arguments
    "try",                # try/except/else/finally around statements that may raise
    "optional",           # None or a float narrowed by `is not None`, isinstance-pruned
                          # branches, `x in a`, a[:2] = (x, y)
    "closures",           # an inner def reading enclosing variables, called where defined
)

PROFILES: dict[str, dict[str, float]] = {
    "scalar": {"int_ops": 3, "float_ops": 3, "math": 2, "branching_operands": 2,
               "control": 1, "tuples": 1, "displays": 1, "specials": 1, "optional": 1},
    "control": {"int_ops": 2, "float_ops": 2, "branching_operands": 1, "control": 3,
                "loops": 3, "while": 1, "break_continue": 2, "early_return": 1, "raise": 0.3,
                "loop_defined": 1},
    "calls": {"int_ops": 2, "float_ops": 2, "math": 1, "branching_operands": 2, "calls": 3,
              "control": 1, "loops": 1, "tuples": 2, "displays": 1, "closures": 1},
    "arrays": {"int_ops": 1, "float_ops": 2, "math": 1, "branching_operands": 1, "control": 1,
               "loops": 2, "arrays": 3, "views": 2, "ufuncs": 2, "alloc": 1,
               "array_rebind": 2, "loop_defined": 1, "inplace": 1, "dtypes": 1,
               "layouts": 1, "merge_layouts": 1},
    "mixed": dict.fromkeys(FEATURES, 1.0),
}

# Features switched off by default: constructs whose bugs belong to other rooms and are
# reported (see tests/fuzz/README.md). Empty means everything is generated.
#   (none: specials is on since math functions raise at inf/nan as CPython does, and
#     loop_defined since locals assigned on some paths work.)
DEFAULT_DISABLED: frozenset[str] = frozenset()

_FLOAT_LITERALS = ("0.0", "0.5", "1.5", "-2.25", "3.0", "0.001", "100.0", "-1.0", "2.5")


@dataclass
class Program:
    """A generated program: its source, the expression building its arguments, its origin."""

    seed: int
    profile: str
    source: str
    args_src: str
    entry: str = "f"

    def script(self) -> str:
        """A standalone reproducer: run it with python to compare CPython and jitcore."""
        return (f"# fuzz seed {self.seed}, profile {self.profile}\n"
                "import math\nimport numpy as np\n\n" + self.source +
                f"\n\nARGS = {self.args_src}\n"
                "if __name__ == '__main__':\n"
                "    from tests.fuzz.runner import run_source\n"
                f"    print(run_source(open(__file__).read(), {self.args_src!r}))\n")


@dataclass
class _Arr:
    name: str
    dtype: str   # "f8", "i8", "f4"
    ndim: int
    layout: str  # "C", "F", "A"
    local: bool = False


@dataclass
class _Helper:
    name: str
    params: list[tuple[str, str]]
    ret: str


@dataclass
class _Scope:
    scalars: dict[str, str] = field(default_factory=dict)   # writable name -> type
    readonly: dict[str, str] = field(default_factory=dict)  # loop variables, counters
    arrays: list[_Arr] = field(default_factory=list)
    tuples: dict[str, tuple[str, ...]] = field(default_factory=dict)


class _Gen:
    def __init__(self, rng: random.Random, weights: dict[str, float], disabled: frozenset[str],
                 ) -> None:
        self.rng = rng
        self.w = {f: v for f, v in weights.items() if f not in disabled and v > 0}
        self.lines: list[str] = []
        self.indent = 1
        self.loop_depth = 0
        self.stmt_budget = 0
        self.helpers: list[_Helper] = []
        self.scope = _Scope()
        self.counter = 0
        self.length = 0   # the length of every 1-d array
        self.shape2 = (0, 0)
        self.ret: list[str] = []
        self.in_helper = False

    # --- choices ---------------------------------------------------------------------

    def on(self, feature: str, p: float = 0.5) -> bool:
        """Whether to use `feature` here: never when off, more often when weighted more."""
        w = self.w.get(feature, 0.0)
        return w > 0 and self.rng.random() < min(0.95, p * w)

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.indent + line)

    # --- expressions -----------------------------------------------------------------

    def expr(self, ty: str, depth: int) -> str:
        if ty == "int":
            return self.int_expr(depth)
        if ty == "float":
            return self.float_expr(depth)
        return self.bool_expr(depth)

    def _vars(self, ty: str) -> list[str]:
        s = self.scope
        return [n for n, t in {**s.scalars, **s.readonly}.items() if t == ty]

    def _branching(self, ty: str, depth: int) -> str | None:
        if not self.on("branching_operands", 0.15):
            return None
        r = self.rng.random()
        if r < 0.5:
            return (f"({self.expr(ty, depth - 1)} if {self.bool_expr(depth - 1)} "
                    f"else {self.expr(ty, depth - 1)})")
        op = "or" if r < 0.75 else "and"
        return f"({self.expr(ty, depth - 1)} {op} {self.expr(ty, depth - 1)})"

    def int_leaf(self) -> str:
        rng = self.rng
        choices = self._vars("int")
        r = rng.random()
        if choices and r < 0.55:
            return rng.choice(choices)
        arrs = [a for a in self.scope.arrays if a.ndim == 1]
        if arrs and r < 0.65:
            return f"{rng.choice(arrs).name}.shape[0]" if rng.random() < 0.5 else \
                f"len({rng.choice(arrs).name})"
        ints = [a for a in arrs if a.dtype == "i8"]
        if ints and r < 0.75:
            return f"int({self.element(rng.choice(ints))})"
        if self.scope.tuples and r < 0.8:
            name, tys = rng.choice(list(self.scope.tuples.items()))
            if "int" in tys:
                return f"{name}[{tys.index('int')}]"
        return str(rng.randint(-20, 20))

    def int_expr(self, depth: int) -> str:
        rng = self.rng
        if depth <= 0 or rng.random() < 0.25:
            return self.int_leaf()
        b = self._branching("int", depth)
        if b:
            return b
        d = depth - 1
        r = rng.random()
        if not self.on("int_ops", 0.9):
            r = 0.0
        if r < 0.3:
            return f"({self.int_expr(d)} {rng.choice(['+', '-'])} {self.int_expr(d)})"
        if r < 0.4:
            return f"(({self.int_expr(d)}) % 1000 * ({self.int_expr(d)} % 1000))"
        if r < 0.5:
            op = rng.choice(["//", "%"])
            return f"({self.int_expr(d)} {op} ({self.int_expr(d)} % 7 + 1))"
        if r < 0.6:
            return f"({self.int_expr(d)} {rng.choice(['&', '|', '^'])} {self.int_expr(d)})"
        if r < 0.66:
            return f"({self.int_expr(d)} {rng.choice(['<<', '>>'])} {rng.randint(0, 4)})"
        if r < 0.72:
            return f"({rng.choice(['-', '~'])}{self.int_expr(d)})"
        if r < 0.76:
            return f"(({self.int_expr(d)}) % 30) ** {rng.randint(0, 3)}"
        if r < 0.84:
            fn = rng.choice(["abs", "min", "max"])
            n = 1 if fn == "abs" else rng.randint(2, 3)
            return f"{fn}({', '.join(self.int_expr(d) for _ in range(n))})"
        if r < 0.88 and self.on("math", 1.0):
            fn = rng.choice(["math.floor", "math.ceil", "math.trunc"])
            return f"{fn}(math.tanh({self.float_expr(d)}) * 100.0)"
        if r < 0.92:
            return f"int(math.tanh({self.float_expr(d)}) * 1000.0)"
        if r < 0.96 and self.scope.tuples is not None and self.on("tuples", 0.5):
            items = ", ".join(self.int_expr(d) for _ in range(3))
            return f"({items})[{self.int_expr(d)} % 3]"
        call = self.helper_call("int", d)
        return call or self.int_leaf()

    def float_leaf(self) -> str:
        rng = self.rng
        choices = self._vars("float")
        r = rng.random()
        if choices and r < 0.5:
            return rng.choice(choices)
        arrs = self.scope.arrays
        if arrs and r < 0.7 and self.on("arrays", 0.6):
            a = rng.choice(arrs)
            if rng.random() < 0.6:
                e = self.element(a)
            elif a.dtype != "f8" and self.on("ufuncs", 0.3):
                e = f"np.sum({self.typed_array_expr(a)})"  # stays int64 / float32
            else:
                e = self.reduction(a)
            return e if a.dtype == "f8" else f"float({e})"
        if self.scope.tuples and r < 0.75:
            name, tys = rng.choice(list(self.scope.tuples.items()))
            if "float" in tys:
                return f"{name}[{tys.index('float')}]"
        return rng.choice(_FLOAT_LITERALS)

    def float_expr(self, depth: int) -> str:
        rng = self.rng
        if depth <= 0 or rng.random() < 0.25:
            return self.float_leaf()
        b = self._branching("float", depth)
        if b:
            return b
        d = depth - 1
        r = rng.random()
        if not self.on("float_ops", 0.9):
            r = 0.0
        if r < 0.3:
            return f"({self.float_expr(d)} {rng.choice(['+', '-', '*'])} {self.float_expr(d)})"
        if r < 0.38:
            return f"({self.float_expr(d)} {rng.choice(['+', '-', '*'])} {self.int_expr(d)})"
        if r < 0.46:
            op = rng.choice(["/", "//", "%"])
            return f"({self.float_expr(d)} {op} (abs({self.float_expr(d)}) + 1.0))"
        if r < 0.5:
            return rng.choice([f"(abs({self.float_expr(d)}) + 1.0) ** 0.5",
                               f"{self.float_expr(d)} ** 2", f"float({self.int_expr(d)})",
                               f"{self.int_expr(d)} / ({self.int_expr(d)} % 5 + 1)"])
        if r < 0.72 and self.on("math", 1.5):
            return self.math_call(d)
        if r < 0.8:
            fn = rng.choice(["abs", "min", "max", "-"])
            if fn == "-":
                return f"(-{self.float_expr(d)})"
            n = 1 if fn == "abs" else rng.randint(2, 3)
            return f"{fn}({', '.join(self.float_expr(d) for _ in range(n))})"
        if r < 0.82 and self.on("displays", 0.8):
            items = [self.float_expr(d) for _ in range(rng.randint(2, 4))]
            if rng.random() < 0.5:
                return f"np.array([{', '.join(items)}]).sum()"
            return f"[{', '.join(items)}][{self.int_expr(d)} % {len(items)}]"
        if r < 0.84 and self.on("branching_operands", 0.5) and len(self.f8_1d()) > 1:
            same = [a for a in self.f8_1d() if a.layout == "C"]
            if len(same) > 1:
                a, b = rng.sample(same, 2)
                i = self.index(str(self.length))
                return f"({a.name} if {self.bool_expr(d)} else {b.name})[{i}]"
        if r < 0.86 and self.on("tuples", 0.8):
            items = [self.float_expr(d) for _ in range(rng.randint(2, 3))]
            return f"({', '.join(items)})[{self.int_expr(d)} % {len(items)}]"
        call = self.helper_call("float", d)
        return call or self.float_leaf()

    def math_call(self, d: int) -> str:
        rng = self.rng
        def e() -> str:
            return self.float_expr(d)

        forms = [
            lambda: f"math.sqrt(abs({e()}))", lambda: f"math.exp(min({e()}, 20.0))",
            lambda: f"math.log(abs({e()}) + 1.0)", lambda: f"math.sin({e()})",
            lambda: f"math.cos({e()})", lambda: f"math.tanh({e()})",
            lambda: f"math.atan2({e()}, {e()})", lambda: f"math.hypot({e()}, {e()})",
            lambda: f"math.fabs({e()})", lambda: f"math.copysign({e()}, {e()})",
            lambda: f"math.atan({e()})", lambda: f"math.log1p(abs({e()}))",
            lambda: f"math.expm1(min({e()}, 20.0))", lambda: f"math.erf({e()})",
            lambda: f"math.asinh({e()})",
        ]
        return rng.choice(forms)()

    def bool_expr(self, depth: int) -> str:
        rng = self.rng
        r = rng.random()
        d = max(depth - 1, 0)
        bools = self._vars("bool")
        if bools and r < 0.15:
            return rng.choice(bools)
        if r < 0.55 or depth <= 0:
            ty = rng.choice(["int", "float"])
            op = rng.choice(["<", "<=", ">", ">=", "==", "!="])
            if self.on("branching_operands", 0.3):
                return (f"({self.expr(ty, d)} {op} {self.expr(ty, d)} "
                        f"{rng.choice(['<', '<='])} {self.expr(ty, d)})")
            return f"({self.expr(ty, d)} {op} {self.expr(ty, d)})"
        if r < 0.7:
            return f"({self.bool_expr(d)} {rng.choice(['and', 'or'])} {self.bool_expr(d)})"
        if r < 0.8:
            return f"(not {self.bool_expr(d)})"
        if r < 0.85 and self.on("math", 1.0):
            return f"math.isnan({self.float_expr(d)})"
        if r < 0.9:
            return f"({self.int_expr(d)} % 2 == 0)"
        if self.scope.arrays and self.on("arrays", 1.0):
            a = rng.choice(self.scope.arrays)
            e = self.element(a) if a.dtype == "f8" else f"float({self.element(a)})"
            return f"({e} > {self.float_leaf()})"
        return rng.choice(["True", "False"])

    # --- arrays ----------------------------------------------------------------------

    def index(self, n: str) -> str:
        i = self.int_expr(1)
        if self.rng.random() < 0.3:
            return f"-1 - ({i}) % {n}"
        return f"({i}) % {n}"

    def element(self, a: _Arr) -> str:
        if a.ndim == 1:
            return f"{a.name}[{self.index(a.name + '.shape[0]')}]"
        return (f"{a.name}[{self.index(a.name + '.shape[0]')}, "
                f"{self.index(a.name + '.shape[1]')}]")

    def view(self, a: _Arr) -> str:
        """A view of `a` (never empty), for reductions."""
        rng = self.rng
        if a.ndim == 2:
            return rng.choice([f"{a.name}[{self.index(a.name + '.shape[0]')}]",
                               f"{a.name}[:, {self.index(a.name + '.shape[1]')}]",
                               f"{a.name}.T", f"{a.name}[::-1, 1:]", f"{a.name}[:, ::2]"])
        return rng.choice([f"{a.name}[::2]", f"{a.name}[::-1]", f"{a.name}[1:]",
                           f"{a.name}[:-1]", f"{a.name}[{self.int_expr(0)} % 3:]"])

    def reduction(self, a: _Arr) -> str:
        rng = self.rng
        target = self.view(a) if self.on("views", 0.6) else a.name
        fn = rng.choice(["sum", "max", "min", "mean", "npsum", "npmax", "prod"])
        if fn == "prod":
            return f"np.prod({target}[:3])" if a.ndim == 1 else f"{target}.sum()"
        if fn.startswith("np"):
            return f"np.{fn[2:]}({target})"
        return f"{target}.{fn}()"

    def typed_array_expr(self, a: _Arr) -> str:
        """An array of a's dtype and shape: int64 stays bounded, float32 stays float32."""
        rng = self.rng
        if a.dtype == "i8":
            return rng.choice([f"({a.name} * {rng.randint(-3, 3)} + {a.name}) % 1000",
                               f"np.abs({a.name}) // {rng.randint(1, 4)}",
                               f"({a.name} ^ {rng.randint(0, 7)})", f"(-{a.name})"])
        return rng.choice([f"({a.name} * np.float32({rng.choice(_FLOAT_LITERALS)}))",
                           f"({a.name} + {a.name})", f"np.abs({a.name})",
                           f"np.sqrt(np.abs({a.name}))"])

    def f8_1d(self) -> list[_Arr]:
        return [a for a in self.scope.arrays if a.dtype == "f8" and a.ndim == 1]

    def array_expr(self, depth: int) -> str:
        """A new float64 1-d array of length self.length (C order)."""
        rng = self.rng
        arrs = self.f8_1d()
        if depth <= 0 or not self.on("ufuncs", 0.8) or rng.random() < 0.2:
            r = rng.random()
            if self.on("alloc", 0.8) and r < 0.5:
                return rng.choice([f"np.zeros({self.length})", f"np.ones({self.length})",
                                   f"np.full({self.length}, {self.float_expr(1)})",
                                   f"np.full({self.length}, fill_value={self.float_expr(1)})",
                                   f"np.zeros({self.length}, dtype=np.float64)",
                                   f"np.arange({self.length}) * 1.0",
                                   f"np.zeros_like({rng.choice(arrs).name})"
                                   if arrs else f"np.zeros({self.length})"])
            if arrs:
                a = rng.choice(arrs)
                return f"{a.name}.copy()" if rng.random() < 0.3 else f"({a.name} * 1.0)"
            return f"np.ones({self.length})"
        d = depth - 1
        r = rng.random()
        if r < 0.35:
            return f"({self.array_expr(d)} {rng.choice(['+', '-', '*'])} {self.array_expr(d)})"
        if r < 0.6:
            s = self.float_expr(1)
            return rng.choice([f"({self.array_expr(d)} * {s})", f"({s} + {self.array_expr(d)})",
                               f"({self.array_expr(d)} - {s})"])
        if r < 0.7:
            return f"({self.array_expr(d)} / (np.abs({self.array_expr(d)}) + 1.0))"
        fn = rng.choice(["np.sqrt(np.abs({}))", "np.sin({})", "np.cos({})", "np.tanh({})",
                         "np.abs({})", "(-{})", "np.exp(np.minimum({}, 20.0))",
                         "np.maximum({}, 0.5)", "np.where({0} > 1.0, {0}, 0.0)"])
        return fn.format(self.array_expr(d))

    # --- statements ------------------------------------------------------------------

    def block(self, n: int) -> None:
        """`n` statements at the current indent (at least `pass`)."""
        start = len(self.lines)
        for _ in range(n):
            if self.stmt_budget <= 0:
                break
            self.statement()
        if len(self.lines) == start:
            self.emit("pass")

    def statement(self) -> None:
        self.stmt_budget -= 1
        rng = self.rng
        nest_ok = self.indent < 5
        options: list[tuple[float, str]] = [(3.0, "assign")]
        if nest_ok:
            options += [(self.w.get("control", 0), "if"), (self.w.get("loops", 0), "for"),
                        (self.w.get("while", 0) * 0.5, "while"),
                        (self.w.get("try", 0) * 0.5, "try")]
        if self.scope.arrays:
            options += [(self.w.get("arrays", 0), "store"),
                        (self.w.get("inplace", 0) * 0.5, "inplace")]
        if [a for a in self.scope.arrays if a.local]:
            options += [(self.w.get("array_rebind", 0), "rebind")]
        if self.scope.tuples:
            options += [(self.w.get("tuples", 0) * 0.7, "tuple")]
        if self.loop_depth:
            options += [(self.w.get("break_continue", 0) * 0.7, "breakcont")]
        if any(ty == "float" for ty in self.scope.scalars.values()):
            options += [(self.w.get("optional", 0) * 0.5, "optional")]
        if self.scope.scalars and not self.in_helper:
            options += [(self.w.get("closures", 0) * 0.5, "closure")]
        if self.indent == 1 and not self.in_helper:  # read anywhere after: f's top level
            options += [(self.w.get("loop_defined", 0) * 0.8, "some_paths")]
        options += [(self.w.get("early_return", 0) * 0.3, "return"),
                    (self.w.get("raise", 0) * 0.3, "raise")]
        total = sum(w for w, _ in options)
        pick = rng.random() * total
        kind = options[-1][1]
        for w, option in options:
            pick -= w
            if pick <= 0:
                kind = option
                break
        getattr(self, "s_" + kind)()

    def s_assign(self) -> None:
        rng = self.rng
        if not self.scope.scalars:
            return
        name, ty = rng.choice(list(self.scope.scalars.items()))
        same = [n for n, t in self.scope.scalars.items() if t == ty and n != name]
        if same and rng.random() < 0.1:
            other = rng.choice(same)
            if rng.random() < 0.5:
                self.emit(f"{name}, {other} = {other}, {name}")
            else:
                self.emit(f"{name} = {other} = {self.expr(ty, 1)}")
            return
        e = self.expr(ty, rng.randint(1, 3))
        if ty == "int":
            if rng.random() < 0.3 and self.loop_depth:
                self.emit(f"{name} += {e}")
            else:
                self.emit(f"{name} = ({e}) % 100003 - 50000")
        elif ty == "float" and rng.random() < 0.3:
            self.emit(f"{name} {rng.choice(['+=', '-=', '*='])} "
                      f"math.tanh({e})" if self.w.get("math") else f"{name} += {e}")
        else:
            self.emit(f"{name} = {e}")

    def s_if(self) -> None:
        self.emit(f"if {self.bool_expr(2)}:")
        self.indent += 1
        self.block(self.rng.randint(1, 3))
        self.indent -= 1
        for _ in range(self.rng.choice([0, 0, 1, 2])):
            self.emit(f"elif {self.bool_expr(2)}:")
            self.indent += 1
            self.block(self.rng.randint(1, 2))
            self.indent -= 1
        if self.rng.random() < 0.5:
            self.emit("else:")
            self.indent += 1
            self.block(self.rng.randint(1, 2))
            self.indent -= 1

    def _loop_body(self, readonly: dict[str, str]) -> None:
        saved = dict(self.scope.readonly)
        self.scope.readonly.update(readonly)
        self.loop_depth += 1
        self.indent += 1
        self.block(self.rng.randint(1, 4))
        self.indent -= 1
        self.loop_depth -= 1
        self.scope.readonly = saved

    def s_for(self) -> None:
        rng = self.rng
        var = self.fresh("i")
        arrs = [a for a in self.scope.arrays if a.ndim == 1]
        r = rng.random()
        f8 = [a for a in arrs if a.dtype == "f8"]
        if f8 and r < 0.12 and self.on("merge_layouts", 0.6):
            self.s_for_merged_layouts(var, rng.choice(f8))
        elif len(f8) > 1 and r < 0.08:
            a, b = rng.sample(f8, 2)
            k = self.fresh("k")
            self.emit(f"for {var}, {k} in zip({a.name}, {b.name}[::-1]):")
            self._loop_body({var: "float", k: "float"})
        elif arrs and r < 0.25:
            a = rng.choice(arrs)
            ty = "float" if a.dtype != "i8" else "int"
            if a.dtype == "f4":
                self.emit(f"for {var} in {a.name}:")
                self._loop_body({})  # float32 items are not read as scalars (see above)
            elif rng.random() < 0.5:
                k = self.fresh("k")
                self.emit(f"for {k}, {var} in enumerate({a.name}):")
                self._loop_body({var: ty, k: "int"})
            else:
                self.emit(f"for {var} in {a.name}:")
                self._loop_body({var: ty})
        else:
            bound = rng.choice([str(rng.randint(0, 7)), f"min(abs({self.int_expr(1)}), 6)"])
            if arrs and rng.random() < 0.3:
                bound = f"{rng.choice(arrs).name}.shape[0]"
            if rng.random() < 0.3:
                start = rng.randint(-3, 2)
                step = rng.choice([1, 2, 3, -1, -2])
                rng_src = (f"range({start}, {bound}, {step})" if step > 0
                           else f"range({bound}, {start}, {step})")
            else:
                rng_src = f"range({bound})"
            self.emit(f"for {var} in {rng_src}:")
            self._loop_body({var: "int"})
        if self.on("break_continue", 0.3):
            self.emit("else:")
            self.indent += 1
            self.block(1)
            self.indent -= 1

    def s_for_merged_layouts(self, var: str, a: _Arr) -> None:
        """A loop over a C array on one path and a strided view on the other (their
        iterators merge as any-strided ones), bare, enumerated or zipped."""
        rng = self.rng
        view = rng.choice(["[::-1]", "[::2]", "[1:]", "[::-2]"])
        src = f"({a.name} if {self.bool_expr(1)} else {a.name}{view})"
        if rng.random() < 0.5:
            src = f"({a.name}{view} if {self.bool_expr(1)} else {a.name})"
        ty = "float" if a.dtype != "i8" else "int"
        r = rng.random()
        if r < 0.5:
            self.emit(f"for {var} in {src}:")
            self._loop_body({var: ty})
        elif r < 0.75:
            k = self.fresh("k")
            self.emit(f"for {k}, {var} in enumerate({src}):")
            self._loop_body({var: ty, k: "int"})
        else:
            k = self.fresh("k")
            self.emit(f"for {var}, {k} in zip({src}, {a.name}):")
            self._loop_body({var: ty, k: ty})

    def s_some_paths(self) -> None:
        """A scalar or tuple assigned on some paths only (in a loop, a branch, a `while`
        with `else` and `break`), then read: where no path assigned it, CPython raises
        UnboundLocalError and so must compiled code (kept rare: the paths usually assign)."""
        rng = self.rng
        ty = rng.choice(["int", "float", "float", "bool", "tuple"])
        name = self.fresh("s")
        tys: tuple[str, ...] = ()
        if ty == "tuple":
            tys = tuple(rng.choice(["int", "float"]) for _ in range(2))

        def value() -> str:
            if ty == "tuple":
                return f"({', '.join(self.expr(t, 1) for t in tys)})"
            e = self.expr(ty, 2)
            return f"({e}) % 100003 - 50000" if ty == "int" else e

        r = rng.random()
        if r < 0.35:  # a loop that runs (rarely zero times)
            trips = rng.choice(["1", "2", "3",
                                f"{rng.randint(1, 3)} + abs({self.int_expr(0)}) % 2"])
            if rng.random() < 0.05:
                trips = "0"
            i = self.fresh("i")
            self.emit(f"for {i} in range({trips}):")
            self.indent += 1
            self.emit(f"{name} = {value()}")
            self.indent -= 1
        elif r < 0.6:  # both branches assign, or one does and the read follows the same test
            cond = self.bool_expr(1)
            self.emit(f"if {cond}:")
            self.indent += 1
            self.emit(f"{name} = {value()}")
            self.indent -= 1
            if rng.random() < 0.9:
                self.emit("else:")
                self.indent += 1
                self.emit(f"{name} = {value()}")
                self.indent -= 1
        elif r < 0.8:  # a while loop with a break, its else assigning too
            c = self.fresh("w")
            self.emit(f"{c} = 0")
            self.emit(f"while {c} < {rng.randint(1, 4)}:")
            self.indent += 1
            self.emit(f"{c} += 1")
            self.emit(f"{name} = {value()}")
            self.emit(f"if {self.bool_expr(1)}:")
            self.emit("    break")
            self.indent -= 1
            if rng.random() < 0.5:
                self.emit("else:")
                self.emit(f"    {name} = {value()}")
        else:  # for/else with break: the else assigns when the loop did not break
            i = self.fresh("i")
            self.emit(f"for {i} in range({rng.randint(1, 4)}):")
            self.indent += 1
            self.emit(f"if {self.bool_expr(1)}:")
            self.indent += 1
            self.emit(f"{name} = {value()}")
            self.emit("break")
            self.indent -= 2
            self.emit("else:")
            self.emit(f"    {name} = {value()}")
        if ty == "tuple":
            self.scope.tuples[name] = tys
        else:
            self.scope.scalars[name] = ty

    def s_while(self) -> None:
        c = self.fresh("w")
        self.emit(f"{c} = 0")
        limit = self.rng.randint(1, 6)
        cond = f"{c} < {limit}"
        if self.rng.random() < 0.4:
            cond += f" and {self.bool_expr(1)}"
        self.emit(f"while {cond}:")
        self.indent += 1
        self.emit(f"{c} += 1")
        self.indent -= 1
        self._loop_body({c: "int"})
        if self.on("break_continue", 0.2):
            self.emit("else:")
            self.indent += 1
            self.block(1)
            self.indent -= 1

    def s_breakcont(self) -> None:
        self.emit(f"if {self.bool_expr(1)}:")
        self.indent += 1
        self.emit(self.rng.choice(["break", "continue"]))
        self.indent -= 1

    def s_return(self) -> None:
        self.emit(f"if {self.bool_expr(1)}:")
        self.indent += 1
        self.emit(self.return_stmt())
        self.indent -= 1

    def s_optional(self) -> None:
        """A float or None, used only where narrowed; a branch isinstance decides, whose
        untaken side would not type (compiled code must prune it, not type it)."""
        target = self.rng.choice([n for n, t in self.scope.scalars.items() if t == "float"])
        name = self.fresh("o")
        self.emit(f"{name} = None")
        self.emit(f"if {self.bool_expr(1)}:")
        self.emit(f"    {name} = {self.float_expr(1)}")
        check = self.rng.choice([f"{name} is not None", f"not ({name} is None)"])
        self.emit(f"if {check}:")
        self.emit(f"    {target} = {target} * 0.5 + {name}")
        subject = self.rng.choice(list(self.scope.scalars))
        self.emit(f"if isinstance({subject}, (int, float, np.number, np.bool_)):")
        self.emit(f"    {target} = {target} + 1.0")
        self.emit("else:")
        self.emit(f"    {target} = {subject}.no_such_attribute")
        arrs = self.f8_1d()
        if arrs and self.rng.random() < 0.5:  # membership, and a tuple stored into a slice
            a = self.rng.choice(arrs).name
            self.emit(f"if {self.float_expr(1)} {self.rng.choice(['in', 'not in'])} {a}:")
            self.emit(f"    {target} = {target} - 1.0")
            self.emit(f"if {a}.shape[0] >= 2:")
            self.emit(f"    {a}[:2] = ({self.float_expr(1)}, {self.float_expr(1)})")

    def s_raise(self) -> None:
        self.emit(f"if {self.bool_expr(1)}:")
        self.indent += 1
        self.emit(f"raise ValueError('fuzz {self.rng.randint(0, 99)}')")
        self.indent -= 1

    def s_try(self) -> None:
        # Catches only what the generated code raises itself (ValueError), so a CPython
        # error that compiled code does not raise (float overflow) is never swallowed.
        rng = self.rng
        self.emit("try:")
        self.indent += 1
        self.block(rng.randint(1, 3))
        self.emit(f"if {self.bool_expr(1)}:")
        self.emit(f"    raise ValueError('fuzz try {rng.randint(0, 99)}')")
        self.indent -= 1
        self.emit(f"except {rng.choice(['ValueError', '(KeyError, ValueError)', 'LookupError'])}:")
        self.indent += 1
        self.block(rng.randint(1, 2))
        self.indent -= 1
        for clause in ("else", "finally"):
            if rng.random() < 0.4:
                self.emit(f"{clause}:")
                self.indent += 1
                self.block(rng.randint(1, 2))
                self.indent -= 1

    def s_store(self) -> None:
        rng = self.rng
        a = rng.choice(self.scope.arrays)
        value = self.int_expr(2) + " % 1000" if a.dtype == "i8" else self.float_expr(2)
        if a.ndim == 2 and self.on("views", 0.5):
            self.emit(f"{a.name}[{self.index(a.name + '.shape[0]')}, :] = {value}")
        elif a.ndim == 1 and self.on("views", 0.4):
            lo = rng.randint(0, 2)
            self.emit(f"{a.name}[{lo}:{lo + rng.randint(0, 3)}] = {value}")
        elif self.rng.random() < 0.3:
            self.emit(f"{self.element(a)} {rng.choice(['+=', '-='])} {value}")
        else:
            self.emit(f"{self.element(a)} = {value}")

    def s_inplace(self) -> None:
        rng = self.rng
        others = [a for a in self.scope.arrays if a.dtype != "f8"]
        if others and rng.random() < 0.3:
            a = rng.choice(others)
            self.emit(f"{a.name}[:] = {self.typed_array_expr(a)}")
            return None
        arrs = self.f8_1d()
        if not arrs:
            return self.s_store()
        a = rng.choice(arrs)
        r = rng.random()
        if r < 0.4:
            self.emit(f"{a.name} {rng.choice(['+=', '-=', '*='])} {self.array_expr(1)}")
        elif r < 0.7:
            self.emit(f"{a.name}[:] = {self.array_expr(1)}")
        else:
            self.emit(f"{a.name}[::2] = {self.float_expr(1)}")

    def s_rebind(self) -> None:
        rng = self.rng
        locals_ = [a for a in self.scope.arrays if a.local]
        a = rng.choice(locals_)
        others = [b for b in self.f8_1d() if b is not a and b.layout == "C"]
        if others and rng.random() < 0.35:
            self.emit(f"{a.name} = {rng.choice(others).name}")
        else:
            self.emit(f"{a.name} = {self.array_expr(2)}")

    def s_closure(self) -> None:
        """An inner function reading enclosing variables (and its parameter), called here."""
        name, ty = self.rng.choice(list(self.scope.scalars.items()))
        inner, param = self.fresh("k"), self.fresh("p")
        self.emit(f"def {inner}({param}):")
        self.scope.readonly[param] = ty
        body = self.expr(ty, 2)
        del self.scope.readonly[param]
        self.indent += 1  # reads its parameter and the variable it is assigned to (captured)
        if ty == "int":
            self.emit(f"return ({param} + {name} + {body}) % 100003 - 50000")
        elif ty == "float":
            self.emit(f"return {param} * 0.5 + {name} - ({body})")
        else:
            self.emit(f"return ({param} != {name}) or {body}")
        self.indent -= 1
        self.emit(f"{name} = {inner}({self.expr(ty, 1)})")

    def s_loop_defined_array(self) -> None:
        """An array first assigned inside a loop that runs (`cur` of issue 13's
        `prev = np.zeros(3); for i in range(n): cur = prev + 1.0; prev = cur`), read after it."""
        locals_ = [a for a in self.scope.arrays if a.local]
        if not locals_:
            return
        prev = self.rng.choice(locals_)
        cur = self.fresh("c")
        if self.rng.random() < 0.4:  # in a branch: a new array on one path, a view on the other
            self.emit(f"if {self.bool_expr(1)}:")
            self.emit(f"    {cur} = {self.array_expr(1)}")
            self.emit("else:")
            view = f"{prev.name}[::-1]" if self.on("merge_layouts", 1.0) else f"{prev.name}"
            self.emit(f"    {cur} = {view}")
            self.scope.arrays.append(_Arr(cur, "f8", 1, "A", local=True))
            return
        self.emit(f"for {self.fresh('i')} in range({self.rng.randint(1, 4)}):")
        self.indent += 1
        self.emit(f"{cur} = {prev.name} {self.rng.choice(['+', '*'])} {self.float_expr(1)}")
        if self.rng.random() < 0.5:
            self.block(1)
        self.emit(f"{prev.name} = {cur}")
        self.indent -= 1
        self.scope.arrays.append(_Arr(cur, "f8", 1, "C", local=True))

    def s_tuple(self) -> None:
        rng = self.rng
        name, tys = rng.choice(list(self.scope.tuples.items()))
        if rng.random() < 0.5:
            self.emit(f"{name} = ({', '.join(self.expr(t, 2) for t in tys)})")
            return
        targets = []
        for t in tys:
            same = [n for n, ty in self.scope.scalars.items() if ty == t]
            targets.append(rng.choice(same) if same else None)
        if None in targets or len(set(targets)) != len(targets):
            self.emit(f"{name} = ({', '.join(self.expr(t, 1) for t in tys)})")
        else:
            self.emit(f"{', '.join(targets)} = {name}")  # type: ignore[arg-type]

    def return_stmt(self) -> str:
        if self.in_helper:
            return f"return {self.expr(self.ret[0], 2)}"
        parts = []
        for ty in self.ret:
            if ty == "array":
                a = self.rng.choice([a for a in self.f8_1d() if a.local] or self.f8_1d())
                parts.append(f"{a.name}.copy()" if not a.local else f"{a.name} * 1.0")
            else:
                parts.append(self.expr(ty, 2))
        return f"return ({', '.join(parts)},)" if len(parts) == 1 else \
            f"return ({', '.join(parts)})"

    # --- helper functions -------------------------------------------------------------

    def helper_call(self, ty: str, depth: int) -> str | None:
        if self.in_helper:
            return None
        cands = [h for h in self.helpers if h.ret == ty]
        if not cands or not self.on("calls", 0.8):
            return None
        h = self.rng.choice(cands)
        args = [self.expr(t, max(depth, 0)) for _, t in h.params]
        if len(args) > 1 and self.rng.random() < 0.3:  # the last argument by keyword
            args[-1] = f"{h.params[-1][0]}={args[-1]}"
        return f"{h.name}({', '.join(args)})"

    def helper(self, index: int) -> list[str]:
        rng = self.rng
        params = [(f"p{i}", rng.choice(["int", "float", "float"]))
                  for i in range(rng.randint(1, 3))]
        ret = rng.choice(["int", "float", "float"])
        self.scope = _Scope(scalars=dict(params))
        self.lines, self.indent, self.in_helper = [], 1, True
        self.ret = [ret]
        self.stmt_budget = rng.randint(1, 4)
        local = self.fresh("t")
        self.emit(f"{local} = {self.expr(ret, 2)}")
        self.scope.scalars[local] = ret
        self.block(self.stmt_budget)
        e = self.expr(ret, 2)
        self.emit(f"return {e} if {self.bool_expr(1)} else {local}")
        name = f"h{index}"
        lines = [f"def {name}({', '.join(p for p, _ in params)}):", *self.lines]
        self.helpers.append(_Helper(name, params, ret))
        self.in_helper = False
        return lines


# Values of the scalar parameters and of array elements.
_INTS = (0, 1, -1, 2, 3, 5, -7, 11, 13, 100, -50)
_FLOATS = (0.0, 0.5, -0.5, 1.5, -2.25, 3.0, 10.0, 1e-3, -7.75)
_SPECIAL_FLOATS = ("math.inf", "-math.inf", "math.nan", "-0.0", "1e300", "-1e300", "5e-324")
_SPECIAL_INTS = ("2**40", "-(2**40)", "2**31", "-1")


def _array_src(rng: random.Random, a: _Arr, length: int, shape2: tuple[int, int]) -> str:
    dt = {"f8": "np.float64", "i8": "np.int64", "f4": "np.float32"}[a.dtype]
    if a.ndim == 2:
        n = shape2[0] * shape2[1]
        vals = [rng.choice(_FLOATS) for _ in range(n)]
        base = f"np.array({vals!r}, dtype={dt}).reshape({shape2[0]}, {shape2[1]})"
        if a.layout == "F":
            return f"np.asfortranarray({base})"
        if a.layout == "A":  # a transposed view of the other shape
            vals = [rng.choice(_FLOATS) for _ in range(n)]
            return (f"np.array({vals!r}, dtype={dt}).reshape({shape2[1]}, {shape2[0]}).T")
        return base
    pool = _INTS if a.dtype == "i8" else _FLOATS
    if a.layout == "A":  # every other item of a longer array, or reversed
        vals = [rng.choice(pool) for _ in range(2 * length)]
        step = rng.choice(["[::2]", "[1::2]"])
        return f"np.array({vals!r}, dtype={dt}){step}"
    vals = [rng.choice(pool) for _ in range(length)]
    return f"np.array({vals!r}, dtype={dt})"


def generate(seed: int, profile: str = "mixed",
             disabled: frozenset[str] = DEFAULT_DISABLED) -> Program:
    """The program of `seed` under `profile`; the same arguments give the same program."""
    rng = random.Random(f"{profile}:{seed}")
    g = _Gen(rng, PROFILES[profile], disabled)
    g.length = rng.randint(3, 8)
    g.shape2 = (rng.randint(2, 4), rng.randint(2, 4))
    out: list[str] = []
    if "calls" in g.w:
        for i in range(rng.randint(1, 3)):
            out += g.helper(i)
            out.append("")
            out.append("")
    # Parameters: scalars, then arrays.
    params: list[tuple[str, str]] = []
    arg_srcs: list[str] = []
    specials = "specials" in g.w and rng.random() < 0.5
    for i in range(rng.randint(1, 3)):
        ty = rng.choice(["int", "float"])
        params.append((f"x{i}", ty))
        pool = _INTS if ty == "int" else _FLOATS
        if specials and rng.random() < 0.5:
            pool = _SPECIAL_INTS if ty == "int" else _SPECIAL_FLOATS
        value = pool[rng.randrange(len(pool))]
        arg_srcs.append(value if isinstance(value, str) else repr(value))
    if rng.random() < 0.3:
        params.append(("flag", "bool"))
        arg_srcs.append(repr(rng.random() < 0.5))
    arrays: list[_Arr] = []
    if "arrays" in g.w:
        for i in range(rng.randint(1, 3)):
            dtype = rng.choice(["f8", "f8", "i8", "f4"]) if "dtypes" in g.w else "f8"
            ndim = 2 if (dtype == "f8" and rng.random() < 0.3) else 1
            layout = "C"
            if "layouts" in g.w and rng.random() < 0.4:
                layout = rng.choice(["F", "A"]) if ndim == 2 else "A"
            a = _Arr(f"a{i}", dtype, ndim, layout)
            arrays.append(a)
            arg_srcs.append(_array_src(rng, a, g.length, g.shape2))
    g.scope = _Scope(readonly=dict(params))
    g.scope.arrays = list(arrays)
    g.lines, g.indent = [], 1
    # Locals, all assigned up front (one type each).
    for i in range(rng.randint(2, 4)):
        ty = rng.choice(["int", "float", "float", "bool"])
        name = f"v{i}"
        g.emit(f"{name} = {g.expr(ty, 1)}")
        g.scope.scalars[name] = ty
    if "tuples" in g.w and rng.random() < 0.6:
        tys = tuple(rng.choice(["int", "float"]) for _ in range(rng.randint(2, 3)))
        g.emit(f"t0 = ({', '.join(g.expr(t, 1) for t in tys)})")
        g.scope.tuples["t0"] = tys
    if "arrays" in g.w and ("alloc" in g.w or "array_rebind" in g.w or "ufuncs" in g.w):
        for i in range(rng.randint(1, 2)):
            name = f"b{i}"
            g.emit(f"{name} = {g.array_expr(1)}")
            g.scope.arrays.append(_Arr(name, "f8", 1, "C", local=True))
    if "loop_defined" in g.w and g.scope.arrays and rng.random() < 0.5:
        g.s_loop_defined_array()
    if g.f8_1d() and g.on("merge_layouts", 0.3):  # a local that is a C array or a view
        a = rng.choice(g.f8_1d())
        g.emit(f"m0 = ({a.name} if {g.bool_expr(1)} else {a.name}[::-1])")
        g.scope.arrays.append(_Arr("m0", "f8", 1, "A", local=True))
    g.ret = [rng.choice(["int", "float"]) for _ in range(rng.randint(1, 3))]
    if g.f8_1d() and rng.random() < 0.6:
        g.ret.append("array")
    g.stmt_budget = rng.randint(4, 14)
    g.block(g.stmt_budget)
    g.emit(g.return_stmt())
    names = [n for n, _ in params] + [a.name for a in arrays]
    out.append(f"def f({', '.join(names)}):")
    out += g.lines
    return Program(seed, profile, "\n".join(out) + "\n", "[" + ", ".join(arg_srcs) + "]")
