"""Metric functions on small hand-made cases with exact expected numbers."""

import pytest

from evals.metrics import (
    answer_hits,
    answered,
    citation_support,
    citation_validity,
    citations_valid,
    compute_metrics,
    content_words,
    false_refusal_rate,
    hit_at_k,
    latency_summary,
    markers,
    match_rank,
    mrr_at_k,
    percentile,
    refusal_accuracy,
    sentence_supported,
    split_sentences,
    support_counts,
    support_method_used,
    unscored_ids,
)

SOM = "untoc-smuggling-of-migrants-protocol-text.md"
TIP = "untoc-trafficking-in-persons-protocol-text.md"
ART5 = "Migrants shall not become liable to criminal prosecution under this Protocol."


def passage(rank: int, source: str, text: str, locator: str = "Article 5") -> dict:
    return {"rank": rank, "source": source, "title": "t", "locator": locator,
            "page_start": None, "page_end": None, "page_label": None, "score": 1.0,
            "text": text}


def citation(n: int, p: dict) -> dict:
    return {"n": n, **{k: p[k] for k in ("source", "title", "locator", "page_start",
                                         "page_end", "page_label", "text")}}


def test_hit_at_k_and_mrr_exact() -> None:
    ranks = [1, 3, None, 7]
    assert hit_at_k(ranks, 1) == 0.25
    assert hit_at_k(ranks, 3) == 0.5
    assert hit_at_k(ranks, 5) == 0.5
    assert hit_at_k(ranks, 10) == 0.75
    assert mrr_at_k(ranks, 10) == pytest.approx((1 + 1 / 3 + 1 / 7) / 4)
    assert mrr_at_k([11, 2], 10) == 0.25  # beyond k counts 0
    assert hit_at_k([], 5) is None and mrr_at_k([]) is None


def test_match_rank_uses_top_ten_and_the_match_rule() -> None:
    gold = [{"source": SOM, "quote": "shall not become liable to criminal prosecution"}]
    filler = [passage(i, TIP, "nothing relevant here") for i in range(1, 11)]
    hit = passage(11, SOM, "Migrants shall not become li-\nable to criminal prosecution.")
    assert match_rank(filler + [hit], gold) is None  # rank 11 is outside the top 10
    assert match_rank(filler[:3] + [hit], gold) == 4  # hyphenation across lines joined
    assert match_rank([passage(1, TIP, ART5)], gold) is None  # right text, wrong source


def test_refusal_rates_exact() -> None:
    assert refusal_accuracy([True, False, True, True]) == 0.75
    assert false_refusal_rate([False] * 9 + [True]) == 0.1
    assert refusal_accuracy([]) is None


def test_markers_in_order_with_repeats() -> None:
    assert markers("a [1] b [2][1] c [10]") == [1, 2, 1, 10]
    assert markers("no markers, [a] [ 1]") == []


def test_citations_valid_cases() -> None:
    p1, p2 = passage(1, SOM, ART5), passage(2, TIP, "Article 3 text.", "Article 3")
    ok = {"answer": "Quote [1] and [2].", "citations": [citation(1, p1), citation(2, p2)],
          "passages": [p1, p2]}
    assert citations_valid(ok)
    assert citations_valid({"answer": "No markers.", "citations": [], "passages": [p1]})
    unresolved = {**ok, "answer": "Quote [3]."}
    duplicate = {**ok, "citations": [citation(1, p1), citation(1, p2), citation(2, p2)]}
    foreign = {**ok, "citations": [citation(1, p1), citation(2, {**p2, "text": "other"})]}
    assert not citations_valid(unresolved)
    assert not citations_valid(duplicate)
    assert not citations_valid(foreign)  # a citation that is not one of the passages
    assert citation_validity([ok, unresolved, duplicate, foreign]) == 0.25


def test_split_sentences_keeps_quotes_whole_and_markers_attached() -> None:
    text = ("Article 5: \u201cMigrants shall not. Become liable.\u201d [1]\n\n"
            "First point. Second point [2]. Third point. [3] Fourth")
    assert split_sentences(text) == [
        "Article 5: \u201cMigrants shall not. Become liable.\u201d [1]",
        "First point.", "Second point [2].", "Third point. [3]", "Fourth"]


