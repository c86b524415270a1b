"""Write small real PDFs with a text layer (one Helvetica text object per page)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def write_text_pdf(path: Path, pages: list[list[str | tuple[str, float]]],
                   size: float = 10) -> Path:
    """A PDF whose page i shows the lines of pages[i], top to bottom; a line given as
    (text, size) is set at its own font size (a report's 7 pt notes under 10 pt body)."""
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    }))
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        operations = ["BT", f"/F1 {size} Tf", "12 TL", "50 750 Td"]
        for line in lines:
            text, line_size = (line, None) if isinstance(line, str) else line
            if line_size is not None:
                operations.append(f"/F1 {line_size} Tf")
            operations.append(f"({_escape(text)}) Tj T*")
        stream = StreamObject()
        stream.set_data("\n".join([*operations, "ET"]).encode("cp1252", "replace"))
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
