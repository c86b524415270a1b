"""Ingest: files -> load -> clean -> split -> embed -> Chroma, incremental and resumable.

A document is skipped without loading anything when the registry holds it with the same
sha256. Otherwise its chunks are computed (cheap), the stored chunks that are no longer
produced are deleted, only the missing ones are embedded and stored, and the registry record
is written last. An ingest killed at any point therefore resumes to the index a clean run
builds.
"""

from __future__ import annotations

import logging
import multiprocessing
import stat
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.embeddings import Embedder
from assistant.models import Chunk
from assistant.settings import Settings
from assistant.store import DocumentRecord, Store
from assistant.text.sentences import (
    SENTENCE_EMBED_CHARS,
    span_embedding_text,
)
from corpus import Catalogue, document_for_file, load_catalogue, sha256_file
from ingest.loaders import SUPPORTED_EXTENSIONS, os_error_reason, too_large_reason
from ingest.prepare import Prepared, SourceFile, prepare_file

log = logging.getLogger(__name__)
# files read beyond the one being embedded: more than a group of small files holds, so the
# next group is read while this one is embedded
READ_AHEAD = 16


@dataclass(frozen=True)
class Problem:
    path: str
    reason: str


@dataclass
class IngestReport:
    documents: int = 0
    pages: int = 0
    chunks_added: int = 0
    chunks_unchanged: int = 0
    chunks_removed: int = 0
    sentences_added: int = 0
    documents_skipped: int = 0
    documents_removed: int = 0
    problems: list[Problem] = field(default_factory=list)
    # text and HTML files read in another encoding than UTF-8: path -> encoding
    encodings: dict[str, str] = field(default_factory=dict)
    download_failures: list[tuple[str, str]] = field(default_factory=list)
    # references of a treaty that point outside the corpus: path -> "Article 12: article 44 …"
    unresolved: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0
    # where the seconds went: reading and splitting files, waiting for the model to load,
    # embedding, writing to Chroma (the rest: finding and hashing files)
    read_seconds: float = 0.0
    model_seconds: float = 0.0
    embed_seconds: float = 0.0
    store_seconds: float = 0.0
    collection: str = ""

    @property
    def chunks_per_second(self) -> float:
        return self.chunks_added / self.seconds if self.seconds else 0.0

    def table(self) -> str:
        rows = [
            ("collection", self.collection),
            ("documents", self.documents),
            ("documents unchanged (skipped)", self.documents_skipped),
            ("documents removed", self.documents_removed),
            ("pages", self.pages),
            ("chunks added", self.chunks_added),
            ("chunks unchanged", self.chunks_unchanged),
            ("chunks removed", self.chunks_removed),
            ("sentences embedded", self.sentences_added),
            ("problems", len(self.problems)),
            ("downloads failed", len(self.download_failures)),
            ("seconds", f"{self.seconds:.1f}"),
            ("  reading files", f"{self.read_seconds:.1f}"),
            ("  loading the model", f"{self.model_seconds:.1f}"),
            ("  embedding", f"{self.embed_seconds:.1f}"),
            ("  writing the index", f"{self.store_seconds:.1f}"),
            ("chunks per second", f"{self.chunks_per_second:.1f}"),
        ]
        width = max(len(name) for name, _ in rows)
        lines = [f"{name:<{width}}  {value}" for name, value in rows]
        lines += [f"problem: {p.path}: {p.reason}" for p in self.problems]
        lines += [f"read as {encoding}: {path}" for path, encoding in self.encodings.items()]
        lines += [f"not downloaded: {doc_id}: {why}" for doc_id, why in self.download_failures]
        lines += [f"reference to nothing indexed: {Path(path).name}, {item}"
                  for path, items in self.unresolved.items() for item in items]
        return "\n".join(lines)


def discover_files(dirs: Iterable[Path], report: IngestReport) -> list[Path]:
    """Every file below the folders; unknown extensions, and names of the known extensions
    that are no regular file (a FIFO, a broken link, a file gone while the folder was
    scanned), are reported, not ingested."""
    files: list[Path] = []
    for folder in dirs:
        if not folder.is_dir():
            report.problems.append(Problem(str(folder), "corpus folder does not exist"))
            continue
        for path in sorted(folder.rglob("*")):
            if path.name.startswith(".") or path.suffix.lower() in {".tsv", ".part"} or (
                    path.name.lower() in {"readme.md", "manifest.tsv"}):
                continue
            problem = _not_a_file(path)
            if problem == "":
                continue  # a folder
            if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
                if problem is None:
                    report.problems.append(
                        Problem(str(path), f"unknown extension {path.suffix!r}"))
                continue
            if problem:
                report.problems.append(Problem(str(path), problem))
                continue
            files.append(path)
    return files


