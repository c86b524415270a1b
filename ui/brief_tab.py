"""The app's "Brief" tab: trainer briefs and quizzes, previewed and downloadable.

`add_brief_tab(assistant)` is called inside the app's `with gr.Blocks():` / `with gr.Tabs():`.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import gradio as gr

from assistant.trainer.brief import PRESETS
from assistant.trainer.export import (
    brief_to_markdown,
    quiz_to_markdown,
    render_brief,
    render_quiz,
    write_output,
)
from assistant.trainer.quiz import build_quiz
from assistant.trainer.summary import brief_with_summary

CUSTOM = "Custom topic (type it below)"
PRESET_CHOICES = [CUSTOM, *(preset.title for preset in PRESETS.values())]
FORMATS = ["md", "docx"]


def add_brief_tab(assistant) -> None:
    with gr.Tab("Brief"):
        gr.Markdown("Build a brief or a quiz for a training session: every line quotes a "
                    "provision or a report page and cites it.")
        with gr.Row():
            preset = gr.Dropdown(PRESET_CHOICES, value=CUSTOM, label="2024 Working Group topic")
            topic = gr.Textbox(label="Topic", placeholder="e.g. child trafficking", scale=2)
        with gr.Row():
            fmt = gr.Radio(FORMATS, value="md", label="Download format")
            questions = gr.Slider(3, 20, value=10, step=1, label="Quiz questions")
        with gr.Row():
            brief_button = gr.Button("Build brief", variant="primary")
            quiz_button = gr.Button("Build quiz")
        preview = gr.Markdown()
        download = gr.DownloadButton("Download", visible=False)

        preset.change(lambda choice: "" if choice == CUSTOM else choice, preset, topic)
        brief_button.click(lambda t, f: make_brief(assistant, t, f), [topic, fmt],
                           [preview, download])
        quiz_button.click(lambda t, f, n: make_quiz(assistant, t, f, int(n)),
                          [topic, fmt, questions], [preview, download])


def make_brief(assistant, topic: str, fmt: str) -> tuple[str, object]:
    try:
        brief = brief_with_summary(assistant, topic)
    except ValueError as error:
        return f"**Error:** {error}", gr.DownloadButton(visible=False)
    path = _save(render_brief(brief, fmt), f"brief-{_slug(topic)}.{fmt}")
    return brief_to_markdown(brief), gr.DownloadButton(value=str(path), visible=True)


def make_quiz(assistant, topic: str, fmt: str, n: int) -> tuple[str, object]:
    try:
        quiz = build_quiz(assistant, topic, n=n)
    except ValueError as error:
        return f"**Error:** {error}", gr.DownloadButton(visible=False)
    path = _save(render_quiz(quiz, fmt), f"quiz-{_slug(topic)}.{fmt}")
    return quiz_to_markdown(quiz), gr.DownloadButton(value=str(path), visible=True)


def _save(content: str | bytes, name: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="unodc-brief-"))
    return write_output(content, folder / name)


def _slug(topic: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (topic or "topic").lower()).strip("-")[:60] or "topic"
