"""Questions in the six UN languages: detect the language, read article references written
the way each language writes them, and map the question through the field's terminology table
(`data/terms/<lang>.tsv`) into English query terms.

The indexed texts are English (unless a user ingests another edition), and the packaged
embedding model is English-only, so a French question "Peut-on poursuivre les migrants objet
d'un trafic illicite ?" is searched as "prosecute migrants smuggling of migrants ..." beside its
own words. The table is vocabulary of the field (word or phrase to word or phrase), never the
wording of a provision.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from assistant.i18n import LANGUAGES

TERMS_DIR = Path(__file__).resolve().parents[1] / "data" / "terms"
STEMMERS = {"fr": "french", "es": "spanish", "ru": "russian", "ar": "arabic", "en": "english"}
MAX_PHRASE_TOKENS = 8
MAX_PHRASE_CHARS = 24  # Chinese entries, matched as substrings
# letters and digits, with the combining marks inside a word (Arabic tashkeel: "مهرَّب");
# "l'Everest" is "l" + "Everest", in the table as in a question
WORD_RE = re.compile(r"[^\W_][^\W_\u0300-\u036f\u064b-\u065f\u0670]*"
                     r"(?:[\u0300-\u036f\u064b-\u065f\u0670]+[^\W_]+)*")
_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640]")  # tashkeel and tatweel
_LATIN_LETTERS = {"а": "a", "б": "b", "в": "c", "г": "d", "д": "e", "е": "f",
                  "أ": "a", "ا": "a", "ب": "b", "ج": "c", "د": "d", "ه": "e", "و": "f"}
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_NUMBER = r"[0-9零〇一二两三四五六七八九十百]+"


_IDENTIFIER_LOCK = threading.Lock()


def _identifier():
    """py3langid's model, loaded once even when the first questions arrive together."""
    with _IDENTIFIER_LOCK:
        return _load_identifier()


@cache
def _load_identifier():
    """py3langid's model (shipped inside the wheel), restricted to the six languages."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def load_detector() -> None:
    """Load the language model now (at start-up), not inside the first question."""
    _identifier()


def detect_language(text: str, min_confidence: float = 0.5) -> str:
    """The UN language the text is written in; English when the detector is unsure (a terse
    "Art. 3(a) TIP Protocol" is no evidence of another language)."""
    if not text.strip():
        return "en"
    language, probability = _identifier().classify(text)
    return language if probability >= min_confidence else "en"


def is_latin_script(text: str) -> bool:
    """Every letter of the text is a Latin letter (English, French, Spanish and the like)."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(unicodedata.name(ch, "").startswith("LATIN") for ch in letters)


# Article references ----------------------------------------------------------------------

