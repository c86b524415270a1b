"""Facts measured against the elements of an offence's definition.

"We found boys of 16 working 18-hour days on a boat; a broker recruited them with their parents'
okay. Could this be trafficking?" asks whether facts meet a definition. A lawyer answers by its
elements: trafficking in persons is an act (recruitment, transportation ...), by a means
(force, deception, abuse of vulnerability ...), for the purpose of exploitation; for a child
the means are not needed. Smuggling of migrants is procuring someone's illegal entry for a
financial or other material benefit.

The elements are read from the definition itself, by the connectives that join them ("by
means of", "for the purpose of", "in order to obtain"), so they are quoted verbatim. What the
facts mention for each element comes from the indicator list of the field
(`assistant/data/indicators.toml`); the answer says what the facts mention and which element
they do not show, and leaves the legal qualification to the authorities.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.answers.compose import introduce, sub_locator
from assistant.i18n import locator as localize_locator
from assistant.i18n import message, term
from assistant.models import Chunk, Passage
from assistant.text.definitions import DEFINED_TERM_RE, defined_term
from assistant.text.sentences import question_sentences
from assistant.text.tokens import tokenize

if TYPE_CHECKING:
    from assistant.retrieval.search import Retriever

INDICATORS_PATH = Path(__file__).resolve().parents[1] / "data" / "indicators.toml"
OFFENCES = {"trafficking": "trafficking in persons", "smuggling": "smuggling of migrants"}
# "Is this trafficking?", "could this still be smuggling", "does it amount to trafficking",
# "is he a trafficking victim", "smuggling, trafficking or both?"
QUALIFY_RE = re.compile(
    r"(?:\b(?:is|was|would|could|does|do|can|might|may|are|were)\s+(?:this|that|it|he|she|"
    r"they|these|those|what (?:happened|they did|he did|she did))\s+"
    r"(?:(?:still|really|just|also|actually|then|legally|not)\s+)*"
    r"(?:be\s+|been\s+|count\s+as\s+|amount\s+to\s+|constitute\s+|qualify\s+as\s+|"
    r"considered\s+|treated\s+as\s+)?"
    r"|\b(?:counts?|counted)\s+as\s+|\bamounts?\s+to\s+|\bconstitutes?\s+|"
    r"\bqualif(?:y|ies)\s+as\s+|\bor\s+(?:just|simply|only|merely)\s+|\bjust\s+)"
    r"(?:a\s+|an\s+)?(?:case\s+of\s+|victims?\s+of\s+|form\s+of\s+)?(?:human\s+|migrant\s+)?"
    r"(trafficking|smuggling|trafficked|smuggled)\b"
    r"(?!\s+(?:protocol|convention|law|offences?|act|network|ring|gang|route))"
    r"|\b(trafficking|smuggling)\s*(?:,|or)\s*(?:trafficking|smuggling)\b"
    # the instrument's view of the facts: "how would the trafficking protocol see this?",
    # "does this fall under the smuggling definition?"
    r"|\b(?:how|what)\s+(?:does|do|would|will|could|might)\s+(?:the\s+)?(?:UN\s+)?"
    r"(trafficking|smuggling)(?:\s+in\s+persons|\s+of\s+migrants)?\s+"
    r"(?:protocol|definition|rules?)\s+(?:see|view|treat|classify|call|make\s+of|"
    r"say\s+(?:about|of|to))\s+(?:this|that|it|these|those|such|them|him|her|the\s+case)\b"
    r"|\b(?:falls?|comes?|fit)\s+(?:under|within|into)\s+(?:the\s+)?(?:UN\s+)?"
    r"(trafficking|smuggling)(?:\s+in\s+persons|\s+of\s+migrants)?\s+"
    r"definitions?\b", re.IGNORECASE)
NEGATION = re.compile(r"\b(?:no|not|never|without|nor|nobody|no one|none|neither|didn'?t|"
                      r"did not|wasn'?t|weren'?t|hasn'?t|haven'?t)\s+(?:\w+\s+){0,2}$",
                      re.IGNORECASE)
# the connectives that open each element of a definition, and the element they open
CONNECTIVES = (("means", re.compile(r",\s*by means of\b")),
               ("purpose", re.compile(r",\s*for the purpose of\b")),
               ("benefit", re.compile(r",\s*in order to obtain\b")))
BENEFIT_END = re.compile(r"benefit,\s*")


@dataclass(frozen=True)
class Element:
    """One element of a definition: its key and its exact words in the passage."""

    key: str  # act, means, purpose, conduct, benefit
    spans: tuple[tuple[int, int], ...]  # where its words are in the passage text


@dataclass
class Finding:
    """What the facts mention for one element: the words found, and those saying it is
    missing ("no force", "for free")."""

    key: str
    shown: list[str] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Indicator:
    element: str
    pattern: re.Pattern[str]
    absent: bool = False


@cache
def indicators() -> tuple[Indicator, ...]:
    data = tomllib.loads(INDICATORS_PATH.read_text(encoding="utf-8"))
    return tuple(Indicator(item["element"], re.compile(item["pattern"], re.IGNORECASE),
                           bool(item.get("absent", False)))
                 for item in data.get("indicator", []))


# The same ask in the other UN languages: "est-ce de la traite ?", "¿es trata?", "это торговля
# людьми?", "这是人口贩运吗", "هل هذا اتجار بالبشر"; the offence word as the language writes it.
QUALIFY_OTHER = {
    "fr": re.compile(r"(?:\b(?:est-ce|s['\u2019]agit-il|s['\u2019]agit-t-il|constitue|rel[eè]ve|"
                     r"peut-on parler|qualifi\w*|parler)\b[^?]{0,60}?\b|\b(?:traite|trafic\w*)"
                     r"(?: illicite)?(?: de migrants)?\s+ou\s+(?:de la |du |de )?)"
                     r"(traite|trafic)", re.I),
    "es": re.compile(r"(?:\b(?:es|son|constituye|se trata de|cuenta como|puede considerarse|"
                     r"calific\w*|hablar de)\b[^?]{0,60}?\b|\b(?:trata|tr[aá]fico)(?: il[ií]cito)?"
                     r"(?: de (?:personas|migrantes))?\s+o\s+(?:de )?)(trata|tr[aá]fico)", re.I),
    "ru": re.compile(r"(?:(?:является ли|это|считается ли|квалифицируется ли|можно ли считать)"
                     r"[^?]{0,60}?|(?:торговл\w*|незаконн\w* ввоз\w*)(?: \w+)?\s+или\s+)"
                     r"(торговл\w*|незаконн\w* ввоз\w*)", re.I),
    "zh": re.compile(r"(?:(?:是否|算不算|是不是|构成|属于)[^？?]{0,20}?|(?:贩运人口|偷运移民)还是)"
                     r"(贩运|偷运)"),
    "ar": re.compile(r"(?:هل[^؟?]{0,60}?|(?:اتجار|الاتجار|تهريب|التهريب)\S*\s+أم\s+)"
                     r"(اتجار|الاتجار|تهريب|التهريب)"),
}
OFFENCE_WORDS = {"fr": {"traite": "trafficking"}, "es": {"trata": "trafficking"},
                 "ru": {"торговл": "trafficking"}, "zh": {"贩运": "trafficking"},
                 "ar": {"اتجار": "trafficking", "الاتجار": "trafficking"}}


def offences_asked(question: str, language: str = "en") -> list[str]:
    """The offences ("trafficking", "smuggling") whose definition the question asks the facts
    to be measured against; [] for any other question. A question needs facts to measure:
    at least one sentence of them or a long question."""
    if language != "en":
        return _offences_asked_in(question, language)
    found: list[str] = []
    for match in QUALIFY_RE.finditer(question):
        for word in match.groups():
            if word:
                offence = "trafficking" if word.lower().startswith("traffick") else "smuggling"
                if offence not in found:
                    found.append(offence)
        both = re.findall(r"trafficking|smuggling", match.group(0), re.IGNORECASE)
        for word in both:
            offence = word.lower()
            if offence not in found:
                found.append(offence)
    sentences = question_sentences(question)
    has_facts = len(sentences) > 1 or len(question.split()) >= 25
    return found if has_facts else []


def _offences_asked_in(question: str, language: str) -> list[str]:
    pattern = QUALIFY_OTHER.get(language)
    found: list[str] = []
    words = re.compile(r"traite|trafic|trata|tr[aá]fico|торговл|незаконн\w* ввоз|贩运|偷运|"
                       r"اتجار|الاتجار|تهريب|التهريب", re.IGNORECASE)
    for match in pattern.finditer(question) if pattern else ():
        # the whole ask from the match on: "Traite ou trafic ?" asks about both
        ask = re.split(r"[?\uff1f\u061f]", question[match.start():])[0]
        for word in words.findall(ask):
            offence = next((english for stem, english in OFFENCE_WORDS[language].items()
                            if word.lower().startswith(stem)), "smuggling")
            if offence not in found:
                found.append(offence)
    sentences = question_sentences(question)
    long_enough = len(question) >= 60 if language == "zh" else len(question.split()) >= 25
    return found if len(sentences) > 1 or long_enough else []


def parse_definition(text: str, start: int) -> list[Element]:
    """The elements of the definition that begins at `start` (after "shall mean") and ends
    with its subparagraph: the act before the first connective, then each connective's
    element. A benefit clause ("in order to obtain ... a financial or other material
    benefit, of the illegal entry ...") is set inside its act: the act is the words around
    it (the conduct)."""
    end = text.find(";", start)
    end = len(text) if end < 0 else end
    cuts = sorted((m.start(), key, m) for key, pattern in CONNECTIVES
                  for m in [pattern.search(text, start, end)] if m)
    if not cuts:
        return []
    first = cuts[0][0]
    if cuts[0][1] == "benefit":
        match = cuts[0][2]
        benefit_end = BENEFIT_END.search(text, match.end(), end)
        if not benefit_end:
            return []
        clause_start = match.start() + len(match.group(0)) - len("in order to obtain")
        return [Element("conduct", ((start, first), (benefit_end.end(), end))),
                Element("benefit", ((clause_start, benefit_end.start() + len("benefit")),))]
    elements = [Element("act", ((start, first),))]
    for i, (position, key, match) in enumerate(cuts):
        clause_start = position + len(match.group(0)) - len(match.group(0).lstrip(", "))
        clause_end = cuts[i + 1][0] if i + 1 < len(cuts) else end
        elements.append(Element(key, ((clause_start, clause_end),)))
    return elements


def find_indicators(facts: str) -> dict[str, Finding]:
    """What the facts mention for each element, by the indicator list."""
    findings: dict[str, Finding] = {}
    for indicator in indicators():
        for match in indicator.pattern.finditer(facts):
            finding = findings.setdefault(indicator.element, Finding(indicator.element))
            words = match.group(0).strip()
            negated = bool(NEGATION.search(facts[max(0, match.start() - 40):match.start()]))
            target = finding.denied if (negated or indicator.absent) else finding.shown
            if words.lower() not in (w.lower() for w in target):
                target.append(words)
    return findings


# the related provisions a finding brings in, by a word their text must hold
RELATED = {"child": "child", "consent": "consent"}


@dataclass
class ElementAnswer:
    """An answer's lines measuring the facts against definitions, with what they cite."""

    lines: list[str]
    quoted: list[tuple[Passage, str]]  # (passage, quote) in order of first citation


def measure(question: str, offences: list[str], retriever: Retriever, language: str,
            ) -> ElementAnswer | None:
    """Lines that quote each element of the asked offences' definitions (as indexed) and say
    what the facts mention for it; None when no indexed definition has elements."""
    # the facts without the ask (or the offence's own name, in terms read from another
    # language): "Is this smuggling?" mentions no smuggling
    facts = QUALIFY_RE.sub(" ", question)
    facts = re.sub(r"\b(?:trafficking in persons|smuggling of migrants|human trafficking|"
                   r"migrant smuggling)\b", " ", facts, flags=re.IGNORECASE)
    found = find_indicators(facts)
    lines: list[str] = []
    quoted: list[tuple[Passage, str]] = []
    for offence in offences:
        located = definition_of(retriever, OFFENCES[offence])
        if located is None:
            continue
        index, start = located
        chunk = retriever.chunks[index]
        elements = parse_definition(chunk.text, start)
        if not elements:
            continue
        passage = Passage(chunk=chunk, rank=0, score=0.0, named=True)
        n = _number(quoted, passage, chunk.text[start:chunk.text.find(";", start)])
        lead = introduce(chunk, sub_locator(chunk, start), language)
        lines.append(message("elements_intro", language, offence=term("offence", offence,
                                                                      language), lead=lead))
        where = localize_locator(sub_locator(chunk, start), language)
        for element in elements:
            quote = " \u2026 ".join(_clean(chunk.text[a:b]) for a, b in element.spans)
            lines.append(f"- {term('element', element.key, language)} ({where}): "
                         f"\u201c{quote}\u201d [{n}]")
            lines.append(f"  {_verdict(found.get(element.key), language)}")
        for key, word in RELATED.items():
            finding = found.get(key)
            if offence != "trafficking" or not finding or not finding.shown:
                continue
            related = _related_parts(retriever, index, word)
            if not related:
                continue
            lines.append(message("element_related", language,
                                 words=", ".join(finding.shown[:3])))
            for part in related:
                part_passage = Passage(chunk=part, rank=0, score=0.0, named=True)
                text = _clean(part.text)
                m = _number(quoted, part_passage, text)
                lines.append(f"- {introduce(part, part.locator, language)}: "
                             f"\u201c{text}\u201d [{m}]")
    return ElementAnswer(lines, quoted) if lines else None


def _verdict(finding: Finding | None, language: str) -> str:
    if finding and finding.shown:
        return message("element_mentions", language, words="; ".join(finding.shown[:4]))
    if finding and finding.denied:
        return message("element_denied", language, words="; ".join(finding.denied[:4]))
    return message("element_missing", language)


def _number(quoted: list[tuple[Passage, str]], passage: Passage, quote: str) -> int:
    for n, (known, _) in enumerate(quoted, start=1):
        if known.chunk.id == passage.chunk.id:
            return n
    quoted.append((passage, quote))
    return len(quoted)


def _clean(text: str) -> str:
    """A clause as quoted: one line, without its subparagraph letter or final semicolon."""
    text = re.sub(r"^\s*\(?[a-z]\)\s*", "", " ".join(text.split()))
    return text.rstrip(" ;,.")


def definition_of(retriever: Retriever, term_words: str) -> tuple[int, int] | None:
    """(chunk index, offset after "shall mean") of the narrowest indexed treaty passage that
    defines the term."""
    wanted = tuple(tokenize(term_words))
    best: tuple[int, int, int] | None = None
    for index, terms in retriever.defined_terms.items():
        if wanted not in terms:
            continue
        chunk = retriever.chunks[index]
        for match in DEFINED_TERM_RE.finditer(chunk.text):
            if tuple(tokenize(defined_term(match))) == wanted:
                start = match.end() + len(chunk.text[match.end():]) - len(
                    chunk.text[match.end():].lstrip())
                if best is None or len(chunk.text) < best[0]:
                    best = (len(chunk.text), index, start)
    return None if best is None else (best[1], best[2])


def _related_parts(retriever: Retriever, index: int, word: str) -> list[Chunk]:
    """The other lettered parts of the definition's article whose text holds `word` (the
    rule for a child, for consent), in the article's order."""
    chunk = retriever.chunks[index]
    parts = [retriever.chunks[i] for i in retriever.articles.get((chunk.instrument,
                                                                  chunk.article), [])]
    lettered = [c for c in parts if re.search(r"\([a-z]\)$", c.locator) and c.id != chunk.id
                and re.search(rf"\b{word}", c.text, re.IGNORECASE)]
    return sorted(lettered, key=lambda c: c.locator)
