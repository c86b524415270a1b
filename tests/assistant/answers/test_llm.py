"""The LLM answer path, driven by LangChain's fake chat models over the real index."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    GenericFakeChatModel,
)
from langchain_core.outputs import ChatResult
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI

from assistant.answers.llm import (
    REFUSAL_SENTENCE,
    answer_with_llm,
    build_messages,
    chat_model_of,
    make_chat_model,
    numbered_passages,
    remove_invalid_markers,
    renumber,
    split_reply,
)
from assistant.settings import Settings

QUESTION = "How does the Trafficking in Persons Protocol define trafficking in persons?"
DEFINITION = ("Under Article 3 of the Trafficking in Persons Protocol, trafficking in persons "
              "means the recruitment, transportation, transfer, harbouring or receipt of "
              "persons, by means of the threat or use of force or other forms of coercion, for "
              "the purpose of exploitation.")
OFF_TOPIC = "The Protocol requires every State to build a new airport in its capital city."


class FailingChatModel(BaseChatModel):
    """A chat model whose server is down."""

    @property
    def _llm_type(self) -> str:
        return "failing"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        raise ConnectionError("connection refused")


@pytest.fixture(scope="module")
def llm_assistant(index_settings: Settings):
    from assistant.core import Assistant

    return Assistant(index_settings, chat_model=FakeListChatModel(responses=["unused"]))


@pytest.fixture(scope="module")
def extractive(llm_assistant):
    answer = llm_assistant.ask(QUESTION, mode="extractive")
    top = numbered_passages(answer.passages)[1].chunk
    assert (top.instrument, top.article) == ("TIP Protocol", "3"), "retrieval changed"
    return answer


def scripted(assistant, extractive_answer, reply: str):
    assistant.chat_model = FakeListChatModel(responses=[reply])
    return answer_with_llm(assistant, extractive_answer)


# the reply's markers
def test_valid_marker_is_kept_and_cited(llm_assistant, extractive):
    llm_assistant.chat_model = GenericFakeChatModel(messages=iter([f"{DEFINITION[:-1]} [1]."]))
    answer = llm_assistant.ask(QUESTION, mode="llm")
    assert answer.mode == "llm" and not answer.refused
    assert answer.text == f"{DEFINITION[:-1]} [1]."
    assert [c.n for c in answer.citations] == [1]
    assert answer.citations[0].passage_rank == numbered_passages(answer.passages)[1].rank
    assert answer.citations[0].locator.startswith("Article 3")
    assert answer.notices == []


def test_marker_to_no_passage_is_removed(llm_assistant, extractive):
    answer = scripted(llm_assistant, extractive, f"{DEFINITION[:-1]} [1][9].")
    assert "[9]" not in answer.text and answer.text.endswith("[1].")
    assert [c.n for c in answer.citations] == [1]
    assert any("[9]" in notice and "no passage" in notice for notice in answer.notices)


def test_citations_are_renumbered_in_order_of_use(llm_assistant, extractive):
    numbered = numbered_passages(extractive.passages)
    second = numbered[2].chunk.text.split(". ")[0].rstrip(".")
    answer = scripted(llm_assistant, extractive, f"{second} [2]. {DEFINITION[:-1]} [1].")
    assert answer.text == f"{second} [1]. {DEFINITION[:-1]} [2]."
    assert [c.passage_rank for c in answer.citations] == [numbered[2].rank, numbered[1].rank]
    assert [c.n for c in answer.citations] == [1, 2]


def test_uncited_sentence_is_flagged(llm_assistant, extractive):
    uncited = "Traffickers mostly operate from abroad."
    answer = scripted(llm_assistant, extractive, f"{DEFINITION[:-1]} [1]. {uncited}")
    flagged = [n for n in answer.notices if n.startswith("Uncited")]
    assert len(flagged) == 1 and uncited in flagged[0]
    assert DEFINITION[:40] not in flagged[0]
    assert [c.n for c in answer.citations] == [1]


def test_sentence_its_passage_does_not_support_is_flagged(llm_assistant, extractive):
    answer = scripted(llm_assistant, extractive, f"{DEFINITION[:-1]} [1]. {OFF_TOPIC[:-1]} [1].")
    flagged = [n for n in answer.notices if n.startswith("Unsupported")]
    assert len(flagged) == 1 and OFF_TOPIC[:-1] in flagged[0]
    assert DEFINITION[:40] not in flagged[0]


def test_citing_the_wrong_article_is_flagged(llm_assistant, extractive):
    numbered = numbered_passages(extractive.passages)
    wrong = next(n for n, p in numbered.items() if p.chunk.article not in ("3", None))
    answer = scripted(llm_assistant, extractive, f"{DEFINITION[:-1]} [{wrong}].")
    assert any(n.startswith("Unsupported") and DEFINITION[:40] in n for n in answer.notices)


def test_refusal_from_the_model_is_a_refusal(llm_assistant, extractive):
    answer = scripted(llm_assistant, extractive, REFUSAL_SENTENCE)
    assert answer.refused and answer.citations == [] and answer.mode == "llm"
    assert "does not answer" in answer.text


def test_reply_citing_nothing_falls_back(llm_assistant, extractive):
    answer = scripted(llm_assistant, extractive, "Trafficking is a serious crime.")
    assert answer.text == extractive.text and answer.mode == "extractive"
    assert "cited none of the passages" in answer.notices[-1]


# failures
def test_model_error_falls_back_to_the_extractive_answer(llm_assistant, extractive):
    llm_assistant.chat_model = FailingChatModel()
    answer = answer_with_llm(llm_assistant, extractive)
    assert answer.text == extractive.text and answer.citations == extractive.citations
    assert answer.notices[-1] == ("The language model failed (ConnectionError: connection "
                                  "refused); showing the extractive answer.")


def test_slow_model_times_out_and_falls_back(llm_assistant, extractive):
    settings = llm_assistant.settings
    llm_assistant.settings = settings.model_copy(update={"llm_timeout_s": 0.2})
    try:
        llm_assistant.chat_model = FakeListChatModel(responses=["too late [1]."], sleep=2.0)
        answer = answer_with_llm(llm_assistant, extractive)
    finally:
        llm_assistant.settings = settings
    assert answer.text == extractive.text
    assert "TimeoutError" in answer.notices[-1] and "extractive answer" in answer.notices[-1]


@pytest.mark.parametrize("spec", ["ollama:llama3.1", "openai:some-model"])
def test_unreachable_server_falls_back(llm_assistant, extractive, spec):
    settings = Settings(llm=spec, llm_base_url="http://127.0.0.1:9", llm_timeout_s=5)
    llm_assistant.chat_model = make_chat_model(settings)
    answer = answer_with_llm(llm_assistant, extractive)
    assert answer.text == extractive.text
    assert answer.notices[-1].startswith("The language model failed (")


# the prompt and the chat model
def test_prompt_numbers_the_top_passages_by_rank(extractive):
    numbered = numbered_passages(extractive.passages)
    assert list(numbered) == list(range(1, len(numbered) + 1))
    assert [p.rank for p in numbered.values()] == sorted(p.rank for p in numbered.values())
    system, user = build_messages(QUESTION, numbered)
    assert "[n]" in system.content or "[1]" in system.content
    assert REFUSAL_SENTENCE in system.content
    assert f"Question: {QUESTION}" in user.content
    for n, passage in numbered.items():
        assert f"[{n}] {passage.chunk.title}" in user.content


def test_make_chat_model_builds_ollama_and_openai_models():
    ollama = make_chat_model(Settings(llm="ollama:llama3.1", llm_timeout_s=7))
    assert isinstance(ollama, ChatOllama) and ollama.model == "llama3.1"
    assert ollama.client_kwargs == {"timeout": 7}
    openai = make_chat_model(Settings(llm="openai:qwen2.5", llm_base_url="http://localhost:8000/v1",
                                      llm_timeout_s=7))
    assert isinstance(openai, ChatOpenAI) and openai.model_name == "qwen2.5"
    assert openai.openai_api_base == "http://localhost:8000/v1"
    assert openai.request_timeout == 7 and openai.max_retries == 0


@pytest.mark.parametrize("spec", ["claude:opus", "ollama:", "openai: "])
def test_make_chat_model_rejects_bad_specs(spec):
    with pytest.raises(ValueError, match="ollama:<model>"):
        make_chat_model(Settings(llm=spec))


def test_chat_model_is_made_once_per_assistant():
    holder = SimpleNamespace(settings=Settings(llm="ollama:llama3.1"), chat_model=None)
    first = chat_model_of(holder)
    assert isinstance(first, ChatOllama) and chat_model_of(holder) is first
    other = SimpleNamespace(settings=holder.settings, chat_model=None)
    assert chat_model_of(other) is not first
    with pytest.raises(ValueError, match="UNODC_LLM"):
        chat_model_of(SimpleNamespace(settings=Settings(llm=None), chat_model=None))


# parsing
def test_markers_after_the_full_stop_belong_to_the_sentence():
    sentences = split_reply("Consent is irrelevant under Art. 3(b). [2] UNTOC applies [1, 3].\n"
                            "- A second line [1-2]. No marker here.")
    assert [(s.claim, s.numbers) for s in sentences] == [
        ("Consent is irrelevant under Art. 3(b).", [2]),
        ("UNTOC applies.", [1, 3]),
        ("A second line.", [1, 2]),
        ("No marker here.", []),
    ]


def test_invalid_numbers_are_dropped_and_the_rest_renumbered():
    text, dropped = remove_invalid_markers("A [3, 7]. B [9]. C [1][3].", {1, 3})
    assert (text, dropped) == ("A [3]. B. C [1][3].", [7, 9])
    assert renumber(text, [3, 1]) == "A [1]. B. C [1][2]."



# a brief's summary
def _brief_with(llm_assistant, reply_or_model):
    from assistant.trainer.summary import brief_with_summary

    llm_assistant.chat_model = (FakeListChatModel(responses=[reply_or_model])
                                if isinstance(reply_or_model, str) else reply_or_model)
    return brief_with_summary(llm_assistant, "child trafficking")


def test_a_brief_gets_a_cited_summary_checked_against_its_items(llm_assistant):
    from assistant.trainer.export import brief_to_docx, brief_to_markdown

    brief = _brief_with(llm_assistant, "x")
    first = brief.items()[0]
    words = " ".join(first.quote.split()[:25])
    brief = _brief_with(llm_assistant, f"The brief starts with this rule: {words} [1]. "
                                       f"{OFF_TOPIC} [2]. It also says something uncited.")
    summary = brief.summary
    assert summary is not None and summary.cited == [1, 2]
    assert summary.text.startswith("The brief starts with this rule")
    assert any(n.startswith("Unsupported by the cited passage: The Protocol requires every State "
                            "to build a new airport") for n in summary.notices)
    assert any(n.startswith("Uncited") for n in summary.notices)
    markdown = brief_to_markdown(brief)
    assert "## Summary (written by a language model" in markdown
    assert "- [1] " in markdown and "[1]." in markdown  # items numbered as the summary cites
    assert b"Summary (written by a language model" in _docx_text(brief_to_docx(brief))


def test_markers_that_point_to_no_item_are_removed_and_a_failing_model_leaves_the_brief(
        llm_assistant):
    brief = _brief_with(llm_assistant, "Children get special protection [1][999].")
    assert brief.summary.text == "Children get special protection [1]."
    assert brief.summary.notices[0] == "Removed citation markers that point to no passage: [999]."
    failed = _brief_with(llm_assistant, FailingChatModel())
    assert failed.summary.text == "" and failed.items()
    assert failed.summary.notices[0].startswith("The language model failed (ConnectionError")


def test_without_a_model_a_brief_has_no_summary(assistant):
    from assistant.trainer.export import brief_to_markdown
    from assistant.trainer.summary import brief_with_summary

    brief = brief_with_summary(assistant, "child trafficking")
    assert brief.summary is None and "Summary" not in brief_to_markdown(brief)


def _docx_text(data: bytes) -> bytes:
    import io
    import zipfile

    return zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
