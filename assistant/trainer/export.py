"""Briefs and quizzes as Markdown, Word (python-docx) and JSON, for trainers to hand out.

Document text is escaped in Markdown so that a quote never turns into markup.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from docx import Document as WordDocument

from assistant.trainer.brief import Brief, SourceRef
from assistant.trainer.quiz import Quiz, QuizQuestion

BRIEF_FORMATS = ("md", "docx")
QUIZ_FORMATS = ("md", "docx", "json")
KIND_NAMES = {"true_false": "True or false", "which_article": "Which article",
              "multiple_choice": "Multiple choice", "fill_blank": "Fill in the blank"}
# Parentheses stay as they are: with brackets escaped no link can form, and "(a)" reads as it
# is printed in the treaty.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+|!~])")


def escape_md(text: str) -> str:
    """Text shown literally in Markdown (and never as HTML)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return re.sub(r"^(\d+)\.", r"\1\\.", escaped).replace("&", "&amp;")


def citation_text(ref: SourceRef) -> str:
    return ref.label()


# Markdown
def brief_to_markdown(brief: Brief) -> str:
    lines = [f"# Brief: {escape_md(brief.title)}", ""]
    if brief.instruments:
        lines += [f"Instruments: {escape_md(', '.join(brief.instruments))}", ""]
    summary = brief.summary
    if summary:
        lines += ["## Summary (written by a language model, checked against the items)", ""]
        if summary.text:
            lines += [escape_md(summary.text).replace("\\[", "[").replace("\\]", "]"), ""]
        lines += [f"> {escape_md(notice)}" for notice in summary.notices]
        lines += [""] if summary.notices else []
    for section in brief.sections:
        lines += [f"## {escape_md(section.heading)}", ""]
        for item in section.items:
            label = f"**{escape_md(item.label)}:** " if item.label else ""
            lines.append(f"- {_number(brief, item)}{label}\u201c{escape_md(item.quote)}\u201d "
                         f"\u2014 *{escape_md(citation_text(item.citation))}*")
        lines.append("")
    if brief.sources:
        lines += ["## Sources", ""]
        for source in brief.sources:
            link = f" <{source.url}>" if source.url else ""
            where = "; ".join(source.locators)
            lines.append(f"- {escape_md(source.title)} ({escape_md(where)}){link}")
        lines.append("")
    if not brief.sections:
        lines += ["Nothing in the corpus is relevant enough to this topic to quote.", ""]
    return "\n".join(lines)


def _number(brief: Brief, item) -> str:
    """An item's number, which the summary's [n] cite; nothing without a summary."""
    if not brief.summary:
        return ""
    return f"[{next(n for n, i in enumerate(brief.items(), start=1) if i is item)}] "


def quiz_to_markdown(quiz: Quiz, answers: bool = True) -> str:
    lines = [f"# Quiz: {escape_md(quiz.title)}", ""]
    for number, question in enumerate(quiz.questions, start=1):
        lines += [f"**{number}. {KIND_NAMES[question.kind]}.** {escape_md(question.prompt)}", ""]
        for letter, option in zip("ABCDEFGH", question.options, strict=False):
            lines.append(f"- {letter}. {escape_md(option)}")
        if question.options:
            lines.append("")
        if answers:
            lines += [f"> Answer: {escape_md(_answer_text(question))}  ",
                      f"> Source: {escape_md(citation_text(question.citation))}: "
                      f"\u201c{escape_md(question.evidence)}\u201d", ""]
    if not quiz.questions:
        lines += ["No question could be checked against the corpus for this topic.", ""]
    return "\n".join(lines)


def _answer_text(question: QuizQuestion) -> str:
    if question.options and question.answer in question.options and question.kind != "true_false":
        letter = "ABCDEFGH"[question.options.index(question.answer)]
        return f"{letter}. {question.answer}"
    return question.answer


# Word
def brief_to_docx(brief: Brief) -> bytes:
    document = WordDocument()
    document.add_heading(f"Brief: {brief.title}", level=0)
    if brief.instruments:
        document.add_paragraph(f"Instruments: {', '.join(brief.instruments)}")
    if brief.summary:
        document.add_heading("Summary (written by a language model, checked against the items)",
                             level=1)
        if brief.summary.text:
            document.add_paragraph(brief.summary.text)
        for notice in brief.summary.notices:
            document.add_paragraph(notice).runs[0].italic = True
    for section in brief.sections:
        document.add_heading(section.heading, level=1)
        for item in section.items:
            paragraph = document.add_paragraph(style="List Bullet")
            if number := _number(brief, item):
                paragraph.add_run(number)
            if item.label:
                paragraph.add_run(f"{item.label}: ").bold = True
            paragraph.add_run(f"\u201c{item.quote}\u201d \u2014 ")
            paragraph.add_run(citation_text(item.citation)).italic = True
    if brief.sources:
        document.add_heading("Sources", level=1)
        for source in brief.sources:
            url = f" {source.url}" if source.url else ""
            document.add_paragraph(f"{source.title} ({'; '.join(source.locators)}){url}",
                                   style="List Bullet")
    return _docx_bytes(document)


def quiz_to_docx(quiz: Quiz, answers: bool = True) -> bytes:
    document = WordDocument()
    document.add_heading(f"Quiz: {quiz.title}", level=0)
    for number, question in enumerate(quiz.questions, start=1):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{number}. {KIND_NAMES[question.kind]}. ").bold = True
        paragraph.add_run(question.prompt)
        for letter, option in zip("ABCDEFGH", question.options, strict=False):
            document.add_paragraph(f"{letter}. {option}", style="List Bullet")
    if answers and quiz.questions:
        document.add_heading("Answers", level=1)
        for number, question in enumerate(quiz.questions, start=1):
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{number}. {_answer_text(question)} \u2014 ").bold = True
            paragraph.add_run(citation_text(question.citation)).italic = True
            paragraph.add_run(f": \u201c{question.evidence}\u201d")
    return _docx_bytes(document)


def _docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# JSON and files
def quiz_to_json(quiz: Quiz) -> str:
    return json.dumps(quiz.model_dump(), ensure_ascii=False, indent=2)


def render_brief(brief: Brief, fmt: str) -> str | bytes:
    if fmt not in BRIEF_FORMATS:
        raise ValueError(f"unknown brief format {fmt!r}: use one of {', '.join(BRIEF_FORMATS)}")
    return brief_to_markdown(brief) if fmt == "md" else brief_to_docx(brief)


def render_quiz(quiz: Quiz, fmt: str) -> str | bytes:
    if fmt not in QUIZ_FORMATS:
        raise ValueError(f"unknown quiz format {fmt!r}: use one of {', '.join(QUIZ_FORMATS)}")
    return {"md": quiz_to_markdown, "docx": quiz_to_docx, "json": quiz_to_json}[fmt](quiz)


def write_output(content: str | bytes, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path
