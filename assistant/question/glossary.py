"""Practitioners' words for what the instruments call by their legal terms.

A prosecutor asks whether a victim "agreed" to be exploited; the Protocol speaks of "consent".
The keyword search only finds what is spelled the same, so the question is expanded with the
legal terms of the phrases it uses (`data/glossary.toml`). The glossary is general vocabulary
of the field, not a list of answers: no entry expands into the wording of one provision.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

# the alternative a question sets against what it asks, up to the end of its clause
CONTRAST_RE = re.compile(r"\b(?:rather than|instead of)\b[^.?!;,]*", re.IGNORECASE)
GLOSSARY_PATH = Path(__file__).resolve().parents[1] / "data" / "glossary.toml"


@cache
def glossary(path: str = str(GLOSSARY_PATH)) -> tuple[tuple[re.Pattern[str], str], ...]:
    entries = tomllib.loads(Path(path).read_text(encoding="utf-8"))["entry"]
    return tuple((re.compile(e["pattern"], re.IGNORECASE), e["terms"]) for e in entries)


def expand(question: str) -> str:
    """The question followed by the legal terms of the everyday phrases it uses, except those
    of the alternative it sets against what it asks: "can she stay rather than be deported?"
    asks about staying, not about deportation (the search still reads every word)."""
    read = CONTRAST_RE.sub(" ", question)
    extra = [terms for pattern, terms in glossary() if pattern.search(read)]
    return f"{question} {' '.join(extra)}" if extra else question
