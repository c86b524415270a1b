"""The answer's own words in the six UN languages (`data/messages.toml`).

Quotations stay in the language of the indexed text; lead-ins, refusals, headings and notices
follow the question's language. A key or language missing from the file falls back to English.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

MESSAGES_PATH = Path(__file__).resolve().parent / "data" / "messages.toml"
LANGUAGES = ("en", "fr", "es", "ru", "zh", "ar")  # the six UN languages
# each language's name for itself, as a label ("SOM Protocol, Art. 5 [español]")
ENDONYMS = {"en": "English", "fr": "français", "es": "español", "ru": "русский", "zh": "中文",
            "ar": "العربية"}
_LOCATOR = re.compile(r"^Article (\d+)(\([a-z]\))?(?:, para\. (\d+)(\([a-z]\))?)?(.*)$")


@cache
def _messages() -> dict:
    return tomllib.loads(MESSAGES_PATH.read_text(encoding="utf-8"))


def message(key: str, language: str = "en", **values: object) -> str:
    """The message `key` in `language` (English when it has no translation), filled in."""
    entry = _messages()[key]
    return entry.get(language, entry["en"]).format(**values)


def term(section: str, key: str, language: str = "en") -> str:
    """A word of a table of the messages file ("element", "act"), in `language`."""
    names = _messages()[section][key]
    return names.get(language, names["en"])


def instrument_name(instrument: str | None, language: str = "en") -> str | None:
    names = _messages()["instruments"].get(instrument or "")
    return None if names is None else names.get(language, names["en"])


def language_name(of: str, language: str = "en") -> str:
    names = _messages()["language_names"]
    return names.get(language, names["en"]).get(of, of)


def locator(text: str, language: str = "en") -> str:
    """'Article 16, para. 4' in the language of the answer ('artículo 16, párr. 4',
    '第16条第4款'); other locators (a report's heading, 'p. 71') stay as they are."""
    match = _LOCATOR.match(text)
    if language == "en" or not match:
        return text
    article, letter, paragraph, sub, rest = match.groups()
    out = message("article", language, article=article) + (letter or "")
    if paragraph:
        sep = "" if language == "zh" else ", "
        out += sep + message("paragraph", language, paragraph=paragraph) + (sub or "")
    return out + rest


def page(label: str, language: str = "en") -> str:
    return message("page", language, page=label)


INTERFACE_PATH = MESSAGES_PATH.with_name("interface.toml")


@cache
def interface_strings() -> dict[str, dict[str, str]]:
    """The app's interface strings as {language: {key: text}} (Gradio's I18n takes this)."""
    entries = tomllib.loads(INTERFACE_PATH.read_text(encoding="utf-8"))
    return {language: {key: texts.get(language, texts["en"]) for key, texts in entries.items()}
            for language in LANGUAGES}