def test_sentence_support_by_quote_and_by_overlap() -> None:
    assert sentence_supported("Art. 5: \u201cMigrants shall NOT become liable\u201d [1]", [ART5])
    assert not sentence_supported("Art. 5: \u201cmigrants shall be punished\u201d [1]", [ART5])
    # A quote joining two sentences that are not adjacent in the passage: each one counts.
    text = "1. Migrants shall not become liable. 2. Something else. 3. States shall act."
    assert sentence_supported("\u201cMigrants shall not become liable. States shall act.\u201d [1]",
                              [text])
    assert not sentence_supported("\u201cMigrants shall not become liable. States shall "
                                  "not act.\u201d [1]", [text])
    # content words: migrants, liable, prosecution, smuggling, fines -> 3 of 5 = 0.6
    assert content_words("Migrants are liable to prosecution for smuggling fines [1]") == [
        "migrants", "liable", "prosecution", "smuggling", "fines"]
    assert sentence_supported("Migrants are liable to prosecution for smuggling fines [1]",
                              [ART5])
    # 2 of 5 = 0.4
    assert not sentence_supported("Migrants are liable to jail for smuggling fines [1]",
                                  [ART5])
    assert not sentence_supported("Anything [1]", [])


def test_support_counts_and_share() -> None:
    p1 = passage(1, SOM, ART5)
    answer = {"answer": "Art. 5: \u201cMigrants shall not become liable\u201d [1]\n\n"
                        "They go to jail under the moon [1].\n\nUncited sentence. Bad [7].",
              "citations": [citation(1, p1)], "passages": [p1], "refused": False}
    assert support_counts(answer) == (1, 3)
    refused = {**answer, "refused": True}
    assert support_counts(refused) == (0, 0)
    assert citation_support([answer, refused]) == pytest.approx(1 / 3)
    assert citation_support([refused]) is None


def test_percentile_matches_linear_interpolation() -> None:
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([10, 20, 30, 40, 50], 95) == pytest.approx(48.0)
    assert percentile([7], 95) == 7
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_latency_summary() -> None:
    results = [{"latency_ms": {"total": t, "retrieve": t / 2}} for t in (10, 20, 30, 40, 50)]
    assert latency_summary(results) == {"total": {"p50": 30.0, "p95": 48.0},
                                        "retrieve": {"p50": 15.0, "p95": 24.0}}


def test_compute_metrics_whole_run() -> None:
    gold = [{"source": SOM, "quote": "shall not become liable"}]
    hit = passage(1, SOM, ART5)
    miss = passage(1, TIP, "unrelated")
    questions = [
        {"id": "a", "answerable": True, "gold": gold},
        {"id": "b", "answerable": True, "gold": gold},
        {"id": "c", "answerable": False, "gold": []},
        {"id": "d", "answerable": False},
    ]
    results = [
        {"id": "a", "answer": "\u201cshall not become liable\u201d [1]", "refused": False,
         "citations": [citation(1, hit)], "passages": [hit],
         "latency_ms": {"total": 100.0, "retrieve": 10.0}},
        {"id": "b", "answer": "refused", "refused": True, "citations": [],
         "passages": [miss, {**hit, "rank": 2}],
         "latency_ms": {"total": 200.0, "retrieve": 20.0}},
        {"id": "c", "answer": "refused", "refused": True, "citations": [], "passages": [miss],
         "latency_ms": {"total": 300.0, "retrieve": 30.0}},
        {"id": "d", "answer": "Wrong [2].", "refused": False, "citations": [],
         "passages": [miss], "latency_ms": {"total": 400.0, "retrieve": 40.0}},
    ]
    m = compute_metrics(questions, results)
    assert (m["hit@1"], m["hit@3"], m["hit@5"], m["hit@10"]) == (0.5, 1.0, 1.0, 1.0)
    assert m["mrr@10"] == 0.75
    assert m["refusal_accuracy"] == 0.5
    assert m["false_refusal_rate"] == 0.5
    assert m["citation_validity"] == 0.75
    assert m["citation_support"] == 0.5  # a's sentence supported; d's [2] resolves to nothing
    assert m["latency_ms"]["total"] == {"p50": 250.0, "p95": 385.0}
    assert m["counts"]["questions"] == 4 and m["counts"]["answerable"] == 2
    assert m["answer_hit"] == 0.5  # a cites the gold passage; b refused, though it retrieved it
    assert m["wrongly_answered"] == 0.5  # d answered an unanswerable question
    assert m["unscored"] == [] and m["counts"]["quote_checked_sentences"] == 1
    with pytest.raises(ValueError, match="does not belong"):
        compute_metrics(questions, list(reversed(results)))


