"""Turn answers into safe HTML and Markdown for display.

Everything that comes from a user or a document is escaped here: a question or passage holding
`<script>` or `<img onerror=...>` is shown as text. Only the tags written in this module reach
the page. Pure functions, no Gradio: the app only wires them to components.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlparse

from assistant.i18n import ENDONYMS
from assistant.models import Answer, Citation, Filters, Passage

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:])")
CITATION_MARKER = re.compile(r"\[(\d+)\]")
RELATED_PASSAGES = 3  # passages shown with a refusal
SHORT_TITLE_CHARS = 48  # a longer title without an instrument name is cut for citations
PASSAGE_PREVIEW_CHARS = 1500

INGEST_HELP = (
    "Nothing is indexed yet, so there is nothing to answer from. Ingest the documents first:\n\n"
    "- `make run` with `UNODC_CORPUS_DIR` set to the folder of documents ingests what is new "
    "or changed, then starts the app, or\n"
    "- `python -m ingest --corpus-dir PATH` (add `--download` to fetch the catalogued official "
    "documents), then restart the app or press **Reload index** in the Documents tab."
)


def escape_html(text: str) -> str:
    return html.escape(text or "", quote=True)


def escape_markdown(text: str) -> str:
    """Text shown literally inside Markdown: HTML-escaped and Markdown punctuation disarmed."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", escape_html(text))


def safe_url(url: str | None) -> str | None:
    """Only http(s) links reach the page (no `javascript:` or `data:` URLs)."""
    if not url:
        return None
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return None
    return url.strip()


def source_anchor(turn: int, n: int) -> str:
    return f"source-{turn}-{n}"


def page_description(citation: Citation | Passage) -> str:
    """'printed p. 12, PDF p. 14' (or '' for documents without pages)."""
    if isinstance(citation, Passage):
        label, start, end = (citation.chunk.page_label, citation.chunk.page_start,
                             citation.chunk.page_end)
    else:
        label, start, end = citation.page_label, citation.page_start, citation.page_end
    if not start:
        return ""
    pdf = f"PDF p. {start}" if not end or end == start else f"PDF pp. {start}-{end}"
    return f"printed p. {label}, {pdf}" if label else pdf


def short_name(source: Citation | Passage) -> str:
    """'SOM Protocol' for a treaty text, else its title, cut at the first colon, dash or comma
    when long ('Global Report on Trafficking in Persons 2024')."""
    located = source.chunk if isinstance(source, Passage) else source
    if located.instrument:
        return located.instrument
    title = located.title or located.source
    if len(title) <= SHORT_TITLE_CHARS:
        return title
    cut = re.search(r"(?<=.{12})(:| [-\u2013\u2014] |,| \()", title)
    return title[:cut.start()] if cut else title


def citation_label(citation: Citation) -> str:
    """Plain text, short: 'SOM Protocol, Art. 5(1)' or 'Global Report …, p. 74 (PDF p. 10)';
    an edition in another language than English says which: 'SOM Protocol, Art. 5 [español]'."""
    locator = re.sub(r"^Article\b", "Art.", citation.locator or "")
    pages = page_description(citation)
    parts = ", ".join(part for part in (short_name(citation), locator) if part)
    label = f"{parts} ({pages})" if pages else parts
    if citation.language and citation.language != "en":
        label += f" [{ENDONYMS.get(citation.language, citation.language)}]"
    return label


def answer_text_html(text: str, citations: list[Citation], turn: int) -> str:
    """Answer text escaped for Markdown, each known `[n]` turned into a link to its source."""
    known = {c.n: c for c in citations}
    pieces: list[str] = []
    last = 0
    for match in CITATION_MARKER.finditer(text):
        n = int(match.group(1))
        if n not in known:
            continue
        pieces.append(escape_markdown(text[last:match.start()]))
        title = escape_html(citation_label(known[n]))
        pieces.append(f'<a class="cite" href="#{source_anchor(turn, n)}" title="{title}">'
                      f"[{n}]</a>")
        last = match.end()
    pieces.append(escape_markdown(text[last:]))
    return "".join(pieces)


