"""The runner end to end over the real shared-corpus index: an interrupted run, resumed from
the command line, then every file it writes (unscored questions, gold that can never match,
answer hit and wrongly answered included); plus `--set` errors and `compare`."""

import json
from pathlib import Path

import pytest

from evals.__main__ import main
from evals.compare import compare_runs
from evals.configs import ConfigError, build_settings, parse_overrides
from evals.runner import RESULTS, read_results, run_benchmark

REPO = Path(__file__).resolve().parents[2]
DEV = REPO / "evals" / "questions.jsonl"
RESULT_KEYS = {"id", "question", "answer", "refused", "citations", "passages", "latency_ms",
               "notices"}
PASSAGE_KEYS = {"rank", "source", "title", "locator", "page_start", "page_end", "page_label",
                "score", "text"}
CITATION_KEYS = {"n", "source", "title", "locator", "page_start", "page_end", "page_label",
                 "text"}
UNKNOWN_SOURCE = "national-penal-code-of-somewhere.pdf"
MISSING_QUOTE = "penguins shall be exempt from customs duties"


class Interrupted(Exception):
    pass


class InterruptingAssistant:
    """The real assistant, with the run cut off (like Ctrl-C) after `limit` questions."""

    def __init__(self, assistant, limit: int) -> None:
        self._assistant, self.limit, self.settings = assistant, limit, assistant.settings
        self.retriever = assistant.retriever
        self.asked = 0

    def documents(self) -> list[dict]:
        return self._assistant.documents()

    def ask(self, question: str):
        if self.asked == self.limit:
            raise Interrupted
        self.asked += 1
        return self._assistant.ask(question)


def six_questions() -> list[dict]:
    """Three answerable dev questions, two unanswerable ones and one answerable without gold
    (line 6: unscored)."""
    dev = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()
           if line.strip()]
    answerable = [q for q in dev if q.get("answerable", True)][:3]
    unanswerable = [q for q in dev if not q.get("answerable", True)][:2]
    # A second gold item from a document the index does not hold: a warning, not an error.
    answerable[0] = {**answerable[0], "gold": answerable[0]["gold"] + [
        {"source": UNKNOWN_SOURCE, "quote": "article 1"}], "reviewer": "kept and ignored"}
    # An indexed source, but a quote no passage of it holds (line 2): a warning too.
    answerable[1] = {**answerable[1], "gold": answerable[1]["gold"] + [
        {"source": answerable[1]["gold"][0]["source"], "quote": MISSING_QUOTE}]}
    no_gold = {"id": "nogold", "answerable": True,
               "question": "Can migrants be prosecuted for having been smuggled?"}
    return answerable + unanswerable + [no_gold]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, assistant, index_settings, corpus_dir) -> Path:
    folder = tmp_path_factory.mktemp("evals")
    questions = folder / "six.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in six_questions()),
                         encoding="utf-8")
    out = folder / "run"
    with pytest.raises(Interrupted):
        run_benchmark(questions, out, assistant=InterruptingAssistant(assistant, 2),
                      config_name="default", progress=False)
    # Each result was flushed as it completed: the interrupted run kept both.
    assert [r["id"] for r in read_results(out / RESULTS)] == [q["id"] for q in
                                                             six_questions()[:2]]
    assert not (out / "metrics.json").exists()
    code = main(["run", "--questions", str(questions), "--out", str(out), "--resume",
                 "--set", f"data_dir={index_settings.data_dir}", "--set", "chroma_host=none",
                 "--corpus-dir", str(corpus_dir), "--no-progress"])
    assert code == 0
    return out


def test_results_follow_the_format(run_dir: Path) -> None:
    lines = (run_dir / RESULTS).read_text(encoding="utf-8").splitlines()
    results = [json.loads(line) for line in lines]
    assert [r["id"] for r in results] == [q["id"] for q in six_questions()]
    for result in results:
        assert set(result) == RESULT_KEYS
        assert isinstance(result["answer"], str) and result["answer"]
        assert isinstance(result["refused"], bool)
        assert len(result["passages"]) >= 10
        assert [p["rank"] for p in result["passages"]] == list(
            range(1, len(result["passages"]) + 1))
        for p in result["passages"]:
            assert set(p) == PASSAGE_KEYS
            assert isinstance(p["text"], str) and isinstance(p["score"], float)
            assert p["page_start"] is None or isinstance(p["page_start"], int)
        passages = [{k: p[k] for k in CITATION_KEYS - {"n"}} for p in result["passages"]]
        for c in result["citations"]:
            assert set(c) == CITATION_KEYS and isinstance(c["n"], int)
            assert {k: c[k] for k in CITATION_KEYS - {"n"}} in passages
        assert set(result["latency_ms"]) == {"retrieve", "answer", "total"}
        assert all(isinstance(v, float) for v in result["latency_ms"].values())
        assert all(isinstance(n, str) and n for n in result["notices"])


