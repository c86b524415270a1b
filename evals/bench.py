"""Performance bench: the shared corpus replicated ×N under distinct document ids.

For each config (`default`, `baseline`) and size, a child process (so that peak RSS and
memory are its own) ingests the replicated corpus into a fresh data folder under a temporary
directory, measures real ingest (no embedding is reused between copies), re-ingests it
unchanged, times the bare model on the texts the ingest embeds before and after the ingest
(the raw encode throughput the ingest is compared with), then times retrieval and full
answers over the dev questions with one Assistant. The table and a latency plot go between
markers in docs/benchmarks.md; the rest of that file is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from datetime import date
from pathlib import Path

from assistant.models import Document
from evals.configs import build_settings, default_corpus_dirs
from evals.metrics import percentile
from evals.questions import load_questions

REPO = Path(__file__).resolve().parents[1]
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
DEFAULT_SIZES = (1, 10, 50)
DEFAULT_CONFIGS = ("default", "baseline")
DEV_QUESTIONS = Path(__file__).resolve().parent / "questions.jsonl"
TARGET_RETRIEVE_P95_MS = 50.0
TARGET_ANSWER_P95_MS = 300.0


class BenchError(RuntimeError):
    pass


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise BenchError(f"--sizes must be comma-separated integers, got {text!r}") from error
    if not sizes or any(s < 1 for s in sizes):
        raise BenchError(f"--sizes must be positive integers, got {text!r}")
    return sorted(set(sizes))


def copy_document(doc: Document, copy: int) -> Document:
    """Copy 1 is the document itself; copy N > 1 gets `-copyN` on its id and file name."""
    if copy == 1:
        return doc
    name = doc.file_name or doc.id
    stem, dot, suffix = name.rpartition(".")
    file_name = f"{stem}-copy{copy}.{suffix}" if dot else f"{name}-copy{copy}"
    return doc.model_copy(update={"id": f"{doc.id}-copy{copy}", "file_name": file_name})


def replicated_sources(corpus_dirs: Sequence[Path], size: int) -> list:
    """SourceFiles of the corpus, each document `size` times under distinct ids."""
    from corpus import load_catalogue
    from ingest.pipeline import IngestReport, discover_files, identify

    report = IngestReport()
    originals = identify(discover_files(corpus_dirs, report), load_catalogue(), report)
    if report.problems:
        raise BenchError("; ".join(f"{p.path}: {p.reason}" for p in report.problems))
    if not originals:
        raise BenchError(f"no documents in {', '.join(map(str, corpus_dirs))}")
    return [type(s)(path=s.path, document=copy_document(s.document, n), sha256=s.sha256)
            for n in range(1, size + 1) for s in originals]


def peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def bench_one(config: str, size: int, data_dir: Path, corpus_dirs: Sequence[Path],
              questions_path: Path) -> dict:
    """All measurements of one config at one corpus size (run in its own process)."""
    from assistant.core import Assistant
    from assistant.embeddings import Embedder
    from ingest.pipeline import ingest_sources

    settings = build_settings(config, [f"data_dir={data_dir}", "chroma_host=none"])
    sources = replicated_sources(corpus_dirs, size)
    # The bare model gets the texts the ingest embeds for the first copy, each distinct text
    # of a document once (as the ingest dedupes), and its seconds count `size` times. It runs
    # before and after the ingest and the mean is taken: this machine's speed drifts by a
    # fifth within minutes, and the ingest lies between the two.
    texts, sentences = embedded_texts(settings, sources[:len(sources) // size])
    embedder = Embedder(settings)
    before = time_encodes(embedder, texts, sentences)
    ingest = ingest_sources(settings, sources)
    if ingest.problems:
        raise BenchError("; ".join(f"{p.path}: {p.reason}" for p in ingest.problems))
    reingest = ingest_sources(settings, sources)
    after = time_encodes(embedder, texts, sentences)
    encode_seconds, sentence_seconds = ((b + a) / 2 for b, a in zip(before, after, strict=True))
    del embedder
    assistant = Assistant(settings)
    latency = time_questions(assistant, questions_path)
    chunks_per_s = ingest.chunks_added / ingest.seconds if ingest.seconds else 0.0
    encode_per_s = len(texts) / encode_seconds if encode_seconds else 0.0
    return {
        "config": config, "size": size, "documents": ingest.documents,
        "chunks": ingest.chunks_added, "ingest_s": ingest.seconds,
        "chunks_per_s": chunks_per_s, "encode_chunks_per_s": encode_per_s,
        "ingest_vs_encode": chunks_per_s / encode_per_s if encode_per_s else None,
        "ingest_vs_encode_all": (_like_for_like(ingest, encode_seconds + sentence_seconds, size)
                                 if sentences else None),
        "reingest_s": reingest.seconds, **latency,
        "ingest_read_s": ingest.read_seconds, "ingest_model_s": ingest.model_seconds,
        "ingest_embed_s": ingest.embed_seconds, "ingest_store_s": ingest.store_seconds,
        "encode_s": encode_seconds, "encode_sentences_s": sentence_seconds,
        "encode_before_after_s": [sum(before), sum(after)],
        "answer_mode": settings.answer_mode, "peak_rss_mib": peak_rss_mib(),
        "settings_hash": settings.settings_hash(), "date": date.today().isoformat(),
    }


def embedded_texts(settings, sources: Sequence) -> tuple[list[str], list[str]]:
    """The distinct chunk texts and sentence texts of each document, as a fresh ingest embeds
    them (the sentences only where they have vectors of their own)."""
    from assistant.text.sentences import span_embedding_text
    from ingest.prepare import prepare_file

    chunk_texts, sentence_texts = [], []
    encoded = settings.sentence_vectors == "encoded"  # pooled sentences need no pass of their own
    for source in sources:
        prepared = prepare_file(source, settings, file_metadata=False)
        if prepared.problem:
            raise BenchError(f"{source.path}: {prepared.problem}")
        doc_id = prepared.document.id
        chunk_texts += _distinct_per_document((doc_id, c.index_text()) for c in prepared.chunks)
        if encoded:  # the reader found each chunk's sentences (none without structure chunking)
            sentence_texts += _distinct_per_document(
                (doc_id, span_embedding_text(c.text, span))
                for c, spans in zip(prepared.chunks, prepared.spans, strict=True)
                for span in spans)
    return chunk_texts, sentence_texts


def time_encodes(embedder, texts: list[str], sentences: list[str]) -> tuple[float, float]:
    """Seconds of the bare model on the chunk texts, then on the sentence texts."""
    seconds = []
    for batch in (texts, sentences):
        began = time.perf_counter()
        if batch:
            embedder.encode(batch)
        seconds.append(time.perf_counter() - began)
    return seconds[0], seconds[1]


def time_questions(assistant, questions_path: Path) -> dict:
    """Retrieve and full-answer latency over the questions (after one warm-up question)."""
    questions = [q.question for q in load_questions(questions_path)]
    assistant.ask(questions[0])  # first-call costs are not per-question latency
    retrieve_ms, answer_ms = [], []
    for question in questions:
        began = time.perf_counter()
        assistant.retrieve(question)
        retrieve_ms.append((time.perf_counter() - began) * 1000)
        answer_ms.append(assistant.ask(question).timings_ms["total"])
    return {
        "questions": len(questions),
        "retrieve_p50_ms": percentile(retrieve_ms, 50),
        "retrieve_p95_ms": percentile(retrieve_ms, 95),
        "answer_p50_ms": percentile(answer_ms, 50), "answer_p95_ms": percentile(answer_ms, 95),
    }


def remeasure_latency(out: Path | str, config: str, size: int, data_dir: Path,
                      questions_path: Path = DEV_QUESTIONS) -> list[dict]:
    """Time the questions again on an index a bench built (kept with its data folder), and
    replace only the latency figures of that row: ingest figures stay those measured."""
    from assistant.core import Assistant

    out = Path(out)
    row = next((r for r in kept_rows(out) if (r["config"], r["size"]) == (config, size)), None)
    if row is None:
        raise BenchError(f"no bench row for {config} ×{size} in {out.with_suffix('.json')}")
    settings = build_settings(config, [f"data_dir={data_dir}", "chroma_host=none"])
    assistant = Assistant(settings)
    documents = len(assistant.documents())
    if documents != row["documents"]:
        raise BenchError(f"{data_dir} holds {documents} documents, the ×{size} bench "
                         f"ingested {row['documents']}")
    updated = {**row, **time_questions(assistant, questions_path),
               "latency_remeasured": date.today().isoformat()}
    return write_results(out, [updated])


def _sentence_texts(assistant, doc_ids: set[str]) -> Iterator[tuple[str, str]]:
    from assistant.text.sentences import quotable_spans, span_embedding_text

    retriever = assistant.retriever
    for chunk, rows in zip(retriever.chunks, retriever.chunk_sentences, strict=True):
        if rows and chunk.doc_id in doc_ids:
            for span in quotable_spans(chunk.text):
                yield chunk.doc_id, span_embedding_text(chunk.text, span)


def _distinct_per_document(keyed: Iterable[tuple[str, str]]) -> list[str]:
    return [text for _, text in dict.fromkeys(keyed)]


def _like_for_like(ingest, seconds: float, size: int) -> float | None:
    """End-to-end ingest speed over the bare model's speed on the same embedding work."""
    if not seconds or not ingest.seconds:
        return None
    bare_seconds_for_ingest = seconds * size  # the distinct texts were embedded `size` times
    return bare_seconds_for_ingest / ingest.seconds


