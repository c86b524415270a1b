"""Briefs over the real index of the shared corpus."""

from __future__ import annotations

import io

import pytest
from docx import Document as WordDocument

from assistant.trainer.brief import (
    PRESETS,
    build_brief,
    find_preset,
    has_figure,
    merge_locators,
    quote_in_passage,
    resolve,
)
from assistant.trainer.export import brief_to_docx, brief_to_markdown, escape_md
from ingest.clean import note_debris

# The provisions each Working Group topic and "child trafficking" is specifically about.
SPECIFIC = {
    "child-trafficking": {("TIP Protocol", "Article 3(c)"), ("TIP Protocol", "Article 3(d)"),
                          ("TIP Protocol", "Article 6, para. 4"), ("CRC OPSC", "Article 2(a)"),
                          ("Slavery Convention 1956", "Article 1(d)")},
    "organ-removal": {("TIP Protocol", "Article 3(a)"), ("CRC OPSC", "Article 3, para. 1")},
    "som-cooperation": {("SOM Protocol", "Article 7"), ("SOM Protocol", "Article 10, para. 1")},
    "som-protection": {("SOM Protocol", "Article 16, para. 1"), ("SOM Protocol", "Article 5")},
}


@pytest.fixture(scope="module")
def som_protection(assistant):
    return build_brief(assistant, "protection and assistance measures for smuggled migrants")


@pytest.fixture(scope="module")
def child_trafficking(assistant):
    return build_brief(assistant, "child trafficking")


def test_presets_are_the_2024_working_group_topics():
    titles = {p.title.lower() for p in PRESETS.values()}
    assert "child trafficking" in titles
    assert "trafficking in persons for the purpose of organ removal" in titles
    assert find_preset("  Protection and assistance measures for SMUGGLED migrants ").key == (
        "som-protection")
    assert find_preset("organ removal").key == "organ-removal"
    assert find_preset("money laundering") is None


def test_merge_locators():
    assert merge_locators(["Article 16, para. 1", "Article 16, para. 3"]) == (
        "Article 16, paras. 1, 3")
    assert merge_locators(["Article 3(c)", "Article 3(d)"]) == "Article 3(c), (d)"
    assert merge_locators(["Article 5"]) == "Article 5"


def test_has_figure_ignores_years_and_page_references():
    assert has_figure("between 20 and 40 per cent of all workers in ASM are children")
    assert has_figure("with between 4,500 and 5,000 children affected")
    assert not has_figure("Prevalence studies were conducted in 2021 (see page 74).")


def test_som_protection_brief_quotes_article_16(som_protection):
    assert som_protection.preset == "som-protection"
    quoted = [item for item in som_protection.items()
              if item.citation.instrument == "SOM Protocol" and item.citation.article == "16"]
    assert quoted, [i.citation.label() for i in som_protection.items()]
    item = quoted[0]
    assert item.citation.locator.startswith("Article 16")
    assert "Smuggling of Migrants Protocol, Article 16" in item.citation.label()
    assert "protect" in item.quote or "assistance" in item.quote  # para. 1: "preserve and
    # protect the rights"


def test_child_trafficking_brief_quotes_article_3c_and_a_report_figure(child_trafficking):
    items = [item for key in ("key", "definitions")
             for item in (child_trafficking.section(key).items if child_trafficking.section(key)
                          else [])]
    article_3 = [i for i in items
                 if i.citation.instrument == "TIP Protocol" and i.citation.article == "3"]
    assert article_3 and "(c)" in article_3[0].citation.locator
    assert "receipt of a child for the purpose of exploitation" in article_3[0].quote
    facts = child_trafficking.section("facts")
    assert facts is not None and facts.items
    figure = facts.items[0]
    assert figure.citation.kind == "report"
    assert figure.citation.page_label and figure.citation.page_label.isdigit()
    assert 65 <= int(figure.citation.page_label) <= 109  # printed pages, not PDF indices
    assert f"p. {figure.citation.page_label}" in figure.citation.locator
    assert has_figure(figure.quote)


