"""report.md and its plots (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from evals.metrics import (
    CITATION_SUPPORT_METHOD,
    hit_at_k,
    question_ranks,
    refusal_accuracy,
)
from evals.questions import SourceWarning

HIT_CURVE_PNG = "hit_at_k.png"
LATENCY_PNG = "latency.png"
TAGS_PNG = "tags_hit5.png"
SNIPPET_CHARS = 200
TOP_SHOWN = 3

METRIC_ROWS = [
    ("hit@1", "hit@1"), ("hit@3", "hit@3"), ("hit@5", "hit@5"), ("hit@10", "hit@10"),
    ("mrr@10", "MRR@10"), ("refusal_accuracy", "refusal accuracy"),
    ("false_refusal_rate", "false refusal rate"), ("citation_validity", "citation validity"),
    ("citation_support", "citation support"),
]


def save_figure(fig, path: Path) -> Path:
    """Write a plot as PNG and free it."""
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    pyplot().close(fig)
    return path


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def fmt(value: object, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def metric_value(metrics: Mapping, key: str) -> object:
    """A figure by flat name: `hit@5`, or `latency_ms.total.p95` for nested ones."""
    value: object = metrics
    for part in key.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def metrics_table(metrics: Mapping) -> list[str]:
    lines = ["| metric | value |", "|---|---|"]
    lines += [f"| {label} | {fmt(metrics.get(key))} |" for key, label in METRIC_ROWS]
    for stage in ("total", "retrieve"):
        for p in ("p50", "p95"):
            value = metric_value(metrics, f"latency_ms.{stage}.{p}")
            lines.append(f"| latency {stage} {p} (ms) | {fmt(value, 1)} |")
    return lines


def tag_breakdown(questions: Sequence[Mapping], results: Sequence[Mapping]) -> list[dict]:
    """Per tag: question counts, hit@5 over its answerable questions, refusal accuracy over
    its unanswerable ones."""
    ranks = question_ranks(questions, results)
    tags = sorted({t for q in questions for t in q.get("tags") or []})
    rows = []
    for tag in tags:
        members = [i for i, q in enumerate(questions) if tag in (q.get("tags") or [])]
        answerable = [i for i in members if questions[i].get("answerable", True)]
        unanswerable = [i for i in members if not questions[i].get("answerable", True)]
        rows.append({
            "tag": tag, "questions": len(members), "answerable": len(answerable),
            "hit@5": hit_at_k([ranks[i] for i in answerable], 5),
            "unanswerable": len(unanswerable),
            "refusal_accuracy": refusal_accuracy(
                [bool(results[i].get("refused")) for i in unanswerable]),
        })
    return rows


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    flat = " ".join(str(text).split())
    flat = flat.replace("|", "\\|")
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _passages_block(result: Mapping) -> list[str]:
    passages = list(result.get("passages") or [])[:TOP_SHOWN]
    if not passages:
        return ["  - (no passages returned)"]
    return [f"  {p.get('rank', i)}. `{p.get('source')}` — {p.get('locator')}: "
            f"{snippet(p.get('text', ''))}" for i, p in enumerate(passages, start=1)]


def missed_sections(questions: Sequence[Mapping], results: Sequence[Mapping]) -> list[str]:
    """The questions a reader should look at, each with what the run returned for it."""
    ranks = question_ranks(questions, results)
    answerable = [q.get("answerable", True) for q in questions]

    def missed(i: int) -> list[str]:
        q, r = questions[i], results[i]
        found = f"first match at rank {ranks[i]}" if ranks[i] else "no match in the top 10"
        gold = "; ".join(f"`{g['source']}`: “{g['quote']}”" for g in q.get("gold") or [])
        return [f"- **{q['id']}** {q.get('question', '')} — {found}"
                + (" — *refused*" if r.get("refused") else "")
                + (f" — error: {r['error']}" if r.get("error") else ""),
                f"  - gold: {gold or '(none given)'}", "  - top passages:",
                *("  " + line for line in _passages_block(r))]

    def answered(i: int) -> list[str]:
        return [f"- **{questions[i]['id']}** {questions[i].get('question', '')}",
                f"  - answer: {snippet(results[i].get('answer', ''), 300)}"]

    def refused(i: int) -> list[str]:
        rank = f"gold at rank {ranks[i]}" if ranks[i] else "gold not in the top 10"
        return [f"- **{questions[i]['id']}** {questions[i].get('question', '')} — {rank}",
                "  - top passages:", *("  " + line for line in _passages_block(results[i]))]

    indexes = range(len(questions))
    return [
        *_section("Missed questions (answerable, no gold passage in the top 5)", missed,
                  [i for i in indexes if answerable[i] and (ranks[i] is None or ranks[i] > 5)]),
        *_section("Unanswerable questions that were answered", answered,
                  [i for i in indexes if not answerable[i] and not results[i].get("refused")]),
        *_section("Answerable questions that were refused", refused,
                  [i for i in indexes if answerable[i] and results[i].get("refused")]),
    ]


def _section(heading: str, describe, indexes: list[int]) -> list[str]:
    lines = [f"## {heading}", ""]
    if not indexes:
        lines += ["None.", ""]
    for i in indexes:
        lines += describe(i)
    return [*lines, ""] if indexes else lines


def plot_hit_curve(ranks: Sequence[int | None], path: Path, label: str = "") -> Path:
    plt = pyplot()
    ks = list(range(1, 11))
    values = [hit_at_k(list(ranks), k) or 0.0 for k in ks]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(ks, values, marker="o", label=label or None)
    ax.set(xlabel="k", ylabel="hit@k", ylim=(0, 1.02), xticks=ks,
           title="Share of answerable questions with a gold passage in the top k")
    ax.title.set_fontsize(10)
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


def plot_latency(results: Sequence[Mapping], path: Path) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for stage in ("total", "retrieve"):
        values = [float((r.get("latency_ms") or {})[stage]) for r in results
                  if stage in (r.get("latency_ms") or {})]
        if values:
            ax.hist(values, bins=30, alpha=0.6, label=stage)
    ax.set(xlabel="milliseconds", ylabel="questions", title="Latency per question")
    ax.legend()
    return save_figure(fig, path)


def plot_tags(rows: Sequence[Mapping], path: Path) -> Path:
    plt = pyplot()
    shown = [r for r in rows if r["answerable"]]
    fig, ax = plt.subplots(figsize=(6, max(2.5, 0.3 * len(shown) + 1)))
    ax.barh([f"{r['tag']} ({r['answerable']})" for r in shown],
            [r["hit@5"] or 0.0 for r in shown])
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), xlabel="hit@5", title="hit@5 per tag (answerable questions)")
    return save_figure(fig, path)


def write_report(out: Path, questions: Sequence[Mapping], results: Sequence[Mapping],
                 metrics: Mapping, warnings: Sequence[SourceWarning] = (),
                 plots: bool = True) -> tuple[Path, list[Path]]:
    """Write report.md (and the PNG plots it links) into the run folder."""
    ranks = question_ranks(questions, results)
    answerable_ranks = [r for r, q in zip(ranks, questions, strict=True)
                        if q.get("answerable", True)]
    tags = tag_breakdown(questions, results)
    images: list[Path] = []
    if plots:
        images.append(plot_hit_curve(answerable_ranks, out / HIT_CURVE_PNG))
        images.append(plot_latency(results, out / LATENCY_PNG))
        if any(r["answerable"] for r in tags):
            images.append(plot_tags(tags, out / TAGS_PNG))
    counts = metrics.get("counts", {})
    lines = [
        f"# Answer benchmark: `{metrics.get('config_name', 'custom')}`", "",
        f"Questions: {counts.get('questions')} ({counts.get('answerable')} answerable, "
        f"{counts.get('unanswerable')} unanswerable) from `{metrics.get('questions_file')}`. "
        f"Settings hash `{metrics.get('config_hash')}`.", "",
        "## Metrics", "", *metrics_table(metrics), "",
        "hit@k and MRR@10 are over answerable questions: a passage matches a gold item when its "
        "source file name equals the gold source and its text contains the gold quote, both "
        "lowercased, with line-end hyphenation joined and everything but letters and digits "
        "dropped.", "",
        f"**Citation support method.** {CITATION_SUPPORT_METHOD} "
        f"({counts.get('supported_sentences')} of {counts.get('cited_sentences')} cited "
        "sentences supported.)", "",
    ]
    if counts.get("errors"):
        lines += [f"{counts['errors']} question(s) were rejected by the assistant (see "
                  "`error` in results.jsonl); they count as misses.", ""]
    lines += ["## Configuration", "", "| setting | value |", "|---|---|"]
    lines += [f"| {k} | `{v}` |" for k, v in (metrics.get("config") or {}).items()]
    lines.append("")
    lines += ["## Warnings", ""]
    lines += [f"- {w.message()}" for w in warnings] or ["None."]
    lines.append("")
    lines += ["## Per tag", "", "| tag | questions | hit@5 | refusal accuracy |",
              "|---|---|---|---|"]
    lines += [f"| {r['tag']} | {r['questions']} | {fmt(r['hit@5'])} ({r['answerable']}) | "
              f"{fmt(r['refusal_accuracy'])} ({r['unanswerable']}) |" for r in tags]
    lines += ["", "(In brackets: how many answerable / unanswerable questions carry the tag.)",
              ""]
    if images:
        lines += ["## Plots", ""]
        lines += [f"![{p.stem}]({p.name})" for p in images]
        lines.append("")
    lines += missed_sections(questions, results)
    report = out / "report.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    return report, images
