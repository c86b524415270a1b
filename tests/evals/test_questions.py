"""Checks the project's dev and held-out question sets against the shared reference corpus."""

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from evals.matching import normalize_for_match

REPO = Path(__file__).resolve().parents[2]
QUESTIONS = REPO / "evals" / "questions.jsonl"
HELDOUT = REPO / "evals" / "heldout.jsonl"
CORPUS = REPO / ".." / "shared" / "corpus"

INSTRUMENT_OF_SOURCE = {
    "untoc-trafficking-in-persons-protocol-text.md": "tip",
    "untoc-smuggling-of-migrants-protocol-text.md": "som",
    "untoc-convention-text.md": "untoc",
    "untoc-firearms-protocol-text.md": "firearms",
    "crc-optional-protocol-sale-of-children-text.md": "crc-opsc",
    "supplementary-convention-abolition-of-slavery-1956-text.md": "slavery-1956",
    "glotip-2024-chapter-2.pdf": "glotip",
    "unodc-human-trafficking-webpage-2014.html": "webpage",
    "unodc-working-groups-tip-som-webpage.txt": "working-groups",
}
INSTRUMENT_TAGS = set(INSTRUMENT_OF_SOURCE.values()) | {"none"}
TYPE_TAGS = {
    "definition",
    "obligation",
    "names-article",
    "figure",
    "fact",
    "multi-part",
    "follow-up-style",
    "unanswerable-near",
    "unanswerable-far",
}


def document_text(path: Path) -> str:
    """The text a gold quote is checked against: PDF text per pypdf, HTML visible text."""
    if path.suffix == ".pdf":
        return "\n".join(page.extract_text() for page in PdfReader(path).pages)
    if path.suffix == ".html":
        return BeautifulSoup(path.read_bytes(), "html.parser").get_text()
    return path.read_text(encoding="utf-8")


def load_questions(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return load_questions(QUESTIONS)


@pytest.fixture(scope="module")
def heldout() -> list[dict]:
    return load_questions(HELDOUT)


@pytest.fixture(scope="module", params=[QUESTIONS, HELDOUT], ids=["dev", "heldout"])
def question_set(request) -> list[dict]:
    """Each question file in turn, for the checks that apply to both."""
    return load_questions(request.param)


@pytest.fixture(scope="module")
def corpus_files() -> list[str]:
    manifest = CORPUS / "MANIFEST.tsv"
    assert manifest.is_file(), f"reference corpus not found at {CORPUS.resolve()}"
    with manifest.open(encoding="utf-8", newline="") as fh:
        return [row["file"] for row in csv.DictReader(fh, delimiter="\t")]


@pytest.fixture(scope="module")
def normalized_corpus(corpus_files: list[str]) -> dict[str, str]:
    return {
        name: normalize_for_match(document_text(CORPUS / "raw" / name)) for name in corpus_files
    }


def test_required_fields_and_types(question_set):
    for q in question_set:
        assert isinstance(q["id"], str) and isinstance(q["question"], str), q
        assert q["question"].strip(), q["id"]
        assert isinstance(q["answerable"], bool), q["id"]
        assert isinstance(q["gold"], list), q["id"]
        assert isinstance(q["reference_answer"], str) and q["reference_answer"].strip(), q["id"]


def test_size_and_unique_sequential_ids(questions):
    assert len(questions) >= 80
    ids = [q["id"] for q in questions]
    assert len(set(ids)) == len(ids)
    assert ids == [f"q{n:03d}" for n in range(1, len(ids) + 1)]


def test_unanswerable_questions_have_no_gold_and_cover_near_and_far(questions):
    unanswerable = [q for q in questions if not q["answerable"]]
    assert len(unanswerable) >= 12
    for q in unanswerable:
        assert q["gold"] == [], q["id"]
    tags = Counter(t for q in unanswerable for t in q["tags"])
    assert tags["unanswerable-near"] >= 6 and tags["unanswerable-far"] >= 4


def test_every_corpus_file_is_covered(questions, corpus_files):
    assert set(corpus_files) == set(INSTRUMENT_OF_SOURCE)
    covered = Counter(
        source for q in questions if q["answerable"] for source in {g["source"] for g in q["gold"]}
    )
    for name in corpus_files:
        assert covered[name] >= 3, f"{name} answers only {covered[name]} questions"


def test_question_kinds_the_set_must_contain(questions):
    tags = Counter(t for q in questions for t in q["tags"])
    assert tags["names-article"] >= 10
    assert tags["figure"] >= 5
    multi = [q for q in questions if "multi-part" in q["tags"]]
    assert len(multi) >= 3 and all(len(q["gold"]) >= 2 for q in multi)


def test_tags_name_instrument_topic_and_type(question_set):
    for q in question_set:
        tags = set(q["tags"])
        assert len(tags) == len(q["tags"]), q["id"]
        assert tags & TYPE_TAGS, f"{q['id']} has no type tag"
        assert tags - TYPE_TAGS - INSTRUMENT_TAGS, f"{q['id']} has no topic tag"
        expected = {INSTRUMENT_OF_SOURCE[g["source"]] for g in q["gold"]} or {"none"}
        assert tags & INSTRUMENT_TAGS == expected, q["id"]


def test_gold_quotes_are_short_phrases(question_set):
    for q in question_set:
        assert bool(q["gold"]) == q["answerable"], q["id"]
        for gold in q["gold"]:
            assert gold["source"] in INSTRUMENT_OF_SOURCE, (q["id"], gold["source"])
            assert 5 <= len(gold["quote"].split()) <= 15, (q["id"], gold["quote"])


def test_every_gold_quote_occurs_exactly_once_in_its_source(question_set, normalized_corpus):
    # Once, not merely at least once: a quote must point at one passage, not several.
    for q in question_set:
        for gold in q["gold"]:
            count = normalized_corpus[gold["source"]].count(normalize_for_match(gold["quote"]))
            assert count == 1, f"{q['id']}: quote found {count} times: {gold['quote']!r}"


def test_reference_answers_of_glotip_figures_cite_a_page(question_set):
    for q in question_set:
        if "glotip" in q["tags"]:
            assert re.search(r"p\. \d+", q["reference_answer"]), q["id"]


def test_heldout_size_ids_and_answerability(heldout, corpus_files):
    ids = [q["id"] for q in heldout]
    assert len(set(ids)) == len(ids)
    assert ids == [f"h{n:03d}" for n in range(1, len(ids) + 1)]
    answerable = [q for q in heldout if q["answerable"]]
    assert len(answerable) >= 30 and len(heldout) - len(answerable) >= 6
    tags = Counter(t for q in heldout if not q["answerable"] for t in q["tags"])
    assert tags["unanswerable-near"] >= 3 and tags["unanswerable-far"] >= 3
    covered = {g["source"] for q in answerable for g in q["gold"]}
    assert covered == set(corpus_files)


def test_heldout_questions_are_not_dev_questions(questions, heldout):
    dev = {normalize_for_match(q["question"]) for q in questions}
    for q in heldout:
        assert normalize_for_match(q["question"]) not in dev, q["id"]
