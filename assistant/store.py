"""Chroma access: embedded persistent folder by default, a server when CHROMA_HOST is set.

Three collections per index: the chunks (named by the settings hash, so a change of model or
chunking never mixes indexes), their quotable sentences, and a small registry of fully ingested
documents, written only after all of a document's chunks are stored: that record is what makes
an interrupted ingest resumable and an unchanged file skippable without loading the model.
Chroma stores; it does not search: the app reads every vector once and searches its own copies
(`assistant.retrieval.search.Retriever`).
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from threading import Lock

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from assistant.models import Chunk
from assistant.settings import Settings

PAGE = 2000  # rows per Chroma get() call; keeps memory flat on big indexes
Vectors = np.ndarray | list[list[float]]  # Chroma takes either; an array skips a copy to floats
# The sentence rows are read by id and document, never searched by Chroma: their HNSW graph is
# built as sparse as Chroma allows, which makes writing them about twice as fast. (The chunk
# collection keeps Chroma's defaults: it stays a searchable store for other tools.)
SENTENCE_HNSW = {"space": "cosine", "ef_construction": 4, "max_neighbors": 4}


def open_client(settings: Settings) -> ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    source: str
    sha256: str
    title: str
    kind: str
    year: int | None
    instrument: str | None
    url: str | None
    pages: int
    chunks: int
    path: str


class Store:
    """The chunk collection and the document registry of one index.

    Its collections open on first use. An embedded Chroma keeps each collection's HNSW index
    in memory once any of its rows is read, and the app never searches it (the retriever
    holds its own vectors): `release` closes this store's own client, which frees that
    memory and makes the next use open the folder anew, with what other processes wrote
    since."""

    def __init__(self, settings: Settings, client: ClientAPI | None = None) -> None:
        self.settings = settings
        self.name = settings.collection_name()
        self._given = client  # a caller's client is used as it is and never closed here
        self._open: _Collections | None = None
        self._lock = Lock()

    @property
    def client(self) -> ClientAPI:
        return self._opened().client

    @property
    def chunks(self) -> Collection:
        return self._opened().chunks

    @property
    def sentences(self) -> Collection:
        return self._opened().sentences

    @property
    def registry(self) -> Collection:
        return self._opened().registry

    def _opened(self) -> _Collections:
        with self._lock:
            if self._open is None:
                self._open = _collections(self._given or open_client(self.settings),
                                          self.name, self.settings)
            return self._open

    def _mark_written(self) -> None:
        """Touched after each write: a running app compares its time with its load's."""
        marker = written_marker(self.settings)
        if marker is not None:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()

    def release(self) -> None:
        """Close this store's own client (Chroma stops its System when no other client of
        the process uses that folder); the next use opens a new one."""
        with self._lock:
            opened, self._open = self._open, None
        if opened is not None and self._given is None:
            opened.client.close()

    # chunks
    def count(self) -> int:
        return self.chunks.count()

    def chunk_ids(self, doc_id: str) -> set[str]:
        result = self.chunks.get(where={"doc_id": doc_id}, include=[])
        return set(result["ids"])

    def add_chunks(self, chunks: list[Chunk], embeddings: Vectors, sha256: str) -> None:
        self.chunks.upsert(
            ids=[c.id for c in chunks],
            embeddings=embeddings,
            documents=[c.text for c in chunks],
            metadatas=[{**c.metadata(), "file_sha256": sha256} for c in chunks],
        )
        self._mark_written()

    def set_url(self, doc_id: str, url: str | None) -> int:
        """A document's official link changed in the catalogue: its chunks and record follow
        without re-embedding (the link is never part of what is embedded)."""
        ids = sorted(self.chunk_ids(doc_id))
        for start in range(0, len(ids), PAGE):
            part = ids[start:start + PAGE]
            self.chunks.update(ids=part, metadatas=[{"url": url or ""} for _ in part])
        self._mark_written()
        record = self.record(doc_id)
        if record is not None:
            self.save_record(DocumentRecord(**{**record.__dict__, "url": url}))
        return len(ids)

    def delete_chunks(self, ids: list[str]) -> None:
        for start in range(0, len(ids), PAGE):
            self.chunks.delete(ids=ids[start:start + PAGE])
        self._mark_written()

    # sentences: each quotable sentence of a chunk, embedded on its own. A row's id is
    # "<chunk id>:<start>" and its only metadata the document id: Chroma's metadata index costs
    # more to write than the vector, and nothing is looked up by the other fields.
    def add_sentences(self, rows: list[tuple[str, str, int]], embeddings: Vectors) -> None:
        """rows: (chunk id, doc id, start) of each sentence in its chunk's text."""
        for start in range(0, len(rows), PAGE):
            part = rows[start:start + PAGE]
            self.sentences.upsert(
                ids=[sentence_id(chunk_id, s) for chunk_id, _, s in part],
                embeddings=embeddings[start:start + PAGE],
                metadatas=[{"doc_id": doc_id} for _, doc_id, _ in part],
            )
        self._mark_written()

    def delete_sentences_except(self, doc_id: str, keep_chunk_ids: set[str]) -> int:
        found = self.sentences.get(where={"doc_id": doc_id}, include=[])
        stale = [i for i in found["ids"] if sentence_owner(i)[0] not in keep_chunk_ids]
        for start in range(0, len(stale), PAGE):
            self.sentences.delete(ids=stale[start:start + PAGE])
        self._mark_written()
        return len(stale)

    @staticmethod
    def scan(collection: Collection, include: list[str]) -> Iterator[tuple]:
        """Every row of a collection as (id, *included fields), read in pages."""
        offset = 0
        while True:
            page = collection.get(include=include, limit=PAGE, offset=offset)
            if not page["ids"]:
                return
            yield from zip(page["ids"], *(page[field] for field in include), strict=True)
            offset += len(page["ids"])
            del page
            return_freed_memory()

    # registry
    def record(self, doc_id: str) -> DocumentRecord | None:
        found = self.registry.get(ids=[doc_id], include=["metadatas"])
        return _record(found["metadatas"][0]) if found["ids"] else None

    def records(self) -> list[DocumentRecord]:
        found = self.registry.get(include=["metadatas"])
        return sorted((_record(m) for m in found["metadatas"]), key=lambda r: r.doc_id)

    def save_record(self, record: DocumentRecord) -> None:
        meta = {k: v for k, v in record.__dict__.items() if v is not None}
        # The registry is looked up by id only; a constant 1-d vector satisfies Chroma.
        self.registry.upsert(ids=[record.doc_id], embeddings=[[1.0]], metadatas=[meta],
                             documents=[record.title])
        self._mark_written()

    def forget(self, doc_id: str) -> None:
        """Remove a document: its record first, so a crash never leaves a record without chunks."""
        self.registry.delete(ids=[doc_id])
        self._mark_written()
        self.delete_chunks(sorted(self.chunk_ids(doc_id)))
        self.delete_sentences_except(doc_id, set())


