"""The load bench against the real app in its own process."""

from __future__ import annotations

import json

import pytest

from evals.__main__ import main
from evals.load import percentile

pytest.importorskip("gradio_client")


def test_percentiles_of_small_samples():
    assert percentile([], 95) == 0.0 and percentile([2.0], 50) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert 4.5 < percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) <= 5.0


def test_a_few_simultaneous_users_each_get_their_own_answers(index_settings, tmp_path, capsys):
    out = tmp_path / "load.json"
    code = main(["load", "--users", "3", "--questions", "2", "--data-dir",
                 str(index_settings.data_dir), "--out", str(out)])
    printed = capsys.readouterr().out
    summary = json.loads(out.read_text(encoding="utf-8"))
    assert code == 0, printed
    assert summary["answers"] == 6 and summary["errors"] == [] and summary["cross_talk"] == 0
    assert len(summary["latencies_s"]) == 6 and summary["p95_s"] >= summary["p50_s"] > 0
    assert summary["app_peak_rss_mib"] > 100  # the app's own process, model and index loaded
    assert "| 3 | 2 |" in printed


def test_bad_arguments_are_refused(capsys):
    assert main(["load", "--users", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err
