"""Choose a setting by k-fold cross-validation over a question set.

Every candidate value answers every question once (the index is shared: only answer-time
settings are tuned). For each fold the value with the best objective on the *other* folds is
picked and scored on the fold itself; the report gives the mean and spread of those held-fold
scores and which value each fold picked. A value that only one split favours shows up as
picks that disagree and a wide spread.
"""

from __future__ import annotations

import json
import random
import statistics
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.settings import Settings
from evals.matching import first_match_rank
from evals.metrics import compute_metrics
from evals.questions import load_questions
from evals.runner import answer_one, prepare_assistant, question_dict

ANSWER_HIT_SHARE = 0.9  # issue #18: answers must cite a gold passage this often, per hit@5
OBJECTIVE = ("mrr@10 + refusal_accuracy - false_refusal_rate + answer_hit + "
             f"citation_precision - 1 if answer_hit < {ANSWER_HIT_SHARE} x hit@5 "
             "(the lower hit@5 of the value and of the value in use)")


def objective(metrics: dict, reference_hit5: float | None = None) -> float:
    """Ranking quality, refusals and what the answer cites together: a setting that buys MRR
    with false refusals (or the other way round) does not win, nor one that cites the gold
    passage only by citing many others (answer hit against citation precision), nor one that
    cites so little that answers miss passages retrieval found (the answer-hit floor).

    The floor judges what the answer quotes, not what retrieval finds: with `reference_hit5`
    (the hit@5 of the value in use on the same questions) it is set by the lower of the two
    hit@5, so a value that finds more is not floored for finding it."""
    answer_hit = metrics.get("answer_hit")
    hit5 = metrics.get("hit@5") or 0.0
    if reference_hit5 is not None:
        hit5 = min(hit5, reference_hit5)
    floor = ANSWER_HIT_SHARE * hit5
    return (metrics.get("mrr@10") or 0.0) + (metrics.get("refusal_accuracy") or 0.0) - (
        metrics.get("false_refusal_rate") or 0.0) + (answer_hit or 0.0) + (
        metrics.get("citation_precision") or 0.0) - (
        1.0 if answer_hit is not None and answer_hit < floor else 0.0)


def citation_precision(questions: list[dict], results: list[dict]) -> float | None:
    """Share of the citations of answered questions with gold that are a gold passage."""
    cited = [first_match_rank([citation], question["gold"]) is not None
             for question, result in zip(questions, results, strict=True)
             if question["gold"] and not result.get("refused")
             for citation in result.get("citations") or []]
    return sum(cited) / len(cited) if cited else None


@dataclass
class TuneResult:
    name: str
    values: list
    picks: list  # the value each fold picked
    held_scores: list[float]  # each fold's objective with its pick
    full_scores: dict  # objective of each value on the whole set

    @property
    def mean(self) -> float:
        return statistics.fmean(self.held_scores)

    @property
    def spread(self) -> float:
        return statistics.pstdev(self.held_scores)

    def markdown_row(self) -> str:
        picks = ", ".join(str(p) for p in self.picks)
        full = ", ".join(f"{v}: {s:.3f}" for v, s in self.full_scores.items())
        return (f"| `{self.name}` | {picks} | {self.mean:.3f} ± {self.spread:.3f} | {full} |")


def _with(settings: Settings, name: str, value: object) -> Settings:
    if name.startswith("ranking."):
        field = name.split(".", 1)[1]
        ranking = settings.ranking.model_copy(update={field: value})
        return settings.model_copy(update={"ranking": ranking})
    return settings.model_copy(update={name: value})


def _current(settings: Settings, name: str) -> object:
    if name.startswith("ranking."):
        return getattr(settings.ranking, name.split(".", 1)[1])
    return getattr(settings, name)


def folds_of(n: int, k: int, seed: int = 13) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [sorted(order[i::k]) for i in range(k)]


def pooled_questions(paths: Path | list[Path]) -> list:
    """The questions of one file or of several pooled. Files that share ids (the translations
    of one set) get their ids prefixed with the file's name ("questions.fr:q001"); one id twice
    in one file is an error, as in any question file."""
    paths = [Path(paths)] if isinstance(paths, Path | str) else [Path(p) for p in paths]
    per_file = [load_questions(path) for path in paths]
    ids = [q.id for questions in per_file for q in questions]
    if len(ids) == len(set(ids)):
        return [q for questions in per_file for q in questions]
    return [replace(q, id=f"{path.stem}:{q.id}")
            for path, questions in zip(paths, per_file, strict=True) for q in questions]


def group_of(question_id: str) -> str:
    """The question a pooled id stands for: the translations of one question are one group."""
    return question_id.rsplit(":", 1)[-1]


def tune(questions_path: Path | list[Path], name: str, values: list, k: int = 5,
         settings: Settings | None = None) -> TuneResult:
    settings = settings or Settings()
    questions = pooled_questions(questions_path)
    assistant = prepare_assistant(settings, progress=False)
    base = assistant.settings
    per_value: dict = {}
    try:
        for value in values:
            tuned = _with(base, name, value)
            assistant.settings = tuned
            assistant.retriever.settings = tuned
            per_value[value] = [answer_one(assistant, q) for q in questions]
    finally:
        assistant.settings = base
        assistant.retriever.settings = base
    dicts = [question_dict(q) for q in questions]

    current = _current(base, name)

    def metrics_of(value: object, indexes: list[int]) -> dict:
        questions_, results = [dicts[i] for i in indexes], [per_value[value][i] for i in indexes]
        metrics = compute_metrics(questions_, results)
        metrics["citation_precision"] = citation_precision(questions_, results)
        return metrics

    def scores(indexes: list[int], among: list = values) -> dict:
        """Each value's objective on these questions, floored against the value in use's
        retrieval on the same questions."""
        reference = metrics_of(current, indexes).get("hit@5") if current in per_value else None
        return {v: objective(metrics_of(v, indexes), reference) for v in among}

    picks, held = [], []
    # a question and its translations fall in one fold: none is scored on what its twin tuned
    groups = list(dict.fromkeys(group_of(q.id) for q in questions))
    for group_fold in folds_of(len(groups), k):
        chosen = {groups[i] for i in group_fold}
        fold = [i for i, q in enumerate(questions) if group_of(q.id) in chosen]
        in_fold = set(fold)
        rest = [i for i in range(len(questions)) if i not in in_fold]
        on_rest = scores(rest)
        # a tie keeps the value in use: no change without evidence for it
        best = max(values, key=lambda v: (round(on_rest[v], 9), v == current))
        picks.append(best)
        held.append(scores(fold, [best])[best])
    return TuneResult(name, values, picks, held, scores(list(range(len(questions)))))


def parse_values(text: str) -> list:
    return [json.loads(v) if v.strip().lower() not in ("true", "false") else
            v.strip().lower() == "true" for v in text.split(",")]
