"""Plot the ratios jitcore/numba from run.py's JSON (needs matplotlib; bench venv only).

    .bench-venv/bin/pip install matplotlib
    .bench-venv/bin/python benchmarks/run.py --json docs/benchmarks.json
    .bench-venv/bin/python benchmarks/plot.py docs/benchmarks.json docs/benchmarks.png

One horizontal bar per measurement, on a log scale, with the issue's target for
that measurement drawn as a tick: left of 1 means jitcore takes less time.
"""
from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TARGETS = {"steady": 1.1, "compile": 1.0, "import": 1.0, "call": 1.5}
COLORS = {"steady": "#4c72b0", "compile": "#55a868", "import": "#8172b2", "call": "#c44e52"}


def ratios(results: dict[str, Any]) -> list[tuple[str, str, float | None]]:
    """(label, group, jitcore/numba or None when not measured) per measurement."""
    out: list[tuple[str, str, float | None]] = []
    for kernel, row in results["steady"]["rows"].items():
        s = row["samples"]
        ok = s.get("numba") and s.get("jitcore") and "mismatch" not in row
        out.append((f"{kernel} (steady)", "steady",
                    min(s["jitcore"]) / min(s["numba"]) if ok else None))
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
    for y, (label, group, value) in enumerate(rows):
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


def main() -> None:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    plot(json.loads(source.read_text()), target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