def answer_markdown(answer: Answer, turn: int, partial_text: str | None = None) -> str:
    """The chat message of an answer; `partial_text` while it streams in."""
    if answer.refused:
        body = ("**Not answered from the documents.** " + escape_markdown(answer.text)
                + "\n\nSee *Possibly related passages* in the sources panel.")
        return body if partial_text is None else escape_markdown(partial_text)
    text = answer.text if partial_text is None else partial_text
    parts = [answer_text_html(text, answer.citations, turn)]
    if partial_text is not None:
        return parts[0]
    if answer.resolved_question:
        parts.append(f"*Follow-up read as: {escape_markdown(answer.resolved_question)}*")
    parts += [f"*Note: {escape_markdown(notice)}*" for notice in answer.notices]
    if answer.citations:
        lines = [f"{c.n}\\. {escape_markdown(citation_label(c))}" for c in answer.citations]
        parts.append("**Sources**  \n" + "  \n".join(lines))
    if answer.referred_to:
        parts.append(referred_to_markdown(answer.referred_to, turn))
    return "\n\n".join(parts)


def referred_to_markdown(referred: list[Citation], turn: int) -> str:
    """The provisions the cited passages refer to, each with its key sentence."""
    lines = [f'<a class="cite" href="#{source_anchor(turn, c.n)}">[{c.n}]</a> '
             f"{escape_markdown(citation_label(c))}: \u201c{escape_markdown(c.quote or '')}"
             "\u201d" for c in referred]
    return "**Referred to**  \n" + "  \n".join(lines)


def highlight(text: str, quote: str | None) -> str:
    """Escaped passage text with the quoted sentence(s) wrapped in <mark>."""
    spans = quote_spans(text, quote)
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(escape_html(text[last:start]))
        out.append(f"<mark>{escape_html(text[start:end])}</mark>")
        last = end
    out.append(escape_html(text[last:]))
    return "".join(out)


def quote_spans(text: str, quote: str | None) -> list[tuple[int, int]]:
    """Where the quote's sentences occur in the text (whitespace-insensitive), in order."""
    if not quote or not quote.strip():
        return []
    whole = _find(text, quote)
    if whole:
        return [whole]
    # an ellipsis marks text left out of the quote: what follows it is found on its own
    spans = [span for part in re.split(r"(?<=[.;:!?])\s+|\s*\u2026\s*", quote)
             if len(part.strip()) > 3 and (span := _find(text, part))]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _find(text: str, fragment: str) -> tuple[int, int] | None:
    words = fragment.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(word) for word in words)
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else None


def _official_link(url: str | None, page: int | None) -> str:
    url = safe_url(url)
    if not url:
        return '<span class="no-link">No official link catalogued for this document.</span>'
    label = f"Official document, PDF page {page}" if page and "#page=" in url else \
        "Official document"
    return (f'<a href="{escape_html(url)}" target="_blank" rel="noopener noreferrer">'
            f"{label} &#8599;</a>")


def citation_html(citation: Citation, turn: int, open_: bool = False,
                  titled: bool = True) -> str:
    """One source; `titled=False` under a heading that already names its document."""
    pages = page_description(citation)
    shown = citation.text if len(citation.text) <= PASSAGE_PREVIEW_CHARS * 2 else \
        citation.text[: PASSAGE_PREVIEW_CHARS * 2] + " …"
    title = f"<strong>{escape_html(citation.title)}</strong> &middot; " if titled else ""
    return (
        f'<details class="source" id="{source_anchor(turn, citation.n)}"'
        f'{" open" if open_ else ""}>'
        f'<summary><span class="source-n">[{citation.n}]</span> {title}'
        f"{escape_html(citation.locator)}"
        f'{f" &middot; {escape_html(pages)}" if pages else ""}</summary>'
        f'<blockquote class="passage">{highlight(shown, citation.quote)}</blockquote>'
        f"{_notes_html(citation.notes)}"
        f'<p class="source-meta">{escape_html(citation.source)} &middot; '
        f"{_official_link(citation.url, citation.page_start)}{_provision_link(citation)}</p>"
        "</details>"
    )


