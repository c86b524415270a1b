"""Twenty users at once: each gets the answer to their own question (no cross-talk)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from ui.render import escape_markdown

gradio_client = pytest.importorskip("gradio_client")

PROTOCOLS = {
    "Trafficking in Persons Protocol": ("Trafficking in Persons", (2, 3, 5, 6, 9, 10, 11)),
    "Smuggling of Migrants Protocol": ("Smuggling of Migrants", (2, 3, 5, 6, 9, 10, 16)),
    "Convention against Transnational Organized Crime": ("Convention against Transnational",
                                                         (2, 5, 6, 8, 16, 18)),
}
QUESTIONS = [(f"What does Article {n} of the {name} say?", n, title)
             for name, (title, articles) in PROTOCOLS.items() for n in articles]


def test_twenty_simultaneous_clients_get_their_own_answers(url):
    assert len(QUESTIONS) == 20

    def one_user(question: str):
        client = gradio_client.Client(url, verbose=False)
        return client.predict(question=question, api_name="/ask")

    with ThreadPoolExecutor(max_workers=len(QUESTIONS)) as pool:
        outputs = list(pool.map(one_user, [q for q, _, _ in QUESTIONS]))
    for (question, article, title), (chat, _, result, *_rest) in zip(QUESTIONS, outputs,
                                                                      strict=True):
        assert "error" not in result, result
        assert result["question"] == question
        assert len(chat) == 2 and chat[0]["content"][0]["text"] == escape_markdown(question)
        cited = result["citations"][0]
        assert cited["locator"].startswith(f"Article {article}"), (question, cited["locator"])
        assert title in cited["title"], (question, cited["title"])


def test_the_load_bench_http_user_reads_its_own_answer_from_the_event_stream(url):
    from concurrent.futures import ThreadPoolExecutor

    from evals.load import HttpUser

    questions = ["What is the smuggling of migrants?", "Who may board a vessel at sea?",
                 "How long must firearms records be kept?"]
    user = HttpUser(url)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda q: user.predict(q)[2], questions))
    assert [r["question"] for r in results] == questions
    assert all(r["citations"] or r["refused"] for r in results)
