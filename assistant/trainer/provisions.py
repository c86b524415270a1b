"""The instruments as a reader browses them: a table of contents, one article with what it
refers to and what refers to it, and the corresponding provisions of several instruments
side by side. Pure functions over the indexed chunks (`ReferenceGraph.chunks`); `compare`
also takes a search function (the assistant's retrieval) to find the provisions on a topic.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from pydantic import BaseModel, Field

from assistant.models import Chunk, Filters, Passage, page_url
from assistant.retrieval.crossrefs import (
    ReferenceGraph,
    article_key,
    key_order,
    key_sentence,
    parse_target,
)
from assistant.text.references import article_refs, instruments_named

# The six headings a trainer compares instruments under, each read as a search query.
THEMES: dict[str, str] = {
    "definitions": "use of terms definitions shall mean",
    "criminalisation": "criminalization establish as criminal offences",
    "protection": "assistance to and protection of victims protection of migrants rights",
    "return": "repatriation return of victims migrants",
    "prevention": "prevention measures to prevent and combat",
    "cooperation": "cooperation information exchange training law enforcement",
}


class InstrumentInfo(BaseModel):
    instrument: str
    title: str
    doc_id: str
    url: str | None = None
    articles: int = 0


class TocEntry(BaseModel):
    part: str | None  # "Chapter II. Protection of victims of trafficking in persons"
    article: str | None  # None for the preamble
    title: str | None
    label: str  # "Article 6. Assistance to and protection of victims of trafficking in persons"


class ProvisionLink(BaseModel):
    target: str  # target id, "UNTOC:16:10"
    label: str  # "UNTOC, Art. 16, para. 10"
    instrument: str
    article: str | None
    indexed: bool  # whether the target article is in the index


class ArticleView(BaseModel):
    instrument: str
    article: str
    title: str | None
    part: str | None
    doc_title: str
    source: str
    paragraphs: list[str]
    url: str | None = None
    refers_to: list[ProvisionLink] = Field(default_factory=list)
    referred_by: list[ProvisionLink] = Field(default_factory=list)
    # the articles of other instruments that apply this whole instrument (mutatis mutandis)
    applied_by: list[ProvisionLink] = Field(default_factory=list)


class ComparisonCell(BaseModel):
    instrument: str
    article: str | None
    locator: str
    title: str | None
    quote: str
    citation: str  # "TIP Protocol, Art. 6"
    url: str | None = None


class Comparison(BaseModel):
    topic: str
    instruments: list[str]
    cells: dict[str, list[ComparisonCell]]  # instrument -> its provisions, best first


def instruments(graph: ReferenceGraph) -> list[InstrumentInfo]:
    """The treaties in the index, one entry per instrument (its first document)."""
    found: dict[str, InstrumentInfo] = {}
    for (instrument, _), indexes in graph.articles.items():
        chunk = graph.chunks[indexes[0]]
        info = found.setdefault(instrument, InstrumentInfo(
            instrument=instrument, title=chunk.title, doc_id=chunk.doc_id, url=chunk.url))
        info.articles += 1
    return sorted(found.values(), key=lambda i: i.instrument)


def _own_chunks(graph: ReferenceGraph, instrument: str) -> list[Chunk]:
    """The instrument's chunks from one document (the first indexed), in reading order."""
    docs = [graph.chunks[ix[0]].doc_id for (inst, _), ix in graph.articles.items()
            if inst == instrument]
    if not docs:
        return []
    doc_id = docs[0]
    return sorted((c for c in graph.chunks if c.doc_id == doc_id), key=lambda c: c.order)


def table_of_contents(graph: ReferenceGraph, instrument: str) -> list[TocEntry]:
    entries: list[TocEntry] = []
    seen: set[str | None] = set()
    for chunk in _own_chunks(graph, instrument):
        if chunk.article in seen:
            continue
        seen.add(chunk.article)
        if chunk.article is None:
            entries.append(TocEntry(part=None, article=None, title=None, label="Preamble"))
            continue
        label = f"Article {chunk.article}" + (f". {chunk.article_title}"
                                              if chunk.article_title else "")
        entries.append(TocEntry(part=chunk.section, article=chunk.article,
                                title=chunk.article_title, label=label))
    return entries