def test_answerable_question_without_gold_is_unscored() -> None:
    """Four answerable questions all hit, plus one without gold: hit@5 is 1.0 over the four
    scored ones (not 0.8), the fifth still counts for false refusals."""
    gold = [{"source": SOM, "quote": "shall not become liable"}]
    hit = passage(1, SOM, ART5)
    questions = [{"id": f"q{i}", "answerable": True, "gold": gold} for i in range(4)]
    questions.append({"id": "nogold", "answerable": True})
    results = [{"id": q["id"], "answer": "\u201cshall not become liable\u201d [1]",
                "refused": False, "citations": [citation(1, hit)], "passages": [hit],
                "latency_ms": {"total": 1.0, "retrieve": 1.0}} for q in questions[:4]]
    results.append({"id": "nogold", "answer": "No.", "refused": True, "citations": [],
                    "passages": [hit], "latency_ms": {"total": 1.0, "retrieve": 1.0}})
    m = compute_metrics(questions, results)
    assert m["hit@5"] == 1.0 and m["mrr@10"] == 1.0 and m["answer_hit"] == 1.0
    assert m["false_refusal_rate"] == 0.2  # refusals count over all five answerable
    assert m["unscored"] == ["nogold"] == unscored_ids(questions)
    assert (m["counts"]["scored"], m["counts"]["unscored"]) == (4, 1)
    assert m["refusal_accuracy"] is None and m["wrongly_answered"] is None


def test_answer_hit_reads_the_citations_not_the_passages() -> None:
    gold = [{"source": SOM, "quote": "shall not become liable"}]
    right, wrong = passage(1, SOM, ART5), passage(2, TIP, "Article 3 text.", "Article 3")
    cites_wrong = {"answer": "\u201cArticle 3 text.\u201d [1]", "refused": False,
                   "citations": [{**citation(1, wrong)}], "passages": [right, wrong]}
    cites_right = {**cites_wrong, "citations": [citation(1, right)]}
    assert not answer_hits(cites_wrong, gold)  # gold retrieved at rank 1, but not cited
    assert answer_hits(cites_right, gold)
    assert not answer_hits({**cites_right, "refused": True}, gold)
    assert not answer_hits(cites_right, [])
    # The extractive answer that quotes the wrong passage is still fully "supported".
    assert support_counts(cites_wrong) == (1, 1)
    errored = {"answer": "", "refused": False, "error": "too long", "citations": []}
    assert not answered(errored) and answered(cites_wrong)


def test_support_method_used_names_the_check() -> None:
    quoted = support_method_used({"cited_sentences": 3, "quote_checked_sentences": 3},
                                 "extractive")
    assert "verbatim quote check for all of them" in quoted and "by construction" in quoted
    mixed = support_method_used({"cited_sentences": 3, "quote_checked_sentences": 1}, "llm")
    assert "quote check for 1, content-word overlap for 2" in mixed and "`llm`" in mixed
    assert "n/a" in support_method_used({"cited_sentences": 0}, "passages")


def test_per_tag_hit5_leaves_unscored_questions_out() -> None:
    from evals.report import tag_breakdown

    gold = [{"source": SOM, "quote": "shall not become liable"}]
    hit = passage(1, SOM, ART5)
    questions = [{"id": "a", "answerable": True, "gold": gold, "tags": ["som"]},
                 {"id": "b", "answerable": True, "tags": ["som"]},
                 {"id": "c", "answerable": False, "tags": ["som"]}]
    results = [{"id": q["id"], "refused": q["id"] == "c", "passages": [hit]} for q in questions]
    [row] = tag_breakdown(questions, results)
    assert row == {"tag": "som", "questions": 3, "answerable": 2, "scored": 1, "hit@5": 1.0,
                   "unanswerable": 1, "refusal_accuracy": 1.0}


def test_the_report_says_why_each_answerable_question_was_refused() -> None:
    from evals.report import missed_sections

    gold = [{"source": SOM, "quote": "shall not become liable"}]
    questions = [{"id": "named", "answerable": True, "gold": gold,
                  "question": "Would a Ruritanian court prosecute a smuggled migrant?"},
                 {"id": "weak", "answerable": True, "gold": gold,
                  "question": "Are people who were moved across a border punished?"}]
    notice = "The documents do not cover Ruritania: they hold no passage about it."
    results = [{"id": "named", "refused": True, "notices": [notice],
                "passages": [passage(1, SOM, ART5)]},
               {"id": "weak", "refused": True, "passages": [passage(1, SOM, ART5)]}]
    refused = "\n".join(missed_sections(questions, results)).split(
        "## Answerable questions that were refused")[1]
    named, weak = refused.split("- **weak**")
    assert f"why refused: {notice}" in named
    assert "why refused: no notice (evidence below the refusal threshold" in weak
