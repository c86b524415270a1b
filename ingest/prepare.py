"""Read and split one file: the part of ingest that needs no model and no index, so that it
can run in a reader process beside the embedding (this module imports neither)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from assistant.models import Chunk, Document
from assistant.settings import Settings
from assistant.text.languages import detect_language
from assistant.text.sentences import quotable_spans
from ingest.loaders import LoadedFile, LoadError, load_file
from ingest.split_baseline import split_baseline
from ingest.split_sections import split_sections
from ingest.split_treaty import (
    ARTICLE_RE,
    locate_pages,
    split_treaty,
    unresolved_references,
)

log = logging.getLogger(__name__)
CHANGED = "changed while being ingested (not what was hashed): ingest again"
# A Word file the catalogue does not know is split by articles when it has at least this many
# `Article N` headings (a treaty or a law), by headings otherwise.
MIN_ARTICLES = 2


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
    encoding: str | None = None  # of a text or HTML file
    # references of a treaty text that point nowhere: "Article 12: article 44 of the Convention"
    unresolved: list[str] = field(default_factory=list)
    # each chunk's quotable sentences (start, end), worked out here beside the embedding
    spans: list[list[tuple[int, int]]] = field(default_factory=list)


def split_document(doc: Document, loaded: LoadedFile, settings: Settings,
                   by_articles: bool = False) -> list[Chunk]:
    if settings.chunking == "baseline":
        return split_baseline(doc, loaded, settings.chunk_size, settings.chunk_overlap)
    if doc.kind == "treaty" or by_articles:
        text = "\n\n".join(page.text for page in loaded.pages)
        return locate_pages(split_treaty(doc, text, settings.chunk_size), loaded.pages)
    return split_sections(doc, loaded, settings.chunk_size, settings.chunk_overlap)


def prepare_file(source: SourceFile, settings: Settings, file_metadata: bool) -> Prepared:
    """Load, clean and split one file. With `file_metadata` (a file the catalogue does not
    know) the title and year come from the file itself. Never raises: whatever goes wrong
    with the file is its `problem`."""
    try:
        loaded = load_file(source.path, settings.max_file_bytes, settings.max_text_chars)
        if loaded.sha256 != source.sha256:
            return Prepared(source, problem=CHANGED)
        doc = source.document
        if file_metadata:
            update = {"title": loaded.title, "year": loaded.year}
            doc = doc.model_copy(update={k: v for k, v in update.items() if v})
        by_articles = file_metadata and loaded.format == "docx" and _has_articles(loaded)
        chunks = _unique(split_document(doc, loaded, settings, by_articles))
        language = doc.language if not file_metadata else detect_language(
            " ".join(page.text for page in loaded.pages)[:5000])
        chunks = [c.model_copy(update={"language": language}) for c in chunks]
    except LoadError as error:
        return Prepared(source, problem=error.reason)
    except ValueError as error:
        return Prepared(source, problem=f"cannot split: {error}")
    except Exception as error:  # one odd file must not end the whole ingest
        log.exception("reading %s failed", source.path)
        return Prepared(source, problem=f"cannot read: {type(error).__name__}: {error}")
    if not chunks:
        return Prepared(source, problem="no text to index")
    pages = sum(1 for page in loaded.pages if page.index is not None)
    spans = [quotable_spans(c.text) if settings.chunking == "structure" else []
             for c in chunks]
    return Prepared(source, doc, chunks, pages, encoding=loaded.encoding,
                    unresolved=_unresolved(doc, loaded, settings), spans=spans)


def _unresolved(doc: Document, loaded: LoadedFile, settings: Settings) -> list[str]:
    if doc.kind != "treaty" or settings.chunking == "baseline":
        return []
    text = "\n\n".join(page.text for page in loaded.pages)
    return [f"Article {article}: {ref.written or ref.target_id}"
            for article, ref in unresolved_references(doc, text)]


def _has_articles(loaded: LoadedFile) -> bool:
    lines = (line for page in loaded.pages for line in page.text.split("\n"))
    return sum(1 for line in lines if ARTICLE_RE.match(line)) >= MIN_ARTICLES


def _unique(chunks: list[Chunk]) -> list[Chunk]:
    """Identical text at the same locator twice in one document would share an id."""
    seen: set[str] = set()
    return [c for c in chunks if not (c.id in seen or seen.add(c.id))]
