"""The figures of metrics.json (see ../shared/evals-format.md), as pure functions.

Everything here works on plain result dicts (the lines of results.jsonl), so the figures of a
run can be recomputed from its files alone. A share whose denominator is zero is None (null
in JSON): "no answerable questions" is not a hit rate of 0.

An answerable question without gold is *unscored*: it counts for refusals and latency, never
as a retrieval or answer miss (nothing could match it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence

from assistant.text.sentences import ABBREVIATIONS
from evals.matching import first_match_rank, normalize_for_match

HIT_KS = (1, 3, 5, 10)
MRR_K = 10
SUPPORT_OVERLAP = 0.6  # share of a sentence's content words that the cited passage must hold

CITATION_SUPPORT_METHOD = (
    "An answer is split into sentences (quoted spans are never split); a sentence is *cited* "
    "when it carries at least one `[n]` marker. A cited sentence is *supported* when the text "
    "it quotes (inside “…” or \"…\") appears verbatim in its cited passages after the "
    "match-rule normalisation (lowercase, letters and digits only), each quoted sentence or "
    "clause (split at . ! ? ; : and ellipses) on its own, since a quote may join sentences that "
    "are not adjacent in the passage; a sentence without quotes "
    f"is supported when at least {SUPPORT_OVERLAP:.0%} of its content words (words minus "
    "English stop words and markers) occur in the passages it cites. A marker that resolves "
    "to no citation supports nothing."
)
ANSWER_HIT_METHOD = (
    "*Answer hit* is the share of scored answerable questions (answerable, with gold) whose "
    "answer cites a gold passage: the match rule applied to the answer's citations, not to "
    "every retrieved passage; a refusal cites nothing and misses. *Wrongly answered* is the "
    "share of unanswerable questions that got an answer (neither refused nor rejected). Unlike "
    "citation support, both can fail for an answer that quotes its passages verbatim."
)

MARKER = re.compile(r"\[(\d+)\]")
WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Quoted spans: curly quotes, or straight double quotes.
QUOTED = re.compile(r"\u201c([^\u201d]*)\u201d|\"([^\"]*)\"")
# A quote may join sentences that are not adjacent in the passage: each is checked alone.
QUOTE_PIECE = re.compile(r"(?<=[.!?;:])\s+|\s*(?:\u2026|\.\.\.)\s*")
_STOPWORD_TEXT = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each either few for
from further had has have having he her here hers him his how i if in into is it its itself
may might more most must no nor not of off on once only or other our ours out over own same
shall she should so some such than that the their theirs them then there these they this
those through to too under until up upon very was we were what when where whether which while
who whom why will with within without would you your
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


# ---- which questions count -------------------------------------------------------------------
def is_answerable(question: Mapping[str, object]) -> bool:
    return bool(question.get("answerable", True))


def is_scored(question: Mapping[str, object]) -> bool:
    """Answerable with at least one gold item: the questions hit@k and answer hit are over."""
    return is_answerable(question) and bool(question.get("gold"))


def unscored_ids(questions: Sequence[Mapping[str, object]]) -> list[str]:
    """Answerable questions without gold: scored for refusals and latency only."""
    return [str(q.get("id")) for q in questions if is_answerable(q) and not is_scored(q)]


# ---- retrieval ------------------------------------------------------------------------------
def match_rank(passages: Sequence[Mapping[str, object]], gold: Sequence[Mapping[str, object]],
               k: int = MRR_K) -> int | None:
    """Rank (1-based) of the first of the top-k passages matching a gold item, or None."""
    return first_match_rank(list(passages)[:k], gold)


def hit_at_k(ranks: Sequence[int | None], k: int) -> float | None:
    """Share of questions whose first matching passage is within the top k."""
    if not ranks:
        return None
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr_at_k(ranks: Sequence[int | None], k: int = MRR_K) -> float | None:
    """Mean of 1/rank of the first matching passage, counting 0 beyond rank k."""
    if not ranks:
        return None
    return sum(1.0 / r for r in ranks if r is not None and r <= k) / len(ranks)


# ---- refusals -------------------------------------------------------------------------------
def share_true(flags: Sequence[bool]) -> float | None:
    return sum(1 for f in flags if f) / len(flags) if flags else None


def refusal_accuracy(refused_unanswerable: Sequence[bool]) -> float | None:
    """Share of unanswerable questions that were refused (the `refused` flag of each)."""
    return share_true(refused_unanswerable)


def false_refusal_rate(refused_answerable: Sequence[bool]) -> float | None:
    """Share of answerable questions that were refused."""
    return share_true(refused_answerable)


def answered(result: Mapping[str, object]) -> bool:
    """An answer was given: not refused and not rejected with an error."""
    return not result.get("refused") and not result.get("error")


def wrongly_answered_rate(answered_unanswerable: Sequence[bool]) -> float | None:
    """Share of unanswerable questions that were answered."""
    return share_true(answered_unanswerable)


# ---- answers --------------------------------------------------------------------------------
def answer_hits(result: Mapping[str, object], gold: Sequence[Mapping[str, object]]) -> bool:
    """The answer cites a gold passage (the match rule on its citations); a refusal never."""
    if not answered(result) or not gold:
        return False
    return first_match_rank(list(result.get("citations") or []), gold) is not None


# ---- citations ------------------------------------------------------------------------------
def markers(answer: str) -> list[int]:
    """The `[n]` numbers of an answer, in order of appearance, repeats included."""
    return [int(m) for m in MARKER.findall(answer)]


def _passage_key(item: Mapping[str, object]) -> tuple:
    return (item.get("source"), item.get("locator"), item.get("page_start"), item.get("text"))


def citations_valid(result: Mapping[str, object]) -> bool:
    """Every `[n]` of the answer has exactly one citation entry, and every citation entry is
    one of the result's passages (same source, locator, first page and text)."""
    citations = list(result.get("citations") or [])
    passages = {_passage_key(p) for p in result.get("passages") or []}
    numbers = [c.get("n") for c in citations]
    for n in set(markers(str(result.get("answer") or ""))):
        if numbers.count(n) != 1:
            return False
    return all(_passage_key(c) in passages for c in citations)


