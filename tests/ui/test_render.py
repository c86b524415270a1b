"""Answers turned into safe HTML/Markdown: escaped text, [n] links, highlighted quotes."""

from __future__ import annotations

from assistant.models import Answer, Chunk, Citation, Passage
from ui.render import (
    answer_markdown,
    documents_html,
    escape_markdown,
    highlight,
    quote_spans,
    safe_url,
    sources_html,
)

EVIL = "<script>alert(1)</script><img src=x onerror=alert(1)>"
PDF = "https://www.unodc.org/documents/glotip.pdf"


def chunk(text: str, **extra) -> Chunk:
    fields = {"doc_id": "glotip", "source": "glotip.pdf", "title": "Global Report",
              "locator": "p. 12", "page_start": 14, "page_label": "12", "url": PDF}
    return Chunk(text=text, **{**fields, **extra})


def cited_answer(text: str = "Victims are often women. More detail follows.",
                 question: str = "Who are the victims?") -> Answer:
    passage = Passage(chunk=chunk(text), rank=1, score=0.9)
    citation = Citation.from_passage(1, passage, quote="Victims are often women.")
    return Answer(question=question, text="“Victims are often women.” [1] and [7]",
                  citations=[citation], passages=[passage])


def test_markers_link_to_their_source_and_unknown_markers_stay_text():
    message = answer_markdown(cited_answer(), turn=2)
    assert '<a class="cite" href="#source-2-1"' in message
    assert "[7]" not in message and "\\[7\\]" in message  # not a citation: literal text
    assert "printed p\\. 12, PDF p\\. 14" in message  # the compact source list


def test_sources_panel_highlights_the_quote_and_links_the_pdf_page():
    panel = sources_html(cited_answer(), turn=2)
    assert 'id="source-2-1"' in panel
    assert "<mark>Victims are often women.</mark> More detail follows." in panel
    assert f'href="{PDF}#page=14"' in panel and "PDF page 14" in panel


def test_document_and_question_html_is_escaped_everywhere():
    answer = cited_answer(text=f"Victims are often women. {EVIL}", question=EVIL)
    answer.notices.append(EVIL)
    for shown in (answer_markdown(answer, 0), sources_html(answer, 0)):
        assert "<script" not in shown and "<img" not in shown
    assert "&lt;img src=x onerror=alert(1)&gt;" in sources_html(answer, 0)
    assert "<" not in escape_markdown(EVIL)
    assert escape_markdown("**bold** [link](x)") == "\\*\\*bold\\*\\* \\[link\\]\\(x\\)"


def test_refusal_shows_related_passages_marked_as_not_an_answer():
    passages = [Passage(chunk=chunk(f"Passage {i} <b>x</b>", locator=f"p. {i}"), rank=i,
                        score=0.1) for i in range(1, 6)]
    refused = Answer(question="Best pizza?", text="The corpus does not answer this question.",
                     refused=True, passages=passages)
    panel = sources_html(refused)
    assert "Possibly related passages" in panel and "Not an answer" in panel
    assert panel.count('class="source related"') == 3 and "<b>" not in panel
    assert answer_markdown(refused, 0).startswith("**Not answered from the documents.**")


def test_quote_is_found_across_whitespace_and_sentence_by_sentence():
    text = "First sentence.\nSecond   sentence here. Unrelated. Third one."
    assert quote_spans(text, "Second sentence here.") == [(16, 39)]
    spans = quote_spans(text, "First sentence. Third one.")
    assert [text[a:b] for a, b in spans] == ["First sentence.", "Third one."]
    assert highlight("a <b> c", "missing") == "a &lt;b&gt; c"


def test_only_web_links_are_kept():
    assert safe_url("javascript:alert(1)") is None and safe_url("data:text/html,x") is None
    assert safe_url(PDF) == PDF and safe_url(None) is None


def test_documents_tab_lists_documents_or_explains_how_to_ingest():
    table = documents_html([{"id": "d", "title": EVIL, "kind": "report", "year": 2024,
                             "url": "javascript:x", "source": "d.pdf", "pages": 3,
                             "chunks": 7}])
    assert "<script" not in table and "javascript:" not in table and "7 passages" in table
    assert "python -m ingest" in documents_html([])


def test_text_after_an_ellipsis_in_a_quote_is_highlighted_too():
    text = "1. Scope comes first.\n\n2. A middle paragraph.\n\n3. The deadline is ten days."
    marked = highlight(text, "Scope comes first. \u2026 The deadline is ten days.")
    assert marked.count("<mark>") == 2
    assert "<mark>The deadline is ten days.</mark>" in marked
    assert "<mark>A middle" not in marked


def test_citations_read_short_and_each_document_is_titled_once():
    from ui.render import citation_label, short_name

    title = ("Protocol against the Smuggling of Migrants by Land, Sea and Air, supplementing the "
             "United Nations Convention against Transnational Organized Crime")
    passages = [Passage(chunk=Chunk(doc_id="som", source="som.md", title=title,
                                    instrument="SOM Protocol", locator=f"Article {n}",
                                    text=f"Each State Party shall act under article {n}."),
                        rank=n, score=0.9) for n in (5, 6, 16)]
    citations = [Citation.from_passage(i, p, quote=p.chunk.text)
                 for i, p in enumerate(passages, 1)]
    answer = Answer(question="What applies to smuggled migrants?",
                    text="Quoted [1] [2] [3]", citations=citations, passages=passages)
    assert citation_label(citations[0]) == "SOM Protocol, Art. 5"
    assert "SOM Protocol, Art. 16" in answer_markdown(answer, 0) and title not in \
        answer_markdown(answer, 0)
    panel = sources_html(answer, 0)
    assert panel.count(title) == 1 and panel.count('class="source"') == 3
    report = Chunk(doc_id="g", source="g.pdf", locator="p. 74", text="x",
                   title="Global Report on Trafficking in Persons 2024: Chapter 2, Africa")
    assert short_name(Passage(chunk=report, rank=1, score=0.5)) == \
        "Global Report on Trafficking in Persons 2024"


def test_a_report_passages_notes_are_folded_under_it_not_quoted():
    chunk = Chunk(doc_id="g", source="g.pdf", title="Global Report", locator="p. 88",
                  text="Most victims were detected in the region.j",
                  notes="j UNODC (2023) <b>survey</b> of 154 interviews.")
    passage = Passage(chunk=chunk, rank=1, score=0.9)
    citation = Citation.from_passage(1, passage, quote="Most victims were detected in the region.")
    answer = Answer(question="Where were victims detected?", text="Quoted [1]",
                    citations=[citation], passages=[passage])
    panel = sources_html(answer, 0)
    assert '<details class="notes"><summary>Notes of this passage (1)</summary>' in panel
    assert "&lt;b&gt;survey&lt;/b&gt;" in panel and "<b>" not in panel
    assert "154 interviews" not in answer_markdown(answer, 0)


def test_a_citation_of_an_edition_in_another_language_names_the_language():
    from assistant.models import Citation
    from ui.render import citation_label

    spanish = Citation(n=1, passage_rank=1, source="TOCebook-s.pdf", title="Convención",
                       locator="Article 5", text="…", instrument="SOM Protocol", language="es")
    assert citation_label(spanish).endswith("[español]")
    english = spanish.model_copy(update={"language": "en"})
    assert citation_label(english) == "SOM Protocol, Art. 5"
