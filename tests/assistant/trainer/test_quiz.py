"""Quizzes over the real index of the shared corpus."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document as WordDocument

from assistant.trainer.brief import resolve
from assistant.trainer.export import quiz_to_docx, quiz_to_json, quiz_to_markdown
from assistant.trainer.quiz import (
    MAX_LENGTH_RATIO,
    answer_supported,
    build_quiz,
    changed_element,
    negate,
    quoted,
    topic_seed,
)


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


@pytest.fixture(scope="module")
def topic_quizzes(assistant, definition_quiz):
    topics = ("child trafficking", "protection of smuggled migrants", "organ removal")
    return [definition_quiz, *(build_quiz(assistant, topic, n=12) for topic in topics)]


def test_quoting_never_doubles_quotation_marks():
    assert quoted("\u201cChild\u201d shall mean any person") == (
        "\u201c\u2018Child\u2019 shall mean any person\u201d")
    assert changed_element("States shall adopt", "States shall not adopt") == "shall → shall not"
    assert changed_element("a b c", "x b y") is None


def test_items_read_as_a_trainer_would_ask_them(topic_quizzes):
    questions = [q for quiz in topic_quizzes for q in quiz.questions]
    assert questions
    for question in questions:
        text = " ".join([question.prompt, *question.options])
        assert "\u201c\u201c" not in text and "\\(" not in text
        assert question.prompt.count("\u201c") == question.prompt.count("\u201d")
        if question.kind == "multiple_choice":
            lengths = [len(option) for option in question.options]
            assert max(lengths) <= MAX_LENGTH_RATIO * min(lengths), question.options
            assert not any(f"article {question.citation.article} " in o.lower()
                           for o in question.options if o != question.answer)
        if question.kind == "true_false":
            first = question.statement.split()[0]  # a quoted defined term is no gerund
            assert first[0] in "\u201c\u2018\"" or not first.endswith("ing"), question.statement
            if question.answer == "False":
                assert question.change and changed_element(
                    question.evidence, question.statement) == question.change