def article_text(chunks: list[Chunk], article: str) -> str:
    """The whole article: its own chunk, or its parts joined (a long article is split)."""
    base = f"Article {article}"
    whole = [c for c in chunks if c.locator == base]
    if whole:
        return whole[0].text
    return "\n\n".join(c.text for c in sorted(chunks, key=lambda c: c.order))


def target_label(target: str) -> str:
    instrument, article, paragraph, letter = parse_target(target)
    if article is None:
        return f"{instrument} (the whole instrument)"
    label = f"{instrument}, Art. {article}"
    if paragraph:
        label += f", para. {paragraph}"
    if letter:
        label += f" ({letter})"
    return label


def _link(graph: ReferenceGraph, target: str) -> ProvisionLink:
    instrument, article, _, _ = parse_target(target)
    return ProvisionLink(target=target, label=target_label(target), instrument=instrument,
                         article=article,
                         indexed=article is None or (instrument, article) in graph.articles)


def article_view(graph: ReferenceGraph, instrument: str, article: str) -> ArticleView:
    chunks = [c for c in graph.article_chunks(instrument, article)]
    if not chunks:
        raise ValueError(f"{instrument}, article {article} is not in the index")
    doc_id = chunks[0].doc_id
    chunks = [c for c in chunks if c.doc_id == doc_id]
    first = min(chunks, key=lambda c: c.order)
    key = (instrument, article)
    applied = [k for k, entries in graph.applied_by.items() for k2, _ in entries if k2 == key]
    return ArticleView(
        instrument=instrument, article=article, title=first.article_title, part=first.section,
        doc_title=first.title, source=first.source,
        paragraphs=[p for p in article_text(chunks, article).split("\n\n") if p.strip()],
        url=page_url(first.url, first.page_start),
        refers_to=[_link(graph, t) for t in graph.outgoing.get(key, [])]
        + [_link(graph, whole) for whole in applied],
        referred_by=[_link(graph, f"{i}:{a}") for i, a in graph.incoming.get(key, [])],
        applied_by=[_link(graph, f"{i}:{a}") for i, a in
                    sorted((k for k, _ in graph.applied_by.get(instrument, [])),
                           key=key_order)],
    )


def parse_provision(text: str, known: list[str] | None = None) -> tuple[str, str]:
    """("SOM Protocol", "6") from "SOM Protocol, art. 6", "Art. 6 SOM Protocol" or a
    citation label "SOM Protocol, Art. 6(1)"; `known`: the instruments to choose from."""
    refs = article_refs(text)
    named = [refs[0].instrument] if refs and refs[0].instrument else []
    named += instruments_named(text, strong_only=False)
    named += [k for k in known or [] if k.lower() in text.lower()]
    named = [n for n in named if n and (known is None or n in known)]
    if not refs or not named:
        raise ValueError(f"name an instrument and an article, e.g. 'SOM Protocol, art. 6' "
                         f"(got {text!r})")
    return named[0], refs[0].article


def view_for(graph: ReferenceGraph, text: str) -> ArticleView:
    known = [i.instrument for i in instruments(graph)]
    return article_view(graph, *parse_provision(text, known))


def article_markdown(view: ArticleView) -> str:
    lines = [f"## {view.instrument}, Article {view.article}"
             + (f". {view.title}" if view.title else "")]
    meta = " \u00b7 ".join(p for p in (view.doc_title, view.part) if p)
    lines.append(f"*{_md(meta)}*")
    lines += [_md(p) for p in view.paragraphs]
    if view.refers_to:
        lines.append("**Refers to:** " + "; ".join(
            _md(link.label) + ("" if link.indexed else " (not in the index)")
            for link in view.refers_to))
    if view.referred_by:
        lines.append("**Referred to by:** " + "; ".join(_md(link.label)
                                                        for link in view.referred_by))
    if view.applied_by:
        lines.append("**Applied, mutatis mutandis, by:** " + "; ".join(
            _md(link.label) for link in view.applied_by))
    lines.append(f"[Official text]({view.url})" if view.url else
                 "*No official link catalogued for this document.*")
    return "\n\n".join(lines)


