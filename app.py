"""The web chat: a thin Gradio shell over `assistant/` (no retrieval or answer logic here).

`python app.py` serves http://127.0.0.1:7860 (UNODC_HOST / UNODC_PORT to change);
`python app.py --ingest` (what `make run` does) first ingests what is new or changed in
UNODC_CORPUS_DIR. Optional login: UNODC_AUTH=user:password[,user2:password2]. At most
UNODC_CONCURRENCY (default 4) questions are answered at once; others wait in the queue.

Per-user data lives only in Gradio session state (the `turns` State and the chat); the one
`Assistant` (model, index) is shared read-only by all sessions of the process.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from assistant.errors import EmptyIndexError, QuestionError  # noqa: E402
from assistant.i18n import interface_strings  # noqa: E402
from assistant.live_index import IndexUnavailableError, describe, last_written  # noqa: E402
from assistant.models import Answer, Filters  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from ui.brief_tab import add_brief_tab  # noqa: E402
from ui.export import export_docx, export_markdown  # noqa: E402
from ui.feedback import FeedbackLog  # noqa: E402
from ui.provisions_tab import add_provisions_tab  # noqa: E402

if TYPE_CHECKING:
    from assistant.core import Assistant
from ui.render import (  # noqa: E402
    INGEST_HELP,
    answer_markdown,
    conversation_sources_html,
    documents_html,
    escape_markdown,
    filters_line,
)

EXAMPLES = [
    "What is the definition of trafficking in persons?",
    "What does the Smuggling of Migrants Protocol require States to criminalize?",
    # One per topic of the 2024 Working Groups on Trafficking in Persons and Smuggling of Migrants
    "Is the removal of organs a form of exploitation under the Trafficking in Persons Protocol?",
    "Is the consent of a child relevant when the child is recruited for exploitation?",
    "How should States cooperate internationally to prevent and combat the smuggling of migrants?",
    "What protection and assistance measures must States take for smuggled migrants?",
    "Which trends in trafficking in persons does the Global Report 2024 describe for Africa?",
]
ANY_YEAR = "any"
# the interface follows the browser's language (Gradio i18n); answers follow the question's
I18N = gr.I18n(**interface_strings())
LLM_HELP = ("No LLM is configured, so answers quote the documents (extractive). Set "
            "UNODC_LLM=ollama:<model> or openai:<model> to enable LLM answers.")
CSS = """
.sources details.source {border:1px solid var(--border-color-primary); border-radius:6px;
  padding:4px 8px; margin:6px 0;}