@dataclass(frozen=True)
class _Collections:
    client: ClientAPI
    chunks: Collection
    sentences: Collection
    registry: Collection


def _collections(client: ClientAPI, name: str, settings: Settings) -> _Collections:
    metadata = {**settings.index_fingerprint(), "kind": "unodc-chunks"}
    chunks = client.get_or_create_collection(
        name, metadata=metadata, configuration={"hnsw": {"space": "cosine"}},
        embedding_function=None)
    sentences = client.get_or_create_collection(
        f"{name}-sentences", metadata={"kind": "unodc-sentences"},
        configuration={"hnsw": SENTENCE_HNSW}, embedding_function=None)
    registry = client.get_or_create_collection(
        f"{name}-docs", metadata={"kind": "unodc-documents"}, embedding_function=None)
    return _Collections(client, chunks, sentences, registry)


def sentence_id(chunk_id: str, start: int) -> str:
    return f"{chunk_id}:{start}"


def sentence_owner(row_id: str) -> tuple[str, int]:
    """The chunk id and start offset a sentence row's id holds."""
    chunk_id, _, start = row_id.rpartition(":")
    return chunk_id, int(start)


def written_marker(settings: Settings) -> Path | None:
    """The file each write to an embedded index touches (none for a Chroma server)."""
    return None if settings.chroma_host else settings.data_dir / "chroma" / "written"


def return_freed_memory() -> None:
    """Give the heap pages of a read page's rows back to the system. Reading every row of a
    ×50 index leaves hundreds of MiB that glibc keeps for reuse and Python never reuses whole."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 - musl has no malloc_trim
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _glibc()


def _record(meta: dict) -> DocumentRecord:
    fields = DocumentRecord.__dataclass_fields__
    return DocumentRecord(**{name: meta.get(name) for name in fields})
