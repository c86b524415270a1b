"""The Brief tab builds inside an app's Blocks and produces a downloadable brief."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
from docx import Document as WordDocument

from ui.brief_tab import PRESET_CHOICES, add_brief_tab, make_brief, make_quiz


def test_tab_builds_inside_blocks(assistant):
    with gr.Blocks() as demo, gr.Tabs():
        add_brief_tab(assistant)
    names = {type(block).__name__ for block in demo.blocks.values()}
    assert {"Tab", "Textbox", "Dropdown", "Button", "Markdown", "DownloadButton"} <= names
    assert len(PRESET_CHOICES) == 5


def test_make_brief_and_quiz_give_preview_and_file(assistant):
    preview, button = make_brief(assistant, "child trafficking", "docx")
    assert preview.startswith("# Brief: Child trafficking")
    path = Path(button.value if isinstance(button.value, str) else button.value["path"])
    assert path.suffix == ".docx" and WordDocument(str(path)).paragraphs
    preview, button = make_quiz(assistant, "definition of trafficking", "md", 5)
    assert preview.startswith("# Quiz:")
    preview, _ = make_brief(assistant, " ", "md")
    assert preview.startswith("**Error:**")
