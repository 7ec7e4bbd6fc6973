"""bench-results/bench.png: one panel per part of the report that has figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

STAGES = ("Plan", "FanOut", "Reduce")


def _end_to_end(ax: Any, rows: list[dict[str, Any]]) -> None:
    """Cold and warm wall time side by side per size (log scale: sizes span decades)."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    width = 0.38
    for offset, phase, colour in ((-width / 2, "cold", "C0"), (width / 2, "warm", "C1")):
        walls = [row[phase]["wall_s"] for row in rows]
        xs = [n + offset for n in range(len(rows))]
        ax.bar(xs, walls, width, color=colour, label=phase)
        for x, wall in zip(xs, walls, strict=True):
            ax.text(x, wall, f"{wall:.1f}", ha="center", va="bottom", fontsize=7)
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.set_xticks(range(len(rows)), [f"{r['size']:,}" for r in rows])
    ax.set_xlabel("size (items)")
    ax.set_ylabel("seconds, wall (log)")
    ax.set_title("utf8_count end to end on LocalStack: cold and warm", fontsize=9)
    ax.legend(fontsize=8)


def _stages(ax: Any, rows: list[dict[str, Any]]) -> None:
    """Each run's share of time by stage, cold (hatched) and warm."""
    width = 0.38
    for offset, phase, hatch in ((-width / 2, "cold", "//"), (width / 2, "warm", "")):
        bottoms = [0.0] * len(rows)
        for colour, stage in enumerate(STAGES):
            shares = [
                100 * row[phase]["stages_s"].get(stage, 0.0) / row[phase]["wall_s"] for row in rows
            ]
            ax.bar(
                [n + offset for n in range(len(rows))],
                shares,
                width,
                bottom=bottoms,
                color=f"C{colour + 2}",
                hatch=hatch,
                edgecolor="white",
                label=stage if phase == "warm" else None,
            )
            bottoms = [b + s for b, s in zip(bottoms, shares, strict=True)]
    ax.set_xticks(range(len(rows)), [f"{r['size']:,}" for r in rows])
    ax.set_xlabel("size (items); left bar cold (hatched), right bar warm")
    ax.set_ylabel("% of wall time")
    ax.set_title("Where the time goes, by stage (execution history)", fontsize=9)
    ax.legend(fontsize=8, loc="lower right")


def _overhead(ax: Any, row: dict[str, Any]) -> None:
    ax.bar(["noop children/s"], [row["children_per_s"]], color="C4")
    ax.text(0, row["children_per_s"], f"{row['children_per_s']:.1f}", ha="center", va="bottom")
    ax.set_ylabel("children per second (FanOut stage)")
    ax.set_title(
        f"Framework overhead: {row['children']} noop children, "
        f"MaxConcurrency {row['max_concurrency']}\n"
        f"{row['child_latency_ms']:.0f} ms per child and slot",
        fontsize=9,
    )


def _kernels(ax: Any, k: dict[str, Any]) -> None:
    labels = ["reference", "fast", *[f"fast/{b}" for b in k["fast_backend_s"]]]
    values = [k["reference_s"], k["fast_s"], *k["fast_backend_s"].values()]
    ax.bar(labels, [v * 1000 for v in values], color=["C3", "C2", "C0", "C1"][: len(values)])
    ax.set_yscale("log")
    ax.set_ylabel("milliseconds (log)")
    ax.set_title(
        f"Kernels: items {k['items'][0]}-{k['items'][1]} (reference, fast);\n"
        f"items {k['big_chunk'][0]}-{k['big_chunk'][1]} (fast: gmpy2, pure Python)",
        fontsize=9,
    )


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels: list[tuple[Any, Any]] = []
    if report.get("end_to_end"):
        panels += [(_end_to_end, report["end_to_end"]), (_stages, report["end_to_end"])]
    if report.get("overhead"):
        panels.append((_overhead, report["overhead"]))
    panels.append((_kernels, report["kernels"]))
    columns = 2 if len(panels) > 1 else 1
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(6 * columns, 4.4 * rows), squeeze=False)
    for ax, (draw, data) in zip(axes.flat, panels, strict=False):
        draw(ax, data)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
