"""Quizzes over the real index of the shared corpus."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document as WordDocument

from assistant.brief import resolve
from assistant.quiz import answer_supported, build_quiz, negate, topic_seed
from assistant.trainer_export import quiz_to_docx, quiz_to_json, quiz_to_markdown


@pytest.fixture(scope="module")
def definition_quiz(assistant):
    return build_quiz(assistant, "definition of trafficking", n=10)


def test_negation_is_faithful():
    assert negate("Each State Party shall adopt measures") == (
        "Each State Party shall not adopt measures")
    assert negate("The consent shall not count") == "The consent shall count"
    assert negate("consent is irrelevant where") == "consent is relevant where"
    assert negate("any person under eighteen years") == "any person under sixteen years"
    assert negate("No rule here") is None


def test_definition_quiz_cites_tip_article_3(definition_quiz):
    questions = definition_quiz.questions
    assert len(questions) >= 6
    first = questions[0].citation
    assert (first.instrument, first.article) == ("TIP Protocol", "3")
    article_3 = [q for q in questions
                 if q.citation.instrument == "TIP Protocol" and q.citation.article == "3"]
    assert len(article_3) >= 3
    assert len({q.kind for q in questions}) >= 3
    assert len({q.evidence for q in questions}) == len(questions)  # no clause asked twice


def test_every_answer_is_stated_by_its_cited_passage(assistant, definition_quiz):
    for question in build_quiz(assistant, "child trafficking", n=10).questions + (
            definition_quiz.questions):
        chunk = resolve(assistant, question.citation)
        assert chunk is not None
        assert answer_supported(question, chunk)
        passage = " ".join(chunk.text.split())
        assert " ".join(question.evidence.split()) in passage
        if question.kind in ("fill_blank", "multiple_choice"):
            assert question.answer in passage
        if question.kind == "which_article":
            assert question.answer.startswith(f"Article {chunk.article}")
        if question.kind == "true_false" and question.answer == "False":
            assert " ".join(question.statement.split()) not in passage


def test_quiz_is_deterministic(assistant, definition_quiz):
    again = build_quiz(assistant, "definition of trafficking", n=10)
    assert again.model_dump() == definition_quiz.model_dump()
    assert definition_quiz.seed == topic_seed("Definition of  trafficking")


def test_quiz_bad_arguments(assistant):
    with pytest.raises(ValueError):
        build_quiz(assistant, "child trafficking", n=0)
    with pytest.raises(ValueError):
        build_quiz(assistant, "")


def test_quiz_outputs(definition_quiz):
    markdown = quiz_to_markdown(definition_quiz)
    assert markdown.count("> Answer:") == len(definition_quiz.questions)
    data = json.loads(quiz_to_json(definition_quiz))
    assert data["questions"][0]["citation"]["article"] == "3"
    document = WordDocument(io.BytesIO(quiz_to_docx(definition_quiz)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Answers" in text and "Trafficking in Persons Protocol, Article 3" in text
