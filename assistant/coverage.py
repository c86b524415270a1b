"""Does the corpus cover what the question is about?

A question near the topic but outside the corpus ("penalties under the UK Modern Slavery Act",
"victims detected in 2025", "how GRETA evaluates countries") retrieves passages that look
relevant, so similarity alone cannot refuse it. What gives it away is a name the corpus never
uses: a proper name, an acronym or a year that occurs nowhere in the indexed text, or a
multi-word name that never occurs as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.grounding import COUNT, place_pattern
from assistant.references import instruments_named, without_instrument_names

# Document numbers such as "2011/36/EU" or "A/RES/55/25": cited exactly or not at all.
IDENTIFIER_RE = re.compile(r"\b[A-Z0-9]+(?:/[A-Z0-9]+)+\b")
# Questions about the present state of affairs: a fixed set of documents cannot tell.
CURRENT_RE = re.compile(
    r"\b(to date|as of (?:today|now)|currently|right now|these days|nowadays|at present|"
    r"latest|up to now|so far)\b", re.IGNORECASE)
WORD_RE = re.compile(r"[A-Za-z][\w'/-]*|\d{4}")
NAME_RE = re.compile(r"\b([A-Z][\w'/-]*(?:\s+(?:of|the|for|and|on)?\s*[A-Z][\w'/-]*)+)")
QUESTION_WORDS = frozenset(
    [
        "does",
        "do",
        "did",
        "is",
        "are",
        "was",
        "were",
        "can",
        "could",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "when",
        "where",
        "why",
        "should",
        "must",
        "may",
        "might",
        "will",
        "would",
        "has",
        "have",
        "had",
        "if",
        "under",
        "in",
        "on",
        "for",
        "the",
        "a",
        "an",
    ]
)
GENERIC_NAMES = frozenset(
    [
        "protocol",
        "protocols",
        "convention",
        "conventions",
        "article",
        "articles",
        "state",
        "states",
        "party",
        "parties",
        "united",
        "nations",
        "un",
        "unodc",
        "member",
        "general",
        "assembly",
        "conference",
        "working",
        "group",
        "groups",
    ]
)


# A place the facts happen in ("prosecutors in Lyon", "a truck near Tapachula") is the setting of
# the question, not its subject: the instruments' rules answer it whether or not the documents
# name the place. A question about the place's own figures or situation is about the place.
SETTING_RE = re.compile(
    r"\b(?:in|at|from|near|off|into|via|through|across|outside|around|between)\s+(?:the\s+)?"
    r"((?:[A-Z][\w'\u2019-]*)(?:\s+(?:de\s+|del\s+|of\s+)?[A-Z][\w'\u2019-]*)*)")
ABOUT_A_PLACE_RE = re.compile(
    r"\b(trends?|situation|prevalence|patterns?|profile|flows?|routes?|hotspots?)\b", re.I)


def without_settings(question: str) -> str:
    """The question without the places it only sets the facts in (see SETTING_RE)."""
    if COUNT.search(question) or ABOUT_A_PLACE_RE.search(question):
        return question
    return SETTING_RE.sub(lambda m: m.group(0)[:m.start(1) - m.start(0)], question)


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


class Coverage:
    """Words and text of the indexed corpus, for spotting names it never mentions."""

    def __init__(self, texts: Iterable[str]) -> None:
        # "the Oba (King) of Benin" also counts as "the Oba of Benin".
        unique = {_normal(v) for t in texts for v in (t, re.sub(r"\([^)]{0,40}\)", " ", t))}
        self.words: set[str] = {w for text in unique for w in text.split()}
        self.text = " " + " ".join(sorted(unique)) + " "

    def unknown_names(self, question: str, names: bool = True) -> list[str]:
        """Names, acronyms, years and multi-word names of the question absent from the corpus
        (the instruments' own names, "the Palermo Protocol", are known whatever the text).
        `names=False` looks up only what reads the same in every language: years, numbers,
        acronyms and document numbers."""
        question = without_instrument_names(question)
        # Countries are judged by grounding (assistant/grounding.py): a question may mention
        # one the documents never name ("can Canada board a ship?") and still be answered.
        question = without_settings(place_pattern().sub(" ", question))
        missing = [
            word
            for word in self._salient_words(question)
            if (names or word.isdigit() or word.isupper())
            and any(part not in self.words for part in _normal(word).split())
        ]
        found = self._names(question) if names else []
        for name in [*found, *IDENTIFIER_RE.findall(question)]:
            if f" {_normal(name)} " not in self.text:
                missing.append(name)
        return list(dict.fromkeys(missing))

    @staticmethod
    def _salient_words(question: str) -> list[str]:
        words = [re.sub(r"['\u2019]s$", "", w) for w in WORD_RE.findall(question)]
        return [
            w
            for i, w in enumerate(words)
            if (w.isdigit() or (i > 0 and w[0].isupper()) or (w.isupper() and len(w) > 1))
            and w.lower() not in QUESTION_WORDS
        ]

    @staticmethod
    def _names(question: str) -> list[str]:
        names: list[str] = []
        for match in NAME_RE.finditer(question):
            words = re.sub(r"'s\b", "", match.group(1)).split()
            while words and words[0].lower() in QUESTION_WORDS:
                words = words[1:]
            if len(words) < 2 or instruments_named(" ".join(words), strong_only=False):
                continue
            if all(w.lower() in GENERIC_NAMES | QUESTION_WORDS for w in words):
                continue
            names.append(" ".join(words))
        return names


def asks_for_current_state(question: str) -> bool:
    """"How many countries have ratified ... to date?", "the latest estimate": the corpus is a
    fixed set of dated documents and cannot vouch for the present."""
    return bool(CURRENT_RE.search(question))