.sources details.source summary {cursor:pointer;}
.sources blockquote.passage {white-space:pre-wrap; font-size:0.92em; margin:6px 0;}
.sources mark {background:#fde68a; color:inherit;}
.sources .warning {color:#b45309;}
.documents table {font-size:0.9em;}
a.cite {text-decoration:none; font-weight:600;}
#active-filters p {margin:0; font-size:0.9em; color:#b45309;}
"""
# A `[n]` in any turn opens that turn's source in the panel (and the details around it); a
# cited treaty article opens in the Provisions tab; a new answer is scrolled to its start.
JS = """
() => {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.cite");
    if (!link) return;
    const target = document.getElementById((link.getAttribute("href") || "").slice(1));
    if (!target) return;
    event.preventDefault();
    for (let node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    target.scrollIntoView({block: "start", behavior: "smooth"});
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.open-provision");
    if (!link) return;
    event.preventDefault();
    const tab = [...document.querySelectorAll('button[role="tab"]')]
      .find((button) => button.innerText.trim() === "Provisions");
    if (tab) tab.click();
    setTimeout(() => {
      const box = document.querySelector("#provision-citation textarea");
      if (!box) return;
      box.value = link.dataset.citation;
      box.dispatchEvent(new Event("input", {bubbles: true}));
      setTimeout(() => document.querySelector("#provision-open").click(), 200);
    }, 300);
  });
}
"""
SCROLL_TO_ANSWER_JS = """
() => {
  const bots = document.querySelectorAll('#chat [data-testid="bot"]');
  if (bots.length) bots[bots.length - 1].scrollIntoView({block: "start"});
}
"""



# ---------------------------------------------------------------- start-up and operation
def parse_auth(value: str | None) -> list[tuple[str, str]] | None:
    """`user:password[,user2:password2]` -> Gradio's list of (user, password)."""
    if value is None or not value.strip():
        return None
    pairs = []
    for item in value.split(","):
        user, sep, password = item.strip().partition(":")
        if not sep or not user or not password:
            raise ValueError("UNODC_AUTH must look like user:password[,user2:password2]")
        pairs.append((user, password))
    return pairs


def ingest_corpus(settings: Settings, download: bool = False) -> None:
    """Ingest what is new or changed (unchanged files are skipped by checksum)."""
    from ingest.pipeline import run_ingest

    if not settings.corpus_dirs and not download:
        print("UNODC_CORPUS_DIR is not set and --download was not given: nothing to ingest. "
              "Set UNODC_CORPUS_DIR to the folder of documents.", file=sys.stderr)
        return
    folders = ", ".join(str(d) for d in settings.corpus_dirs) or "(downloads only)"
    print(f"Ingesting new or changed documents from {folders} ...", flush=True)
    report = run_ingest(settings, download=download, progress=True)
    print(report.table(), flush=True)


def serve(app: gr.Blocks, settings: Settings, port: int | None = None,
          block: bool = True) -> tuple[object, str]:
    """Launch with the app's CSS (Gradio 6 takes it at launch); returns (server, local_url)."""
    server, local_url, _ = app.launch(
        server_name=settings.host,
        server_port=port if port is not None else settings.port,
        share=settings.share,
        auth=parse_auth(settings.auth),
        auth_message="Log in with the account given by the administrator.",
        prevent_thread_lock=not block,
        css=CSS,
        js=JS,
        footer_links=["api", "settings"],
        i18n=I18N,
        quiet=not block,
    )
    return server, local_url


# ---------------------------------------------------------------- per-request helpers
def may_reload(settings: Settings, username: str | None) -> bool:
    """Anyone may reload a local app without logins; with logins, only the administrators
    (a reload rereads the whole index: not something every user should trigger)."""
    if not settings.auth:
        return True
    admins = {name.strip() for name in (settings.admins or "").split(",") if name.strip()}
    return username is not None and username in admins


def history_of(turns: list[Answer]) -> list[dict]:
    history: list[dict] = []
    for answer in turns:
        history += [{"role": "user", "content": answer.question},
                    {"role": "assistant", "content": answer.text}]
    return history


def chat_messages(turns: list[Answer]) -> list[dict]:
    messages: list[dict] = []
    for turn, answer in enumerate(turns):
        messages += [{"role": "user", "content": escape_markdown(answer.question)},
                     {"role": "assistant", "content": answer_markdown(answer, turn)}]
    return messages


def filters_of(documents, instruments, kinds, year_min, year_max) -> Filters:
    low, high = _year(year_min), _year(year_max)
    if low is not None and high is not None and low > high:
        raise QuestionError(f"The year range {low}-{high} is empty: 'from' must not be after "
                            "'to'.")
    return Filters(doc_ids=list(documents or []), instruments=list(instruments or []),
                   kinds=list(kinds or []), year_min=low, year_max=high)


def _year(value) -> int | None:
    if value in (None, "", ANY_YEAR):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise QuestionError(f"{value!r} is not a year.") from None


def answer_result(answer: Answer, turn: int) -> dict:
    return {**answer.as_result(), "turn": turn, "mode": answer.mode,
            "resolved_question": answer.resolved_question,
            "settings_hash": answer.settings_hash}


def _session_dir(root: Path, request: gr.Request | None) -> Path:
    session = getattr(request, "session_hash", None) or "default"
    folder = root / (re.sub(r"[^A-Za-z0-9_-]", "", session)[:64] or "default")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _choices(documents: list[dict], field: str) -> list[str]:
    return sorted({str(d[field]) for d in documents if d.get(field)})


# ---------------------------------------------------------------- the Blocks
def build_app(assistant, feedback: FeedbackLog | None = None) -> gr.Blocks:
    """The chat app over one shared `Assistant`; all per-user data is in session state."""
    settings: Settings = assistant.settings
    feedback = feedback or FeedbackLog(settings.feedback_path)
    export_root = Path(tempfile.mkdtemp(prefix="unodc-export-"))
    documents = assistant.documents()
    modes = ["extractive", "llm"]
    years = [ANY_YEAR, *sorted({str(d["year"]) for d in documents if d.get("year")})]

    def ask(question, turns, doc_ids, instruments, kinds, year_min, year_max, k, mode,
            ) -> Iterator[tuple]:
        turns = list(turns or [])
        shown = chat_messages(turns)
        try:
            assistant.check_question(question)
            filters = filters_of(doc_ids, instruments, kinds, year_min, year_max)
            k = int(k) if k else None
            if mode not in modes:
                raise QuestionError(f"Unknown answer mode {mode!r}: use one of {modes}.")
        except (QuestionError, ValueError) as error:
            yield _problem(shown, question, str(error), turns)
            return
        if mode == "llm" and not assistant.llm_available:
            mode = "extractive"
        refresh_in_background(assistant)
        pending = [*shown, {"role": "user", "content": escape_markdown(question)},
                   {"role": "assistant", "content": "*Searching the documents …*"}]
        yield pending, gr.skip(), gr.skip(), gr.skip(), ""
        try:
            answer = assistant.ask(question, history=history_of(turns), filters=filters, k=k,
                                   mode=mode)
        except EmptyIndexError:
            yield _problem(shown, question, INGEST_HELP, turns)
            return
        except QuestionError as error:
            yield _problem(shown, question, str(error), turns)
            return
        turns.append(answer)
        yield (chat_messages(turns), conversation_sources_html(turns), turns,
               answer_result(answer, len(turns) - 1), "")

    def _problem(shown, question, message, turns) -> tuple:
        preview = question if len(question or "") <= 300 else question[:300] + " …"
        messages = [*shown]
        if (question or "").strip():
            messages.append({"role": "user", "content": escape_markdown(preview)})
        messages.append({"role": "assistant", "content": f"**{escape_markdown(message)}**"
                         if message != INGEST_HELP else INGEST_HELP})
        result = {"error": message, "question": question, "citations": [], "refused": None}
        return messages, gr.skip(), turns, result, question

    def export(turns, kind: str, request: gr.Request | None = None) -> str:
        """Written when the user asks for it, into that session's own folder."""
        turns = list(turns or [])
        if not turns:
            raise gr.Error("Ask a question first: there is nothing to export yet.")
        folder = _session_dir(export_root, request)
        if kind == "markdown":
            path = folder / "unodc-conversation.md"
            path.write_text(export_markdown(turns), encoding="utf-8")
            return str(path)
        return str(export_docx(turns, folder / "unodc-conversation.docx"))

    def export_md(turns, request: gr.Request):
        return export(turns, "markdown", request)

    def export_word(turns, request: gr.Request):
        return export(turns, "docx", request)

    def clear() -> tuple:
        return [], conversation_sources_html([]), [], {}, "", None, ""

    def rate(rating: str, comment: str, turns, index: int | None = None) -> tuple[str, str]:
        turns = list(turns or [])
        if not turns:
            return "Ask a question first; feedback applies to an answer.", comment
        answer = turns[-1] if index is None else turns[index]
        try:
            feedback.record(answer, rating, comment, settings.settings_hash())
        except ValueError as error:
            return escape_markdown(str(error)), comment
        return (f"Thank you: recorded *{rating}* for “{escape_markdown(answer.question[:80])}”.",
                "")

    def rate_helpful(comment, turns):
        return rate("helpful", comment, turns)

    def rate_not_helpful(comment, turns):
        return rate("not helpful", comment, turns)

    def rate_message(turns, comment, data: gr.LikeData):
        if data.liked is None or not isinstance(data.index, int):
            return gr.skip(), gr.skip()
        turn = data.index // 2
        if turn >= len(turns or []):
            return gr.skip(), gr.skip()
        return rate("helpful" if data.liked else "not helpful", comment, turns, index=turn)

    def list_documents() -> str:
        try:
            return documents_html(assistant.documents()) + index_status_html(assistant)
        except IndexUnavailableError as error:
            raise gr.Error(str(error)) from error

    def reload_index(request: gr.Request | None = None) -> tuple[str, str]:
        if not may_reload(settings, request.username if request else None):
            raise gr.Error("Only an administrator can reload the index (UNODC_ADMINS).")
        try:
            assistant.reload()
        except IndexUnavailableError as error:  # the index loaded before stays in use
            raise gr.Error(str(error)) from error
        return list_documents(), _banner(assistant)

    with gr.Blocks(title="UNODC trafficking and smuggling assistant",
                   delete_cache=(3600, 3600)) as app:
        gr.Markdown(I18N("header"))
        banner = gr.Markdown(_banner(assistant), elem_id="index-banner")
        turns_state = gr.State([])
        with gr.Tabs():
            with gr.Tab(I18N("tab_ask"), id="ask"), gr.Row():
                with gr.Column(scale=3):
                    active_filters = gr.Markdown("", elem_id="active-filters")
                    chatbot = gr.Chatbot(
                        label=I18N("conversation"), height=520, elem_id="chat",
                        latex_delimiters=[], sanitize_html=True, buttons=["copy"],
                        autoscroll=False,
                        placeholder=I18N("chat_placeholder"))
                    with gr.Row():
                        question = gr.Textbox(
                            label=I18N("question"), placeholder=I18N("question_placeholder"),
                            scale=5, max_lines=6, elem_id="question",
                            max_length=settings.max_question_chars * 2)
                        send = gr.Button(I18N("ask"), variant="primary", scale=1,
                                         elem_id="ask-button")
                    gr.Examples(EXAMPLES, inputs=[question], label=I18N("examples"))
                    with gr.Accordion(I18N("filters"), open=False):
                        with gr.Row():
                            doc_filter = gr.Dropdown(
                                [(d["title"], d["id"]) for d in documents], multiselect=True,
                                label=I18N("documents"), value=[])
                            instrument_filter = gr.Dropdown(
                                _choices(documents, "instrument"), multiselect=True,
                                label=I18N("instrument"), value=[])
                            kind_filter = gr.Dropdown(
                                _choices(documents, "kind"), multiselect=True,
                                label=I18N("kind"), value=[])
                        with gr.Row():
                            year_min = gr.Dropdown(years, value=ANY_YEAR, label=I18N("year_from"))
                            year_max = gr.Dropdown(years, value=ANY_YEAR, label=I18N("year_to"))
                            k = gr.Slider(1, 30, value=settings.k, step=1,
                                          label=I18N("passages"))
                        mode = gr.Radio(
                            modes, value="llm" if settings.answer_mode == "llm"
                            and assistant.llm_available else "extractive",
                            label=I18N("answer_mode"), interactive=assistant.llm_available,
                            info=("extractive quotes the documents; llm writes an answer "
                                  "with the configured model, checked against sources")
                            if assistant.llm_available else LLM_HELP)
                    clear_button = gr.Button(I18N("new_conversation"), size="sm")
                with gr.Column(scale=2):
                    sources = gr.HTML(conversation_sources_html([]), elem_id="sources",
                                      elem_classes=["sources-panel"])
                    with gr.Group():
                        comment = gr.Textbox(label=I18N("feedback"), max_lines=3,
                                             elem_id="feedback-comment")
                        with gr.Row():
                            helpful = gr.Button(I18N("helpful"), size="sm", elem_id="helpful")
                            not_helpful = gr.Button(I18N("not_helpful"), size="sm",
                                                    elem_id="not-helpful")
                    feedback_status = gr.Markdown("")
                    with gr.Row():
                        md_export = gr.Button(I18N("export_markdown"), size="sm",
                                              elem_id="export-md")
                        docx_export = gr.Button(I18N("export_docx"), size="sm",
                                                elem_id="export-docx")
                    export_file = gr.File(label=I18N("exported"), interactive=False,
                                          elem_id="export-file")
                    result = gr.JSON(visible=False, label="Latest answer (data)")
            with gr.Tab(I18N("tab_documents"), id="documents"):
                documents_view = gr.HTML(documents_html(documents)
                                         + index_status_html(assistant), elem_id="documents")
                with gr.Row():
                    refresh = gr.Button(I18N("refresh"), size="sm")
                    reload = gr.Button(I18N("reload"), size="sm")
            add_brief_tab(assistant)
            add_provisions_tab(assistant)

        ask_inputs = [question, turns_state, doc_filter, instrument_filter, kind_filter,
                      year_min, year_max, k, mode]
        ask_outputs = [chatbot, sources, turns_state, result, question]
        send.click(ask, ask_inputs, ask_outputs, api_name="ask", show_progress="minimal"
                   ).then(None, js=SCROLL_TO_ANSWER_JS)
        question.submit(ask, ask_inputs, ask_outputs, api_visibility="private",
                        show_progress="minimal").then(None, js=SCROLL_TO_ANSWER_JS)
        filter_inputs = [doc_filter, instrument_filter, kind_filter, year_min, year_max]
        titles = {d["id"]: d["title"] for d in documents}
        for control in filter_inputs:
            control.change(functools.partial(filters_summary, titles=titles), filter_inputs,
                           active_filters, api_visibility="private")
        md_export.click(export_md, turns_state, export_file, api_name="export_markdown")
        docx_export.click(export_word, turns_state, export_file, api_name="export_docx")
        clear_outputs = [chatbot, sources, turns_state, result, question, export_file,
                         feedback_status]
        clear_button.click(clear, None, clear_outputs, api_name="clear")
        chatbot.clear(clear, None, clear_outputs, api_visibility="private")
        helpful.click(rate_helpful, [comment, turns_state], [feedback_status, comment],
                      api_name="feedback_helpful")
        not_helpful.click(rate_not_helpful, [comment, turns_state], [feedback_status, comment],
                          api_name="feedback_not_helpful")
        chatbot.like(rate_message, [turns_state, comment], [feedback_status, comment],
                     api_visibility="private")
        refresh.click(list_documents, None, documents_view, api_name="documents")
        reload.click(reload_index, None, [documents_view, banner], api_name="reload_index")
    app.queue(default_concurrency_limit=settings.concurrency, max_size=256)
    return app


def filters_summary(doc_ids, instruments, kinds, year_min, year_max,
                    titles: dict[str, str] | None = None) -> str:
    """The line above the chat that says which filters apply, even with the panel closed."""
    try:
        filters = filters_of(doc_ids, instruments, kinds, year_min, year_max)
    except QuestionError as error:
        return escape_markdown(str(error))
    return filters_line(filters, titles)


def refresh_in_background(assistant) -> None:
    """Pick up an ingest made into this app's data dir; questions go on meanwhile."""
    if assistant.index_changed():
        threading.Thread(target=assistant.refresh_if_changed, daemon=True,
                         name="index-refresh").start()


def index_status_html(assistant) -> str:
    written = last_written(assistant.settings)
    loaded = assistant.loaded
    where = (f"Chroma server {assistant.settings.chroma_host}:{assistant.settings.chroma_port}"
             if assistant.settings.chroma_host else "embedded Chroma")
    return (f'<p class="index-status">Index ({where}) last updated {describe(written)}; '
            f"read by this app {describe(loaded.loaded_at)}. An ingest into this data dir is "
            "picked up by itself once it has finished.</p>")


def _banner(assistant) -> str:
    return f"**The index is empty.** {INGEST_HELP}" if assistant.is_empty else ""


# ---------------------------------------------------------------- entry point
def prepare_for_users(settings: Settings, assistant: Assistant | None = None) -> None:
    """Work the first question would otherwise pay for, done before serving: Gradio imports
    matplotlib on its first event, and the index's first search has Chroma load its vector
    index (about half a second at ×50). Answers computed side by side each embed their
    question on one thread: with several, two-thread encodes only wait on each other's
    cores."""
    import matplotlib.pyplot  # noqa: F401

    if settings.concurrency > 1 and settings.embedding_backend == "torch":
        import torch

        torch.set_num_threads(1)
    if assistant is not None and not assistant.is_empty:
        assistant.retrieve("trafficking in persons and the smuggling of migrants")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The UNODC assistant as a web chat.")
    parser.add_argument("--ingest", action="store_true",
                        help="first ingest what is new or changed in UNODC_CORPUS_DIR")
    parser.add_argument("--download", action="store_true",
                        help="with --ingest: also download the catalogued official documents")
    parser.add_argument("--host", help="interface to bind (default UNODC_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default UNODC_PORT or 7860)")
    args = parser.parse_args(argv)
    settings = Settings()
    overrides = {key: value for key, value in (("host", args.host), ("port", args.port))
                 if value is not None}
    if overrides:
        settings = settings.model_copy(update=overrides)
    parse_auth(settings.auth)  # a malformed UNODC_AUTH stops here, before loading anything
    if args.ingest:
        ingest_corpus(settings, download=args.download)
    from assistant.core import Assistant

    assistant = Assistant(settings)
    prepare_for_users(settings, assistant)
    if assistant.is_empty:
        print(f"The index is empty. {INGEST_HELP}", file=sys.stderr)
    print(f"Serving on http://{settings.host}:{settings.port} "
          f"(at most {settings.concurrency} answers at once)", flush=True)
    serve(build_app(assistant), settings, block=True)


if __name__ == "__main__":
    main()
