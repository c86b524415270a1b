"""Is the evidence about what the question is about?

"What is the penalty for trafficking under French law?" retrieves the Protocol's
criminalisation article: the right topic, the wrong jurisdiction. A question whose subject is a
particular country's law or figures, a body's own report, or a period is answered only from
passages that are about that country, body or period. A question that only *mentions* a
country while it asks about the instruments' rules ("can Germany refuse to extradite its own
citizen?") has no such scope: Germany is an actor there, not the subject.

A mention is the subject when it owns the law or the figures asked about: "French law",
"Spain's penal code", "the law of Italy", "convictions recorded in Spain", "the ILO's estimate",
or when a question asks for a count ("how many", "number of"): a count is of a place and a
year, and figures of another place or year do not answer it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from assistant.models import Passage

DEMONYMS_PATH = Path(__file__).resolve().parents[1] / "data" / "demonyms.tsv"
# What a jurisdiction or a body owns that the instruments are not: its law, its figures.
OWNED = (r"(?:(?:national|domestic|criminal|penal|federal)\s+)?(?:laws?|legislation|penal code|"
         r"criminal code|code|statutes?|acts?|constitution|action plan|policy|polic(?:y|ies)|"
         r"statistics|data|figures|estimates?|reports?|convictions|prosecutions|penalt(?:y|ies)|"
         r"sentences?|rankings?|tiers?|directives?|hotlines?|helplines?|asylum|visas?|"
         r"residence permits?|procedures?)")
# words that end a country's claim on the law that follows: "he is Portuguese and our law ..."
NOT_OWNER = r"(?:and|or|but|our|my|your|their|his|her|its|we|they|i)"
COUNT = re.compile(r"\b(how many|number of|how much|what share|what percentage|rate of|"
                   r"statistics|figures)\b", re.IGNORECASE)
# a State's own treaty status: "has Chile ratified ...", "is Japan a party to ..."
STATUS = re.compile(r"\s+(?:(?:already|now|ever|not|yet|still)\s+)?(?:ratif\w*|sign\w*|acced\w*|"
                    r"join\w*|become a part\w*|a (?:state )?part\w*|bound)\b", re.IGNORECASE)
# A question about what must, may or can be done, what is allowed, banned or punishable,
# asks about the law: treaty text answers it before a report does.
LAW_RE = re.compile(
    r"\b(must|shall|can|may|could|might|required?|requir\w*|obligat\w*|oblig\w*|"
    r"ha(?:ve|s) to|should|protocol|convention|treaty|article|states? part\w*|legal\w*|law|"
    r"rules?|criminali[sz]\w*|offen[cs]e|defin\w*|allow\w*|permitted|prohibit\w*|ban\w*|"
    r"entitle\w*|liable|prosecut\w*|punish\w*|right to)\b",
    re.IGNORECASE,
)
YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
PERIOD = re.compile(r"\b(?:in|during|since|throughout)\s+(19[5-9]\d|20\d\d)\b", re.IGNORECASE)
# who wrote the documents themselves: "UNODC's 2024 report" is one of them
PUBLISHERS = frozenset({"UNODC", "United Nations Office on Drugs and Crime", "UN",
                        "United Nations"})
# a capitalised name; a question's first word ("Does UNODC's report ...") is none of it
ASKING = (r"(?:Does|Do|Did|Is|Are|Was|Were|Has|Have|Had|Can|Could|Will|Would|Should|May|Might|"
          r"Must|Shall|What|Which|Who|Whom|Whose|How|When|Where|Why|According|Under|In)\b")
NAME = (r"(?:(?!" + ASKING + r")[A-Z][\w'\u2019.-]*"
        r"(?:\s+(?:of\s+|and\s+)?[A-Z][\w'\u2019.-]*)*)")


@dataclass(frozen=True)
class Scope:
    """Something the question is about that the evidence must be about too."""

    label: str  # as the question names it: "French law", "Spain", "2021"
    names: tuple[str, ...]  # any of these in a passage counts as being about it


@cache
def country_names() -> dict[str, str]:
    """The names of countries (ISO 3166, English: "Nigeria", "Federal Republic of Nigeria"),
    each to the country's usual name."""
    import pycountry

    found: dict[str, str] = {}
    for country in pycountry.countries:
        english = getattr(country, "common_name", None) or country.name
        for attribute in ("name", "common_name", "official_name"):
            if value := getattr(country, attribute, None):
                found.setdefault(value, english)
    return found


