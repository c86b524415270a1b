"""Write small real PDFs with a text layer (one Helvetica text object per page)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def write_text_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF whose page i shows the lines of pages[i], top to bottom."""
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    }))
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        operations = ["BT", "/F1 10 Tf", "12 TL", "50 750 Td"]
        operations += [f"({_escape(line)}) Tj T*" for line in lines] + ["ET"]
        stream = StreamObject()
        stream.set_data("\n".join(operations).encode("cp1252", "replace"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def typeset(paragraphs: list[str], width: int = 95) -> list[str]:
    """Wrap paragraphs into lines as a PDF holds them: wrapped lines keep a trailing space."""
    lines: list[str] = []
    for paragraph in paragraphs:
        wrapped = textwrap.wrap(paragraph, width) or [""]
        lines += [line + " " for line in wrapped[:-1]] + [wrapped[-1]]
    return lines
