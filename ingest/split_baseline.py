"""The naive pipeline a newcomer builds with LangChain, kept as the benchmark baseline:
RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) on the raw page texts."""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.models import Chunk, Document
from ingest.loaded import LoadedFile


def split_baseline(doc: Document, loaded: LoadedFile, chunk_size: int = 1000,
                   chunk_overlap: int = 200) -> list[Chunk]:
    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    chunks: list[Chunk] = []
    for page in loaded.pages:
        for piece in splitter.split_text(page.text):
            if not piece.strip():
                continue
            label = page.label or (str(page.index) if page.index else None)
            chunks.append(Chunk(
                doc_id=doc.id, source=doc.file_name or doc.id, title=doc.title, kind=doc.kind,
                year=doc.year, instrument=doc.instrument, url=doc.url,
                locator=f"p. {label}" if label else doc.title,
                page_start=page.index, page_end=page.index, page_label=page.label,
                order=len(chunks), text=piece,
            ))
    return chunks
