"""Resolve short follow-up questions ("and for children?", "what about article 7?")."""

from __future__ import annotations

import re

from assistant.text.references import DISPLAY_NAMES, article_refs, instruments_named

FOLLOW_UP_START = re.compile(
    r"^\s*(and|what about|how about|what of|same for|also|but|then|or|and what about|"
    r"in that case|does it|do they|is it|are they|what if)\b", re.IGNORECASE)
QUESTION_START = re.compile(r"^\s*(what|who|whom|which|when|where|why|how|is|are|does|do|"
                            r"can|may|must|should)\b", re.IGNORECASE)
PRONOUN = re.compile(r"\b(it|its|they|them|their|this|that|these|those|there|such)\b", re.I)


def is_follow_up(question: str) -> bool:
    words = question.split()
    standalone = bool(QUESTION_START.match(question))
    return bool(FOLLOW_UP_START.match(question)) or (len(words) <= 3 and not standalone) or (
        len(words) <= 8 and bool(PRONOUN.search(question)))


def resolve(question: str, history: list[dict] | None) -> str:
    """The question made self-contained with what the conversation already established."""
    if not history or not is_follow_up(question):
        return question
    user_turns = [m["content"] for m in history if m.get("role") == "user" and m.get("content")]
    if not user_turns:
        return question
    previous = user_turns[-1]
    if article_refs(question):
        if instruments_named(question, strong_only=False):
            return question
        instrument = _last_instrument(history)
        return f"{question} of {DISPLAY_NAMES[instrument]}" if instrument else question
    return f"{previous} {question}"


def _last_instrument(history: list[dict]) -> str | None:
    for message in reversed(history):
        content = str(message.get("content") or "")
        named = instruments_named(content, strong_only=False)
        refs = [r.instrument for r in article_refs(content) if r.instrument]
        if refs:
            return refs[0]
        if named:
            return named[0]
    return None
