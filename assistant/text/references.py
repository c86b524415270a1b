"""Recognise the instruments and provisions a question names ("Art. 3(a) TIP Protocol")."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

INSTRUMENTS_PATH = Path(__file__).resolve().parents[1] / "data" / "instruments.toml"


def _load_instruments(path: Path) -> dict[str, dict]:
    return tomllib.loads(path.read_text(encoding="utf-8"))["instrument"]


_INSTRUMENTS = _load_instruments(INSTRUMENTS_PATH)
# Instrument short names (as in corpus/catalogue.toml) and the names practitioners use.
INSTRUMENT_ALIASES: dict[str, tuple[str, ...]] = {
    name: (*entry["aliases"], *entry["weak"]) for name, entry in _INSTRUMENTS.items()
}
DISPLAY_NAMES: dict[str, str] = {name: entry["display"] for name, entry in _INSTRUMENTS.items()}
SUPPLEMENTS: dict[str, str] = {name: entry["supplements"] for name, entry in _INSTRUMENTS.items()
                               if "supplements" in entry}

ARTICLE_RE = re.compile(
    r"\b(?:article|art\.?|arts?\.)\s*(\d{1,3})\s*(?:\(\s*([a-z])\s*\))?"
    r"(?:\s*,?\s*(?:para(?:graph)?s?\.?|§)\s*(\d{1,2}))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ArticleRef:
    instrument: str | None
    article: str
    letter: str | None = None
    paragraph: str | None = None


def _alias_pattern(alias: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(alias) + r"(?![\w-])", re.IGNORECASE)


_ALIASES = sorted(
    ((instrument, alias, _alias_pattern(alias))
     for instrument, aliases in INSTRUMENT_ALIASES.items() for alias in aliases),
    key=lambda item: -len(item[1]),
)
# Broad phrases name a topic more often than an instrument; they count only beside "article".
_WEAK_ALIASES = {alias for entry in _INSTRUMENTS.values() for alias in entry["weak"]}


def instruments_named(text: str, strong_only: bool = True) -> list[str]:
    """Instruments the text names, in order of first mention."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for instrument, alias, pattern in _ALIASES:
        if strong_only and alias in _WEAK_ALIASES:
            continue
        for match in pattern.finditer(text):
            span = match.span()
            if any(start < span[1] and span[0] < end for start, end in taken):
                continue
            taken.append(span)
            found.append((span[0], instrument))
    ordered: list[str] = []
    for _, instrument in sorted(found):
        if instrument not in ordered:
            ordered.append(instrument)
    return ordered


def read_together(instruments: list[str]) -> set[str]:
    """The instruments and those read with them: a Protocol with the Convention it
    supplements, the Convention with its Protocols."""
    family = set(instruments)
    for protocol, convention in SUPPLEMENTS.items():
        if protocol in instruments or convention in instruments:
            family |= {protocol, convention}
    return family


def without_instrument_names(text: str, strong_only: bool = False) -> str:
    """The text with every name of an instrument blanked out (`strong_only`: not the broad
    phrases that also name a topic, "trafficking in persons")."""
    for _, alias, pattern in _ALIASES:
        if not (strong_only and alias in _WEAK_ALIASES):
            text = pattern.sub(" ", text)
    return text


def article_refs(text: str) -> list[ArticleRef]:
    """Provisions named in the text, each with the instrument named nearest to it."""
    refs: list[ArticleRef] = []
    for match in ARTICLE_RE.finditer(text):
        window = text[max(0, match.start() - 80): match.end() + 80]
        named = instruments_named(window, strong_only=False) or instruments_named(text, False)
        refs.append(ArticleRef(
            instrument=named[0] if named else None, article=match.group(1),
            letter=(match.group(2) or "").lower() or None, paragraph=match.group(3),
        ))
    return refs
