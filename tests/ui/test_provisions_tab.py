"""The Provisions tab builds inside an app's Blocks, opens an article from a chat citation
and downloads a comparison."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
from docx import Document as WordDocument

from ui.provisions_tab import (
    add_provisions_tab,
    article_choices,
    instrument_names,
    make_comparison,
    open_citation,
    show_article,
)
from ui.render import citation_label


def test_tab_builds_inside_blocks(assistant):
    with gr.Blocks() as demo, gr.Tabs():
        add_provisions_tab(assistant)
    names = {type(block).__name__ for block in demo.blocks.values()}
    assert {"Tab", "Textbox", "Dropdown", "Button", "Markdown", "DownloadButton"} <= names
    assert "SOM Protocol" in instrument_names(assistant)


def test_a_chat_citation_opens_its_article(assistant):
    answer = assistant.ask("What does Article 5 of the Smuggling of Migrants Protocol say?")
    label = citation_label(answer.citations[0])  # as the chat shows it: "SOM Protocol, Art. 5"
    shown = open_citation(assistant, label)
    assert shown.startswith("## SOM Protocol, Article 5")
    assert "SOM Protocol, Art. 6" in shown  # what it refers to
    assert open_citation(assistant, "nothing").startswith("**Error:**")


def test_pick_an_article_and_compare(assistant):
    choices = article_choices(assistant, "TIP Protocol")
    assert choices[0] == ("Article 1. Relation with the United Nations Convention against "
                          "Transnational Organized Crime", "1")
    assert show_article(assistant, "TIP Protocol", "1").startswith("## TIP Protocol, Article 1")
    preview, button = make_comparison(assistant, "protection", ["TIP Protocol", "SOM Protocol"],
                                      "docx")
    assert preview.startswith("# Comparison: protection")
    path = Path(button.value if isinstance(button.value, str) else button.value["path"])
    assert path.suffix == ".docx" and WordDocument(str(path)).tables
    preview, _ = make_comparison(assistant, "protection", ["TIP Protocol"], "md")
    assert preview.startswith("**Error:**")
