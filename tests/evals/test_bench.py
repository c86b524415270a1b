"""The bench's bookkeeping: sizes, copies, merged rows and the section it writes."""

import json

import pytest

from assistant.models import Document
from evals.bench import (
    BenchError,
    bench_encoders,
    copy_document,
    every_nth,
    parse_sizes,
    quality_of_runs,
    write_encoder_section,
    write_results,
)


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
    assert row["retrieve_p95_ms"] != 999.0 and row["questions"] == 2
    assert row["ingest_s"] == 60.0 and row["latency_remeasured"]
    assert "re-measured" in out.read_text(encoding="utf-8")
    with pytest.raises(BenchError, match="no bench row"):
        remeasure_latency(out, "baseline", 1, index_settings.data_dir, questions)


def _encoder_row(backend: str, speedup: float) -> dict:
    return {"backend": backend, "rounds": 3, "chunks": 240, "sentences": 960, "queries": 60,
            "chunk_texts_per_s": 20.0 * speedup, "sentence_texts_per_s": 90.0 * speedup,
            "query_p50_ms": 12.0 / speedup, "query_p95_ms": 20.0 / speedup,
            "chunk_speedup": speedup, "sentence_speedup": speedup, "query_speedup": speedup,
            "load_s": 0.5, "cpu_count": 2, "date": "2026-12-02"}


def test_the_encoder_table_goes_between_its_own_markers(tmp_path):
    out = tmp_path / "benchmarks.md"
    write_results(out, [_row("default", 1, 30.0)])
    runs = tmp_path / "runs"
    for name, mrr in (("onnx-questions", 0.861), ("onnx-heldout", 0.654)):
        (runs / name).mkdir(parents=True)
        (runs / name / "metrics.json").write_text(json.dumps({"mrr@10": mrr}), encoding="utf-8")
    rows = [{**_encoder_row(b, x), **quality_of_runs(runs, b)}
            for b, x in (("torch", 1.0), ("onnx", 1.6))]
    assert rows[0]["dev_mrr"] is None and rows[1]["heldout_mrr"] == 0.654
    write_encoder_section(out, rows)
    write_encoder_section(out, rows)  # a second run replaces the table, never adds one
    text = out.read_text(encoding="utf-8")
    assert text.count("<!-- encoders:start -->") == 1 and text.count("<!-- bench:start -->") == 1
    assert "| onnx | 32.0 | 1.60 | 144.0 | 1.60 | 7.50 | 12.50 | 1.60 | 0.50 | 0.861 | 0.654 |" \
        in text
    assert "| torch | 20.0 | 1.00 |" in text and "n/a | n/a |" in text
    kept = json.loads((tmp_path / "benchmarks-encoders.json").read_text(encoding="utf-8"))
    assert [r["backend"] for r in kept] == ["torch", "onnx"]


def test_every_nth_spreads_a_sample_over_the_list():
    assert every_nth([str(i) for i in range(10)], 3) == ["0", "4", "8"]
    assert every_nth(["a", "b"], 5) == ["a", "b"]


def test_backends_are_timed_on_the_same_texts_of_a_real_index(index_settings):
    rows = bench_encoders(index_settings.data_dir, ["torch", "onnx"], rounds=2, most=(4, 8, 3))
    torch_row, onnx_row = rows
    assert (torch_row["backend"], onnx_row["backend"]) == ("torch", "onnx")
    assert torch_row["chunk_speedup"] == torch_row["query_speedup"] == 1.0
    assert (onnx_row["chunks"], onnx_row["sentences"], onnx_row["queries"]) == (4, 8, 3)
    assert onnx_row["chunk_texts_per_s"] > 0 and onnx_row["query_p95_ms"] > 0


def test_a_kept_bench_leaves_its_index_and_counts_the_texts_the_ingest_embeds(tmp_path,
                                                                               fixture_dir):
    """Two copies of the small corpus: the index stays in the kept folder, every copy is
    ingested, and the bare model is timed on the first copy's texts (counted twice), before
    and after the ingest."""
    from evals.bench import run_bench

    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "a", "question": "Who must protect witnesses?"}\n',
                         encoding="utf-8")
    keep = tmp_path / "kept"
    [row] = run_bench([2], tmp_path / "bench.md", ["default"], [fixture_dir], questions,
                      keep=keep)
    from assistant.store import Store
    from evals.configs import build_settings

    settings = build_settings("default", [f"data_dir={keep / 'default-x2'}", "chroma_host=none"])
    records = Store(settings).records()
    assert len(records) == row["documents"] == 4
    assert row["chunks"] == 2 * sum(r.chunks for r in records if "copy" not in r.doc_id)
    assert row["encode_s"] > 0 and row["encode_sentences_s"] > 0
    assert all(seconds > 0 for seconds in row["encode_before_after_s"])
    with pytest.raises(BenchError, match="exists"):
        run_bench([2], tmp_path / "bench.md", ["default"], [fixture_dir], questions, keep=keep)
