"""The app's "Provisions" tab: browse an instrument's articles, open one with what it refers
to and what refers to it, open the article of a chat citation, and compare instruments.

`add_provisions_tab(assistant)` is called inside the app's `with gr.Blocks():` /
`with gr.Tabs():`.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import gradio as gr

from assistant.retrieval.crossrefs import graph_of
from assistant.trainer.export import write_output
from assistant.trainer.provisions import (
    THEMES,
    article_markdown,
    article_view,
    compare,
    comparison_markdown,
    instruments,
    render_comparison,
    table_of_contents,
    toc_markdown,
    view_for,
)

FORMATS = ["md", "docx"]


def add_provisions_tab(assistant) -> None:
    names = instrument_names(assistant)
    with gr.Tab("Provisions", id="provisions"):
        gr.Markdown("Read the instruments article by article: each article with the "
                    "provisions it refers to and those that refer to it.")
        with gr.Row():
            instrument = gr.Dropdown(names, value=names[0] if names else None,
                                     label="Instrument")
            article = gr.Dropdown(article_choices(assistant, names[0]) if names else [],
                                  label="Article")
        with gr.Row():
            citation = gr.Textbox(label="Open a citation",
                                  placeholder="e.g. SOM Protocol, Art. 6", scale=3,
                                  elem_id="provision-citation")
            open_button = gr.Button("Open", elem_id="provision-open")
        contents = gr.Markdown(toc(assistant, names[0]) if names else "")
        shown = gr.Markdown(elem_id="provision-view")
        with gr.Accordion("Compare instruments", open=False):
            with gr.Row():
                topic = gr.Dropdown(list(THEMES), value="protection", allow_custom_value=True,
                                    label="Topic (or type your own)")
                chosen = gr.Dropdown(names, value=names[:2], multiselect=True,
                                     label="Instruments")
                fmt = gr.Radio(FORMATS, value="md", label="Download format")
            compare_button = gr.Button("Compare", variant="primary")
            table = gr.Markdown()
            download = gr.DownloadButton("Download", visible=False)

        instrument.change(lambda name: (gr.Dropdown(choices=article_choices(assistant, name),
                                                    value=None), toc(assistant, name)),
                          instrument, [article, contents])
        article.change(lambda name, number: show_article(assistant, name, number),
                       [instrument, article], shown)
        open_button.click(lambda text: open_citation(assistant, text), citation, shown)
        citation.submit(lambda text: open_citation(assistant, text), citation, shown)
        compare_button.click(lambda t, i, f: make_comparison(assistant, t, i, f),
                             [topic, chosen, fmt], [table, download])


def instrument_names(assistant) -> list[str]:
    if assistant.is_empty:
        return []
    return [info.instrument for info in instruments(graph_of(assistant.retriever))]


def article_choices(assistant, instrument: str | None) -> list[tuple[str, str]]:
    if not instrument:
        return []
    return [(entry.label, entry.article)
            for entry in table_of_contents(graph_of(assistant.retriever), instrument)
            if entry.article]


def toc(assistant, instrument: str | None) -> str:
    return toc_markdown(graph_of(assistant.retriever), instrument) if instrument else ""


def show_article(assistant, instrument: str | None, article: str | None) -> str:
    if not instrument or not article:
        return ""
    try:
        return article_markdown(article_view(graph_of(assistant.retriever), instrument, article))
    except ValueError as error:
        return f"**Error:** {error}"


def open_citation(assistant, text: str) -> str:
    """The article of a citation as the chat shows it ("SOM Protocol, Art. 5(1)")."""
    try:
        return article_markdown(view_for(graph_of(assistant.retriever), text or ""))
    except ValueError as error:
        return f"**Error:** {error}"


def make_comparison(assistant, topic: str, chosen: list[str], fmt: str) -> tuple[str, object]:
    try:
        comparison = compare(lambda q, f: assistant.retrieve(q, filters=f), topic or "",
                             list(chosen or []))
    except ValueError as error:
        return f"**Error:** {error}", gr.DownloadButton(visible=False)
    folder = Path(tempfile.mkdtemp(prefix="unodc-compare-"))
    name = f"compare-{_slug(topic)}.{fmt}"
    path = write_output(render_comparison(comparison, fmt), folder / name)
    return comparison_markdown(comparison), gr.DownloadButton(value=str(path), visible=True)


def _slug(topic: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (topic or "topic").lower()).strip("-")[:60] or "topic"
