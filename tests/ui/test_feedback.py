"""Feedback appended as JSON lines, safely from many threads."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.models import Answer, Chunk, Citation, Passage
from ui.feedback import MAX_COMMENT_CHARS, FeedbackLog


def answer(question: str = "What is smuggling of migrants?") -> Answer:
    chunk = Chunk(doc_id="som", source="som.md", title="SOM Protocol", locator="Article 3(a)",
                  text="Smuggling of migrants shall mean the procurement ...")
    passage = Passage(chunk=chunk, rank=1, score=0.9)
    return Answer(question=question, text="“Smuggling of migrants shall mean” [1]",
                  citations=[Citation.from_passage(1, passage, quote="Smuggling ...")],
                  passages=[passage], settings_hash="abc123")


def test_an_entry_holds_question_answer_citations_settings_rating_comment(tmp_path):
    log = FeedbackLog(tmp_path / "data" / "feedback.jsonl")
    log.record(answer(), "helpful", "  Exactly the article I needed. ")
    (entry,) = [json.loads(line) for line in log.path.read_text().splitlines()]
    assert entry["rating"] == "helpful" and entry["comment"] == "Exactly the article I needed."
    assert entry["question"] == "What is smuggling of migrants?"
    assert entry["answer"].endswith("[1]") and entry["settings_hash"] == "abc123"
    assert entry["citations"] == [{"n": 1, "source": "som.md", "title": "SOM Protocol",
                                   "locator": "Article 3(a)", "page_start": None,
                                   "page_end": None, "page_label": None, "url": None,
                                   "quote": "Smuggling ..."}]
    assert entry["timestamp"].endswith("+00:00")


def test_many_threads_append_whole_lines(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: log.record(answer(f"question {i}"), "not helpful", "x" * 500),
                      range(80)))
    entries = log.entries()
    assert sorted(e["question"] for e in entries) == sorted(f"question {i}" for i in range(80))


def test_bad_feedback_is_rejected(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    with pytest.raises(ValueError, match="rating"):
        log.record(answer(), "great")
    with pytest.raises(ValueError, match="maximum"):
        log.record(answer(), "helpful", "x" * (MAX_COMMENT_CHARS + 1))
    with pytest.raises(TypeError):
        log.record({"question": "not an Answer"}, "helpful")
    with pytest.raises(ValueError, match="directory"):
        FeedbackLog(tmp_path)
    assert log.entries() == []


def test_a_comment_keeps_its_lines_but_not_what_a_utf8_file_cannot_hold(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    answer = Answer(question="Is debt bondage exploitation?", text="Yes [1]")
    log.record(answer, "helpful", "first line\nsecond\x00 line \ud800end\x1b")
    (entry,) = log.entries()
    assert entry["comment"] == "first line\nsecond line end"
    assert len((tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()) == 1
