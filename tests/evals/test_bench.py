"""The bench's bookkeeping: sizes, copies, merged rows and the section it writes."""

import json

import pytest

from assistant.models import Document
from evals.bench import BenchError, copy_document, parse_sizes, write_results


def _row(config: str, size: int, retrieve_p95: float, day: str = "2026-11-28") -> dict:
    return {
        "config": config, "size": size, "documents": 9 * size, "chunks": 700 * size,
        "ingest_s": 60.0 * size, "chunks_per_s": 11.0, "encode_chunks_per_s": 28.0,
        "ingest_vs_encode": 0.4, "ingest_vs_encode_all": 0.7, "reingest_s": 0.05,
        "questions": 133, "retrieve_p50_ms": retrieve_p95 / 2, "retrieve_p95_ms": retrieve_p95,
        "answer_p50_ms": 30.0, "answer_p95_ms": 40.0, "answer_mode": "extractive",
        "peak_rss_mib": 1500.0, "settings_hash": "abc", "date": day,
        "ingest_read_s": 3.0 * size, "ingest_model_s": 5.0, "ingest_embed_s": 45.0 * size,
        "ingest_store_s": 4.0 * size, "encode_s": 25.0, "encode_sentences_s": 15.0,
    }


def test_sizes_are_checked():
    assert parse_sizes("10,1,10") == [1, 10]
    for bad in ("", "0", "x", "1,-2"):
        with pytest.raises(BenchError):
            parse_sizes(bad)


def test_copies_get_distinct_ids_and_file_names():
    doc = Document(id="tip", title="TIP", kind="treaty", file_name="tip.md")
    assert copy_document(doc, 1) is doc
    copy = copy_document(doc, 3)
    assert (copy.id, copy.file_name) == ("tip-copy3", "tip-copy3.md")


def test_a_later_run_replaces_its_cells_and_keeps_the_others(tmp_path):
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\nKept text.\n", encoding="utf-8")
    write_results(out, [_row("default", 1, 30.0), _row("baseline", 1, 25.0)])
    rows = write_results(out, [_row("default", 50, 45.0, "2026-11-29"),
                               _row("baseline", 50, 40.0, "2026-11-29"),
                               _row("default", 1, 31.0, "2026-11-29")])
    assert [(r["config"], r["size"], r["retrieve_p95_ms"]) for r in rows] == [
        ("default", 1, 31.0), ("baseline", 1, 25.0), ("default", 50, 45.0),
        ("baseline", 50, 40.0)]
    assert json.loads(out.with_suffix(".json").read_text(encoding="utf-8")) == rows
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nKept text.")
    assert text.count("<!-- bench:start -->") == 1
    assert "Measured 2026-11-28 to 2026-11-29" in text
    # ingest/encode end to end, then without the 5 s of model start (35000 / 2995 s / 28)
    assert "| default | ×50 | 450 | 35000 | 3000.0 | 11.0 | 28.0 | 0.40 | 0.42 | 0.70 |" in text
    # where the 3,000 s went; "other" is what the four parts leave
    assert "| default | ×50 | 3000.0 | 150.0 | 5.0 | 2250.0 | 200.0 | 395.0 | 1250.0 | 750.0 |" \
        in text
    assert "Targets, default config at ×50: retrieve p95 45.0 ms (target ≤ 50 ms: met)" in text
    assert (tmp_path / "benchmarks-latency.png").stat().st_size > 1000


def test_latency_is_measured_again_on_a_kept_index_and_ingest_figures_stay(index_settings,
                                                                           tmp_path):
    from evals.bench import remeasure_latency

    out = tmp_path / "benchmarks.md"
    write_results(out, [_row("default", 1, 999.0)])
    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(
        json.dumps({"id": f"q{i}", "question": q, "answerable": False, "gold": []}) + "\n"
        for i, q in enumerate(["What is smuggling of migrants?", "Art. 3(a) TIP Protocol"])),
        encoding="utf-8")
    [row] = remeasure_latency(out, "default", 1, index_settings.data_dir, questions)
    assert row["retrieve_p95_ms"] < 999.0 and row["questions"] == 2
    assert row["ingest_s"] == 60.0 and row["latency_remeasured"]
    assert "re-measured" in out.read_text(encoding="utf-8")
    with pytest.raises(BenchError, match="no bench row"):
        remeasure_latency(out, "baseline", 1, index_settings.data_dir, questions)
