"""Read a Word file (.docx) into the Markdown-like text the splitters understand.

Headings become `## Heading` lines (the document's Title style `# Title`), so that the section
splitter follows them; a numbered article ("Article 5", "Article 5. Criminalization",
"Art. 5 bis – Title") becomes an `Article 5` heading line with its title as a subheading under
it, which is what the treaty splitter recognises; tables become one line per row, cells
separated by ` | `. The core properties give the title, the author and the year.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from docx import Document as open_document
from docx.document import Document as WordDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml.etree import LxmlError

from ingest.loaded import LoadedFile, LoadError, Page, inline_text

HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
ARTICLE_LINE = re.compile(
    r"^(?:Article|Art\.)\s+(\d{1,3}(?:\s*bis)?)\b\s*([.:\-–—]\s*)?(.*)$", re.IGNORECASE
)
ARTICLE_TITLE_MAX_CHARS = 150  # "Article 5. Title": a longer rest is the article's first sentence
CELL_SEPARATOR = " | "


def load_docx(path: Path, data: bytes) -> LoadedFile:
    """Text of a Word file as one page, with its title, author and year."""
    try:
        document = open_document(io.BytesIO(data))
        blocks = [block for item in document.iter_inner_content()
                  for block in _blocks(item)]
        title, author, year = core_metadata(document)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, LxmlError) as error:
        raise LoadError(path, "corrupt Word file", str(error)) from error
    text = "\n\n".join(blocks)
    if not text.strip():
        raise LoadError(path, "no visible text")
    return LoadedFile(path=path, format="docx", pages=[Page(None, None, text)], title=title,
                      year=year, author=author)


def _blocks(item: Paragraph | Table) -> Iterator[str]:
    if isinstance(item, Table):
        text = table_text(item)
        if text:
            yield text
        return
    yield from paragraph_blocks(item)


def paragraph_blocks(paragraph: Paragraph) -> list[str]:
    """A paragraph as text lines: headings marked, an article heading split from its title."""
    text = inline_text(paragraph.text)
    if not text:
        return []
    level = heading_level(paragraph)
    article = ARTICLE_LINE.match(text)
    if article and (level is not None or _title_like(article.group(2), article.group(3))):
        number = re.sub(r"\s*bis$", " bis", article.group(1), flags=re.IGNORECASE)
        # never a single `#`: the treaty splitter would take it for the document's title
        marks = "#" * max(level or 2, 2)
        heading = f"{marks} Article {number}"
        rest = article.group(3).strip()
        return [heading, f"{marks}# {rest}"] if rest else [heading]
    if level is not None:
        return [f"{'#' * level} {text}"]
    return [text]


def heading_level(paragraph: Paragraph) -> int | None:
    """1 for the Title style, N + 1 for `Heading N`: only the title is a `# ` line, which the
    treaty splitter reads as the document's title."""
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    if name.lower() == "title":
        return 1
    match = HEADING_STYLE.match(name)
    return min(int(match.group(1)) + 1, 6) if match else None


def _title_like(separator: str | None, rest: str) -> bool:
    """`Article 5`, `Article 5. Criminalization`, `Article 5 Criminalization`: an article
    heading written as a plain paragraph; not `Article 5 of the Convention requires ...`."""
    if not rest:
        return True
    return (len(rest) <= ARTICLE_TITLE_MAX_CHARS and not rest.endswith((".", ";", ","))
            and (separator is not None or rest[:1].isupper()))


def table_text(table: Table) -> str:
    """One line per row; a merged cell (repeated by python-docx) is written once."""
    lines = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = inline_text(cell.text)
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            lines.append(CELL_SEPARATOR.join(cells))
    return "\n".join(lines)


def core_metadata(document: WordDocument) -> tuple[str | None, str | None, int | None]:
    """Title, author and the year it was created (else last modified) from its properties."""
    properties = document.core_properties
    title = inline_text(properties.title or "") or None
    author = inline_text(properties.author or "") or None
    year = None
    for date in (properties.created, properties.modified):
        if date is not None and 1900 <= date.year <= 2100:
            year = date.year
            break
    return title, author, year
