"""The instruments as a connected whole, over the real indexed corpus: the reference graph,
the provision browser, "Referred to" in answers and the side-by-side comparison."""

from __future__ import annotations

import io

import pytest
from docx import Document as WordDocument

from assistant.models import Passage
from assistant.retrieval.crossrefs import graph_of, referred_to
from assistant.trainer.provisions import (
    article_markdown,
    article_view,
    compare,
    comparison_markdown,
    instruments,
    parse_provision,
    render_comparison,
    table_of_contents,
    view_for,
)
from ui.render import answer_markdown, sources_html


@pytest.fixture(scope="module")
def graph(assistant):
    return graph_of(assistant.retriever)


def test_every_treaty_of_the_corpus_is_browsable(graph):
    names = {info.instrument: info for info in instruments(graph)}
    assert {"UNTOC", "TIP Protocol", "SOM Protocol", "Firearms Protocol"} <= set(names)
    assert names["TIP Protocol"].articles == 20 and names["UNTOC"].articles == 41


def test_table_of_contents_has_parts_and_titled_articles(graph):
    toc = table_of_contents(graph, "TIP Protocol")
    assert toc[0].label == "Preamble"
    articles = [e for e in toc if e.article]
    assert [e.article for e in articles] == [str(n) for n in range(1, 21)]
    six = articles[5]
    assert six.title.startswith("Assistance to and protection of victims")
    assert six.part.startswith("Chapter II")


def test_article_view_shows_both_directions_and_the_official_link(graph):
    five = article_view(graph, "SOM Protocol", "5")
    assert [link.target for link in five.refers_to] == ["SOM Protocol:6"]
    six = article_view(graph, "SOM Protocol", "6")
    referring = {link.target for link in six.referred_by}
    assert {"SOM Protocol:5", "SOM Protocol:16", "SOM Protocol:19"} <= referring
    assert six.paragraphs[0].startswith("1.") and len(six.paragraphs) > 4
    assert six.url and six.url.startswith("http")
    markdown = article_markdown(six)
    assert "**Referred to by:**" in markdown and "SOM Protocol, Art. 5" in markdown


def test_the_convention_is_applied_by_its_protocols(graph):
    tip = article_view(graph, "TIP Protocol", "1")
    assert any(link.target == "UNTOC" for link in tip.refers_to)
    untoc = article_view(graph, "UNTOC", "16")
    assert {link.target for link in untoc.applied_by} >= {"TIP Protocol:1", "SOM Protocol:1",
                                                          "Firearms Protocol:1"}
    # A protocol refers across to the Convention: the Convention's article knows it.
    twenty_seven = article_view(graph, "UNTOC", "27")
    assert "SOM Protocol:10" in {link.target for link in twenty_seven.referred_by}


def test_a_citation_label_opens_its_article(graph):
    assert parse_provision("SOM Protocol, art. 6") == ("SOM Protocol", "6")
    assert parse_provision("Art. 3(a) TIP Protocol") == ("TIP Protocol", "3")
    view = view_for(graph, "UNTOC, Art. 16, para. 10")
    assert (view.instrument, view.article, view.title) == ("UNTOC", "16", "Extradition")
    with pytest.raises(ValueError):
        view_for(graph, "the smuggling protocol")


def test_referred_to_resolves_a_paragraph_target(graph):
    # "For the purposes of article 16, paragraph 10, of this Convention" (Art. 15(5))
    fifteen = [c for c in graph.article_chunks("UNTOC", "15")
               if "UNTOC:16:10" in (c.references or "")]
    assert fifteen
    found = referred_to([Passage(chunk=c, rank=1, score=1.0) for c in fifteen], graph)
    assert any(p.chunk.article == "16" and "10" in p.chunk.locator for p in found)


def test_som_article_5_answer_shows_article_6_under_referred_to(assistant):
    answer = assistant.ask("What does Article 5 of the Smuggling of Migrants Protocol say?")
    assert not answer.refused
    assert any(c.instrument == "SOM Protocol" and c.locator.startswith("Article 5")
               for c in answer.citations)
    referred = [(c.instrument, c.locator) for c in answer.referred_to]
    assert ("SOM Protocol", "Article 6") in referred
    six = next(c for c in answer.referred_to if c.locator == "Article 6")
    assert six.n == max(c.n for c in answer.citations) + 1 and six.quote
    assert "**Referred to**" in answer_markdown(answer, 0)
    assert "Referred to</h4>" in sources_html(answer, 0)


def test_an_extradition_question_about_trafficking_gets_the_convention_and_tip_article_1(
        assistant):
    answer = assistant.ask("Is trafficking in persons an extraditable offence?")
    assert not answer.refused
    places = [(c.instrument, c.locator) for c in answer.citations + answer.referred_to]
    assert any(inst == "UNTOC" and loc.startswith("Article 16") for inst, loc in places)
    assert any(inst == "TIP Protocol" and loc.startswith("Article 1") for inst, loc in places)


def test_compare_quotes_and_cites_each_instrument(assistant):
    comparison = compare(lambda q, f: assistant.retrieve(q, filters=f), "protection",
                         ["TIP Protocol", "SOM Protocol"])
    tip, som = comparison.cells["TIP Protocol"], comparison.cells["SOM Protocol"]
    assert tip and som
    assert all(cell.instrument == "TIP Protocol" and cell.quote for cell in tip)
    assert any(cell.article == "6" for cell in tip)  # Assistance to and protection of victims
    assert any(cell.article == "16" for cell in som)  # Protection and assistance measures
    table = comparison_markdown(comparison)
    assert "| TIP Protocol | SOM Protocol |" in table and "TIP Protocol, Art." in table
    document = WordDocument(io.BytesIO(render_comparison(comparison, "docx")))
    assert document.tables[0].cell(0, 1).text == "SOM Protocol"
    with pytest.raises(ValueError):
        compare(lambda q, f: [], "protection", ["TIP Protocol"])
