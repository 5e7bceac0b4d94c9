"""Shrink a failing program to a small one that fails the same way (delta debugging).

    >>> small = reduce_program(prog, outcome)      # a Program; small.script() reproduces

Greedy passes to a fixpoint, each candidate kept only if it still fails with the same
status (and, for exceptions and internal errors, the same exception type):
  1. delete a statement (a body left empty gets `pass`), or replace an `if`/`for`/`while`
     by its body;
  2. replace an expression by one of its operands (`a + b` -> `a`, `f(x, y)` -> `y`,
     `x if c else y` -> `x`), or an operand by a literal.
A crash or hang is checked in a subprocess; anything else in this process.
"""
from __future__ import annotations

import ast
import copy
import json
import subprocess
import sys
from collections.abc import Callable, Iterator

from tests.fuzz.generator import Program
from tests.fuzz.runner import Outcome, run_source

_MAX_CHECKS = 400


def reduce_program(prog: Program, outcome: Outcome,
                   check: Callable[[str, str], Outcome] | None = None) -> Program:
    """The smallest program found that fails like `prog` did with `outcome`."""
    run = check or (_in_subprocess if outcome.status in ("crash", "hang") else _in_process)
    budget = [_MAX_CHECKS]

    def still_fails(source: str) -> bool:
        if budget[0] <= 0:
            return False
        budget[0] -= 1
        try:
            got = run(source, prog.args_src)
        except Exception:  # noqa: BLE001 - a candidate the runner cannot even load
            return False
        return _same_failure(outcome, got)

    source = ast.unparse(ast.parse(prog.source))
    changed = True
    while changed and budget[0] > 0:
        changed = False
        for transform in (_statement_candidates, _expression_candidates):
            i = 0
            while budget[0] > 0:
                cand = _nth(transform, source, i)
                if cand is None:
                    break
                if cand != source and still_fails(cand):
                    source, changed = cand, True  # same index: the next site moved here
                else:
                    i += 1
    return Program(prog.seed, prog.profile, source + "\n", prog.args_src, prog.entry)


def _same_failure(want: Outcome, got: Outcome) -> bool:
    if got.status != want.status:
        return False
    if want.status in ("internal", "exception"):
        return got.message.split(":")[0] == want.message.split(":")[0]
    return True


def _in_process(source: str, args_src: str) -> Outcome:
    return run_source(source, args_src)


def _in_subprocess(source: str, args_src: str, timeout: float = 120.0) -> Outcome:
    code = ("import json, sys\nfrom tests.fuzz.runner import run_source\n"
            "src, args = json.load(sys.stdin)\no = run_source(src, args)\n"
            "print(json.dumps([o.status, o.message]))\n")
    try:
        proc = subprocess.run([sys.executable, "-c", code], input=json.dumps([source, args_src]),
                              capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return Outcome("hang")
    if proc.returncode != 0 and not proc.stdout.strip():
        return Outcome("crash", f"exit code {proc.returncode}")
    status, message = json.loads(proc.stdout.strip().splitlines()[-1])
    return Outcome(status, message)


def _nth(transform: Callable[[ast.Module], Iterator[None]], source: str, i: int) -> str | None:
    """The source after applying the i-th change `transform` offers, or None if fewer."""
    tree = ast.parse(source)
    for k, _ in enumerate(transform(tree)):
        if k == i:
            ast.fix_missing_locations(tree)
            return ast.unparse(tree)
    return None


def _bodies(tree: ast.AST) -> Iterator[list[ast.stmt]]:
    for node in ast.walk(tree):
        for attr in ("body", "orelse"):
            body = getattr(node, attr, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                yield body


def _statement_candidates(tree: ast.Module) -> Iterator[None]:
    """Each yield leaves `tree` changed by one statement edit (the caller stops there)."""
    for body in list(_bodies(tree)):
        for j in range(len(body)):
            stmt = body[j]
            if isinstance(stmt, ast.FunctionDef) and stmt.name == "f":
                continue
            if isinstance(stmt, ast.Return) and stmt is body[-1]:
                continue
            if isinstance(stmt, ast.Pass):
                continue
            saved = body[j]
            if len(body) > 1:
                del body[j]
                yield
                body.insert(j, saved)
            else:
                body[j] = ast.Pass()
                yield
                body[j] = saved
            if isinstance(stmt, (ast.If, ast.For, ast.While)) and stmt.orelse:
                orelse, stmt.orelse = stmt.orelse, []
                yield
                stmt.orelse = orelse
            if isinstance(stmt, ast.If):  # keep only the condition, as a statement
                body[j] = ast.Expr(stmt.test)
                yield
                body[j] = saved
            if isinstance(stmt, (ast.If, ast.For, ast.While)) and not isinstance(
                    stmt.body[0], ast.Pass):
                body[j:j + 1] = stmt.body
                yield
                body[j:j + len(stmt.body)] = [saved]


_LITERALS = ("0", "1", "1.0", "True")


def _operands(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.BoolOp):
        return list(node.values)
    if isinstance(node, ast.IfExp):
        return [node.body, node.orelse]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return [*node.args, *(k.value for k in node.keywords)]
    if isinstance(node, ast.Compare):
        return [node.left, *node.comparators]
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Tuple):
        return list(node.value.elts)
    return []


def _expression_candidates(tree: ast.Module) -> Iterator[None]:
    for parent in list(ast.walk(tree)):
        for field, value in ast.iter_fields(parent):
            slots: list[tuple[list[ast.expr] | None, int, ast.expr]] = []
            if isinstance(value, ast.expr):
                slots.append((None, 0, value))
            elif isinstance(value, list):
                slots += [(value, k, v) for k, v in enumerate(value) if isinstance(v, ast.expr)]
            for lst, k, node in slots:
                if field in ("targets", "target", "func") or isinstance(parent, ast.Attribute):
                    continue
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    continue
                replacements = [copy.deepcopy(o) for o in _operands(node)]
                if not isinstance(node, ast.Constant) and not isinstance(node.ctx if hasattr(
                        node, "ctx") else None, ast.Store):
                    replacements += [ast.parse(lit, mode="eval").body for lit in _LITERALS]
                for rep in replacements:
                    if lst is None:
                        setattr(parent, field, rep)
                    else:
                        lst[k] = rep
                    yield
                    if lst is None:
                        setattr(parent, field, node)
                    else:
                        lst[k] = node