def _not_a_file(path: Path) -> str | None:
    """None for a regular file, "" for a folder, else why the entry cannot be read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "broken link" if path.is_symlink() else "vanished while the folder was scanned"
    except OSError as error:
        return os_error_reason(error)
    if stat.S_ISDIR(mode):
        return ""
    return None if stat.S_ISREG(mode) else "not a regular file"


def identify(paths: list[Path], catalogue: Catalogue, report: IngestReport,
             max_file_bytes: int | None = None) -> list[SourceFile]:
    """Hash each file and find its catalogue entry; the same content twice is ingested once.
    A file that cannot be hashed (no permission, gone) or is over `max_file_bytes` is
    reported and left out."""
    seen: set[str] = set()
    sources: list[SourceFile] = []
    for path in paths:
        try:
            size = path.stat().st_size
            if max_file_bytes is not None and size > max_file_bytes:
                report.problems.append(Problem(str(path), too_large_reason(size, max_file_bytes)))
                continue
            sha = sha256_file(path)
        except OSError as error:
            report.problems.append(Problem(str(path), os_error_reason(error)))
            continue
        if sha in seen:
            continue
        seen.add(sha)
        sources.append(SourceFile(path, document_for_file(path, sha, catalogue), sha))
    return sources


class Ingestor:
    """Holds the store and a lazily loaded embedder for one ingest run."""

    def __init__(self, settings: Settings, store: Store | None = None, progress: bool = True,
                 catalogue: Catalogue | None = None):
        self.settings = settings
        self.catalogue = catalogue
        self.store = store or Store(settings)
        self.progress = progress
        self._embedder: Embedder | None = None
        self._loading: Future[Embedder] | None = None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = self._loading.result() if self._loading else Embedder(self.settings)
        return self._embedder

    def load_model_in_background(self) -> None:
        """Importing torch and loading the model take seconds: do it while the first file is
        read and split."""
        if self._embedder is None and self._loading is None:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-model")
            self._loading = pool.submit(Embedder, self.settings)
            pool.shutdown(wait=False)

    def unchanged(self, source: SourceFile, report: IngestReport) -> bool:
        """A file whose sha256 the registry holds is counted and skipped, nothing loaded."""
        record = self.store.record(source.document.id)
        if record is None or record.sha256 != source.sha256:
            return False
        if (source.document.url or None) != (record.url or None):
            self.store.set_url(record.doc_id, source.document.url)
        report.documents += 1
        report.documents_skipped += 1
        report.pages += record.pages
        report.chunks_unchanged += record.chunks
        return True

    def ingest(self, sources: list[SourceFile], report: IngestReport) -> None:
        """Documents are embedded in groups of at least `_group_chunks` new chunks: one encode
        over several small files sorts their texts by length together and pads less than
        one encode per file (20% of the embedding time on the shared corpus)."""
        todo = [source for source in sources if not self.unchanged(source, report)]
        with tqdm(total=len(todo), desc="documents", unit="doc",
                  disable=not self.progress) as bar:
            waiting: list[Pending] = []
            for prepared in self.read(todo, report):
                bar.set_postfix_str(prepared.source.path.name[:40])
                pending = self.plan(prepared, report)
                if pending is None:
                    bar.update()
                    continue
                waiting.append(pending)
                if sum(len(p.missing) for p in waiting) >= self._group_chunks:
                    self.store_group(waiting, report)
                    bar.update(len(waiting))
                    waiting = []
            if waiting:
                self.store_group(waiting, report)
                bar.update(len(waiting))

    @property
    def _group_chunks(self) -> int:
        return self.settings.embed_batch_size * 8

    def read(self, todo: list[SourceFile], report: IngestReport) -> Iterator[Prepared]:
        """The files read and split, in order, while the model loads and then while the
        previous files are embedded: a reader process works up to READ_AHEAD files ahead. A
        single file is read here. `read_seconds` counts only the waits for a file."""
        if not todo:  # nothing new: the model is not even imported
            return
        if len(todo) < 2:
            self.load_model_in_background()
            for source in todo:
                began = time.perf_counter()
                prepared = prepare_file(*self._prepare_args(source))
                report.read_seconds += time.perf_counter() - began
                yield prepared
            return
        # fork before the model thread starts: the reader then inherits no half-done work
        pool = _reader_pool()
        try:
            sources = iter(todo)
            pending = deque((s, self._submit(pool, s)) for s in islice(sources, READ_AHEAD))
            self.load_model_in_background()
            while pending:
                began = time.perf_counter()
                source, future = pending.popleft()
                try:
                    prepared = future.result()
                except BrokenProcessPool:
                    # the reader died on this file (killed for memory?): report it, go on
                    # with a new reader
                    prepared = Prepared(source, problem="the file reader died reading it")
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = _reader_pool()
                    pending = deque((s, self._submit(pool, s)) for s, _ in pending)
                report.read_seconds += time.perf_counter() - began
                pending.extend((s, self._submit(pool, s)) for s in islice(sources, 1))
                yield prepared
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _submit(self, pool: ProcessPoolExecutor, source: SourceFile) -> Future[Prepared]:
        return pool.submit(prepare_file, *self._prepare_args(source))

    def _prepare_args(self, source: SourceFile) -> tuple[SourceFile, Settings, bool]:
        """What `prepare_file` needs, here or in the reader process (which has no catalogue):
        files the catalogue does not know take their title and year from the file itself."""
        known = self.catalogue is None or self.catalogue.by_id(source.document.id) is not None
        return source, self.settings, not known

    def plan(self, prepared: Prepared, report: IngestReport) -> Pending | None:
        """Report a file that could not be read; otherwise delete the stored chunks the file
        no longer produces and say which chunks are new."""
        source, doc = prepared.source, prepared.document
        if prepared.problem or doc is None:
            report.problems.append(Problem(str(source.path), prepared.problem or "not read"))
            return None
        if prepared.encoding and prepared.encoding != "utf-8":
            report.encodings[str(source.path)] = prepared.encoding
        if prepared.unresolved:
            report.unresolved[str(source.path)] = prepared.unresolved
        began = time.perf_counter()
        stored = self.store.chunk_ids(doc.id)
        wanted = {chunk.id for chunk in prepared.chunks}
        stale = sorted(stored - wanted)
        self.store.delete_chunks(stale)
        self.store.delete_sentences_except(doc.id, wanted)
        new = [i for i, chunk in enumerate(prepared.chunks) if chunk.id not in stored]
        report.chunks_removed += len(stale)
        report.chunks_unchanged += len(prepared.chunks) - len(new)
        report.store_seconds += time.perf_counter() - began
        return Pending(prepared, [prepared.chunks[i] for i in new],
                       [prepared.spans[i] for i in new])

    def store_group(self, group: list[Pending], report: IngestReport) -> None:
        """Embed the group's new chunks (a long document in parts of at most twice the group
        size), store them, then each document's record: a record is written only once all
        its chunks are stored, so an interrupted ingest redoes that document."""
        began = time.perf_counter()
        model_and_embed = report.model_seconds + report.embed_seconds
        missing = [chunk for pending in group for chunk in pending.missing]
        spans = [chunk_spans for pending in group for chunk_spans in pending.spans]
        sha256 = {p.prepared.source.document.id: p.prepared.source.sha256 for p in group}
        part = 2 * self._group_chunks
        for start in range(0, len(missing), part):
            end = start + part
            self._embed_and_store(missing[start:end], spans[start:end], sha256, report)
        for pending in group:
            self._save_record(pending.prepared, report)
        report.store_seconds += (time.perf_counter() - began
                                 - (report.model_seconds + report.embed_seconds - model_and_embed))

    def _save_record(self, prepared: Prepared, report: IngestReport) -> None:
        source, doc = prepared.source, prepared.document
        self.store.save_record(DocumentRecord(
            doc_id=doc.id, source=doc.file_name or source.path.name, sha256=source.sha256,
            title=doc.title, kind=doc.kind, year=doc.year, instrument=doc.instrument,
            url=doc.url, pages=prepared.pages, chunks=len(prepared.chunks),
            path=str(source.path.resolve()),
        ))
        report.documents += 1
        report.pages += prepared.pages

    def _embed_and_store(self, chunks: list[Chunk], spans: list[list[tuple[int, int]]],
                         sha256: dict[str, str], report: IngestReport) -> None:
        """Embed the chunks and their quotable sentences (`spans`, one list per chunk), then
        store the sentences before their chunks: a stored chunk always has its sentences."""
        rows = [(chunk.id, chunk.doc_id, start)
                for chunk, chunk_spans in zip(chunks, spans, strict=True)
                for start, _ in chunk_spans]
        if self.settings.sentence_vectors == "pooled" and rows and self._can_pool(report):
            chunk_vectors, sentence_vectors = self._embed_pooled(chunks, spans, report)
        else:
            chunk_vectors, sentence_vectors = self._embed_apart(chunks, spans, report)
        if rows:
            self.store.add_sentences(rows, sentence_vectors)
            report.sentences_added += len(rows)
        for doc_id, indices in _by_document(chunks).items():
            self.store.add_chunks([chunks[i] for i in indices],
                                  chunk_vectors[indices], sha256[doc_id])
        report.chunks_added += len(chunks)

    def _embed_apart(self, chunks: list[Chunk], spans: list[list[tuple[int, int]]],
                     report: IngestReport) -> tuple[np.ndarray, np.ndarray]:
        """The chunk texts, then every distinct sentence on its own: two encodes (one encode
        over both lists measured 10-18% slower on the shared corpus, timed apart)."""
        chunk_vectors = self._encode_distinct(
            [(c.doc_id, c.index_text()) for c in chunks], report)
        sentences = [(chunk.doc_id, span_embedding_text(chunk.text, span))
                     for chunk, chunk_spans in zip(chunks, spans, strict=True)
                     for span in chunk_spans]
        return chunk_vectors, self._encode_distinct(sentences, report)

    def _embed_pooled(self, chunks: list[Chunk], spans: list[list[tuple[int, int]]],
                      report: IngestReport) -> tuple[np.ndarray, np.ndarray]:
        """Sentence vectors pooled from their chunk's forward pass; only the sentences past
        the model's window of tokens are encoded on their own."""
        texts = [c.index_text() for c in chunks]
        windows = []  # each sentence's opening, as offsets in its chunk's index text
        for text, chunk, chunk_spans in zip(texts, chunks, spans, strict=True):
            head = len(text) - len(chunk.text)
            windows.append([(head + a, head + min(b, a + SENTENCE_EMBED_CHARS))
                            for a, b in chunk_spans])
        began = time.perf_counter()
        chunk_vectors, pooled = self.embedder.encode_with_spans(texts, windows)
        report.embed_seconds += time.perf_counter() - began
        flat = [vector for per_chunk in pooled for vector in per_chunk]
        apart = [(chunk.doc_id, span_embedding_text(chunk.text, span))
                 for chunk, chunk_spans, chunk_pooled in zip(chunks, spans, pooled, strict=True)
                 for span, vector in zip(chunk_spans, chunk_pooled, strict=True) if vector is None]
        encoded = iter(self._encode_distinct(apart, report))
        return chunk_vectors, np.stack([v if v is not None else next(encoded) for v in flat])

    def _encode_distinct(self, texts: list[tuple[str, str]], report: IngestReport) -> np.ndarray:
        """A vector per (document id, text), each distinct text of a document encoded once (an
        article and its own paragraphs share their sentences). Documents are kept apart: the
        work done for one file does not depend on which files share its group."""
        distinct = list(dict.fromkeys(texts))
        position = {key: i for i, key in enumerate(distinct)}
        vectors = self._encode([text for _, text in distinct], report)
        return vectors[[position[key] for key in texts]]

    def _can_pool(self, report: IngestReport) -> bool:
        began = time.perf_counter()
        can = self.embedder.can_pool_spans()
        report.model_seconds += time.perf_counter() - began
        return can

    def _encode(self, texts: list[str], report: IngestReport):
        began = time.perf_counter()
        embedder = self.embedder
        loaded = time.perf_counter()
        vectors = embedder.encode(texts)
        report.model_seconds += loaded - began
        report.embed_seconds += time.perf_counter() - loaded
        return vectors

    def prune(self, keep_doc_ids: set[str], report: IngestReport) -> None:
        for record in self.store.records():
            if record.doc_id not in keep_doc_ids:
                report.documents_removed += 1
                report.chunks_removed += len(self.store.chunk_ids(record.doc_id))
                self.store.forget(record.doc_id)