def test_metrics_json(run_dir: Path) -> None:
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    for key in ("hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "refusal_accuracy",
                "false_refusal_rate", "citation_validity", "citation_support"):
        assert isinstance(metrics[key], float) and 0.0 <= metrics[key] <= 1.0, key
    assert metrics["hit@1"] <= metrics["hit@3"] <= metrics["hit@5"] <= metrics["hit@10"]
    assert metrics["citation_validity"] == 1.0
    assert set(metrics["latency_ms"]) == {"total", "retrieve"}
    assert metrics["latency_ms"]["total"]["p50"] <= metrics["latency_ms"]["total"]["p95"]
    settings = build_settings("default")
    assert metrics["config"] == settings.run_config()
    assert metrics["config_hash"] == settings.settings_hash()
    assert metrics["counts"]["questions"] == 6 and metrics["counts"]["unanswerable"] == 2
    assert (metrics["counts"]["scored"], metrics["unscored"]) == (3, ["nogold"])
    for key in ("answer_hit", "wrongly_answered"):
        assert isinstance(metrics[key], float) and 0.0 <= metrics[key] <= 1.0, key
    # Citing a gold passage needs retrieving one: answer hit can never exceed hit@10.
    assert metrics["answer_hit"] <= metrics["hit@10"]
    assert metrics["wrongly_answered"] == 1.0 - metrics["refusal_accuracy"]  # no errors here
    assert "verbatim quote check" in metrics["citation_support_used"]
    ids = [q["id"] for q in six_questions()]
    assert metrics["warnings"] == [
        f"line 1 ({ids[0]}): gold source {UNKNOWN_SOURCE!r} is not in the index; this item "
        "can never count as a hit",
        f"line 2 ({ids[1]}): gold quote {MISSING_QUOTE!r} occurs in no indexed passage of "
        f"{six_questions()[1]['gold'][0]['source']!r}; this item can never count as a hit"]


def test_report_and_plots(run_dir: Path) -> None:
    report = (run_dir / "report.md").read_text(encoding="utf-8")
    for heading in ("## Metrics", "## Configuration", "## Per tag", "## Warnings",
                    "## Missed questions", "Citation support method"):
        assert heading in report
    warnings = report.split("## Warnings")[1].split("## Per tag")[0]
    assert UNKNOWN_SOURCE in warnings and "line 1 (" in warnings
    assert MISSING_QUOTE in warnings and "line 2 (" in warnings
    assert "no gold and are unscored (refusals and latency only): nogold" in warnings
    unscored = report.split("## Unscored questions")[1].split("\n## ")[0]
    assert "**nogold**" in unscored
    assert "**nogold**" not in report.split("## Missed questions")[1].split("\n## ")[0]
    assert "| answer hit | " in report and "| wrongly answered | " in report
    assert "**Support method used in this run.**" in report
    for png in ("hit_at_k.png", "latency.png", "tags_hit5.png"):
        data = (run_dir / png).read_bytes()
        assert data.startswith(b"\x89PNG") and f"]({png})" in report


def test_rescore_reproduces_the_metrics(run_dir: Path) -> None:
    before = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    assert main(["rescore", str(run_dir)]) == 0
    assert json.loads((run_dir / "metrics.json").read_text(encoding="utf-8")) == before


def test_compare_two_runs(run_dir: Path, tmp_path: Path, capsys) -> None:
    other = tmp_path / "other"
    other.mkdir()
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    metrics.update({"config_name": "baseline", "hit@5": 0.25})
    (other / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    out = tmp_path / "compare.md"
    assert main(["compare", str(run_dir), str(other), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| metric | default | baseline |" in printed
    assert "| hit@5 | " in printed and "| 0.250 |" in printed
    assert "| answer hit | " in printed and "| wrongly answered | " in printed
    assert out.read_text(encoding="utf-8").count("| hit@5 |") == 1
    assert (tmp_path / "compare.png").read_bytes().startswith(b"\x89PNG")
    table, _ = compare_runs([run_dir, run_dir], plot=tmp_path / "same.png")
    assert "default (run)" in table  # two runs of one config stay apart


def test_set_overrides_are_coerced_and_checked(tmp_path: Path, capsys) -> None:
    settings = build_settings("dense", ["k=20", "rerank=true", "llm=none"])
    assert settings.k == 20 and settings.rerank is True and settings.retrieval_mode == "dense"
    assert parse_overrides(["chunk-size=900"]) == {"chunk_size": "900"}
    with pytest.raises(ConfigError, match="unknown setting"):
        build_settings("default", ["colour=blue"])
    with pytest.raises(ConfigError, match="k"):
        build_settings("default", ["k=many"])
    with pytest.raises(ConfigError, match="unknown config"):
        build_settings("best")
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "a", "question": "Q?"}\n', encoding="utf-8")
    code = main(["run", "--questions", str(questions), "--out", str(tmp_path / "r"),
                 "--set", "colour=blue"])
    assert code == 2 and "unknown setting" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_baseline_config_is_the_naive_pipeline() -> None:
    s = build_settings("baseline")
    assert (s.chunking, s.chunk_size, s.chunk_overlap, s.retrieval_mode, s.rerank,
            s.article_lookup, s.answer_mode, s.refusal) == (
        "baseline", 1000, 200, "dense", False, False, "passages", False)
    assert build_settings("bm25").retrieval_mode == "bm25"
    assert build_settings("fused-rerank").rerank and not build_settings("fused").rerank
