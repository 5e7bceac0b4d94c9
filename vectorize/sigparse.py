"""Parse a generalised ufunc's layout: "(m,n),(n)->(m)" -> inputs' and outputs' core dims.

    >>> parse_layout("(m,n),(n)->(m)")
    ([('m', 'n'), ('n',)], [('m',)])
    >>> parse_layout("(),()->()")
    ([(), ()], [()])
"""
from __future__ import annotations

import re

_ARG = re.compile(r"\(\s*((?:\w+\s*(?:,\s*\w+\s*)*)?)\)")


def parse_layout(layout: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The core dimension names of each input and each output; ValueError if malformed."""
    text = layout.replace(" ", "")
    if text.count("->") != 1:
        raise ValueError(f"invalid gufunc layout {layout!r}: expected one '->'")
    sides = text.split("->")
    parsed = []
    for side in sides:
        args = []
        pos = 0
        while pos < len(side):
            match = _ARG.match(side, pos)
            if match is None:
                raise ValueError(f"invalid gufunc layout {layout!r}: bad argument at "
                                 f"{side[pos:]!r}")
            names = match.group(1)
            args.append(tuple(names.split(",")) if names else ())
            pos = match.end()
            if pos < len(side):
                if side[pos] != ",":
                    raise ValueError(f"invalid gufunc layout {layout!r}: expected ',' at "
                                     f"{side[pos:]!r}")
                pos += 1
                if pos == len(side):
                    raise ValueError(f"invalid gufunc layout {layout!r}: trailing ','")
        parsed.append(args)
    ins, outs = parsed
    if not outs:
        raise ValueError(f"invalid gufunc layout {layout!r}: no output")
    return ins, outs


def dimension_indices(args: list[tuple[str, ...]]) -> list[tuple[int, ...]]:
    """Each argument's core dimensions as indices in order of first appearance (NumPy's)."""
    names: list[str] = []
    out = []
    for dims in args:
        for d in dims:
            if d not in names:
                names.append(d)
        out.append(tuple(names.index(d) for d in dims))
    return out
