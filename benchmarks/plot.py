"""Plot the ratios jitcore/numba (and /C, /NumPy) from run.py's JSON (matplotlib; bench venv only).

    .bench-venv/bin/pip install matplotlib
    .bench-venv/bin/python benchmarks/run.py --json docs/benchmarks.json
    .bench-venv/bin/python benchmarks/plot.py docs/benchmarks.json docs/benchmarks.png \
        docs/benchmarks_arrays.png

First figure (issue 2): one horizontal bar per scalar measurement, on a log scale, with
the issue's target for that measurement drawn as a tick. Second figure (issue 3, when
the JSON has the array section): per array kernel, jitcore's time over Numba's, over
C's and (for the fused expression) over NumPy's. Left of 1 means jitcore takes less time.
"""
from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

TARGETS = {"steady": 1.1, "compile": 1.0, "import": 1.0, "call": 1.5}
COLORS = {"steady": "#4c72b0", "compile": "#55a868", "import": "#8172b2", "call": "#c44e52"}


def ratios(results: dict[str, Any]) -> list[tuple[str, str, float | None]]:
    """(label, group, jitcore/numba or None when not measured) per measurement."""
    out: list[tuple[str, str, float | None]] = []
    for kernel, row in results.get("steady", {"rows": {}})["rows"].items():
        s = row["samples"]
        ok = s.get("numba") and s.get("jitcore") and "mismatch" not in row
        out.append((f"{kernel} (steady)", "steady",
                    min(s["jitcore"]) / min(s["numba"]) if ok else None))
    if "fresh" not in results or "calls" not in results:
        return out
    fresh = results["fresh"]
    for which, name in (("tiny", "tiny fn"), ("big", "30-line fn")):
        for phase in ("cold", "warm"):
            got = fresh[which][phase]
            ok = got.get("numba") and got.get("jitcore")
            value = (statistics.median(got["jitcore"]) / statistics.median(got["numba"])
                     if ok else None)
            out.append((f"compile {name}, {phase}", "compile", value))
    imp = fresh["import"]
    out.append(("import", "import",
                statistics.median(imp["jitcore"]) / statistics.median(imp["numba"])))
    for case, best in results["calls"].items():
        out.append((f"call {case}", "call", best["jitcore"] / best["numba"]))
    return out


def plot(results: dict[str, Any], path: Path) -> None:
    rows = ratios(results)[::-1]  # first measurement on top
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(rows) + 1.4))
    floor = 1e-5
    for y, (_, group, value) in enumerate(rows):
        if value is None:
            ax.text(1.0, y, "  unsupported", va="center", fontsize=8, color="gray")
            continue
        ax.barh(y, max(value, floor) - floor, left=floor, color=COLORS[group], height=0.6)
        ax.text(max(value, floor) * 1.08, y, f"{value:.3g}", va="center", fontsize=8)
        ax.plot([TARGETS[group]] * 2, [y - 0.4, y + 0.4], color="black", lw=1.2)
    ax.set_xscale("log")
    ax.set_xlim(floor, 10)
    ax.axvline(1.0, color="gray", lw=0.8, ls="--")
    ax.set_yticks(range(len(rows)), [label for label, _, _ in rows], fontsize=8)
    ax.set_xlabel("time ratio jitcore / numba (log scale; < 1: jitcore faster; "
                  "black tick: target)", fontsize=8)
    m = results["machine"]
    ax.set_title(f"jitcore vs numba {m['numba']}, {m['date']}, {m['cpu']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_arrays(results: dict[str, Any], path: Path) -> None:
    """Grouped bars per array kernel: jitcore / numba, jitcore / C, jitcore / NumPy (fused)."""
    rows = results["arrays"]["rows"]
    names = list(rows)[::-1]  # first kernel on top
    series = (("numba", "x numba (target ≤ 1)", "#4c72b0", 1.0),
              ("c", "x C, gcc -O3 -march=native (target ≤ 1.15)", "#dd8452", 1.15),
              ("numpy", "x NumPy, fused expression (target < 1)", "#55a868", 1.0))
    fig, ax = plt.subplots(figsize=(8.5, 0.5 * len(names) + 1.8))
    # The interesting range is around 1; a ratio far below (call_in_loop, whose loop LLVM
    # folds away) is drawn clipped at the left edge with its value written next to it.
    floor, height, left_edge = 0.25, 0.26, 0.3
    for k, (base, label, color, target) in enumerate(series):
        for y, name in enumerate(names):
            if base == "numpy" and name != "fused_expr":
                continue
            jit, ref = _best(rows[name], "jitcore"), _best(rows[name], base)
            if jit is None or ref is None:
                continue
            value = jit / ref
            pos = y + (1 - k) * height
            shown = max(value, left_edge)
            ax.barh(pos, shown - floor, left=floor, color=color, height=height,
                    hatch="//" if value < left_edge else None,
                    label=label if y == names.index("fused_expr" if base == "numpy"
                                                    else names[0]) else None)
            text = f"{value:.2f}" if value >= 0.01 else f"{value:.0e} (loop folded away)"
            ax.text(shown * 1.02, pos, text, va="center", fontsize=7)
            ax.plot([target] * 2, [pos - height / 2, pos + height / 2], color="black", lw=1)
    ax.set_xscale("log")
    ax.set_xlim(floor, 2.5)
    ticks = [0.25, 0.5, 0.75, 1.0, 1.15, 1.5, 2.0]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks], fontsize=8)
    ax.minorticks_off()
    ax.axvline(1.0, color="gray", lw=0.8, ls="--")
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("jitcore's time / other's time (log scale; < 1: jitcore faster; "
                  "black tick: the issue's target)", fontsize=8)
    ax.set_ylim(-0.7, len(names) + 0.9)  # room for the legend above the first kernel
    ax.legend(fontsize=7, loc="upper right")
    m = results["machine"]
    ax.set_title(f"Array kernels: jitcore vs numba {m['numba']}, gcc, NumPy {m['numpy']} "
                 f"({m['date']}, {m['cpu']})", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _best(row: dict[str, Any], impl: str) -> float | None:
    samples = row["samples"].get(impl)
    return min(samples) if samples else None


def main() -> None:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    results = json.loads(source.read_text())
    if ratios(results):
        plot(results, target)
        print(f"wrote {target}")
    if len(sys.argv) > 3 and "arrays" in results:
        plot_arrays(results, Path(sys.argv[3]))
        print(f"wrote {sys.argv[3]}")


if __name__ == "__main__":
    main()
