"""Article and chapter headings of treaty texts in the six UN languages.

"Article 5", "Article premier", "Artículo 5", "Статья 5", "第五条", "المادة 5": an article's
heading line in the authentic texts; "Chapter II", "Chapitre premier", "Capítulo II",
"Глава II", "第二章": a chapter's. Each gives the number as the rest of the project writes it.
"""

from __future__ import annotations

import re

from assistant.text.languages import numeral_value

_FIRST = {"premier": "1", "première": "1", "primero": "1"}
# the body of a heading line, without Markdown marks
ARTICLE_HEADING = re.compile(
    r"(?:(?:Article|Artículo|Articulo|Статья)\s+(?P<n>\d{1,3}|premier|primero)\s*[°º]?"
    r"|第\s*(?P<zh>[\d一二三四五六七八九十百零〇两]{1,6})\s*条"
    r"|المادة\s+(?P<ar>[\d\u0660-\u0669]{1,3}))"
    r"(?P<bis>\s*bis)?", re.IGNORECASE)
# a line that is only a heading, maybe inside Markdown marks: "### Article  3", "**Статья 3**"
ARTICLE_LINE = re.compile(rf"^\s*#*\s*\**\s*(?:{ARTICLE_HEADING.pattern})\s*\**\s*$",
                          re.IGNORECASE)
CHAPTER_WORDS = r"CHAPTER|SECTION|PART|CHAPITRE|TITRE|CAPÍTULO|CAPITULO|TÍTULO|ГЛАВА|РАЗДЕЛ"
CHAPTER_NUMBER = r"[IVXLC]+\b|premier\b|primero\b"
ZH_CHAPTER = re.compile(r"^\s*#*\s*第\s*(?P<n>[一二三四五六七八九十]{1,3})\s*章\s*(?P<rest>.*)$")


def article_number(match: re.Match[str]) -> str:
    """'5', '1' (premier), '5' (第五条, ٥), '18 bis' of an ARTICLE_HEADING or ARTICLE_LINE match."""
    groups = match.groupdict()
    if groups.get("n"):
        number = _FIRST.get(groups["n"].lower(), groups["n"])
    else:
        number = numeral_value(groups.get("zh") or groups.get("ar") or "")
    return number + (" bis" if groups.get("bis") else "")


def roman(text: str) -> str:
    """A chapter's number as a Roman numeral: 'premier' and 'primero' are I."""
    return "I" if text.lower() in ("premier", "primero") else text.upper()


def chinese_chapter(number: str) -> str:
    """第二章 -> 'II'."""
    value = int(numeral_value(number))
    numerals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for amount, letters in numerals:
        while value >= amount:
            out, value = out + letters, value - amount
    return out
