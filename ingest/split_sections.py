"""Split non-treaty documents (reports, web pages, text) into chunks by headings and paragraphs.

The document text is the pages' cleaned texts joined by a blank line (`document_text`); every
chunk's text is exactly `document_text(loaded)[chunk.char_start:chunk.char_end]`. A chunk
never spans two sections: it starts at a heading (or run of headings) or inside the section
and ends before the next heading. Long paragraphs are cut at sentence ends.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from assistant.models import Chunk, Document
from assistant.text.sentences import PARAGRAPH_CUT
from ingest.loaded import LoadedFile, Page

PAGE_SEPARATOR = "\n\n"
HEADING_RE = re.compile(r"^#{1,6}\s*(\S.*?)\s*#*\s*$")
# A paragraph ends at a blank line, or at a line end right after sentence punctuation (plain
# text files often put one paragraph per line with no blank line between).
PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t]*\n\s*|(?<=[.!?:][\"'”’)\]])\n\s*|(?<=[.!?:])\n\s*")
MAX_CHUNK_FACTOR = 1.5


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass
class Section:
    heading: str | None
    head: Span | None  # the heading line(s) that open the section
    parts: list[Span]  # paragraphs, or pieces of long paragraphs, in order


def document_text(loaded: LoadedFile) -> str:
    """The cleaned text of the whole document, pages joined by a blank line."""
    return PAGE_SEPARATOR.join(page.text for page in loaded.pages)


def page_starts(pages: list[Page]) -> list[int]:
    """Offset of each page's text in `document_text`."""
    starts, offset = [], 0
    for page in pages:
        starts.append(offset)
        offset += len(page.text) + len(PAGE_SEPARATOR)
    return starts


def split_sections(doc: Document, loaded: LoadedFile, chunk_size: int,
                   chunk_overlap: int = 0) -> list[Chunk]:
    """Chunks of about `chunk_size` characters that follow the document's headings."""
    if chunk_size <= 0:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    if chunk_overlap < 0 or chunk_overlap >= chunk_size:
        raise ValueError(f"chunk_overlap must be in [0, chunk_size), got {chunk_overlap}")
    text = document_text(loaded)
    spans: list[tuple[Span, str | None]] = []
    for section in parse_sections(text):
        for span in pack_section(text, section, chunk_size):
            spans.append((with_overlap(text, span, section, chunk_overlap), section.heading))
    starts = page_starts(loaded.pages)
    markers = document_markers(loaded.pages, starts)
    return [make_chunk(doc, loaded, text, span, heading, starts, order,
                       notes=chunk_notes(loaded.pages, markers, span))
            for order, (span, heading) in enumerate(spans)]


def document_markers(pages: list[Page], starts: list[int]) -> list[tuple[int, int, str]]:
    """Every note marker of the document: (offset in `document_text`, page number, marker)."""
    return sorted((start + offset, number, marker)
                  for number, (page, start) in enumerate(zip(pages, starts, strict=True))
                  for offset, marker in page.markers)


def chunk_notes(pages: list[Page], markers: list[tuple[int, int, str]], span: Span) -> str | None:
    """The notes a chunk's markers point to: a footnote printed on the marker's page or the
    page next to it (a box's lettered notes), else the document's endnote of that number."""
    lines: list[str] = []
    for offset, number, marker in markers:
        if not span.start <= offset <= span.end:
            continue
        note = _find_note(pages, number, marker)
        if note and f"{marker} {note}" not in lines:
            lines.append(f"{marker} {note}")
    return "\n".join(lines) or None


def _find_note(pages: list[Page], number: int, marker: str) -> str | None:
    for near in (number, number + 1, number - 1):
        if 0 <= near < len(pages) and marker in pages[near].notes:
            return pages[near].notes[marker]
    if marker.isdigit():
        later = [page.notes[marker] for page in pages[number:] if marker in page.notes]
        return later[0] if later else None
    return None


def parse_sections(text: str) -> list[Section]:
    """Sections of the text: a heading (or none, for the text before the first) and its
    paragraphs. Consecutive headings form one section head; the last one names the section."""
    sections = [Section(heading=None, head=None, parts=[])]
    for span in paragraph_spans(text):
        match = HEADING_RE.match(text[span.start:span.end])
        current = sections[-1]
        if match and current.parts:
            sections.append(Section(heading=match.group(1), head=span, parts=[]))
        elif match:
            current.heading = match.group(1)
            current.head = span if current.head is None else Span(current.head.start, span.end)
        else:
            current.parts.append(span)
    return [section for section in sections if section.parts or section.head]


