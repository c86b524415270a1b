"""k-fold cross-validation of a setting: folds, the objective and parsing of candidate values."""

from assistant.settings import Settings
from evals.tune import _current, _with, folds_of, objective, parse_values


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