def citation_validity(results: Iterable[Mapping[str, object]]) -> float | None:
    """Share of answers whose citations are valid (an answer without markers is valid)."""
    return share_true([citations_valid(r) for r in results])


def split_sentences(text: str) -> list[str]:
    """Sentences of an answer; paragraphs always end one, quoted spans are never split.

    A sentence ends after `.`, `!` or `?` (or after a marker that follows one) when
    whitespace and a capital letter, a quote sign or a bracket open the next one.
    """
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        current: list[str] = []
        in_curly = in_straight = False
        i = 0
        while i < len(paragraph):
            ch = paragraph[i]
            current.append(ch)
            if ch == "\u201c":
                in_curly = True
            elif ch == "\u201d":
                in_curly = False
            elif ch == '"':
                in_straight = not in_straight
            if not (in_curly or in_straight) and _ends_sentence(paragraph, i):
                sentences.append("".join(current).strip())
                current = []
            i += 1
        if "".join(current).strip():
            sentences.append("".join(current).strip())
    return [s for s in sentences if s]


def _ends_sentence(text: str, i: int) -> bool:
    if text[i] not in ".!?\u201d\"')]":
        return False
    word = re.search(r"\b[\w.]+$", text[max(0, i - 12):i]) if text[i] == "." else None
    if word and word.group(0).lower() in ABBREVIATIONS:  # "Art. 5", "e.g. a vessel"
        return False
    before = text[max(0, i - 40): i + 1]  # a tail window: enough for `.” [1] [2]`
    if not re.search(r"[.!?][\u201d\"')\]]*(?:\s*\[\d+\])*$", before):
        return False
    return re.match(r"\s+[A-Z\u201c\"(]", text[i + 1:]) is not None


def content_words(text: str) -> list[str]:
    """Lowercased words of a text minus stop words and `[n]` markers."""
    words = WORD.findall(MARKER.sub(" ", text).lower())
    return [w for w in words if w not in STOPWORDS]


def quote_pieces(sentence: str) -> list[str]:
    """The normalised quoted sentences and clauses of a sentence (empty: no quotes)."""
    pieces = [normalize_for_match(piece) for a, b in QUOTED.findall(sentence)
              for piece in QUOTE_PIECE.split(a or b)]
    return [p for p in pieces if p]


def sentence_supported(sentence: str, cited_texts: Sequence[str]) -> bool:
    """The support rule of CITATION_SUPPORT_METHOD for one cited sentence."""
    if not cited_texts:
        return False
    pieces = quote_pieces(sentence)
    if pieces:
        passages = [normalize_for_match(t) for t in cited_texts]
        return all(any(piece in p for p in passages) for piece in pieces)
    words = content_words(sentence)
    if not words:
        return False
    vocabulary = {w for t in cited_texts for w in WORD.findall(t.lower())}
    return sum(1 for w in words if w in vocabulary) / len(words) >= SUPPORT_OVERLAP


def support_counts(result: Mapping[str, object]) -> tuple[int, int]:
    """(supported, cited) sentence counts of one answer; a refusal cites nothing."""
    if result.get("refused"):
        return 0, 0
    texts_by_n: dict[int, list[str]] = {}
    for citation in result.get("citations") or []:
        texts_by_n.setdefault(citation.get("n"), []).append(str(citation.get("text") or ""))
    supported = cited = 0
    for sentence in split_sentences(str(result.get("answer") or "")):
        numbers = markers(sentence)
        if not numbers:
            continue
        cited += 1
        texts = [t for n in dict.fromkeys(numbers) if len(texts_by_n.get(n, [])) == 1
                 for t in texts_by_n[n]]
        if len(texts) == len(set(numbers)) and sentence_supported(sentence, texts):
            supported += 1
    return supported, cited


def quote_checked(result: Mapping[str, object]) -> int:
    """How many of an answer's cited sentences the verbatim quote check judges."""
    if result.get("refused"):
        return 0
    return sum(1 for s in split_sentences(str(result.get("answer") or ""))
               if markers(s) and quote_pieces(s))


