"""Labelled listings of a compiled overload for `inspect_llvm()` and `inspect_asm()`.

A module holds two entry points of one function: the native function other compiled
code calls, and the CPython wrapper Python calls, into which LLVM usually inlines the
function (so that is where the vector loop Python runs lives). The listing puts each
function under a header naming it, then the rest of the module:

    # ==== scale(int64, int64): the function, as compiled code calls it ====
    "jc.mod.scale...(int64, int64)":
            imulq   %rdx, %rsi
    ...
    # ==== scale(int64, int64): the entry point Python calls (CPython wrapper) ====
    ...
    # ==== the rest of the module: directives, data ====
"""
from __future__ import annotations

import platform


def label_asm(text: str, labels: dict[str, str]) -> str:
    """`text` (assembly) regrouped as one labelled section per function in `labels`."""
    comment = "//" if platform.machine() in ("aarch64", "arm64") else "#"

    def section(lines: list[str], start: int, symbol: str) -> int | None:
        if lines[start].rstrip() not in (f'"{symbol}":', f"{symbol}:"):
            return None
        for end in range(start, len(lines)):
            if lines[end].lstrip().startswith(".size") and symbol in lines[end]:
                return end + 1
        return len(lines)

    return _regroup(text, labels, section, comment)


def label_llvm(text: str, labels: dict[str, str]) -> str:
    """`text` (LLVM IR) regrouped as one labelled section per function in `labels`."""

    def section(lines: list[str], start: int, symbol: str) -> int | None:
        line = lines[start]
        if not line.startswith("define ") or (f'@"{symbol}"(' not in line
                                               and f"@{symbol}(" not in line):
            return None
        for end in range(start, len(lines)):
            if lines[end].rstrip() == "}":
                return end + 1
        return len(lines)

    return _regroup(text, labels, section, ";")


def _regroup(text: str, labels: dict[str, str], section: object, comment: str) -> str:
    """The sections `section(lines, i, symbol)` finds, in `labels` order, then the rest."""
    lines = text.splitlines()
    found: dict[str, list[str]] = {}
    rest: list[str] = []
    i = 0
    while i < len(lines):
        for symbol in labels:
            end = section(lines, i, symbol)  # type: ignore[operator]
            if end is not None:
                found[symbol] = lines[i:end]
                i = end
                break
        else:
            rest.append(lines[i])
            i += 1
    out: list[str] = []
    for symbol, label in labels.items():
        if symbol in found:
            out += [f"{comment} ==== {label} ====", *found[symbol], ""]
    out += [f"{comment} ==== the rest of the module: declarations, directives, data ====",
            *rest]
    return "\n".join(out) + "\n"