@dataclass(frozen=True)
class Pending:
    """A document read and split whose new chunks wait to be embedded with other files'."""

    prepared: Prepared
    missing: list[Chunk]
    spans: list[list[tuple[int, int]]]  # of each missing chunk


def _by_document(chunks: list[Chunk]) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for i, chunk in enumerate(chunks):
        positions.setdefault(chunk.doc_id, []).append(i)
    return positions


def _reader_pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=1, mp_context=_reader_context(),
                               initializer=_die_with_parent)


def _reader_context() -> multiprocessing.context.BaseContext:
    # fork starts the reader at once; a spawned one would first import this program again
    # (the chat app imports gradio). Elsewhere than Linux fork is not safe.
    return multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")


def _die_with_parent() -> None:
    """An ingest killed with SIGKILL must not leave its reader behind."""
    if sys.platform == "linux":
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def run_ingest(
    settings: Settings,
    corpus_dirs: list[Path] | None = None,
    download: bool = False,
    prune: bool = False,
    strict: bool = False,
    progress: bool = True,
    catalogue: Catalogue | None = None,
    store: Store | None = None,
) -> IngestReport:
    """Ingest the folders (default: settings.corpus_dirs), plus downloads when asked."""
    began = time.perf_counter()
    catalogue = catalogue or load_catalogue()
    report = IngestReport()
    dirs = list(corpus_dirs if corpus_dirs is not None else settings.corpus_dirs)
    paths = discover_files(dirs, report)
    if download:
        paths += _download(settings, catalogue, paths, report, progress)
    sources = identify(paths, catalogue, report, settings.max_file_bytes)
    ingestor = Ingestor(settings, store=store, progress=progress, catalogue=catalogue)
    report.collection = ingestor.store.name
    try:
        ingestor.ingest(sources, report)
        if prune:
            ingestor.prune({s.document.id for s in sources}, report)
    finally:
        ingestor.store.release()  # the HNSW indexes the writes loaded (see Store)
    report.seconds = time.perf_counter() - began
    if strict and report.problems:
        raise IngestProblems(report)
    return report


