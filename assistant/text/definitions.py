"""Definitions in text: whether a question asks what a term means, whether a sentence defines
something, and which terms a passage defines ('"Vessel" shall mean', "(c) Child pornography
means")."""

from __future__ import annotations

import re

from assistant.text.sentences import question_sentences
from assistant.text.tokens import tokenize

ASKS_DEFINITION_RE = re.compile(
    r"\b(defin\w*|what (?:is|are|does) .{0,40}mean|meaning of|use of terms|counts? as|"
    r"(?:treated|regarded) as|"
    r"what is meant by|what (?:is|are) (?:an? )?['\u2018\u201c\"])", re.IGNORECASE
)
# A sentence that defines a term or sets the scope of one.
DEFINES_RE = re.compile(r"shall mean|[\"\u201d]\s*means\b|shall be considered|is defined as|"
                        r"for the purposes of this", re.IGNORECASE)
# A defined term: quoted ('"Vessel" shall mean'), or opening a lettered item of a
# definitions article without quotes ("(c) Child pornography means"; not "(b) The means"),
# also in the older drafting of the 1956 Convention ("(a) Debt bondage, that is to say, ...").
DEFINED_TERM_RE = re.compile(
    r"(?:[\u201c\"]([^\u201d\"\n]{2,60})[\u201d\"]"
    r"|^[ \t]*\(?[a-z]\)[ \t]*([A-Z][^\n.;:,]{0,58}?\w)(?<!\bThe)(?<!\band)(?<!\bof))"
    r"(?:\s*(?:shall mean|means)\b|,\s*that is to say\b)", re.MULTILINE)


def asks_for_definition(text: str) -> bool:
    """Whether the question asks what a term means. A question that sets out facts before it
    asks is read from its first asking sentence on: "He says his rifle no longer counts as a
    gun. What standards apply to making a gun unusable?" asks for standards, not a
    definition; "Is a navy ship a 'vessel'? I need the definition." asks for one."""
    sentences = question_sentences(text)
    first = next((i for i, s in enumerate(sentences) if s.endswith("?")), 0)
    return any(ASKS_DEFINITION_RE.search(s) for s in sentences[first:])


def defined_term(match: re.Match[str]) -> str:
    """The term a DEFINED_TERM_RE match defines."""
    return match.group(1) or match.group(2)


def defined_terms(text: str) -> list[tuple[str, ...]]:
    """The terms a passage defines, each as its search tokens in order."""
    terms = (tuple(tokenize(defined_term(m))) for m in DEFINED_TERM_RE.finditer(text))
    return [term for term in terms if term]


# A term the question says as a phrase outranks any whose words are only scattered in it.
PHRASE = 100


def term_use(term: tuple[str, ...], words: list[str]) -> int:
    """How closely a question (its search tokens in order) uses a defined term: 0 when a word
    of the term is missing; the term's length when its words are all there; PHRASE more when
    they stand together. "Under the trafficking definition, up to what age is a person a
    child?" says "child" as a phrase but only scatters the words of "trafficking in persons",
    so it asks what a child is."""
    if not term or not set(term) <= set(words):
        return 0
    size = len(term)
    together = any(tuple(words[i:i + size]) == term for i in range(len(words) - size + 1))
    return size + PHRASE * together
