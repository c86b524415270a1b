"""A conversation exported as Markdown and DOCX, with citations and the list of sources."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from docx import Document as WordDocument

from assistant.models import Answer, Chunk, Citation, Passage
from ui.export import export_docx, export_markdown, source_list

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
TREATY = "https://www.unodc.org/documents/treaties/TOCebook-e.pdf"


def answer(question: str, quote: str, title: str, locator: str, **extra) -> Answer:
    chunk = Chunk(doc_id=title.lower(), source=f"{title}.md", title=title, locator=locator,
                  url=TREATY, text=f"{quote} Further text.", **extra)
    passage = Passage(chunk=chunk, rank=1, score=0.8)
    return Answer(question=question, text=f"Under {locator}: “{quote}” [1]",
                  citations=[Citation.from_passage(1, passage, quote=quote)],
                  passages=[passage])


@pytest.fixture
def turns() -> list[Answer]:
    first = answer("What is trafficking <b>in persons</b>?", "Trafficking in persons shall mean",
                   "TIP Protocol", "Article 3(a)")
    follow = answer("And for children?", "Child shall mean any person under eighteen",
                    "TIP Protocol", "Article 3(d)")
    follow.resolved_question = "What is trafficking in persons? And for children?"
    refused = Answer(question="Best pizza?", text="The corpus does not answer this question.",
                     refused=True)
    return [first, follow, refused]


def test_markdown_has_questions_answers_quotes_and_the_source_list(turns):
    text = export_markdown(turns, when=WHEN)
    assert text.startswith("# UNODC assistant") and "2024-05-01 12:00 UTC" in text
    assert "## 1. What is trafficking &lt;b&gt;in persons&lt;/b&gt;?" in text  # no raw HTML
    assert "“Trafficking in persons shall mean” [1]" in text
    assert "- [1] TIP Protocol, Art. 3(a) <" + TREATY + ">" in text
    assert "  > Child shall mean any person under eighteen" in text
    assert "*Follow-up read as: What is trafficking in persons? And for children?*" in text
    assert "**Not answered from the documents.**" in text
    assert text.rstrip().endswith(f"- TIP Protocol <{TREATY}>")  # cited once in the list


def test_docx_holds_the_same_content(turns, tmp_path):
    path = export_docx(turns, tmp_path / "handout.docx", when=WHEN)
    paragraphs = [p.text for p in WordDocument(str(path)).paragraphs]
    body = "\n".join(paragraphs)
    assert "1. What is trafficking <b>in persons</b>?" in paragraphs  # plain text in Word
    assert "[1] TIP Protocol, Art. 3(a) " + TREATY in paragraphs
    assert "“Child shall mean any person under eighteen”" in paragraphs
    assert "Not answered from the documents." in body and "Documents cited" in paragraphs


def test_empty_conversation_and_bad_arguments(tmp_path):
    assert "No questions were asked." in export_markdown([])
    export_docx([], tmp_path / "empty.docx")
    with pytest.raises(ValueError, match=".docx"):
        export_docx([], tmp_path / "handout.pdf")
    with pytest.raises(TypeError):
        export_markdown([{"question": "dicts are not answers"}])


def test_source_list_drops_the_page_anchor(turns):
    turns[0].citations[0].url = TREATY + "#page=12"
    assert source_list(turns) == [("TIP Protocol", TREATY)]


def test_docx_numbers_each_source_once_and_links_are_clickable(turns, tmp_path):
    doc = WordDocument(str(export_docx(turns, tmp_path / "c.docx", when=WHEN)))
    sources = [p for p in doc.paragraphs if p.text.startswith("[1] ")]
    assert len(sources) == 2 and all(p.style.name != "List Number" for p in sources)
    links = {rel.target_ref for rel in doc.part.rels.values() if rel.reltype.endswith(
        "/hyperlink")}
    assert links == {TREATY}
    assert TREATY in sources[0].text  # the link text is the URL itself


def test_exports_never_fail_on_control_characters_or_lone_surrogates(tmp_path):
    hostile = answer("Is\x00 this\x07 trafficking\x1b?", "Recruitment by \x0bforce\ud800",
                     "TIP Protocol", "Article 3(a)")
    text = export_markdown([hostile], when=WHEN)
    assert "Is this trafficking?" in text and "\x00" not in text and "\ud800" not in text
    doc = WordDocument(str(export_docx([hostile], tmp_path / "h.docx", when=WHEN)))
    assert any("Is this trafficking?" in p.text for p in doc.paragraphs)
