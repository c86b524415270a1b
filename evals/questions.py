"""Loading and validating question files (format: ../shared/evals-format.md).

A file is read and checked completely before any work starts: the first malformed line stops
everything with an error naming its line number. A gold item the index cannot match (its
`source` is not indexed, or its `quote` occurs in no indexed passage of that source) is only a
warning (the evaluator may have a different corpus): see `gold_warnings`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evals.matching import normalize_for_match


class QuestionFileError(ValueError):
    """A question file that cannot run; the message names the file and line."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")
        self.path = str(path)
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Gold:
    source: str
    quote: str

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "quote": self.quote}


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    line: int  # 1-based line number in the file
    answerable: bool = True
    gold: tuple[Gold, ...] = ()
    reference_answer: str | None = None
    tags: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict, compare=False)  # unknown fields, kept

    def gold_dicts(self) -> list[dict[str, str]]:
        return [g.as_dict() for g in self.gold]


@dataclass(frozen=True)
class GoldWarning:
    """A gold item that can never match: its source is not indexed or, when `quote` is set,
    no indexed passage of its source contains the quote."""

    line: int
    question_id: str
    source: str
    quote: str | None = None

    def message(self) -> str:
        where = f"line {self.line} ({self.question_id})"
        if self.quote is None:
            return (f"{where}: gold source {self.source!r} is not in the index; this item can "
                    "never count as a hit")
        return (f"{where}: gold quote {self.quote!r} occurs in no indexed passage of "
                f"{self.source!r}; this item can never count as a hit")


KNOWN_FIELDS = {"id", "question", "answerable", "gold", "reference_answer", "tags"}


def load_questions(path: Path | str) -> list[Question]:
    """Every question of a JSON Lines file, validated; blank lines are skipped."""
    path = Path(path)
    if not path.is_file():
        raise QuestionFileError(path, None, "no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise QuestionFileError(path, None, f"not UTF-8 text ({error})") from error
    return parse_questions(text.splitlines(), path)


def parse_questions(lines: Iterable[str], path: Path | str = "<questions>") -> list[Question]:
    questions: list[Question] = []
    first_line_of: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        question = parse_line(raw, number, path)
        if question.id in first_line_of:
            raise QuestionFileError(path, number, f"duplicate id {question.id!r} (first on line "
                                                  f"{first_line_of[question.id]})")
        first_line_of[question.id] = number
        questions.append(question)
    if not questions:
        raise QuestionFileError(path, None, "the file holds no questions")
    return questions


def parse_line(raw: str, number: int, path: Path | str = "<questions>") -> Question:
    """One line of the file as a Question; any defect raises QuestionFileError for that line."""

    def fail(reason: str) -> QuestionFileError:
        return QuestionFileError(path, number, reason)

    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise fail(f"invalid JSON: {error.msg} (column {error.colno})") from error
    if not isinstance(data, dict):
        raise fail(f"expected a JSON object, got {type(data).__name__}")
    if _holds_lone_surrogate(data):
        raise fail("invalid Unicode: a lone surrogate (\\ud800-\\udfff) that no text can "
                   "hold; fix the escape")
    qid = data.get("id")
    if isinstance(qid, bool) or not isinstance(qid, str | int) or not str(qid).strip():
        raise fail("missing or empty 'id' (a string)")
    text = data.get("question")
    if not isinstance(text, str) or not text.strip():
        raise fail("missing or empty 'question' (a string)")
    answerable = data.get("answerable", True)
    if not isinstance(answerable, bool):
        raise fail("'answerable' must be true or false")
    reference = data.get("reference_answer")
    if reference is not None and not isinstance(reference, str):
        raise fail("'reference_answer' must be a string")
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise fail("'tags' must be a list of strings")
    return Question(
        id=str(qid).strip(), question=text, line=number, answerable=answerable,
        gold=_parse_gold(data.get("gold"), fail), reference_answer=reference, tags=tuple(tags),
        extra={k: v for k, v in data.items() if k not in KNOWN_FIELDS},
    )


def _holds_lone_surrogate(value: object) -> bool:
    """JSON lets "\\ud800" through; no UTF-8 text (a result file, the model) can hold it."""
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_holds_lone_surrogate(k) or _holds_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_lone_surrogate(item) for item in value)
    return False


def _parse_gold(value: object, fail) -> tuple[Gold, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise fail("'gold' must be a list of {source, quote} objects")
    items: list[Gold] = []
    for i, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise fail(f"gold item {i} must be an object with 'source' and 'quote'")
        source, quote = item.get("source"), item.get("quote")
        if not isinstance(source, str) or not isinstance(quote, str):
            raise fail(f"gold item {i} needs string 'source' and 'quote'")
        if not normalize_for_match(source) or not normalize_for_match(quote):
            # An empty normalised quote would match every passage.
            raise fail(f"gold item {i} has no letters or digits in 'source' or 'quote'")
        items.append(Gold(source=source, quote=quote))
    return tuple(items)


def unknown_sources(questions: Iterable[Question], known: Iterable[str]) -> list[GoldWarning]:
    """Gold sources the index does not hold (compared like the match rule compares them)."""
    known_norm = {normalize_for_match(s) for s in known}
    return [
        GoldWarning(line=q.line, question_id=q.id, source=g.source)
        for q in questions for g in q.gold
        if normalize_for_match(g.source) not in known_norm
    ]


def unmatched_quotes(questions: Iterable[Question],
                     passages: Iterable[tuple[str, str]]) -> list[GoldWarning]:
    """Gold quotes that no indexed passage (source, text) of their source contains, by the
    match rule; items whose source is not indexed at all are `unknown_sources`' business."""
    texts: dict[str, list[str]] = {}
    for source, text in passages:
        texts.setdefault(normalize_for_match(source), []).append(normalize_for_match(text))
    warnings = []
    for q in questions:
        for g in q.gold:
            of_source = texts.get(normalize_for_match(g.source))
            quote = normalize_for_match(g.quote)
            if of_source is not None and not any(quote in t for t in of_source):
                warnings.append(GoldWarning(line=q.line, question_id=q.id, source=g.source,
                                            quote=g.quote))
    return warnings


def gold_warnings(questions: Sequence[Question],
                  passages: Sequence[tuple[str, str]]) -> list[GoldWarning]:
    """Every gold item of the file that can never match the index, in file order."""
    found = unknown_sources(questions, {source for source, _ in passages})
    found += unmatched_quotes(questions, passages)
    return sorted(found, key=lambda w: w.line)
