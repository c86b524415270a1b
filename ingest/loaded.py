"""What a loader gives back: a file's cleaned pages, or the reason it cannot be read.

Shared by `ingest.loaders` and the Word loader (`ingest.docx`), which import nothing from
each other's internals."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ingest.clean import normalize_characters

FileFormat = Literal["pdf", "markdown", "text", "html", "docx"]


@dataclass(frozen=True)
class Page:
    index: int | None  # 1-based PDF page index, None for non-paged files
    label: str | None  # printed page label (PdfReader.page_labels)
    text: str  # cleaned text
    # a report's footnotes, endnotes and reference-list entries printed on this page, kept
    # out of `text` (marker -> note text), and where in `text` each marker stood
    notes: dict[str, str] = field(default_factory=dict)
    markers: tuple[tuple[int, str], ...] = ()


@dataclass
class LoadedFile:
    path: Path
    format: FileFormat
    pages: list[Page]
    title: str | None = None
    year: int | None = None
    author: str | None = None
    encoding: str | None = None  # of a text or HTML file ("utf-8", "cp1252", "utf-16-le")
    sha256: str | None = None  # of the bytes actually read


class LoadError(Exception):
    """A file that cannot be ingested; `reason` is short and meant for people."""

    def __init__(self, path: Path, reason: str, detail: str | None = None) -> None:
        self.path = Path(path)
        self.reason = reason
        self.detail = detail
        message = f"{self.path.name}: {reason}" + (f" ({detail})" if detail else "")
        super().__init__(message)


def inline_text(text: str) -> str:
    """One line of text from inline pieces: single spaces, none before punctuation."""
    text = " ".join(normalize_characters(text).split())
    return re.sub(r"\(\s+", "(", re.sub(r"\s+([.,;:!?)])", r"\1", text))