def support_method_used(counts: Mapping[str, object], answer_mode: str | None) -> str:
    """One sentence on how this run's citation support was judged, and what it is worth."""
    cited, quoted = counts.get("cited_sentences") or 0, counts.get("quote_checked_sentences") or 0
    mode = f"answer mode `{answer_mode}`" if answer_mode else "answer mode unknown"
    if not cited:
        return f"No cited sentences ({mode}): citation support is n/a."
    if quoted == cited:
        how = "verbatim quote check for all of them"
    elif not quoted:
        how = f"content-word overlap (at least {SUPPORT_OVERLAP:.0%}) for all of them"
    else:
        how = f"verbatim quote check for {quoted}, content-word overlap for {cited - quoted}"
    text = f"{cited} cited sentences ({mode}): {how}."
    if quoted == cited:
        text += (" A quoted answer passes this check by construction, even when it answers a "
                 "question it should have refused: read answer hit and wrongly answered.")
    return text


def citation_support(results: Iterable[Mapping[str, object]]) -> float | None:
    """Share of cited answer sentences (all answers together) that their passages support."""
    supported = cited = 0
    for result in results:
        s, c = support_counts(result)
        supported, cited = supported + s, cited + c
    return supported / cited if cited else None


# ---- latency --------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation (numpy's default method)."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(results: Iterable[Mapping[str, object]]) -> dict[str, dict[str, float | None]]:
    timings = [r.get("latency_ms") or {} for r in results]
    summary: dict[str, dict[str, float | None]] = {}
    for stage in ("total", "retrieve"):
        values = [float(t[stage]) for t in timings if stage in t]
        summary[stage] = {"p50": _round(percentile(values, 50)),
                          "p95": _round(percentile(values, 95))}
    return summary


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


# ---- the whole run --------------------------------------------------------------------------
def question_ranks(questions: Sequence[Mapping[str, object]],
                   results: Sequence[Mapping[str, object]]) -> list[int | None]:
    """First-match rank within the top 10 of each question (None for unanswerable and
    unscored ones)."""
    return [
        match_rank(r.get("passages") or [], q.get("gold") or []) if is_scored(q) else None
        for q, r in zip(questions, results, strict=True)
    ]


def compute_metrics(questions: Sequence[Mapping[str, object]],
                    results: Sequence[Mapping[str, object]]) -> dict:
    """hit@k, MRR@10, answer hit, refusals, citations and latency of a run.

    `questions` are the question objects (id, answerable, gold) and `results` the result
    objects, in the same order. hit@k, MRR@10 and answer hit are over the scored questions;
    refusal rates over all answerable / unanswerable ones.
    """
    if len(questions) != len(results):
        raise ValueError(f"{len(questions)} questions but {len(results)} results")
    for q, r in zip(questions, results, strict=True):
        if q.get("id") != r.get("id"):
            raise ValueError(f"result {r.get('id')!r} does not belong to question {q.get('id')!r}")
    answerable = [i for i, q in enumerate(questions) if is_answerable(q)]
    unanswerable = [i for i, q in enumerate(questions) if not is_answerable(q)]
    scored = [i for i, q in enumerate(questions) if is_scored(q)]
    ranks = question_ranks(questions, results)
    scored_ranks = [ranks[i] for i in scored]
    refused = [bool(r.get("refused")) for r in results]
    cited_gold = [answer_hits(results[i], questions[i].get("gold") or []) for i in scored]
    wrong = [answered(results[i]) for i in unanswerable]
    supported = cited = 0
    for r in results:
        s, c = support_counts(r)
        supported, cited = supported + s, cited + c
    metrics: dict = {f"hit@{k}": _round(hit_at_k(scored_ranks, k), 4) for k in HIT_KS}
    metrics["mrr@10"] = _round(mrr_at_k(scored_ranks, MRR_K), 4)
    metrics["answer_hit"] = _round(share_true(cited_gold), 4)
    metrics["refusal_accuracy"] = _round(refusal_accuracy([refused[i] for i in unanswerable]), 4)
    metrics["wrongly_answered"] = _round(wrongly_answered_rate(wrong), 4)
    metrics["false_refusal_rate"] = _round(
        false_refusal_rate([refused[i] for i in answerable]), 4)
    metrics["citation_validity"] = _round(citation_validity(results), 4)
    metrics["citation_support"] = _round(supported / cited if cited else None, 4)
    metrics["latency_ms"] = latency_summary(results)
    metrics["unscored"] = unscored_ids(questions)
    metrics["counts"] = {
        "questions": len(questions),
        "answerable": len(answerable),
        "scored": len(scored),
        "unscored": len(answerable) - len(scored),
        "unanswerable": len(unanswerable),
        "refused": sum(refused),
        "errors": sum(1 for r in results if r.get("error")),
        "hits_at_5": sum(1 for r in scored_ranks if r is not None and r <= 5),
        "answer_hits": sum(cited_gold),
        "wrongly_answered": sum(wrong),
        "cited_sentences": cited,
        "supported_sentences": supported,
        "quote_checked_sentences": sum(quote_checked(r) for r in results),
        "valid_citation_answers": sum(1 for r in results if citations_valid(r)),
    }
    return metrics