def numeral_value(text: str) -> str:
    """'16', '١٦' (Arabic-Indic digits) or '十六' as '16'."""
    if all(unicodedata.digit(ch, None) is not None for ch in text):
        return "".join(str(unicodedata.digit(ch)) for ch in text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return str(total + current)


def _letter(text: str | None) -> str | None:
    if not text:
        return None
    letter = text.strip().lower()
    return _LATIN_LETTERS.get(letter, letter) if len(letter) == 1 else None


def _num(name: str) -> str:
    return rf"(?P<{name}>\d{{1,3}}|[\u0660-\u0669]{{1,3}})"


_LET = r"\(?\s*(?P<let>[a-z\u0430-\u0435]|[\u0623\u0627\u0628\u062c\u062f\u0647])\s*\)"
_ART, _PAR = _num("art"), _num("par")
# Per language: the orders in which it names article, paragraph and letter.
_REFERENCE_PATTERNS: dict[str, tuple[str, ...]] = {
    "fr": (
        rf"(?:paragraphe|par\.|§)\s*{_PAR}\s*(?:de\s+l['\u2019]\s*|du\s+)?(?:article|art\.)\s*{_ART}",
        rf"(?:l['\u2019]\s*)?(?:article|art\.)\s*{_ART}"
        rf"(?:\s*,?\s*(?:paragraphe|par\.|§)\s*{_PAR})?(?:\s*,?\s*(?:alinéa|al\.|lettre)?\s*{_LET})?",
    ),
    "es": (
        rf"(?:párrafo|parrafo|párr\.|§)\s*{_PAR}\s*(?:del\s+)?(?:artículo|articulo|art\.)\s*{_ART}",
        rf"(?:artículo|articulo|art\.)\s*{_ART}(?:\s*,?\s*(?:párrafo|parrafo|párr\.|§)\s*{_PAR})?"
        rf"(?:\s*,?\s*(?:apartado|inciso|letra)?\s*{_LET})?",
    ),
    "ru": (
        rf"(?:пункт\w*|п\.)\s*{_PAR}\s*(?:стать\w*|ст\.)\s*{_ART}",
        rf"(?:подпункт\w*|пп\.)\s*{_LET}\s*(?:пункт\w*|п\.)?\s*(?:{_PAR}\s*)?"
        rf"(?:стать\w*|ст\.)\s*{_ART}",
        rf"(?:стать\w*|ст\.)\s*{_ART}(?:\s*,?\s*(?:пункт\w*|п\.)\s*{_PAR})?"
        rf"(?:\s*,?\s*(?:подпункт\w*|пп\.)?\s*{_LET})?",
    ),
    "ar": (
        rf"الفقرة\s*(?:الفرعية\s*)?{_PAR}\s*من\s*المادة\s*{_ART}",
        rf"(?:ال)?مادة\s*{_ART}(?:\s*[,،]?\s*(?:من\s*)?(?:ال)?فقرة\s*{_PAR})?"
        rf"(?:\s*[,،]?\s*(?:الفقرة الفرعية)?\s*{_LET})?",
    ),
    "zh": (
        rf"第\s*(?P<art>{_CN_NUMBER})\s*条(?:\s*第\s*(?P<par>{_CN_NUMBER})\s*款)?"
        r"(?:\s*[(（]\s*(?P<let>[a-z])\s*[)）]\s*(?:项|目)?)?",
    ),
}
_COMPILED_REFERENCES = {
    lang: tuple(re.compile(p, re.IGNORECASE) for p in patterns)
    for lang, patterns in _REFERENCE_PATTERNS.items()
}


def english_reference(match: re.Match[str]) -> str:
    """The reference in the English form the rest of the pipeline reads: 'Article 6(a),
    paragraph 3'."""
    groups = match.groupdict()
    out = f"Article {numeral_value(groups['art'])}"
    if letter := _letter(groups.get("let")):
        out += f"({letter})"
    if groups.get("par"):
        out += f", paragraph {numeral_value(groups['par'])}"
    return out


# A document number ("2011/36/UE", "A/RES/55/25") is a name in every language: kept whole
DOCUMENT_NUMBER = re.compile(r"(?<![\w/])(?=[\w/]*\d)[^\W_]+(?:/[^\W_]+)+(?![\w/])")


def reference_spans(text: str, language: str) -> list[tuple[int, int, str]]:
    """Where the text names articles (each reference in English) or a document by its
    number (kept as written), in reading order."""
    spans: list[tuple[int, int, str]] = []
    for pattern in _COMPILED_REFERENCES.get(language, ()):
        for match in pattern.finditer(text):
            if not any(s < match.end() and match.start() < e for s, e, _ in spans):
                spans.append((match.start(), match.end(), english_reference(match)))
    for match in DOCUMENT_NUMBER.finditer(text):
        if not any(s < match.end() and match.start() < e for s, e, _ in spans):
            spans.append((match.start(), match.end(), match.group(0).upper()))
    return sorted(spans)


# The terminology table --------------------------------------------------------------------

def normalise(text: str, language: str, fold_accents: bool = True) -> str:
    """Case, accents and spelling variants folded the same way for the table and the text."""
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    if language == "ar":
        text = _ARABIC_MARKS.sub("", text)
        text = re.sub("[أإآ]", "ا", text).replace("ة", "ه").replace("ى", "ي")
    elif language == "ru":
        text = text.replace("ё", "е")
    elif language in ("fr", "es") and fold_accents:
        text = "".join(ch for ch in unicodedata.normalize("NFD", text)
                       if unicodedata.category(ch) != "Mn")
    return text


@dataclass(frozen=True)
class TermTable:
    """One language's entries: word sequences as written (accents kept) and as stemmed with
    accents folded (or, for Chinese, strings) to English. The words as written win:
    "directive" is not "directement" although both stem to "direct", "du" is not "dû"."""

    language: str
    exact: dict[tuple[str, ...], str]
    entries: dict[tuple[str, ...], str]  # stemmed
    longest: int

    def lookup(self, words: list[str], stems: list[str]) -> str | None:
        """The English of the words as written, else as stemmed; a word of three letters or
        fewer only as written: stemmed, "им" (them) would be "ИМО" (the IMO)."""
        if len(words) == 1 and len(words[0]) <= 3:
            return self.exact.get(tuple(words))
        return self.exact.get(tuple(words)) or self.entries.get(tuple(stems))


@cache
def _stemmer(language: str):
    import Stemmer

    name = STEMMERS.get(language)
    return Stemmer.Stemmer(name) if name else None


def _stem_all(language: str, words: list[str]) -> list[str]:
    stemmer = _stemmer(language)
    return stemmer.stemWords(words) if stemmer else words


def _words(text: str) -> list[re.Match[str]]:
    return list(WORD_RE.finditer(text))


@cache
def term_table(language: str, directory: str = str(TERMS_DIR)) -> TermTable | None:
    """The table of a language (None when there is no file for it). Read once per process;
    immutable afterwards."""
    path = Path(directory) / f"{language}.tsv"
    if not path.is_file():
        return None
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        foreign, sep, english = line.partition("\t")
        if not sep or not foreign.strip() or not english.strip():
            raise ValueError(f"{path}:{number}: expected 'term<TAB>english term'")
        pairs.append((foreign.strip(), english.strip()))
    exact: dict[tuple[str, ...], str] = {}
    entries: dict[tuple[str, ...], str] = {}
    for foreign, english in [*pairs, *country_names(language)]:
        norm = normalise(foreign, language)
        if language == "zh":
            entries.setdefault((norm,), english)
            continue
        words = [m.group(0) for m in _words(norm)]
        if words:
            written = [m.group(0) for m in _words(normalise(foreign, language, False))]
            exact.setdefault(tuple(written), english)
            entries.setdefault(tuple(_stem_all(language, words)), english)
    longest = max((len(k[0]) if language == "zh" else len(k) for k in entries), default=0)
    return TermTable(language, exact, entries, longest)


_GETTEXT_LOCALES = {"zh": "zh_CN"}


def country_names(language: str) -> list[tuple[str, str]]:
    """Country names in `language` with their English names, from pycountry's ISO 3166
    translations: "Alemania" -> "Germany", "巴西" -> "Brazil"."""
    import gettext

    import pycountry

    try:
        names = gettext.translation("iso3166-1", pycountry.LOCALES_DIR,
                                    languages=[_GETTEXT_LOCALES.get(language, language)])
    except OSError:
        return []
    pairs: list[tuple[str, str]] = []
    for country in pycountry.countries:
        english = getattr(country, "common_name", None) or country.name
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value and (local := names.gettext(value)) != value:
                pairs.append((local, english))
    return pairs


@dataclass
class Translation:
    """A question read into English query terms."""

    language: str
    english: str  # English terms and references, in the question's order (dense query)
    keywords: str  # the English terms and every word of the question (BM25)
    matched: list[tuple[str, str]] = field(default_factory=list)  # (question's words, English)
    unmatched: list[str] = field(default_factory=list)
    # the English terms of each sentence or colon-ended clause, apart: the terms of a whole
    # question run on without punctuation, so what lies near a word in `english` may belong
    # to another sentence ("Pour une formation au Sénégal : que dit le Rapport mondial…")
    clauses: list[str] = field(default_factory=list)

    @property
    def read_share(self) -> float:
        """How much of the question the table could read: the share of its content words
        (three letters or more; characters in Chinese) inside matched terms. Low when the
        question is about something the field's vocabulary does not cover."""
        common = function_words(self.language)

        def size(text: str) -> int:
            if self.language == "zh":
                for word in sorted((w for w in common if w in text), key=len, reverse=True):
                    text = text.replace(word, " ")
                return len(re.sub(r"[\W_\d]", "", text))
            return sum(1 for w in _words(text) if len(w.group(0)) >= 3
                       and not w.group(0).isdigit() and w.group(0).lower() not in common)
        read = sum(size(words) for words, _ in self.matched)
        unread = sum(size(word) for word in self.unmatched)
        return read / (read + unread) if read + unread else 1.0


@cache
def function_words(language: str) -> frozenset[str]:
    """The language's function words (stopwords-iso): they say little about what a question is
    about, so they count neither as read nor as unread."""
    import stopwordsiso

    return frozenset(w.lower() for w in stopwordsiso.stopwords(language))


# where a sentence or a clause that a colon ends stops: a question or exclamation mark (and
# their Chinese and Arabic forms), a colon or semicolon, or a full stop before a capital
# (not "art. 5"), a Spanish question's opening mark kept with its sentence
CLAUSE_END = re.compile(r"\s*(?:[?!:;\uff1f\uff01\uff1a\uff1b\u061f\u061b\u3002]|"
                        r"\.(?=\s+[\u00bf\u00a1\u00ab\x22(]?[^\W\d_])"
                        r"(?<![Aa]rt\.)(?<!\bp\.)(?<!\bn\.)(?<!\bNo\.))\s*")


def translate(text: str, language: str, directory: Path | None = None) -> Translation:
    """Map a question in `language` through its terminology table: each longest phrase with an
    entry becomes its English term, article references become 'Article N(x), paragraph M'.
    Words with no entry are kept: names and numbers in the English query, all of them among
    the keywords (they find an edition in the question's language, if one is indexed)."""
    if language == "en":
        return Translation("en", text, text)
    table = term_table(language, str(directory or TERMS_DIR))
    pieces: list[str] = []
    result = Translation(language, "", "")
    last = 0
    for start, end, reference in reference_spans(text, language):
        pieces += _map_segment(text[last:start], table, result)
        pieces.append(reference)
        result.matched.append((text[start:end], reference))  # a named provision is read
        last = end
    pieces += _map_segment(text[last:], table, result)
    english = " ".join(dict.fromkeys(p for p in pieces if p))
    result.english = english
    result.keywords = f"{english} {text}"
    parts = [part for part in CLAUSE_END.split(text) if part.strip()]
    result.clauses = ([english] if len(parts) < 2
                      else [translate(part, language, directory).english for part in parts])
    return result


def _map_segment(segment: str, table: TermTable | None, result: Translation) -> list[str]:
    if not segment.strip():
        return []
    if result.language == "zh":
        return _map_chinese(segment, table, result)
    words = _words(segment)
    written = [normalise(w.group(0), result.language, False) for w in words]
    stems = _stem_all(result.language, [normalise(w, result.language) for w in written])
    out: list[str] = []
    i = 0
    while i < len(words):
        found = None
        if table:
            for size in range(min(table.longest, MAX_PHRASE_TOKENS, len(words) - i), 0, -1):
                english = table.lookup(written[i:i + size], stems[i:i + size])
                if english:
                    found = (size, english)
                    break
        if found:
            size, english = found
            result.matched.append((" ".join(w.group(0) for w in words[i:i + size]), english))
            out.append(english)
            i += size
            continue
        word = words[i].group(0)
        result.unmatched.append(word)
        if _carries_over(word, first=(i == 0), language=result.language):
            out.append(word)
        i += 1
    return out


def _map_chinese(segment: str, table: TermTable | None, result: Translation) -> list[str]:
    text = normalise(segment, "zh")
    # the leftovers keep their case ("GRETA", "UNODC"): the table is looked up lower-cased
    original = unicodedata.normalize("NFKC", segment).replace("\u2019", "'")
    if len(original) != len(text):
        original = text
    out: list[str] = []
    i = 0
    pending_from = 0
    longest = min(table.longest, MAX_PHRASE_CHARS) if table else 0
    while i < len(text):
        found = None
        for size in range(min(longest, len(text) - i), 0, -1):
            english = table.entries.get((text[i:i + size],)) if table else None
            if english:
                found = (size, english)
                break
        if found:
            if original[pending_from:i].strip():
                out += _chinese_leftover(original[pending_from:i], result)
            size, english = found
            result.matched.append((text[i:i + size], english))
            out.append(english)
            i += size
            pending_from = i
        else:
            i += 1
    if original[pending_from:].strip():
        out += _chinese_leftover(original[pending_from:], result)
    return out


def _chinese_leftover(text: str, result: Translation) -> list[str]:
    """Unmatched characters: Latin words and numbers carry over; the rest is noted."""
    kept = re.findall(r"[A-Za-z0-9][A-Za-z0-9.'-]*", text)
    rest = re.sub(r"[A-Za-z0-9.'-]+|[\W_]+", " ", text).split()
    result.unmatched += rest + kept
    return kept


def _carries_over(word: str, first: bool, language: str = "en") -> bool:
    """Names and numbers mean the same in any language: 'Nigeria', '2021', 'UNODC', an
    acronym the table does not know ('ГРЕТА')."""
    if any(ch.isdigit() for ch in word):
        return True
    if word.lower() in function_words(language):  # "Le", "Est" opening a sentence: no name
        return False
    if word.isupper() and len(word) > 1:  # an acronym in any script: "GRETA", "ГРЕТА"
        return True
    return word.isascii() and word[:1].isupper() and not first
