"""A conversation with its citations and source list, as Markdown or DOCX for handouts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from assistant.models import Answer, Citation
from ui.render import citation_label

TITLE = "UNODC assistant: questions and cited answers"
# What XML 1.0 (and so a .docx) cannot hold: control characters, lone surrogates, U+FFFE/F
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
DISCLAIMER = ("Answers quote the indexed UNODC and United Nations documents; check each quoted "
              "passage against the official document before relying on it.")


def export_markdown(turns: Sequence[Answer], title: str = TITLE,
                    when: datetime | None = None) -> str:
    """The conversation as Markdown: each question, its answer with [n] markers, the cited
    passages, then one list of all documents cited."""
    _check_turns(turns)
    lines = [f"# {_md(title)}", "", f"Exported {_stamp(when)}. {DISCLAIMER}", ""]
    if not turns:
        lines += ["No questions were asked.", ""]
    for number, answer in enumerate(turns, 1):
        lines += [f"## {number}. {_md(answer.question)}", ""]
        if answer.resolved_question:
            lines += [f"*Follow-up read as: {_md(answer.resolved_question)}*", ""]
        if answer.refused:
            lines += [f"**Not answered from the documents.** {_md(answer.text)}", ""]
        else:
            lines += [_md(answer.text), ""]
        lines += [f"*Note: {_md(notice)}*" for notice in answer.notices]
        if answer.notices:
            lines.append("")
        if answer.citations:
            lines += ["**Sources**", ""]
            for citation in answer.citations:
                lines += _citation_markdown(citation)
    sources = source_list(turns)
    if sources:
        lines += ["## Documents cited", ""]
        lines += [f"- {_md(title)}" + (f" <{url}>" if url else "") for title, url in sources]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def export_docx(turns: Sequence[Answer], path: str | Path, title: str = TITLE,
                when: datetime | None = None) -> Path:
    """The same content as `export_markdown`, written as a Word document at `path`."""
    from docx import Document as WordDocument
    from docx.shared import Pt

    _check_turns(turns)
    path = Path(path)
    if path.suffix.lower() != ".docx":
        raise ValueError(f"the DOCX export path must end in .docx, not {path.name!r}")
    doc = WordDocument()
    doc.add_heading(_xml(title), level=0)
    doc.add_paragraph(f"Exported {_stamp(when)}. {DISCLAIMER}")
    if not turns:
        doc.add_paragraph("No questions were asked.")
    for number, answer in enumerate(turns, 1):
        doc.add_heading(f"{number}. {_xml(answer.question)}", level=1)
        if answer.resolved_question:
            doc.add_paragraph().add_run(f"Follow-up read as: {_xml(answer.resolved_question)}"
                                        ).italic = True
        paragraph = doc.add_paragraph()
        if answer.refused:
            paragraph.add_run("Not answered from the documents. ").bold = True
        paragraph.add_run(_xml(answer.text))
        for notice in answer.notices:
            doc.add_paragraph().add_run(f"Note: {_xml(notice)}").italic = True
        if answer.citations:
            doc.add_heading("Sources", level=2)
            for citation in answer.citations:
                item = doc.add_paragraph()  # numbered by its own [n] only, as in Markdown
                item.add_run(f"[{citation.n}] ").bold = True
                item.add_run(_xml(citation_label(citation)))
                if citation.url:
                    item.add_run(" ")
                    add_hyperlink(item, citation.url, citation.url)
                quoted = doc.add_paragraph(style="Quote")
                quote = " ".join((citation.quote or citation.text).split())
                quoted.add_run(f"\u201c{_xml(quote)}\u201d").font.size = Pt(10)
    sources = source_list(turns)
    if sources:
        doc.add_heading("Documents cited", level=1)
        for title_, url in sources:
            item = doc.add_paragraph(_xml(title_), style="List Bullet")
            if url:
                item.add_run(" ")
                add_hyperlink(item, url, url)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def add_hyperlink(paragraph, url: str, text: str) -> None:
    """A real, clickable link in a python-docx paragraph (python-docx has no API for it)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "0563C1")
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    props.extend([style, color, underline])
    run.append(props)
    content = OxmlElement("w:t")
    content.text = _xml(text)
    run.append(content)
    link.append(run)
    paragraph._p.append(link)


def source_list(turns: Sequence[Answer]) -> list[tuple[str, str | None]]:
    """Each cited document once, in order of first citation, with its official URL (no page)."""
    seen: dict[str, str | None] = {}
    for answer in turns:
        for citation in answer.citations:
            if citation.title not in seen:
                seen[citation.title] = citation.url.split("#")[0] if citation.url else None
    return list(seen.items())


def _citation_markdown(citation: Citation) -> list[str]:
    heading = f"[{citation.n}] {_md(citation_label(citation))}"
    if citation.url:
        heading += f" <{citation.url}>"
    quoted = citation.quote or citation.text
    return [f"- {heading}", "", f"  > {_md(' '.join(quoted.split()))}", ""]


def _md(text: str) -> str:
    """Document and user text inside Markdown: no raw HTML can slip through."""
    return _xml(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml(text: str | None) -> str:
    """Text without the characters a Word document cannot store (NUL, control characters,
    lone surrogates): an export never fails on what a question or passage contains."""
    return NOT_XML.sub("", text or "")


def _stamp(when: datetime | None) -> str:
    return (when or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")


def _check_turns(turns: Sequence[Answer]) -> None:
    if isinstance(turns, str | bytes) or not all(isinstance(t, Answer) for t in turns):
        raise TypeError("turns must be a sequence of assistant.models.Answer")