def paragraph_spans(text: str) -> list[Span]:
    """Non-blank paragraphs; a Markdown heading line is always a paragraph of its own."""
    spans: list[Span] = []
    start = 0
    for match in PARAGRAPH_BREAK_RE.finditer(text):
        spans.extend(_heading_lines_apart(text, start, match.start()))
        start = match.end()
    spans.extend(_heading_lines_apart(text, start, len(text)))
    return [span for span in spans if text[span.start:span.end].strip()]


def _heading_lines_apart(text: str, start: int, end: int) -> list[Span]:
    spans: list[Span] = []
    line_start = piece_start = start
    for line in text[start:end].split("\n"):
        line_end = line_start + len(line)
        if HEADING_RE.match(line):
            spans.append(_trimmed(text, piece_start, line_start))
            spans.append(_trimmed(text, line_start, line_end))
            piece_start = line_end + 1
        line_start = line_end + 1
    spans.append(_trimmed(text, min(piece_start, end), end))
    return spans


def _trimmed(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def sentence_spans(text: str, span: Span, limit: int) -> list[Span]:
    """Cut a paragraph longer than `limit` into runs of whole sentences of at most `limit`
    characters (a single longer sentence stays whole)."""
    if span.end - span.start <= limit:
        return [span]
    cuts = [span.start + m.end() for m in PARAGRAPH_CUT.finditer(text[span.start:span.end])]
    pieces: list[Span] = []
    start = span.start
    previous_cut = None
    for cut in [*cuts, span.end]:
        if cut - start > limit and previous_cut is not None and previous_cut > start:
            pieces.append(_trimmed(text, start, previous_cut))
            start = previous_cut
        previous_cut = cut
    pieces.append(_trimmed(text, start, span.end))
    return [piece for piece in pieces if piece.end > piece.start]


def pack_section(text: str, section: Section, chunk_size: int) -> list[Span]:
    """Group a section's paragraphs into spans of at most about `chunk_size` characters; the
    first span starts at the section's heading."""
    units = [piece for part in section.parts for piece in sentence_spans(text, part, chunk_size)]
    if not units:
        return [section.head] if section.head else []
    spans: list[Span] = []
    start = section.head.start if section.head else units[0].start
    end = units[0].end
    for unit in units[1:]:
        if unit.end - start > chunk_size:
            spans.append(Span(start, end))
            start = unit.start
        end = unit.end
    spans.append(Span(start, end))
    return spans


def with_overlap(text: str, span: Span, section: Section, overlap: int) -> Span:
    """Start `overlap` characters earlier (at a word start), without leaving the section."""
    floor = section.head.start if section.head else section.parts[0].start
    if overlap <= 0 or span.start <= floor:
        return span
    start = max(floor, span.start - overlap)
    while start > floor and not text[start - 1].isspace():
        start += 1
        if start >= span.start:
            return span
    return _trimmed(text, start, span.end) if start < span.start else span


def make_chunk(doc: Document, loaded: LoadedFile, text: str, span: Span, heading: str | None,
               starts: list[int], order: int, notes: str | None = None) -> Chunk:
    first = loaded.pages[bisect.bisect_right(starts, span.start) - 1]
    last = loaded.pages[bisect.bisect_right(starts, span.end - 1) - 1]
    title = doc.title or loaded.title or doc.id
    return Chunk(
        doc_id=doc.id, source=doc.file_name or loaded.path.name, title=title, kind=doc.kind,
        year=doc.year if doc.year is not None else loaded.year, instrument=doc.instrument,
        url=doc.url, section=heading,
        locator=locator(first, last, heading or title),
        page_start=first.index, page_end=last.index,
        page_label=first.label, page_label_end=last.label,
        char_start=span.start, char_end=span.end, order=order, notes=notes,
        text=text[span.start:span.end],
    )


def locator(first: Page, last: Page, fallback: str) -> str:
    """`p. 67`, `pp. 67–68` (printed labels, else page indices), or a heading/title."""
    if first.index is None or last.index is None:
        return fallback
    start = first.label or str(first.index)
    end = last.label or str(last.index)
    return f"p. {start}" if start == end else f"pp. {start}–{end}"