def _notes_html(notes: str | None) -> str:
    """A report passage's notes, folded: they are the document's apparatus, not the answer."""
    if not notes or not notes.strip():
        return ""
    lines = [line for line in notes.splitlines() if line.strip()]
    items = "".join(f"<li>{escape_html(line)}</li>" for line in lines)
    return (f'<details class="notes"><summary>Notes of this passage ({len(lines)})</summary>'
            f"<ul>{items}</ul></details>")


def _provision_link(citation: Citation) -> str:
    """A treaty article opens in the Provisions tab (the app's script does the opening)."""
    if not citation.instrument or not (citation.locator or "").startswith("Article"):
        return ""
    label = escape_html(f"{citation.instrument}, {citation.locator}")
    return (f' &middot; <a class="open-provision" href="#provision-view" '
            f'data-citation="{label}">Open the article</a>')


def grouped_citations_html(citations: list[Citation], turn: int, open_first: bool) -> str:
    """Citations grouped by document, in order of first citation: the full title once, then
    each cited place in it."""
    groups: dict[str, list[Citation]] = {}
    for citation in citations:
        groups.setdefault(citation.title, []).append(citation)
    blocks = []
    for title, members in groups.items():
        items = "".join(citation_html(c, turn, open_=open_first and c.n == 1, titled=False)
                        for c in members)
        blocks.append(f'<div class="source-group"><p class="source-title">'
                      f"<strong>{escape_html(title)}</strong></p>{items}</div>")
    return "".join(blocks)


def passage_html(passage: Passage) -> str:
    c = passage.chunk
    pages = page_description(passage)
    text = c.text if len(c.text) <= PASSAGE_PREVIEW_CHARS else c.text[:PASSAGE_PREVIEW_CHARS] + " …"
    url = c.url
    if url and c.page_start and url.lower().split("#")[0].endswith(".pdf"):
        url = f"{url.split('#')[0]}#page={c.page_start}"
    return (
        '<details class="source related">'
        f"<summary><strong>{escape_html(c.title)}</strong> &middot; {escape_html(c.locator)}"
        f'{f" &middot; {escape_html(pages)}" if pages else ""}</summary>'
        f'<blockquote class="passage">{escape_html(text)}</blockquote>'
        f'<p class="source-meta">{escape_html(c.source)} &middot; '
        f"{_official_link(url, c.page_start)}</p>"
        "</details>"
    )


EMPTY_SOURCES = ('<div class="sources empty"><p>Sources appear here, for every answer of the '
                 "conversation: title, article or page, the passage with the quoted sentence "
                 "highlighted, and a link to the official document.</p></div>")


def sources_html(answer: Answer | None, turn: int = 0) -> str:
    """The sources of one answer: each citation with its highlighted passage, or, for a
    refusal, the possibly related passages, clearly marked as not an answer."""
    if answer is None:
        return EMPTY_SOURCES
    return f'<div class="sources">{_turn_sources(answer, turn, latest=True)}</div>'


def conversation_sources_html(turns: list[Answer]) -> str:
    """The sources panel: every answer's sources, newest first, each under its own question,
    so that a `[n]` of an earlier answer still opens that answer's passage."""
    if not turns:
        return EMPTY_SOURCES
    sections = [_turn_sources(answer, turn, latest=turn == len(turns) - 1)
                for turn, answer in reversed(list(enumerate(turns)))]
    return f'<div class="sources">{"".join(sections)}</div>'


