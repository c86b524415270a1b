"""Chroma access: embedded persistent folder by default, a server when CHROMA_HOST is set.

Two collections per index: the chunks (named by the settings hash, so a change of model or
chunking never mixes indexes) and a small registry of fully ingested documents, written only
after all of a document's chunks are stored: that record is what makes an interrupted ingest
resumable and an unchanged file skippable without loading the model.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from assistant.models import Chunk
from assistant.settings import Settings

PAGE = 2000  # rows per Chroma get() call; keeps memory flat on big indexes


def open_client(settings: Settings) -> ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def reopen_client(client: ClientAPI, settings: Settings) -> ClientAPI:
    """A client that reads what other processes wrote since `client` was opened.

    An embedded Chroma shares one System per folder within a process, and that System keeps
    its view of the folder: after another process's ingest its reads fail ("Error finding
    id"). Dropping it from Chroma's cache makes the next client open the folder anew; clients
    still holding the old System (questions in flight) keep working on their view."""
    if not settings.chroma_host:
        from chromadb.api.shared_system_client import SharedSystemClient

        identifier = getattr(client, "_identifier", None)
        if identifier:
            SharedSystemClient._identifier_to_system.pop(identifier, None)
            SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    return open_client(settings)


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
    """The chunk collection and the document registry of one index."""

    def __init__(self, settings: Settings, client: ClientAPI | None = None) -> None:
        self.settings = settings
        self.client = client or open_client(settings)
        self.name = settings.collection_name()
        metadata = {**settings.index_fingerprint(), "kind": "unodc-chunks"}
        self.chunks: Collection = self.client.get_or_create_collection(
            self.name, metadata=metadata, configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        self.sentences: Collection = self.client.get_or_create_collection(
            f"{self.name}-sentences", metadata={"kind": "unodc-sentences"},
            configuration={"hnsw": {"space": "cosine"}}, embedding_function=None,
        )
        self.registry: Collection = self.client.get_or_create_collection(
            f"{self.name}-docs", metadata={"kind": "unodc-documents"}, embedding_function=None
        )

    def reopened(self) -> Store:
        """The same index read afresh (see `reopen_client`)."""
        return Store(self.settings, reopen_client(self.client, self.settings))

    # chunks
    def count(self) -> int:
        return self.chunks.count()

    def chunk_ids(self, doc_id: str) -> set[str]:
        result = self.chunks.get(where={"doc_id": doc_id}, include=[])
        return set(result["ids"])

    def add_chunks(self, chunks: list[Chunk], embeddings: list[list[float]], sha256: str) -> None:
        self.chunks.upsert(
            ids=[c.id for c in chunks],
            embeddings=embeddings,
            documents=[c.text for c in chunks],
            metadatas=[{**c.metadata(), "file_sha256": sha256} for c in chunks],
        )

    def set_url(self, doc_id: str, url: str | None) -> int:
        """A document's official link changed in the catalogue: its chunks and record follow
        without re-embedding (the link is never part of what is embedded)."""
        ids = sorted(self.chunk_ids(doc_id))
        for start in range(0, len(ids), PAGE):
            part = ids[start:start + PAGE]
            self.chunks.update(ids=part, metadatas=[{"url": url or ""} for _ in part])
        record = self.record(doc_id)
        if record is not None:
            self.save_record(DocumentRecord(**{**record.__dict__, "url": url}))
        return len(ids)

    def delete_chunks(self, ids: list[str]) -> None:
        for start in range(0, len(ids), PAGE):
            self.chunks.delete(ids=ids[start:start + PAGE])

    # sentences: each quotable sentence of a chunk, embedded on its own
    def add_sentences(self, rows: list[tuple[str, str, int, int]],
                      embeddings: list[list[float]]) -> None:
        """rows: (chunk id, doc id, start, end) of each sentence in its chunk's text."""
        for start in range(0, len(rows), PAGE):
            part = rows[start:start + PAGE]
            self.sentences.upsert(
                ids=[f"{chunk_id}:{s}" for chunk_id, _, s, _ in part],
                embeddings=embeddings[start:start + PAGE],
                metadatas=[{"chunk_id": c, "doc_id": d, "start": s, "end": e}
                           for c, d, s, e in part],
            )

    def query_sentences(self, embedding: list[float], n: int) -> list[tuple[str, float]]:
        """Nearest sentences as (id of their chunk, cosine similarity), best first. `n` must
        not exceed the number stored (see `query`)."""
        if n <= 0:
            return []
        result = self.sentences.query(query_embeddings=[embedding], n_results=n,
                                      include=["distances"])
        return [(sentence_id.rsplit(":", 1)[0], 1.0 - distance)
                for sentence_id, distance in zip(result["ids"][0], result["distances"][0],
                                                 strict=True)]

    def delete_sentences_except(self, doc_id: str, keep_chunk_ids: set[str]) -> int:
        found = self.sentences.get(where={"doc_id": doc_id}, include=["metadatas"])
        stale = [i for i, meta in zip(found["ids"], found["metadatas"], strict=True)
                 if meta["chunk_id"] not in keep_chunk_ids]
        for start in range(0, len(stale), PAGE):
            self.sentences.delete(ids=stale[start:start + PAGE])
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

    def query(self, embedding: list[float], n: int, where: dict | None = None,
              ) -> list[tuple[str, float]]:
        """Nearest chunks as (id, cosine similarity). `n` must not exceed the number stored:
        the caller knows it, and Chroma's count() reads the whole table (15 ms a call at 36k
        chunks)."""
        if n <= 0:
            return []
        result = self.chunks.query(query_embeddings=[embedding], n_results=n, where=where,
                                   include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(result["ids"][0], result["distances"][0], strict=True)]

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

    def forget(self, doc_id: str) -> None:
        """Remove a document: its record first, so a crash never leaves a record without chunks."""
        self.registry.delete(ids=[doc_id])
        self.delete_chunks(sorted(self.chunk_ids(doc_id)))
        self.delete_sentences_except(doc_id, set())


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