def toc_markdown(graph: ReferenceGraph, instrument: str) -> str:
    lines = [f"## {instrument}: contents"]
    part: str | None = None
    for entry in table_of_contents(graph, instrument):
        if entry.part and entry.part != part:
            part = entry.part
            lines.append(f"\n**{_md(part)}**\n")
        lines.append(f"- {_md(entry.label)}")
    return "\n".join(lines)


def _md(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", text)


# --- comparison ---------------------------------------------------------------------------
Search = Callable[[str, Filters], list[Passage]]


def compare(search: Search, topic: str, instruments_: list[str], per_instrument: int = 2,
            ) -> Comparison:
    """For each instrument, its treaty provisions that best answer the topic (one of THEMES
    or free text), each quoted by its key sentence and cited."""
    if len(instruments_) < 2:
        raise ValueError("compare needs two or more instruments")
    if not topic.strip():
        raise ValueError("compare needs a topic")
    query = THEMES.get(topic.strip().lower(), topic)
    cells: dict[str, list[ComparisonCell]] = {}
    for instrument in instruments_:
        passages = search(query, Filters(instruments=[instrument], kinds=["treaty"]))
        picked: list[ComparisonCell] = []
        articles: set[str | None] = set()
        for passage in passages:
            chunk = passage.chunk
            if article_key(chunk) is None or chunk.article in articles:
                continue
            articles.add(chunk.article)
            locator = re.sub(r"^Article\b", "Art.", chunk.locator)
            picked.append(ComparisonCell(
                instrument=instrument, article=chunk.article, locator=chunk.locator,
                title=chunk.article_title, quote=key_sentence(chunk),
                citation=f"{instrument}, {locator}", url=page_url(chunk.url, chunk.page_start)))
            if len(picked) == per_instrument:
                break
        cells[instrument] = picked
    return Comparison(topic=topic, instruments=instruments_, cells=cells)


def comparison_markdown(comparison: Comparison) -> str:
    """A table, one column per instrument; each cell its provisions, quoted and cited."""
    head = "| " + " | ".join(_md(i) for i in comparison.instruments) + " |"
    rule = "|" + "---|" * len(comparison.instruments)
    depth = max((len(c) for c in comparison.cells.values()), default=0)
    rows = []
    for row in range(depth):
        cells = []
        for instrument in comparison.instruments:
            found = comparison.cells.get(instrument, [])
            cells.append(_cell_markdown(found[row]) if row < len(found) else "")
        rows.append("| " + " | ".join(cells) + " |")
    if not depth:
        rows.append("| " + " | ".join("*no provision found*" for _ in comparison.instruments)
                    + " |")
    return "\n".join([f"# Comparison: {_md(comparison.topic)}", "", head, rule, *rows])


def _cell_markdown(cell: ComparisonCell) -> str:
    title = f" ({_md(cell.title)})" if cell.title else ""
    cite = f"[{_md(cell.citation)}]({cell.url})" if cell.url else _md(cell.citation)
    return f"\u201c{_md(cell.quote)}\u201d \u2014 {cite}{title}".replace("\n", " ")


def comparison_docx(comparison: Comparison) -> bytes:
    from docx import Document as WordDocument

    document = WordDocument()
    document.add_heading(f"Comparison: {comparison.topic}", level=1)
    depth = max((len(c) for c in comparison.cells.values()), default=0)
    table = document.add_table(rows=depth + 1, cols=len(comparison.instruments))
    table.style = "Table Grid"
    for col, instrument in enumerate(comparison.instruments):
        table.cell(0, col).text = instrument
        for row, cell in enumerate(comparison.cells.get(instrument, []), start=1):
            paragraph = table.cell(row, col).paragraphs[0]
            paragraph.add_run(f"\u201c{cell.quote}\u201d")
            cite = table.cell(row, col).add_paragraph()
            cite.add_run(cell.citation + (f" ({cell.title})" if cell.title else "")).italic = True
            if cell.url:
                table.cell(row, col).add_paragraph(cell.url)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_comparison(comparison: Comparison, fmt: str) -> str | bytes:
    if fmt == "md":
        return comparison_markdown(comparison)
    if fmt == "docx":
        return comparison_docx(comparison)
    raise ValueError(f"unknown format {fmt!r}: use md or docx")
