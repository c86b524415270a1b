"""Question-file validation: every defect stops the run with the line number."""

import json
from pathlib import Path

import pytest

from evals.__main__ import main
from evals.questions import (
    QuestionFileError,
    gold_warnings,
    load_questions,
    unknown_sources,
    unmatched_quotes,
)

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "raw"

GOOD = {"id": "q1", "question": "Who is a smuggled migrant?", "answerable": True,
        "gold": [{"source": "untoc-smuggling-of-migrants-protocol-text.md",
                  "quote": "smuggling of migrants"}], "tags": ["som"]}


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def line(**fields) -> str:
    return json.dumps(fields)


def test_good_file_with_blank_lines_and_unknown_fields(tmp_path: Path) -> None:
    path = write(tmp_path, [json.dumps(GOOD), "", line(id=2, question="Far away?",
                                                      answerable=False, difficulty="hard")])
    questions = load_questions(path)
    assert [q.id for q in questions] == ["q1", "2"]
    assert [q.line for q in questions] == [1, 3]
    assert questions[0].gold_dicts() == GOOD["gold"] and questions[0].tags == ("som",)
    assert questions[1].answerable is False and questions[1].extra == {"difficulty": "hard"}


@pytest.mark.parametrize(("bad", "reason"), [
    ('{"id": "q2", "question": "unterminated', "invalid JSON"),
    ('["q2", "a list"]', "expected a JSON object, got list"),
    (line(question="No id?"), "missing or empty 'id'"),
    (line(id="q2"), "missing or empty 'question'"),
    (line(id="q2", question="  "), "missing or empty 'question'"),
    (line(id="q2", question="Q?", answerable="no"), "'answerable' must be true or false"),
    (line(id="q2", question="Q?", gold=[{"source": "x.md"}]), "gold item 1 needs string"),
    (line(id="q2", question="Q?", gold=[{"source": "x.md", "quote": "..."}]), "gold item 1 "),
    (line(id="q2", question="Q?", tags="tip"), "'tags' must be a list"),
    ('{"id": "q2", "question": "Is \\ud800 smuggling a crime?"}', "lone surrogate"),
])
def test_malformed_line_names_its_number(tmp_path: Path, bad: str, reason: str) -> None:
    path = write(tmp_path, [json.dumps(GOOD), bad])
    with pytest.raises(QuestionFileError) as caught:
        load_questions(path)
    assert caught.value.line == 2
    assert f"{path}, line 2: " in str(caught.value) and reason in str(caught.value)


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, [json.dumps(GOOD), line(id="q9", question="Q?"), json.dumps(GOOD)])
    with pytest.raises(QuestionFileError, match=r"line 3: duplicate id 'q1' \(first on line 1\)"):
        load_questions(path)


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(QuestionFileError, match="holds no questions"):
        load_questions(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(QuestionFileError, match="no such file"):
        load_questions(tmp_path / "nope.jsonl")


def test_unknown_gold_sources_are_warnings(tmp_path: Path) -> None:
    other = {**GOOD, "id": "q2", "gold": [{"source": "my-national-law.pdf", "quote": "x"}]}
    questions = load_questions(write(tmp_path, [json.dumps(GOOD), json.dumps(other)]))
    warnings = unknown_sources(questions, ["UNTOC-smuggling-of-migrants-protocol-text.md"])
    assert [(w.line, w.question_id, w.source) for w in warnings] == [
        (2, "q2", "my-national-law.pdf")]
    assert "line 2 (q2)" in warnings[0].message()


def test_gold_quotes_found_in_no_passage_are_warnings_with_line_numbers(tmp_path: Path) -> None:
    """The real Smuggling Protocol file, as passages of a few thousand characters."""
    source = "untoc-smuggling-of-migrants-protocol-text.md"
    text = (CORPUS / source).read_text(encoding="utf-8")
    passages = [(source, text[i:i + 3000]) for i in range(0, len(text), 3000)]
    typo = {**GOOD, "id": "q2", "gold": [
        {"source": source, "quote": "smuggling of penguins"},
        {"source": "my-national-law.pdf", "quote": "x"}]}
    lines = [json.dumps(GOOD), "", json.dumps(typo)]
    questions = load_questions(write(tmp_path, lines))
    missing = unmatched_quotes(questions, passages)
    assert [(w.line, w.question_id, w.quote) for w in missing] == [
        (3, "q2", "smuggling of penguins")]  # an unindexed source is not checked for quotes
    assert missing[0].message().startswith("line 3 (q2): gold quote 'smuggling of penguins'")
    both = gold_warnings(questions, passages)
    assert [(w.line, w.source, w.quote) for w in both] == [
        (3, "my-national-law.pdf", None), (3, source, "smuggling of penguins")]


def test_cli_stops_before_any_work_on_a_malformed_file(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, [json.dumps(GOOD), "{not json"])
    out = tmp_path / "run"
    code = main(["run", "--questions", str(path), "--out", str(out),
                 "--set", f"data_dir={tmp_path / 'data'}"])
    assert code == 2
    assert "line 2: invalid JSON" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "data").exists()
