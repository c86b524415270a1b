"""Where sentences end: in passages (what an answer quotes and ingest embeds), in questions
and in a language model's reply. One list of abbreviations serves all three.

Ingest stores a vector for each quotable span, and answers read the same spans back, so the
rules here decide what is in the index: `RULES_FINGERPRINT` (a hash of this file) is part of
the index fingerprint, and any change here builds a new index rather than mixing two.

Why not a sentence-splitting library: pysbd and blingfire (measured on the treaty texts, session
5) both cut a numbered paragraph's number off as a sentence of its own ("4." | "Decisions to
use ..."), neither ends a list item at its semicolon, which is how the treaties' lettered items
end, and pysbd is 15 times slower than these rules on the same paragraphs.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

RULES_FINGERPRINT = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]

# Words after whose full stop a sentence goes on ("Article 16, para. 10", "e.g. a vessel").
ABBREVIATIONS = (
    "para", "paras", "art", "arts", "e.g", "i.e", "no", "nos", "p", "pp", "vol", "vols", "cf",
    "etc", "v", "vs", "mr", "mrs", "ms", "dr", "st", "ed", "eds", "fig", "rev", "op", "cit",
)
NO_BREAK = "".join(rf"(?<!\b(?i:{re.escape(word)})\.)" for word in ABBREVIATIONS)  # after the stop
NOT_AN_ABBREVIATION = "".join(rf"(?<!\b(?i:{re.escape(word)}))" for word in ABBREVIATIONS)
FULL_STOPS = ".!?"
WIDE_FULL_STOPS = "\u3002\uff01\uff1f\u061f"  # Chinese and Arabic
CLOSERS = "\"'\u201d\u2019)\\]"

# In a passage a sentence, or a list item ending in a semicolon, ends where the next one opens
# with a capital, a digit, a quote sign or a bracket.
PASSAGE_END = re.compile(NO_BREAK + r"(?<=[.!?;])[\"\u201d)]?\s+(?=[\"\u201c(]?[A-Z0-9])")
# Where ingest may cut a paragraph that is too long for one chunk: after a full stop only.
PARAGRAPH_CUT = re.compile(
    NO_BREAK + rf"(?<=[{FULL_STOPS}])[{CLOSERS}]*\s+(?=[A-Z0-9\u201c\"'(\[])")
# A question's sentences, in any of the six languages; users do not always capitalise.
QUESTION_END = re.compile(
    NO_BREAK + rf"(?<=[{FULL_STOPS}{WIDE_FULL_STOPS}])\s+|(?<=[{WIDE_FULL_STOPS}])")
# A reply's sentence takes the [n] markers written after its full stop.
REPLY_END = re.compile(
    NOT_AN_ABBREVIATION + rf"[{FULL_STOPS}][{CLOSERS}]*"
    r"(?:\s*\[\d[\d,;\s\-\u2013]*\])*"
    r"(?=\s+[^\sa-z\[]|\s*$)"
)

MAX_SENTENCE_CHARS = 700
SENTENCE_EMBED_CHARS = 400  # a long sentence is embedded from its opening


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a passage; paragraphs never run together."""
    spans: list[tuple[int, int]] = []
    for paragraph in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text):
        start = paragraph.start()
        body = paragraph.group(0)
        cuts = [m.end() for m in PASSAGE_END.finditer(body)]
        bounds = [0, *cuts, len(body)]
        for a, b in zip(bounds, bounds[1:], strict=False):
            piece = body[a:b].strip()
            if len(piece) >= 3:
                offset = start + a + (len(body[a:b]) - len(body[a:b].lstrip()))
                spans.append((offset, offset + len(piece)))
    return spans


def question_sentences(question: str) -> list[str]:
    """The sentences of a question, in any language."""
    return [piece.strip() for piece in QUESTION_END.split(question.strip()) if piece.strip()]


def quotable_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences an answer may quote (the same at ingest and at answer time):
    a lead-in ending with a colon stays with what it introduces; headings are left out."""
    spans: list[tuple[int, int]] = []
    for start, end in _join_lead_ins(text, split_sentences(text)):
        if text.startswith("#", start):  # a heading line names a section, it says nothing
            continue
        if end - start > MAX_SENTENCE_CHARS:
            end = start + text[start:start + MAX_SENTENCE_CHARS].rfind(" ")
        spans.append((start, end))
    return spans


def _join_lead_ins(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and text[joined[-1][0]:joined[-1][1]].rstrip().endswith(":") and (
                end - joined[-1][0] <= MAX_SENTENCE_CHARS):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def sentence_text(text: str, span: tuple[int, int]) -> str:
    return " ".join(text[span[0]:span[1]].split())


def embedding_text(sentence: str) -> str:
    """Long sentences are embedded from their opening: enough to judge relevance, and fast."""
    return sentence[:SENTENCE_EMBED_CHARS]


def span_embedding_text(text: str, span: tuple[int, int]) -> str:
    """What is embedded for the quotable sentence at `span` of a chunk's text."""
    return embedding_text(sentence_text(text, span))