def ingest_sources(settings: Settings, sources: list[SourceFile], progress: bool = False,
                   store: Store | None = None) -> IngestReport:
    """Ingest files whose documents are already known (benchmarks replicate the corpus)."""
    began = time.perf_counter()
    report = IngestReport()
    ingestor = Ingestor(settings, store=store, progress=progress)
    report.collection = ingestor.store.name
    try:
        ingestor.ingest(sources, report)
    finally:
        ingestor.store.release()
    report.seconds = time.perf_counter() - began
    return report


def _download(settings: Settings, catalogue: Catalogue, present: list[Path],
              report: IngestReport, progress: bool) -> list[Path]:
    from ingest.download import download_missing

    dest = settings.downloads_dir
    dest.mkdir(parents=True, exist_ok=True)
    result = download_missing(
        catalogue, dest, present_sha256=_hashes(present),
        present_names={p.name for p in present}, timeout_s=settings.download_timeout_s,
        retries=settings.download_retries, progress=progress,
    )
    report.download_failures.extend(result.failed)
    for doc_id, expected, actual in result.mismatched:
        report.problems.append(Problem(doc_id, f"checksum mismatch: expected {expected[:12]}, "
                                               f"got {actual[:12]} (kept under its own hash)"))
    local = {p.resolve() for p in present}
    return [p for p in discover_files([dest], IngestReport()) if p.resolve() not in local]


def _hashes(paths: list[Path]) -> set[str]:
    """The sha256 of each readable file (identify reports the others)."""
    hashes = set()
    for path in paths:
        try:
            hashes.add(sha256_file(path))
        except OSError:
            continue
    return hashes


class IngestProblems(RuntimeError):
    """--strict: some inputs could not be ingested."""

    def __init__(self, report: IngestReport) -> None:
        super().__init__(f"{len(report.problems)} problem(s) during ingest")
        self.report = report
