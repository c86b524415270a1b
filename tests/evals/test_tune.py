"""k-fold cross-validation of a setting: folds, the objective and parsing of candidate values."""

from assistant.settings import Settings
from evals.tune import _current, _with, citation_precision, folds_of, objective, parse_values


def test_folds_partition_the_questions_and_are_stable():
    folds = folds_of(23, 5)
    assert sorted(i for fold in folds for i in fold) == list(range(23))
    assert max(map(len, folds)) - min(map(len, folds)) <= 1
    assert folds == folds_of(23, 5)


def test_the_objective_does_not_reward_false_refusals():
    good = {"mrr@10": 0.8, "refusal_accuracy": 0.9, "false_refusal_rate": 0.0}
    refuses_more = {"mrr@10": 0.8, "refusal_accuracy": 1.0, "false_refusal_rate": 0.2}
    assert objective(good) > objective(refuses_more)


def test_values_and_nested_ranking_settings():
    assert parse_values("0.3,0.4, 60,true") == [0.3, 0.4, 60, True]
    tuned = _with(Settings(), "ranking.bm25", 0.5)
    assert _current(tuned, "ranking.bm25") == 0.5
    assert tuned.settings_hash() != Settings().settings_hash()


def test_precise_citations_win_only_while_answers_still_cite_what_retrieval_found():
    base = {"mrr@10": 0.8, "refusal_accuracy": 0.9, "false_refusal_rate": 0.0, "hit@5": 0.95}
    broad = {**base, "answer_hit": 0.88, "citation_precision": 0.45}
    precise = {**base, "answer_hit": 0.87, "citation_precision": 0.55}
    too_few = {**base, "answer_hit": 0.80, "citation_precision": 0.65}  # under 0.9 x hit@5
    assert objective(precise) > objective(broad) > objective(too_few)
    precision = citation_precision(
        [{"gold": [{"source": "a.md", "quote": "the gold words"}]}, {"gold": []}],
        [{"refused": False, "citations": [{"source": "a.md", "text": "x the gold words y"},
                                          {"source": "a.md", "text": "other text"}]},
         {"refused": False, "citations": [{"source": "a.md", "text": "unscored"}]}])
    assert precision == 0.5


def test_question_files_are_pooled_and_ids_must_not_collide(tmp_path):
    import pytest

    from evals.tune import group_of, pooled_questions

    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text('{"id": "a1", "question": "Who may board a vessel?"}\n', encoding="utf-8")
    second.write_text('{"id": "b1", "question": "Is consent irrelevant?"}\n', encoding="utf-8")
    assert [q.id for q in pooled_questions([first, second])] == ["a1", "b1"]
    # translations share their ids: each is prefixed with its file, and a question and its
    # translation are one group for the folds
    second.write_text('{"id": "a1", "question": "¿Es irrelevante el consentimiento?"}\n',
                      encoding="utf-8")
    pooled = pooled_questions([first, second])
    assert [q.id for q in pooled] == ["a:a1", "b:a1"]
    assert {group_of(q.id) for q in pooled} == {"a1"}
    first.write_text('{"id": "a1", "question": "x"}\n{"id": "a1", "question": "y"}\n',
                     encoding="utf-8")
    with pytest.raises(ValueError, match="a1"):
        pooled_questions([first])


def test_the_answer_floor_does_not_judge_what_retrieval_finds():
    in_use = {"mrr@10": 0.70, "refusal_accuracy": 0.9, "false_refusal_rate": 0.0,
              "hit@5": 0.80, "answer_hit": 0.74}
    finds_more = {**in_use, "mrr@10": 0.75, "hit@5": 0.90, "answer_hit": 0.78}
    # 0.78 < 0.9 x 0.90: floored against its own retrieval, not against the one in use
    assert objective(finds_more) < objective(in_use)
    assert objective(finds_more, reference_hit5=0.80) > objective(in_use, reference_hit5=0.80)
    quotes_less = {**in_use, "answer_hit": 0.70}  # same retrieval, answers miss what it found
    assert objective(quotes_less, reference_hit5=0.80) < objective(in_use, reference_hit5=0.80) - 1
