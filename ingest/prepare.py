"""Read and split one file: the part of ingest that needs no model and no index, so that it
can run in a reader process beside the embedding (this module imports neither)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assistant.language import detect_language
from assistant.models import Chunk, Document
from assistant.settings import Settings
from ingest.loaders import LoadedFile, LoadError, load_file
from ingest.split_baseline import split_baseline
from ingest.split_sections import split_sections
from ingest.split_treaty import locate_pages, split_treaty


@dataclass(frozen=True)
class SourceFile:
    path: Path
    document: Document
    sha256: str


@dataclass(frozen=True)
class Prepared:
    """A file read and split, or the reason it could not be."""

    source: SourceFile
    document: Document | None = None
    chunks: list[Chunk] = field(default_factory=list)
    pages: int = 0
    problem: str | None = None


def split_document(doc: Document, loaded: LoadedFile, settings: Settings) -> list[Chunk]:
    if settings.chunking == "baseline":
        return split_baseline(doc, loaded, settings.chunk_size, settings.chunk_overlap)
    if doc.kind == "treaty":
        text = "\n\n".join(page.text for page in loaded.pages)
        return locate_pages(split_treaty(doc, text, settings.chunk_size), loaded.pages)
    return split_sections(doc, loaded, settings.chunk_size, settings.chunk_overlap)


def prepare_file(source: SourceFile, settings: Settings, file_metadata: bool) -> Prepared:
    """Load, clean and split one file. With `file_metadata` (a file the catalogue does not
    know) the title and year come from the file itself."""
    try:
        loaded = load_file(source.path)
        doc = source.document
        if file_metadata:
            update = {"title": loaded.title, "year": loaded.year}
            doc = doc.model_copy(update={k: v for k, v in update.items() if v})
        chunks = _unique(split_document(doc, loaded, settings))
        language = doc.language if not file_metadata else detect_language(
            " ".join(page.text for page in loaded.pages)[:5000])
        chunks = [c.model_copy(update={"language": language}) for c in chunks]
    except LoadError as error:
        return Prepared(source, problem=error.reason)
    except ValueError as error:
        return Prepared(source, problem=f"cannot split: {error}")
    if not chunks:
        return Prepared(source, problem="no text to index")
    pages = sum(1 for page in loaded.pages if page.index is not None)
    return Prepared(source, doc, chunks, pages)


def _unique(chunks: list[Chunk]) -> list[Chunk]:
    """Identical text at the same locator twice in one document would share an id."""
    seen: set[str] = set()
    return [c for c in chunks if not (c.id in seen or seen.add(c.id))]
