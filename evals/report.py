"""report.md and its plots (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from evals.metrics import (
    ANSWER_HIT_METHOD,
    CITATION_SUPPORT_METHOD,
    hit_at_k,
    is_answerable,
    is_scored,
    question_ranks,
    refusal_accuracy,
)
from evals.questions import GoldWarning

HIT_CURVE_PNG = "hit_at_k.png"
LATENCY_PNG = "latency.png"
TAGS_PNG = "tags_hit5.png"
SNIPPET_CHARS = 200
TOP_SHOWN = 3
STRIP_PLOT_BELOW = 20  # fewer questions than this: one dot per question, not a histogram

METRIC_ROWS = [
    ("hit@1", "hit@1"), ("hit@3", "hit@3"), ("hit@5", "hit@5"), ("hit@10", "hit@10"),
    ("mrr@10", "MRR@10"), ("answer_hit", "answer hit"),
    ("refusal_accuracy", "refusal accuracy"), ("wrongly_answered", "wrongly answered"),
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
    """Per tag: question counts, hit@5 over its scored questions (answerable, with gold),
    refusal accuracy over its unanswerable ones."""
    ranks = question_ranks(questions, results)
    tags = sorted({t for q in questions for t in q.get("tags") or []})
    rows = []
    for tag in tags:
        members = [i for i, q in enumerate(questions) if tag in (q.get("tags") or [])]
        answerable = [i for i in members if is_answerable(questions[i])]
        scored = [i for i in members if is_scored(questions[i])]
        unanswerable = [i for i in members if not is_answerable(questions[i])]
        rows.append({
            "tag": tag, "questions": len(members), "answerable": len(answerable),
            "scored": len(scored), "hit@5": hit_at_k([ranks[i] for i in scored], 5),
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
    answerable = [is_answerable(q) for q in questions]
    scored = [is_scored(q) for q in questions]

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
        rank = (f"gold at rank {ranks[i]}" if ranks[i] else "gold not in the top 10"
                if scored[i] else "no gold (unscored)")
        why = "; ".join(results[i].get("notices") or []) or (
            "no notice (evidence below the refusal threshold, or too weak in translation)")
        return [f"- **{questions[i]['id']}** {questions[i].get('question', '')} — {rank}",
                f"  - why refused: {why}", "  - top passages:",
                *("  " + line for line in _passages_block(results[i]))]

    def unscored(i: int) -> list[str]:
        outcome = "refused" if results[i].get("refused") else "answered"
        return [f"- **{questions[i]['id']}** {questions[i].get('question', '')} — {outcome}"]

    indexes = range(len(questions))
    return [
        *_section("Missed questions (scored, no gold passage in the top 5)", missed,
                  [i for i in indexes if scored[i] and (ranks[i] is None or ranks[i] > 5)]),
        *_section("Unscored questions (answerable, no gold: refusals and latency only)",
                  unscored, [i for i in indexes if answerable[i] and not scored[i]]),
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


def latency_values(results: Sequence[Mapping]) -> dict[str, list[float]]:
    """Milliseconds per stage, over the results that timed it."""
    return {stage: [float((r.get("latency_ms") or {})[stage]) for r in results
                    if stage in (r.get("latency_ms") or {})] for stage in ("total", "retrieve")}


def plot_latency(results: Sequence[Mapping], path: Path) -> Path:
    """A histogram with integer counts; a strip of dots (one per question) for small sets,
    whose histogram bins would hold fractions of nothing."""
    from matplotlib.ticker import MaxNLocator

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    values = {stage: v for stage, v in latency_values(results).items() if v}
    if len(results) < STRIP_PLOT_BELOW:
        for row, (stage, times) in enumerate(values.items()):
            ax.plot(times, [row] * len(times), "o", alpha=0.6, label=stage)
        ax.set_yticks(range(len(values)), list(values))
        ax.set_ylim(-0.5, len(values) - 0.5)
        ax.set(xlabel="milliseconds", title=f"Latency per question ({len(results)} questions)")
    else:
        for stage, times in values.items():
            ax.hist(times, bins=min(30, len(times)), alpha=0.6, label=stage)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(xlabel="milliseconds", ylabel="questions", title="Latency per question")
    ax.set_xlim(left=0)
    if values:
        ax.legend()
    return save_figure(fig, path)


def plot_tags(rows: Sequence[Mapping], path: Path) -> Path:
    """hit@5 per tag, each bar labelled; a tag at 0 gets a marker, since its bar is empty."""
    plt = pyplot()
    shown = [r for r in rows if r["scored"]]
    values = [r["hit@5"] or 0.0 for r in shown]
    fig, ax = plt.subplots(figsize=(6, max(2.5, 0.3 * len(shown) + 1)))
    positions = range(len(shown))
    ax.barh(positions, values)
    zeros = [i for i, v in enumerate(values) if v == 0]
    ax.plot([0.0] * len(zeros), zeros, "D", color="crimson", markersize=7, clip_on=False)
    for i, value in enumerate(values):
        ax.text(value + 0.01, i, f"{value:.2f}", va="center", fontsize=8)
    ax.set_yticks(positions, [f"{r['tag']} ({r['scored']})" for r in shown])
    ax.invert_yaxis()
    ax.set(xlim=(0, 1.1), xlabel="hit@5", title="hit@5 per tag (scored questions)")
    return save_figure(fig, path)


def write_report(out: Path, questions: Sequence[Mapping], results: Sequence[Mapping],
                 metrics: Mapping, warnings: Sequence[GoldWarning] = (),
                 plots: bool = True) -> tuple[Path, list[Path]]:
    """Write report.md (and the PNG plots it links) into the run folder."""
    ranks = question_ranks(questions, results)
    scored_ranks = [r for r, q in zip(ranks, questions, strict=True) if is_scored(q)]
    tags = tag_breakdown(questions, results)
    images: list[Path] = []
    if plots:
        images.append(plot_hit_curve(scored_ranks, out / HIT_CURVE_PNG))
        images.append(plot_latency(results, out / LATENCY_PNG))
        if any(r["scored"] for r in tags):
            images.append(plot_tags(tags, out / TAGS_PNG))
    counts = metrics.get("counts", {})
    lines = [
        f"# Answer benchmark: `{metrics.get('config_name', 'custom')}`", "",
        f"Questions: {counts.get('questions')} ({counts.get('answerable')} answerable, "
        f"{counts.get('scored', counts.get('answerable'))} of them scored; "
        f"{counts.get('unanswerable')} unanswerable) from `{metrics.get('questions_file')}`. "
        f"Settings hash `{metrics.get('config_hash')}`.", "",
        "## Metrics", "", *metrics_table(metrics), "",
        "hit@k, MRR@10 and answer hit are over the scored questions (answerable, with gold; an "
        "answerable question without gold is unscored: it counts for refusals and latency "
        "only): a passage matches a gold item when its source file name equals the gold source "
        "and its text contains the gold quote, both lowercased, with line-end hyphenation "
        "joined and everything but letters and digits dropped.", "",
        f"**Answer hit and wrongly answered.** {ANSWER_HIT_METHOD} "
        f"({counts.get('answer_hits')} of {counts.get('scored')} scored answers cite a gold "
        f"passage; {counts.get('wrongly_answered')} of {counts.get('unanswerable')} "
        "unanswerable questions answered.)", "",
        f"**Citation support method.** {CITATION_SUPPORT_METHOD} "
        f"({counts.get('supported_sentences')} of {counts.get('cited_sentences')} cited "
        "sentences supported.)", "",
    ]
    if metrics.get("citation_support_used"):
        lines += [f"**Support method used in this run.** {metrics['citation_support_used']}",
                  ""]
    if counts.get("errors"):
        lines += [f"{counts['errors']} question(s) were rejected by the assistant (see "
                  "`error` in results.jsonl); they count as misses.", ""]
    lines += ["## Configuration", "", "| setting | value |", "|---|---|"]
    lines += [f"| {k} | `{v}` |" for k, v in (metrics.get("config") or {}).items()]
    lines.append("")
    lines += ["## Warnings", ""]
    notes = [f"- {w.message()}" for w in warnings]
    if unscored := metrics.get("unscored"):
        notes.append(f"- {len(unscored)} answerable question(s) have no gold and are unscored "
                     f"(refusals and latency only): {', '.join(unscored)}")
    lines += notes or ["None."]
    lines.append("")
    lines += ["## Per tag", "", "| tag | questions | hit@5 | refusal accuracy |",
              "|---|---|---|---|"]
    lines += [f"| {r['tag']} | {r['questions']} | {fmt(r['hit@5'])} ({r['scored']}) | "
              f"{fmt(r['refusal_accuracy'])} ({r['unanswerable']}) |" for r in tags]
    lines += ["", "(In brackets: how many scored / unanswerable questions carry the tag.)",
              ""]
    if images:
        lines += ["## Plots", ""]
        lines += [f"![{p.stem}]({p.name})" for p in images]
        lines.append("")
    lines += missed_sections(questions, results)
    report = out / "report.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    return report, images