@cache
def places() -> dict[str, str]:
    """Names and demonyms of countries (English), each to the country's name."""
    found = dict(country_names())
    if DEMONYMS_PATH.is_file():
        for line in DEMONYMS_PATH.read_text(encoding="utf-8").splitlines():
            demonym, sep, country = line.partition("\t")
            if sep and demonym.strip() and not demonym.startswith("#"):
                country = country.strip()
                found.setdefault(demonym.strip(), found.get(country, country))
    return found


@cache
def place_pattern() -> re.Pattern[str]:
    names = sorted(places(), key=len, reverse=True)
    return re.compile(r"(?<![\w/-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w/-])")


def _aliases(country: str) -> tuple[str, ...]:
    """Every name and demonym of a country: a passage on 'Nigerian victims' is about Nigeria."""
    return tuple(sorted({name for name, c in places().items() if c == country} | {country}))


def scopes(question: str, sentence: bool = True, window: int = 5,
           counting: bool | None = None) -> list[Scope]:
    """What the question is about, beyond the instruments' rules. `sentence=False`: the
    English terms read from a question in another language, in its word order ("penalties law
    protection victims American"), where a law or penalty up to `window` terms from a country
    is that country's. `counting`: whether the whole question asks for a count, when this is
    one clause of it."""
    found: list[Scope] = []
    counting = bool(COUNT.search(question)) if counting is None else counting
    for match in place_pattern().finditer(question):
        name = match.group(1)
        before = question[max(0, match.start() - 60):match.start()]
        after = question[match.end():match.end() + 60]
        # "Portugal's penal code", "Kenya criminal law"; not "Portuguese and our law"
        owns = re.match(rf"(?:['\u2019]s)?\s+(?:(?!{NOT_OWNER}\b)\w+\s+){{0,2}}?{OWNED}\b",
                        after, re.I)
        owned = re.search(rf"\b{OWNED}\s+(?:\w+\s+){{0,3}}?(?:of|in|under|by|for|from)\s+"
                          r"(?:the\s+)?$", before, re.I)
        # "a man serving a prison sentence in Uganda": a person's sentence is a fact of the case
        owned = owned and not re.search(r"\bserv\w*\s+(?:a|an|his|her|their|the)\s+(?:\w+\s+)?"
                                        r"sentences?\s+(?:\w+\s+){0,3}?(?:in|under|by|from)\s+"
                                        r"(?:the\s+)?$", before, re.I)
        # a question read from French or Spanish keeps their order: "loi américaine" is
        # "law American"
        follows = re.search(rf"\b{OWNED}\s+$", before, re.I)
        if not sentence:  # terms read from another language: its law or penalties nearby
            follows = follows or re.search(rf"\b{OWNED}\s+(?:\S+\s+){{0,{window}}}$",
                                           before, re.I) or re.match(
                rf"\s+(?:\S+\s+){{0,{window}}}{OWNED}\b", after, re.I)
        # "under Italy's Testo Unico": a country's own statute, named
        owns = owns or (re.match(r"['\u2019]s\s+[A-Z]", after)
                        and re.search(r"\b(?:under|according to)\s+$", before, re.I))
        status = (re.search(r"\b(?:has|have|did|does|is|was|whether|if)\s+(?:the\s+)?$", before,
                            re.I) and STATUS.match(after))
        if not sentence and not status:  # "Canada ratification Firearms Protocol"
            status = re.match(rf"\s+(?:\S+\s+){{0,{window}}}(?:ratif\w*|signat\w*|accession|"
                              r"acced\w*)\b", after, re.I)
        if owns or owned or follows or counting or status:  # a count is always of somewhere
            country = places()[name]
            found.append(Scope(label=name, names=_aliases(country)))
    # "the ILO's 2022 Global Estimates", "the Ministry's most recent annual report"
    for match in re.finditer(rf"\b({NAME})['\u2019]s\s+(?:\w+\s+){{0,3}}?(?i:{OWNED})\b",
                             question):
        if not place_pattern().fullmatch(match.group(1)) and match.group(1) not in PUBLISHERS:
            found.append(Scope(label=match.group(1), names=(match.group(1),)))
    # a count is of a year it names; what happened "in 2021" is of that year too
    years = YEAR.findall(question) if counting else PERIOD.findall(question)
    for year in dict.fromkeys(years):
        found.append(Scope(label=year, names=(year,)))
    unique: dict[str, Scope] = {}
    for scope in found:
        unique.setdefault(scope.label, scope)
    return list(unique.values())