def test_every_quote_is_in_its_passage_and_no_passage_twice(assistant, child_trafficking,
                                                           som_protection):
    for brief in (child_trafficking, som_protection):
        ids = [item.citation.chunk_id for item in brief.items()]
        assert len(ids) == len(set(ids))
        for item in brief.items():
            chunk = resolve(assistant, item.citation)
            assert chunk is not None and quote_in_passage(item.quote, chunk), item.quote


def test_sections_in_order_and_sources_list_every_document(child_trafficking):
    keys = [s.key for s in child_trafficking.sections]
    order = ["key", "definitions", "obligations", "protections", "facts", "related"]
    assert keys == [k for k in order if k in keys]
    cited = {item.citation.doc_id for item in child_trafficking.items()}
    assert {s.source for s in child_trafficking.sources} >= {
        item.citation.source for item in child_trafficking.items()}
    assert len(child_trafficking.sources) == len(cited)


def test_related_provisions_come_from_other_instruments(child_trafficking):
    related = child_trafficking.section("related")
    assert related is not None
    assert all(i.citation.instrument not in (None, "TIP Protocol", "Firearms Protocol")
               for i in related.items)


def test_unrelated_topic_gives_no_noise(assistant):
    brief = build_brief(assistant, "recipe for chocolate cake with strawberries")
    assert len(brief.items()) <= 2  # sections under the threshold are left out


def test_bad_topic_is_rejected(assistant):
    with pytest.raises(ValueError):
        build_brief(assistant, "   ")


def test_docx_has_headings_and_citations(child_trafficking):
    document = WordDocument(io.BytesIO(brief_to_docx(child_trafficking)))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for section in child_trafficking.sections:
        assert section.heading in headings
    assert "Sources" in headings
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Trafficking in Persons Protocol, Article 3" in text
    assert "Global Report on Trafficking in Persons 2024" in text


def test_markdown_escapes_document_text(child_trafficking):
    markdown = brief_to_markdown(child_trafficking)
    assert markdown.startswith("# Brief: Child trafficking")
    assert "## Provisions specific to this topic" in markdown  # the topic's own provisions lead
    assert escape_md("a) *bold* <b>x</b> [link](u)") == (
        "a) \\*bold\\* \\<b\\>x\\</b\\> \\[link\\](u)")


@pytest.fixture(scope="module")
def preset_briefs(assistant, child_trafficking, som_protection):
    built = {"child-trafficking": child_trafficking, "som-protection": som_protection}
    for key in PRESETS:
        built.setdefault(key, build_brief(assistant, key))
    return built


def test_each_topic_leads_with_its_specific_provisions(preset_briefs):
    for key, wanted in SPECIFIC.items():
        brief = preset_briefs[key]
        assert brief.sections[0].key == "key", key
        named = {(i.citation.instrument, i.citation.locator) for i in brief.sections[0].items}
        assert wanted <= named, (key, named)
    child = preset_briefs["child-trafficking"].section("key").items
    assert any("under eighteen years of age" in item.quote for item in child)


def test_criminalisation_line_is_the_offence_establishing_paragraph(preset_briefs):
    for brief in preset_briefs.values():
        obligations = brief.section("obligations")
        lines = [i for i in (obligations.items if obligations else [])
                 if (i.label or "").startswith("Criminalisation")]
        for line in lines:
            assert "establish as criminal offences" in " ".join(line.quote.split()), (
                brief.title, line.citation.locator, line.quote)


def test_no_brief_sentence_carries_note_debris(preset_briefs):
    for brief in preset_briefs.values():
        for item in brief.items():
            assert note_debris(item.quote) == [], (brief.title, item.citation.locator, item.quote)


def test_a_french_question_on_the_definition_never_returns_an_endnote(assistant):
    answer = assistant.ask("Quelle est la définition de la traite des personnes ?")
    for passage in answer.passages:
        paragraphs = [p for p in passage.chunk.text.split("\n\n") if p.strip()]
        assert not any(note_debris(p.split(". ")[0]) for p in paragraphs), passage.chunk.text
    assert not any(note_debris(citation.quote or "") for citation in answer.citations)
