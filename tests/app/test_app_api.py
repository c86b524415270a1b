"""The chat app started on a free port and called like any client would (gradio_client)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

gradio_client = pytest.importorskip("gradio_client")

OUT = ("chat", "sources", "result", "question")  # the /ask outputs


def ask(client, question: str, **controls) -> dict:
    return dict(zip(OUT, client.predict(question=question, api_name="/ask", **controls),
                    strict=True))


def client_of(served):
    return gradio_client.Client(served[0], verbose=False)


def test_cited_answer_links_each_marker_to_a_highlighted_source(served):
    out = ask(client_of(served), "What does Article 6 of the Smuggling of Migrants Protocol "
                                 "require States to criminalize?")
    result = out["result"]
    assert not result["refused"]
    first = result["citations"][0]
    assert "Smuggling of Migrants" in first["title"] and first["locator"].startswith("Article 6")
    message = out["chat"][-1]["content"][0]["text"]
    assert '<a class="cite" href="#source-0-1"' in message
    assert 'id="source-0-1"' in out["sources"] and "<mark>" in out["sources"]
    assert "TOCebook-e.pdf" in out["sources"]  # the official document link


def test_exports_are_written_when_asked_for_and_hold_every_turn(served):
    client = client_of(served)
    with pytest.raises(Exception, match="nothing to export"):
        client.predict(api_name="/export_markdown")
    ask(client, "What does Article 6 of the Smuggling of Migrants Protocol require States to "
                "criminalize?")
    ask(client, "Can a smuggled migrant be prosecuted for having been smuggled?")
    exported = Path(client.predict(api_name="/export_markdown")).read_text(encoding="utf-8")
    assert "## 1. What does Article 6" in exported and "## 2. Can a smuggled migrant" in exported
    assert "[1]" in exported and "## Documents cited" in exported
    assert Path(client.predict(api_name="/export_docx")).stat().st_size > 0


def test_earlier_answers_keep_their_own_sources(served):
    client = client_of(served)
    first = ask(client, "What does Article 6 of the Smuggling of Migrants Protocol require "
                        "States to criminalize?")
    second = ask(client, "Which measures must States take to protect the privacy of victims of "
                         "trafficking?")
    first_locator = first["result"]["citations"][0]["locator"]
    assert 'id="source-0-1"' in second["sources"] and 'id="source-1-1"' in second["sources"]
    turn0 = second["sources"].split('id="sources-turn-0"')[1]
    assert first_locator in turn0  # turn 0's [1] still opens turn 0's passage
    assert second["sources"].index('id="sources-turn-1"') < second["sources"].index(
        'id="sources-turn-0"')  # newest first


def test_refusal_shows_possibly_related_passages_not_an_answer(served):
    out = ask(client_of(served), "What is the best pizza recipe in Naples?")
    assert out["result"]["refused"] is True and out["result"]["citations"] == []
    assert "Not answered from the documents" in out["chat"][-1]["content"][0]["text"]
    assert "Possibly related passages" in out["sources"]
    assert out["sources"].count('class="source related"') >= 1


def test_filters_restrict_the_passages(served):
    client = client_of(served)
    by_kind = ask(client, "Which factors make people vulnerable to trafficking?", kinds=["report"])
    assert by_kind["result"]["passages"]
    assert {p["source"] for p in by_kind["result"]["passages"]} == {"glotip-2024-chapter-2.pdf"}
    by_doc = ask(client, "What must States criminalize?", doc_ids=["som-protocol"],
                 year_min="2000", year_max="2000", k=3)
    sources = {p["source"] for p in by_doc["result"]["passages"]}
    assert sources == {"untoc-smuggling-of-migrants-protocol-text.md"}
    assert len(by_doc["result"]["passages"]) <= 3


def test_an_empty_year_range_gets_a_clear_message(served):
    out = ask(client_of(served), "What is smuggling of migrants?", year_min="2024",
              year_max="2000")
    assert "year range 2024-2000 is empty" in out["result"]["error"]


def test_follow_up_uses_this_sessions_conversation_only(served):
    client = client_of(served)
    ask(client, "What is the definition of trafficking in persons?")
    follow = ask(client, "And what about children?")
    assert len(follow["chat"]) == 4
    resolved = follow["result"]["resolved_question"]
    assert resolved and "trafficking in persons" in resolved.lower()
    other = ask(client_of(served), "And what about children?")  # a new session: no history
    assert len(other["chat"]) == 2 and other["result"]["resolved_question"] is None


def test_over_long_question_gets_a_clear_message(served, assistant):
    too_long = "trafficking " * (assistant.settings.max_question_chars // 12 + 5)
    out = ask(client_of(served), too_long)
    assert "maximum" in out["result"]["error"]
    assert "maximum" in out["chat"][-1]["content"][0]["text"]
    assert out["question"] == too_long  # kept in the box to be shortened


def test_question_html_is_shown_as_text(served):
    out = ask(client_of(served), "<img src=x onerror=alert(1)> what is smuggling?")
    shown = out["chat"][0]["content"][0]["text"]
    assert "<img" not in shown and "&lt;img src=x onerror=alert\\(1\\)&gt;" in shown
    assert "<img" not in out["sources"]


def test_feedback_is_appended_with_question_answer_citations_and_settings(served, assistant):
    client = client_of(served)
    out = ask(client, "What does Article 3 of the Trafficking in Persons Protocol say?")
    status, comment = client.predict(comment="Clear, with the article.",
                                     api_name="/feedback_not_helpful")
    assert "recorded" in status and comment == ""
    entries = [json.loads(line) for line in served[1].read_text(encoding="utf-8").splitlines()]
    entry = entries[-1]
    assert entry["rating"] == "not helpful" and entry["comment"] == "Clear, with the article."
    assert entry["question"] == out["result"]["question"]
    assert entry["answer"] == out["result"]["answer"]
    assert entry["citations"][0]["locator"].startswith("Article 3")
    assert entry["settings_hash"] == assistant.settings.settings_hash()


def test_documents_endpoint_lists_the_index(served, assistant):
    html = client_of(served).predict(api_name="/documents")
    for doc in assistant.documents():
        assert doc["source"] in html


def test_empty_index_says_how_to_ingest(tmp_path, assistant, port):
    from app import build_app, serve
    from assistant.core import Assistant

    settings = assistant.settings.model_copy(update={"data_dir": tmp_path, "auth": None})
    empty = Assistant(settings)
    assert empty.is_empty
    blocks = build_app(empty)
    _, url = serve(blocks, settings, port=port, block=False)
    try:
        client = gradio_client.Client(url, verbose=False)
        out = ask(client, "What is trafficking in persons?")
        assert "python -m ingest" in out["chat"][-1]["content"][0]["text"]
        assert "python -m ingest" in client.predict(api_name="/documents")
    finally:
        blocks.close()


def test_auth_setting_is_parsed_and_enforced(assistant, port):
    import urllib.error
    import urllib.request

    from app import build_app, parse_auth, serve

    assert parse_auth(None) is None and parse_auth(" ") is None
    assert parse_auth("ana:s3:cret, ben:pw") == [("ana", "s3:cret"), ("ben", "pw")]
    with pytest.raises(ValueError, match="user:password"):
        parse_auth("ana")
    settings = assistant.settings.model_copy(update={"auth": "ana:secret", "host": "127.0.0.1"})
    blocks = build_app(assistant)
    _, url = serve(blocks, settings, port=port, block=False)
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "config", timeout=30)
        assert refused.value.code == 401
        client = gradio_client.Client(url, auth=("ana", "secret"), verbose=False)
        assert "glotip-2024-chapter-2.pdf" in client.predict(api_name="/documents")
    finally:
        blocks.close()
