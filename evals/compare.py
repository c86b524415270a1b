"""Side-by-side comparison of run folders: a Markdown table and a grouped bar plot."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from evals.report import METRIC_ROWS, fmt, metric_value, pyplot, save_figure

LATENCY_ROWS = [
    ("latency_ms.total.p50", "latency total p50 (ms)"),
    ("latency_ms.total.p95", "latency total p95 (ms)"),
    ("latency_ms.retrieve.p50", "latency retrieve p50 (ms)"),
    ("latency_ms.retrieve.p95", "latency retrieve p95 (ms)"),
]


class CompareError(ValueError):
    pass


def load_run(folder: Path | str) -> tuple[str, dict]:
    """A run's name (its config name, else the folder name) and its metrics."""
    folder = Path(folder)
    path = folder / "metrics.json"
    if not path.is_file():
        raise CompareError(f"{folder} is not a run folder: no metrics.json")
    metrics = json.loads(path.read_text(encoding="utf-8"))
    return metrics.get("config_name") or folder.name, metrics


def run_names(folders: Sequence[Path | str], runs: Sequence[tuple[str, dict]]) -> list[str]:
    """Config names, made unique with the folder name when two runs share one."""
    names = [name for name, _ in runs]
    return [name if names.count(name) == 1 else f"{name} ({Path(f).name})"
            for name, f in zip(names, folders, strict=True)]


def compare_table(names: Sequence[str], metrics: Sequence[dict]) -> str:
    lines = ["| metric | " + " | ".join(names) + " |",
             "|---|" + "---|" * len(names)]
    for key, label in METRIC_ROWS:
        lines.append(f"| {label} | " + " | ".join(fmt(m.get(key)) for m in metrics) + " |")
    for key, label in LATENCY_ROWS:
        lines.append(f"| {label} | "
                     + " | ".join(fmt(metric_value(m, key), 1) for m in metrics) + " |")
    lines.append("| questions | " + " | ".join(
        fmt(metric_value(m, "counts.questions")) for m in metrics) + " |")
    lines.append("| settings hash | " + " | ".join(
        f"`{m.get('config_hash', '')}`" for m in metrics) + " |")
    return "\n".join(lines) + "\n"


def plot_compare(names: Sequence[str], metrics: Sequence[dict], path: Path) -> Path:
    """Grouped bars: one group per quality metric, one bar per run; a value of 0 (an empty
    bar) is marked at the axis in the run's colour, a missing one is left out."""
    plt = pyplot()
    keys = [key for key, _ in METRIC_ROWS]
    labels = [label for _, label in METRIC_ROWS]
    width = 0.8 / max(len(names), 1)
    fig, ax = plt.subplots(figsize=(max(8, 1.1 * len(keys)), 4.5))
    for j, (name, m) in enumerate(zip(names, metrics, strict=True)):
        xs = [i + j * width - 0.4 + width / 2 for i in range(len(keys))]
        bars = ax.bar(xs, [m.get(k) or 0.0 for k in keys], width=width, label=name)
        zeros = [x for x, k in zip(xs, keys, strict=True) if m.get(k) == 0]
        ax.plot(zeros, [0.0] * len(zeros), "_", markersize=12, mew=3, clip_on=False,
                color=bars.patches[0].get_facecolor() if bars.patches else None)
    ax.set_xticks(range(len(keys)), labels, rotation=30, ha="right")
    ax.set(ylim=(0, 1.05), ylabel="share", title="Runs compared")
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def compare_runs(folders: Sequence[Path | str], out: Path | str | None = None,
                 plot: Path | str | None = None) -> tuple[str, Path]:
    """The comparison table (also written to `out` when given) and its plot (next to `out`,
    or `compare.png` in the current folder)."""
    if not folders:
        raise CompareError("give at least one run folder")
    runs = [load_run(f) for f in folders]
    names = run_names(folders, runs)
    metrics = [m for _, m in runs]
    table = compare_table(names, metrics)
    plot_path = Path(plot) if plot else (Path(out).with_suffix(".png") if out
                                         else Path("compare.png"))
    plot_path.parent.mkdir(parents=True, exist_ok=True)
    plot_compare(names, metrics, plot_path)
    if out:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        link = Path(os.path.relpath(plot_path.resolve(), out.resolve().parent)).as_posix()
        out.write_text(f"# Runs compared\n\n{table}\n![comparison]({link})\n",
                       encoding="utf-8")
    return table, plot_path