def _turn_sources(answer: Answer, turn: int, latest: bool) -> str:
    question = escape_html(answer.question)
    heading = f"{turn + 1}. " if not latest else ""
    if answer.refused:
        related = answer.passages[:RELATED_PASSAGES]
        items = "".join(passage_html(p) for p in related) or "<p>No passages were found.</p>"
        body = (f"<h4>{heading}Possibly related passages</h4>"
                f'<p class="warning">Not an answer to &ldquo;{question}&rdquo;: the documents '
                f"do not answer it. These are only the closest passages found.</p>{items}")
        kind = "refused"
    elif not answer.citations:
        body = f"<p>No sources cited for &ldquo;{question}&rdquo;.</p>"
        kind = "uncited"
    else:
        items = grouped_citations_html(answer.citations, turn, open_first=latest)
        body = f"<h4>{heading}Sources for &ldquo;{question}&rdquo;</h4>{items}"
        if answer.referred_to:
            body += ("<h4>Referred to</h4>"
                     + grouped_citations_html(answer.referred_to, turn, open_first=False))
        kind = "cited"
    return (f'<section class="turn-sources {kind}" id="{turn_anchor(turn)}" '
            f'data-turn="{turn}">{body}</section>')


def turn_anchor(turn: int) -> str:
    return f"sources-turn-{turn}"


def documents_html(documents: list[dict]) -> str:
    """The Documents tab: what is indexed, or how to ingest when nothing is."""
    if not documents:
        return f'<div class="documents empty">{_markdownish(INGEST_HELP)}</div>'
    rows = []
    for doc in sorted(documents, key=lambda d: (d.get("kind") or "", d.get("title") or "")):
        url = safe_url(doc.get("url"))
        link = (f'<a href="{escape_html(url)}" target="_blank" rel="noopener noreferrer">'
                "official link</a>") if url else "&ndash;"
        rows.append(
            "<tr>"
            f"<td>{escape_html(str(doc.get('title') or doc.get('id') or ''))}</td>"
            f"<td>{escape_html(str(doc.get('kind') or ''))}</td>"
            f"<td>{escape_html(str(doc.get('instrument') or ''))}</td>"
            f"<td>{escape_html(str(doc.get('year') or ''))}</td>"
            f"<td>{escape_html(str(doc.get('pages') or '') or '–')}</td>"
            f"<td>{escape_html(str(doc.get('chunks') or 0))}</td>"
            f"<td>{escape_html(str(doc.get('source') or ''))}</td>"
            f"<td>{link}</td>"
            "</tr>"
        )
    total = sum(int(d.get("chunks") or 0) for d in documents)
    return (
        f'<div class="documents"><p>{len(documents)} documents, {total} passages indexed.</p>'
        "<table><thead><tr><th>Title</th><th>Kind</th><th>Instrument</th><th>Year</th>"
        "<th>PDF pages</th><th>Passages</th><th>File</th><th>Link</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _markdownish(text: str) -> str:
    """The fixed help text as HTML: `code` spans, **bold** and list items."""
    escaped = escape_html(text)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    escaped = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)
    lines = escaped.split("\n")
    items = [f"<li>{line[2:]}</li>" for line in lines if line.startswith("- ")]
    prose = [f"<p>{line}</p>" for line in lines if line and not line.startswith("- ")]
    return "".join(prose) + (f"<ul>{''.join(items)}</ul>" if items else "")


def filters_line(filters: Filters, titles: dict[str, str] | None = None) -> str:
    """'**Filters on:** kind: report; years 2000-2010' (Markdown), or '' when none apply."""
    titles = titles or {}
    parts = []
    if filters.doc_ids:
        parts.append("documents: " + ", ".join(titles.get(d, d) for d in filters.doc_ids))
    if filters.sources:
        parts.append("files: " + ", ".join(filters.sources))
    if filters.instruments:
        parts.append("instrument: " + ", ".join(filters.instruments))
    if filters.kinds:
        parts.append("kind: " + ", ".join(filters.kinds))
    if filters.year_min is not None or filters.year_max is not None:
        low = filters.year_min if filters.year_min is not None else "…"
        high = filters.year_max if filters.year_max is not None else "…"
        parts.append(f"years {low}-{high}")
    if not parts:
        return ""
    return ("**Filters on:** " + escape_markdown("; ".join(parts))
            + " \u2014 answers come only from these documents.")