def mentions(passage: Passage, scope: Scope) -> bool:
    text = f"{passage.chunk.title} {passage.chunk.section or ''} {passage.chunk.text}"
    return any(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text,
                         0 if name.isupper() else re.IGNORECASE) for name in scope.names)


def ungrounded(question: str, evidence: list[Passage], sentence: bool = True,
               window: int = 5, clauses: Sequence[str] = ()) -> list[Scope]:
    """The scopes of the question that no passage of the evidence is about. A count about a
    place in a year ("convictions in Brazil in 2023") needs one passage about all of them:
    Brazil in one passage and 2023 in another is no answer. `clauses`: the terms read from
    each sentence of a question in another language, searched apart (see Translation)."""
    found = clause_scopes(question, clauses, sentence, window)
    missing = [s for s in found if not any(mentions(p, s) for p in evidence)]
    if (not missing and len(found) > 1 and COUNT.search(question)
            and not any(all(mentions(p, s) for s in found) for p in evidence)):
        return found
    return missing


def clause_scopes(question: str, clauses: Sequence[str], sentence: bool = True,
                  window: int = 5) -> list[Scope]:
    """The scopes of each clause, found apart: a country in a sentence that only sets the
    scene ("for a training in Senegal:") does not own the report the next sentence asks about.
    A count still makes any place of the question its scope."""
    if len(clauses) < 2:
        return scopes(question, sentence, window)
    counting = bool(COUNT.search(question))
    unique: dict[str, Scope] = {}
    for clause in clauses:
        for scope in scopes(clause, sentence, window, counting):
            unique.setdefault(scope.label, scope)
    return list(unique.values())


def as_any_state(question: str) -> str:
    """The question with the countries of its facts written as the treaties write them: "Can
    Germany refuse to extradite a Portuguese citizen?" asks what a State Party may do, and the
    rule is the same whichever State it is (a second country is "another State"). Only for a
    question about the instruments' rules (LAW_RE); unchanged when a country is what it asks
    about (its law, figures or treaty status: `scopes`) or when it counts something."""
    if not LAW_RE.search(question) or scopes(question) or COUNT.search(question):
        return question

    seen: list[str] = []  # the countries in order: "a State", then "another State"

    def neutral(match: re.Match[str]) -> str:
        name = match.group(1)
        country = places()[name]
        if country not in seen:
            seen.append(country)
        if name != country and name not in country_names():  # a demonym: "a Nigerian man"
            return ""
        return "a State" if seen.index(country) == 0 else "another State"

    return re.sub(r"[ \t]+", " ", re.sub(
        r"(?:\bthe\s+)?" + place_pattern().pattern, neutral, question)).strip()