def after_model_load(row: dict) -> float | None:
    """ingest/encode without the one-off start of the model (importing torch and
    sentence-transformers, loading the weights): the ingest's steady pace."""
    if "ingest_model_s" not in row or not row["encode_chunks_per_s"]:
        return None  # a row from before the ingest timed its parts
    seconds = row["ingest_s"] - row["ingest_model_s"]
    return row["chunks"] / seconds / row["encode_chunks_per_s"]


def run_child(config: str, size: int, data_dir: Path, corpus_dirs: Sequence[Path],
              questions_path: Path) -> dict:
    """bench_one in a fresh Python process: its peak RSS and memory are its own."""
    result_path = data_dir / "bench-result.json"
    command = [sys.executable, "-m", "evals.bench", "--one", config, str(size), str(data_dir),
               str(questions_path), str(result_path), *map(str, corpus_dirs)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "ANONYMIZED_TELEMETRY": "False"}
    done = subprocess.run(command, cwd=REPO, env=env, check=False)
    if done.returncode != 0 or not result_path.is_file():
        raise BenchError(f"bench of {config} ×{size} failed (exit {done.returncode})")
    return json.loads(result_path.read_text(encoding="utf-8"))


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _f(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def bench_markdown(rows: Sequence[dict], plot_name: str | None) -> str:
    lines = [
        f"Measured {_dates(rows)} on {os.cpu_count()} CPU cores, "
        f"{rows[0]['questions'] if rows else 0} dev questions per cell "
        "(`python -m evals bench`). Latencies in ms. Ingest is real: every copy is embedded, "
        "and ingest seconds include loading the embedding model; encode-only is the bare "
        "model on the distinct chunk texts, so ingest/encode is the share of the model's raw "
        "throughput that ingest achieves end to end, and after load the same without the "
        "seconds spent waiting for the model to load; the default ingest also embeds every "
        "sentence of a chunk on its own, and ingest/all is the end-to-end ratio against the "
        "bare model on all the texts the ingest embeds (chunks and sentences).",
        "",
        "| config | size | docs | chunks | ingest s | chunks/s | encode-only chunks/s | "
        "ingest/encode | after load | ingest/all | re-ingest s | retrieve p50 | retrieve p95 | "
        "answer p50 | answer p95 | peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['config']} | ×{r['size']} | {r['documents']} | {r['chunks']} | "
            f"{_f(r['ingest_s'])} | {_f(r['chunks_per_s'])} | {_f(r['encode_chunks_per_s'])} | "
            f"{_f(r['ingest_vs_encode'], 2)} | {_f(after_model_load(r), 2)} | "
            f"{_f(r.get('ingest_vs_encode_all'), 2)} | "
            f"{_f(r['reingest_s'], 2)} | "
            f"{_f(r['retrieve_p50_ms'])} | {_f(r['retrieve_p95_ms'])} | "
            f"{_f(r['answer_p50_ms'])} | {_f(r['answer_p95_ms'])} | {_f(r['peak_rss_mib'], 0)} |")
    by_key = {(r["config"], r["size"]): r for r in rows}
    sizes = sorted({r["size"] for r in rows})
    if all((c, s) in by_key for c in DEFAULT_CONFIGS for s in sizes):
        lines += ["", "Ratios default / baseline (above 1: default is slower or bigger):", "",
                  "| size | ingest s | retrieve p95 | answer p95 | peak RSS |",
                  "|---|---|---|---|---|"]
        for s in sizes:
            d, b = by_key[("default", s)], by_key[("baseline", s)]
            lines.append(
                f"| ×{s} | {_f(ratio(d['ingest_s'], b['ingest_s']), 2)} | "
                f"{_f(ratio(d['retrieve_p95_ms'], b['retrieve_p95_ms']), 2)} | "
                f"{_f(ratio(d['answer_p95_ms'], b['answer_p95_ms']), 2)} | "
                f"{_f(ratio(d['peak_rss_mib'], b['peak_rss_mib']), 2)} |")
    lines += [f"\nLatencies of {r['config']} ×{r['size']} re-measured {r['latency_remeasured']} "
              "on the same index (`--latency-only`), with the code of that day."
              for r in rows if r.get("latency_remeasured")]
    lines += breakdown_lines(rows)
    lines += ["", *target_lines(rows)]
    if plot_name:
        lines += ["", f"![latency vs corpus size]({plot_name})"]
    return "\n".join(lines)


def breakdown_lines(rows: Sequence[dict]) -> list[str]:
    """Where each ingest's seconds went, beside what the bare model needs for the same texts."""
    timed = [r for r in rows if "ingest_embed_s" in r]
    if not timed:
        return []
    lines = ["", "Where ingest time goes (seconds; bare encode: the model alone on the distinct "
             "chunk texts, and on the distinct sentence texts, times the number of copies):", "",
             "| config | size | total | reading files | loading the model | embedding | "
             "writing the index | other | bare encode, chunks | bare encode, sentences |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in timed:
        parts = [r["ingest_read_s"], r["ingest_model_s"], r["ingest_embed_s"], r["ingest_store_s"]]
        lines.append(
            f"| {r['config']} | ×{r['size']} | {_f(r['ingest_s'])} | "
            + " | ".join(_f(p) for p in parts) + f" | {_f(r['ingest_s'] - sum(parts))} | "
            f"{_f(r['encode_s'] * r['size'])} | {_f(r['encode_sentences_s'] * r['size'])} |")
    return lines


def _dates(rows: Sequence[dict]) -> str:
    dates = sorted({r.get("date") or date.today().isoformat() for r in rows})
    return dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"


def target_lines(rows: Sequence[dict]) -> list[str]:
    """Where the default config stands against the targets at the largest size measured."""
    default = [r for r in rows if r["config"] == "default"]
    if not default:
        return []
    top = max(default, key=lambda r: r["size"])
    scope = "×50" if top["size"] >= 50 else f"×{top['size']} (×50 not measured in this run)"
    checks = [
        ("retrieve p95", top["retrieve_p95_ms"], TARGET_RETRIEVE_P95_MS),
        (f"{top['answer_mode']} answer p95", top["answer_p95_ms"], TARGET_ANSWER_P95_MS),
    ]
    parts = [f"{name} {_f(value)} ms (target ≤ {target:.0f} ms: "
             f"{'met' if value is not None and value <= target else 'NOT met'})"
             for name, value, target in checks]
    return [f"Targets, default config at {scope}: " + "; ".join(parts) + "."]


def plot_latency_vs_size(rows: Sequence[dict], path: Path) -> Path:
    from evals.report import pyplot, save_figure

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for config in sorted({r["config"] for r in rows}):
        mine = sorted((r for r in rows if r["config"] == config), key=lambda r: r["size"])
        sizes = [r["size"] for r in mine]
        ax.plot(sizes, [r["retrieve_p95_ms"] for r in mine], marker="o",
                label=f"{config} retrieve p95")
        ax.plot(sizes, [r["answer_p95_ms"] for r in mine], marker="s", linestyle="--",
                label=f"{config} answer p95")
    ax.axhline(TARGET_RETRIEVE_P95_MS, color="grey", linewidth=0.8, linestyle=":")
    ax.axhline(TARGET_ANSWER_P95_MS, color="grey", linewidth=0.8, linestyle=":")
    if len({r["size"] for r in rows}) > 1:
        ax.set_xscale("log")
    ax.set(xlabel="corpus replication (×)", ylabel="ms", title="Latency vs corpus size")
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def replace_section(document: str, section: str, start: str = START, end: str = END) -> str:
    """Put `section` between the markers, replacing what was there, else append it."""
    block = f"{start}\n{section.rstrip()}\n{end}"
    if start in document and end in document and document.index(start) < document.index(end):
        before = document[:document.index(start)]
        after = document[document.index(end) + len(end):]
        return before + block + after
    prefix = document.rstrip() + "\n\n" if document.strip() else "# Benchmarks\n\n"
    return prefix + block + "\n"


def run_bench(sizes: Sequence[int] = DEFAULT_SIZES, out: Path | str = "docs/benchmarks.md",
              configs: Sequence[str] = DEFAULT_CONFIGS, corpus_dirs: Sequence[Path] | None = None,
              questions_path: Path = DEV_QUESTIONS, work_dir: Path | None = None,
              keep: Path | None = None) -> list[dict]:
    """Measure every config at every size and write the section of `out` and its plot. With
    `keep`, the indexes are built under that folder and stay there."""
    load_questions(questions_path)  # a bad question file fails before hours of ingest
    dirs = list(corpus_dirs or default_corpus_dirs(build_settings("default")))
    if not dirs:
        raise BenchError("no corpus folder: pass --corpus-dir")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    measured: list[dict] = []
    with (nullcontext(str(keep)) if keep else
          tempfile.TemporaryDirectory(prefix="unodc-bench-", dir=work_dir)) as tmp:
        for size in sizes:
            for config in configs:
                data_dir = Path(tmp) / f"{config}-x{size}"
                if keep and data_dir.exists():
                    raise BenchError(f"{data_dir} exists: a bench ingests into an empty folder")
                data_dir.mkdir(parents=True)
                print(f"bench: {config} ×{size} ...", file=sys.stderr, flush=True)
                row = run_child(config, size, data_dir, dirs, questions_path)
                print(f"bench: {config} ×{size}: ingest {row['ingest_s']:.1f} s, retrieve p95 "
                      f"{row['retrieve_p95_ms']:.1f} ms, answer p95 {row['answer_p95_ms']:.1f} ms",
                      file=sys.stderr, flush=True)
                measured.append(row)
                # Written after every cell: a long run stopped part-way keeps what it measured.
                write_results(out, measured)
    return measured


def kept_rows(out: Path) -> list[dict]:
    """The bench rows kept beside `out` (`docs/benchmarks.json` beside the Markdown)."""
    path = out.with_suffix(".json")
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def write_results(out: Path, rows: Sequence[dict]) -> list[dict]:
    """Merge the rows into those kept beside `out` (a later run of a config and size replaces
    the earlier one), then rewrite the section of `out` and its plot from all of them."""
    merged = {(r["config"], r["size"]): r for r in [*kept_rows(out), *rows]}
    all_rows = sorted(merged.values(), key=lambda r: (r["size"], r["config"] != "default"))
    out.with_suffix(".json").write_text(json.dumps(all_rows, indent=1) + "\n", encoding="utf-8")
    plot = plot_latency_vs_size(all_rows, out.parent / "benchmarks-latency.png")
    existing = out.read_text(encoding="utf-8") if out.is_file() else ""
    out.write_text(replace_section(existing, bench_markdown(all_rows, plot.name)), encoding="utf-8")
    return all_rows


ENCODERS_START, ENCODERS_END = "<!-- encoders:start -->", "<!-- encoders:end -->"
BACKENDS = ("torch", "onnx", "onnx-int8", "openvino")
MAX_CHUNKS, MAX_SENTENCES, MAX_QUERIES = 120, 480, 60


def every_nth(items: Sequence[str], most: int) -> list[str]:
    """At most `most` items spread evenly over the list (the same ones on every run)."""
    step = max(1, -(-len(items) // most))
    return list(items[::step])[:most]


def bench_encoders(data_dir: Path, backends: Sequence[str] = BACKENDS, rounds: int = 3,
                   questions_path: Path = DEV_QUESTIONS,
                   most: tuple[int, int, int] = (MAX_CHUNKS, MAX_SENTENCES, MAX_QUERIES),
                   ) -> list[dict]:
    """Every backend in this one process on the same texts: chunk texts and sentence texts of
    the (torch) index in data_dir, and single questions as the app embeds them. Each round runs
    every backend once, in a rotated order, so that the load of a shared machine falls on all
    of them alike; speed-ups are torch's seconds over the backend's within a round (median)."""
    from assistant.core import Assistant
    from assistant.embeddings import Embedder

    settings = build_settings("default", [f"data_dir={data_dir}", "chroma_host=none"])
    assistant = Assistant(settings)
    texts = {
        "chunk": every_nth(list(dict.fromkeys(c.index_text() for c in
                                              assistant.retriever.chunks)), most[0]),
        "sentence": every_nth(list(dict.fromkeys(text for _, text in _sentence_texts(
            assistant, {c.doc_id for c in assistant.retriever.chunks}))), most[1]),
    }
    queries = every_nth([q.question for q in load_questions(questions_path)], most[2])
    embedders, load_s = {}, {}
    for backend in backends:
        Embedder(settings.model_copy(update={"embedding_backend": backend}))  # export, once
        began = time.perf_counter()
        embedders[backend] = Embedder(settings.model_copy(update={"embedding_backend": backend}))
        load_s[backend] = time.perf_counter() - began
    seconds: dict[str, dict[str, list[float]]] = {b: {"chunk": [], "sentence": [], "query": []}
                                                  for b in backends}
    query_ms: dict[str, list[float]] = {b: [] for b in backends}
    for round_ in range(rounds):
        order = [*backends[round_ % len(backends):], *backends[:round_ % len(backends)]]
        for backend in order:
            embedder = embedders[backend]
            embedder.encode_queries(queries[:1])  # warm-up
            for kind, batch in texts.items():
                began = time.perf_counter()
                embedder.encode(batch)
                seconds[backend][kind].append(time.perf_counter() - began)
            began = time.perf_counter()
            for query in queries:
                one = time.perf_counter()
                embedder.encode_queries([query])
                query_ms[backend].append((time.perf_counter() - one) * 1000)
            seconds[backend]["query"].append(time.perf_counter() - began)
        print(f"bench encoders: round {round_ + 1}/{rounds} done", file=sys.stderr, flush=True)
    reference = backends[0]
    rows = []
    for backend in backends:
        mine = seconds[backend]
        rows.append({
            "backend": backend, "rounds": rounds, "chunks": len(texts["chunk"]),
            "sentences": len(texts["sentence"]), "queries": len(queries),
            "chunk_texts_per_s": len(texts["chunk"]) / _median(mine["chunk"]),
            "sentence_texts_per_s": len(texts["sentence"]) / _median(mine["sentence"]),
            "query_p50_ms": percentile(query_ms[backend], 50),
            "query_p95_ms": percentile(query_ms[backend], 95),
            **{f"{kind}_speedup": _median([t / m for t, m in zip(
                seconds[reference][kind], mine[kind], strict=True)])
               for kind in ("chunk", "sentence", "query")},
            "load_s": load_s[backend], "cpu_count": os.cpu_count(),
            "date": date.today().isoformat(),
        })
    return rows


def _median(values: Sequence[float]) -> float:
    return percentile(list(values), 50)


def quality_of_runs(runs_dir: Path, backend: str) -> dict[str, float | None]:
    """MRR@10 of the dev and held-out run folders `<backend>-questions`, `<backend>-heldout`."""
    found = {}
    for name, stem in (("dev", "questions"), ("heldout", "heldout")):
        path = runs_dir / f"{backend}-{stem}" / "metrics.json"
        found[f"{name}_mrr"] = (json.loads(path.read_text(encoding="utf-8")).get("mrr@10")
                                if path.is_file() else None)
    return found


def encoder_markdown(rows: Sequence[dict]) -> str:
    """The table of backends: speed against the first row's backend (torch) and quality."""
    if not rows:
        return ""
    first = rows[0]
    lines = [
        f"Measured {_dates(rows)} on {first['cpu_count']} CPU cores shared with other work, "
        f"in one process, {first['rounds']} interleaved rounds (`python -m evals.bench "
        f"--encoders DATA_DIR`): {first['chunks']} chunk texts, {first['sentences']} sentence "
        f"texts and {first['queries']} single questions; speed-ups are {first['backend']}'s "
        "seconds over the backend's in the same round (median of the rounds); load s is "
        "building the embedder once its export exists.",
        "",
        "| backend | chunk texts/s | × | sentence texts/s | × | query p50 ms | query p95 ms | "
        "× | load s | dev MRR@10 | held-out MRR@10 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {_f(r['chunk_texts_per_s'])} | {_f(r['chunk_speedup'], 2)} | "
            f"{_f(r['sentence_texts_per_s'])} | {_f(r['sentence_speedup'], 2)} | "
            f"{_f(r['query_p50_ms'], 2)} | {_f(r['query_p95_ms'], 2)} | "
            f"{_f(r['query_speedup'], 2)} | {_f(r['load_s'], 2)} | "
            f"{_f(r.get('dev_mrr'), 3)} | {_f(r.get('heldout_mrr'), 3)} |")
    return "\n".join(lines)


def write_encoder_section(out: Path, rows: Sequence[dict]) -> None:
    """The table between the encoder markers of `out` (appended when they are missing), and
    the rows kept beside it in `<out>-encoders.json`."""
    out.with_name(f"{out.stem}-encoders.json").write_text(json.dumps(list(rows), indent=1)
                                                          + "\n", encoding="utf-8")
    existing = out.read_text(encoding="utf-8") if out.is_file() else ""
    out.write_text(replace_section(existing, encoder_markdown(rows), ENCODERS_START,
                                   ENCODERS_END), encoding="utf-8")


FIRST_QUESTION = "What is trafficking in persons?"


def startup_one(backend: str, data_dir: Path, spawned_at: float) -> dict:
    """The app's engine in a fresh process: seconds from the process's start until it can
    answer and until its first answer, and the peak RSS."""
    from assistant.core import Assistant

    settings = build_settings("default", [f"data_dir={data_dir}", "chroma_host=none",
                                          f"embedding_backend={backend}"])
    assistant = Assistant(settings)
    ready = time.time()
    assistant.ask(FIRST_QUESTION)
    return {"backend": backend, "chunks": len(assistant.retriever.chunks),
            "ready_s": ready - spawned_at, "first_answer_s": time.time() - spawned_at,
            "torch_imported": "torch" in sys.modules, "peak_rss_mib": peak_rss_mib()}


def bench_startup(data_dirs: dict[str, Path], rounds: int = 2) -> list[dict]:
    """startup_one of each backend on its own index, in child processes, rounds interleaved;
    the median of the rounds."""
    runs: dict[str, list[dict]] = {backend: [] for backend in data_dirs}
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "ANONYMIZED_TELEMETRY": "False"}
    for _ in range(rounds):
        for backend, data_dir in data_dirs.items():
            result = data_dir / "startup-result.json"
            command = [sys.executable, "-m", "evals.bench", "--startup", backend, str(data_dir),
                       str(time.time()), str(result)]
            done = subprocess.run(command, cwd=REPO, env=env, check=False)
            if done.returncode != 0 or not result.is_file():
                raise BenchError(f"start-up of {backend} failed (exit {done.returncode})")
            runs[backend].append(json.loads(result.read_text(encoding="utf-8")))
    return [{**mine[0], "rounds": rounds,
             **{key: _median([r[key] for r in mine])
                for key in ("ready_s", "first_answer_s", "peak_rss_mib")}}
            for mine in runs.values()]


def startup_markdown(rows: Sequence[dict]) -> str:
    lines = ["| backend | chunks | ready s | first answer s | peak RSS MiB | torch imported |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['backend']} | {r['chunks']} | {_f(r['ready_s'], 2)} | "
              f"{_f(r['first_answer_s'], 2)} | {_f(r['peak_rss_mib'], 0)} | "
              f"{'yes' if r['torch_imported'] else 'no'} |" for r in rows]
    return "\n".join(lines)


def _child_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="evals.bench")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--one", nargs="+",
                      metavar="CONFIG SIZE DATA_DIR QUESTIONS RESULT CORPUS_DIR...")
    mode.add_argument("--encoders", type=Path, metavar="DATA_DIR",
                      help="compare the embedding backends on the texts of the index there")
    mode.add_argument("--startup", nargs=4, metavar=("BACKEND", "DATA_DIR", "SPAWNED_AT",
                                                     "RESULT"))
    mode.add_argument("--startups", nargs="+", metavar="BACKEND=DATA_DIR",
                      help="start-up and peak RSS of each backend on its own index")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=Path, help="folder of <backend>-questions and "
                        "<backend>-heldout run folders, for the MRR columns")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    if args.encoders:
        rows = bench_encoders(args.encoders, args.backends.split(","), args.rounds)
        if args.runs:
            rows = [{**r, **quality_of_runs(args.runs, r["backend"])} for r in rows]
        write_encoder_section(args.out, rows)
        print(encoder_markdown(rows))
        return 0
    if args.startup:
        backend, data_dir, spawned_at, result = args.startup
        row = startup_one(backend, Path(data_dir), float(spawned_at))
        Path(result).write_text(json.dumps(row), encoding="utf-8")
        return 0
    if args.startups:
        dirs = dict(pair.split("=", 1) for pair in args.startups)
        rows = bench_startup({b: Path(d) for b, d in dirs.items()}, args.rounds)
        out = args.out.with_name(f"{args.out.stem}-startup.json")
        out.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
        print(startup_markdown(rows))
        return 0
    config, size, data_dir, questions, result, *dirs = args.one
    row = bench_one(config, int(size), Path(data_dir), [Path(d) for d in dirs], Path(questions))
    Path(result).write_text(json.dumps(row), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
