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
from difflib import get_close_matches

from assistant.question.grounding import COUNT, place_pattern
from assistant.question.query import ROLE
from assistant.text.references import (
    INSTRUMENT_ALIASES,
    instruments_named,
    without_instrument_names,
)
from assistant.text.sentences import question_sentences


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Document numbers such as "2011/36/EU" or "A/RES/55/25": cited exactly or not at all.
IDENTIFIER_RE = re.compile(r"\b[A-Z0-9]+(?:/[A-Z0-9]+)+\b")
# Questions about the present state of affairs: a fixed set of documents cannot tell.
CURRENT_RE = re.compile(
    r"\b(to date|as of (?:today|now)|currently|right now|these days|nowadays|at present|"
    r"latest|most recent|up to now|so far|this (?:year|month|week)|in the news|yesterday)\b",
    re.IGNORECASE)
# a statement of what the asker or their office does ("We currently don't regulate ...")
OWN_PRACTICE_RE = re.compile(r"(?:we|i|our|my)\b", re.IGNORECASE)
# the latest report of the collection's own publisher
LATEST_OWN_REPORT_RE = re.compile(
    r"\b(?:latest|most recent)\s+(?:(?:edition of the|of the)\s+)?(?:UNODC|Global Report)\b",
    re.IGNORECASE)
# A request for a way to reach someone: a phone number, a hotline, an address, a website.
CONTACT_RE = re.compile(
    r"\b((?:tele)?phone numbers?|hotlines?|helplines?|contact (?:details|information)|"
    r"e-?mail address|postal address|street address|website address|web address|"
    r"number (?:to call|of the hotline)|whom? (?:can|should) I call)\b", re.IGNORECASE)
# A hotline that is no request for one: where the asker works ("from a child protection
# hotline", "I volunteer on a helpline"), or hotlines as a topic ("what did the NGOs say
# about (1) hotlines").
NOT_A_REQUEST_RE = re.compile(
    r"\b(?:from|at|on|with|for|run|runs|running|staff|staffing|work(?:s|ing)? (?:at|on|for)|"
    r"volunteer(?:s|ing)? (?:at|on|for))\s+(?:an?|the|our|my)\s+(?:[\w'-]+\s+){0,3}?"
    r"(?:hotline|helpline)s?\b"
    r"|\b(?:about|regarding|concerning)\s+(?:\(\w\)\s*)?(?:[\w'-]+\s+){0,2}?"
    r"(?:hotlines|helplines)\b", re.IGNORECASE)
# Where the asker works, in the opening ("Analyst at Europol in The Hague, ...", "I work for
# Caritas."): who asks, a detail like a town
WORKPLACE_RE = re.compile(
    r"^(?i:(?:[\w'-]+\s+){0,4}?" + ROLE + r"|I\s+work|I'm|I\s+am|we\s+work|we're|we\s+are)"
    r"\s+(?i:at|with|for|from)\s+(?:the\s+)?"
    r"(?P<name>[A-Z][\w'\u2019&-]*(?:\s+(?:of\s+)?[A-Z][\w'\u2019&-]*)*)")
# what a passage holds when it gives a way to reach someone
REACHABLE_RE = re.compile(r"\+?\d[\d\s().-]{6,}\d|https?://|www\.|\b[\w.-]+@[\w.-]+\.\w+")
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
# A name is what the question asks about, rather than a detail of its facts, when it names a
# source of rules or information: a document ("the Modern Slavery Act", "the Generation 30
# study"), a body ("the European Court of Human Rights"), an acronym (GRETA, IOM), a case
# ("Rantsev v. Cyprus"), or a name in the position of a source ("according to Europol", "what
# does Europol recommend"). A language, a town, a nationality or a capitalised common word
# ("only speaks Tigrinya", "Koranic schools", "an Italian Navy patrol") is a detail.
DOCUMENT_HEADS = _word_set(
    "act acts directive directives convention conventions protocol protocols treaty "
    "treaties statute statutes report reports study studies survey surveys project "
    "projects campaign campaigns fund funds code codes law laws regulation regulations "
    "resolution resolutions declaration declarations charter charters agreement "
    "agreements guidelines principles strategy strategies plan plans index database "
    "programme program initiative judgment judgement ruling case decision decisions "
    "recommendations framework covenant estimates handbook manual toolkit digest yearbook")
# what has editions: documents, and the events that recur ("the 2023 World Day")
EDITION_HEADS = DOCUMENT_HEADS | _word_set(
    "day days conference conferences meeting meetings session sessions summit forum congress "
    "review reviews edition")
BODY_HEADS = _word_set(
    "court courts commission committee council agency office organization organisation "
    "ministry department bureau institute foundation union secretariat tribunal "
    "parliament rapporteur network observatory mechanism")
ACTOR_NOUNS = _word_set(
    "agent agents officer officers official officials patrol patrols team teams staff "
    "inspector inspectors investigator investigators police vessel vessels ship ships "
    "boat unit units")
SOURCE_BEFORE_RE = re.compile(
    r"(?:according to|as reported by|in the view of|(?:what|how|which|when|why)(?:\s+\w+)?\s+"
    r"(?:does|did|do|has|have|had|will|would)|(?:what|how)\s+(?:is|was|are|were))\s+"
    r"(?:the\s+)?$", re.IGNORECASE)
SOURCE_VERBS = (
    r"(?:say|says|said|recommend\w*|report\w*|find|finds|found|estimate\w*|decide\w*|"
    r"rule[sd]?|require\w*|propose\w*|conclude\w*|evaluate\w*|assess\w*|publish\w*|"
    r"state[sd]?|define\w*|count\w*|record\w*|monitor\w*|advise\w*|suggest\w*|"
    r"classif\w*|rank\w*)\b")
# asked of a body, what it does in its own practice: "what steps does the Department follow",
# "how does the Mechanism identify victims" (told of a body, "the Inspectorate inspected a
# farm", these verbs are the facts)
PRACTICE_VERBS = (r"(?:follow\w*|use[sd]?|appl(?:y|ies|ied)|handle[sd]?|identif\w*|"
                  r"screen\w*|inspect\w*|investigat\w*)\b")
SOURCE_VERB_RE = re.compile(rf"^\s*(?:{SOURCE_VERBS}|{PRACTICE_VERBS})", re.IGNORECASE)
# a body said, ruled or found something: "has the Committee ruled", "did the Court say"
BODY_SAYS_RE = re.compile(r"\s+(?:(?:has|have|had|ever|not|already|also)\s+)*" + SOURCE_VERBS,
                          re.IGNORECASE)
CASE_RE = re.compile(r"\b([A-Z][\w'-]*(?:\s+and\s+Others)?\s+v\.?\s+[A-Z][\w'-]*"
                     r"(?:\s+and\s+[A-Z][\w'-]*)?)")
# a name, a number that is no year, a document's kind: "the Generation 30 study"
NUMBERED_DOCUMENT_RE = re.compile(
    r"\b([A-Z][\w-]*)(?<!['\u2019]s)\s+(?!(?:19|20)\d\d\b)(\d{1,4})\s+([a-z]+)\b")
SENTENCE_START_RE = re.compile(r"(?:^|[.!?:;]\s+|[\"'\u201c\u2018(]\s*)([A-Z][\w'-]*)")


# An instrument named by its kind and what it is about: "the Optional Protocol on the
# involvement of children in armed conflict", "the Protocol to the Forced Labour Convention",
# "the Council of Europe Convention", "the trafficking protocol".
INSTRUMENT_HEAD_RE = re.compile(
    r"\b(protocol|convention|treaty|directive|statute|covenant|charter)s?\b", re.IGNORECASE)
INSTRUMENT_TAIL_RE = re.compile(r"^\s+(on|against|to|for|relating to|concerning)\s",
                                re.IGNORECASE)
# "a special treaty", "any convention": no instrument in particular
INDEFINITE = _word_set(
    "a an any no some each every another other such")
DEFINITE = _word_set(
    "the this these that those")
# where the words after an instrument's kind stop naming it
TAIL_STOP = _word_set(
    "is are was were be been does do did has have had must shall should may might can "
    "could will would say says said require requires required set sets provide provides "
    "define defines allow allows apply applies mean means cover covers state states "
    "oblige obliges about regarding when if that which who whom where whether because as "
    "than so while since what how why ban bans prohibit prohibits permit permits protect "
    "protects forbid forbids let lets make makes need needs give gives")
# words that say nothing about which instrument is meant
INSTRUMENT_FILLER = _word_set(
    "the a an this that these those which what whose its their our your un united nations "
    "optional international main new relevant same both two other any each such under of "
    "in and s on against to for relating concerning article articles art paragraph "
    # how old or how known it is says nothing about which one: "the old slavery treaty"
    "old older earlier original famous well-known key core basic global big major")
NAME_STOP = _word_set(
    "the a an this that these those which what whose its their our your under of in on to "
    "by for from with about and or is are does do did can may must has have over at into "
    "against through via within without between per")


# A year that dates a thing or a person of the facts ("a revolver made in 1920", "born in
# 2009") is a detail of the facts, not a period whose figures or events are asked about.
DATED_RE = re.compile(
    r"\b(?:made|manufactured|built|produced|assembled|constructed|born|dated|dating)\s+"
    r"(?:(?:in|from|back to|before|after|around|about|circa|c\.)\s+)?(?:the\s+)?"
    r"(1[5-9]\d\d|20\d\d)(?:s\b)?", re.IGNORECASE)
# a year that names an edition of something: "the 2023 World Day", "its 2021 Annual Report"
EDITION_RE = re.compile(r"\b(?:the|its|their|this|that)\s+(1[5-9]\d\d|20\d\d)\s+"
                        r"([A-Z][\w-]*(?:\s+(?:(?:of|on|against|for|and|the|to|in)\s+)*"
                        r"[A-Z][\w-]*)*)")
# a year after a name of two or more capitalised words, also in a translated question's
# English terms, which have no "the" ("Global Report on Trafficking in Persons 2016"; not an
# acronym such as "UNODC"). A year before a name is left alone: without the article, "Africa
# 2023 Global Report" may be the report's figures for 2023.
_TITLE = r"[A-Z][a-z][\w-]*(?:\s+(?:(?:of|on|against|for|and|the|to|in)\s+)*[A-Z][a-z][\w-]*)+"
TERMS_EDITION_RE = re.compile(rf"({_TITLE})\s+(1[5-9]\d\d|20\d\d)\b")
# a decade a thing of the facts is "from" or "of": "a rifle from the 1880s", "boats of the 1970s"
DECADE_RE = re.compile(r"\b(?:from|of)\s+the\s+(1[5-9]\d0|20\d0)s\b", re.IGNORECASE)
# everyday abbreviations, which name no body or document: "she has no ID", "the CCTV footage"
EVERYDAY_ABBREVIATIONS = _word_set(
    "ID IDs TV SMS GPS DNA CCTV USB IT HR CEO PDF OK AM PM PIN ATM VIP FAQ SIM IQ ICU HQ")


def without_settings(question: str) -> str:
    """The question without the places it only sets the facts in (see SETTING_RE) and the
    years that only date a thing of the facts (DATED_RE)."""
    for dated in (DATED_RE, DECADE_RE):
        question = dated.sub(lambda m: m.group(0)[:m.start(1) - m.start(0)], question)
    if about_a_place(question):
        return question
    return SETTING_RE.sub(lambda m: m.group(0)[:m.start(1) - m.start(0)], question)


def about_a_place(question: str) -> bool:
    """A count, or a place's trends or routes: any name in it is what is asked about."""
    return bool(COUNT.search(question) or ABOUT_A_PLACE_RE.search(question))


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _stems(text: str) -> set[str]:
    """Lower-case words without a plural or possessive 's': "Migrants" is "migrant"."""
    return {re.sub(r"(?<=[a-z]{3})s$", "", w) for w in _normal(text.replace("\u2019", "'")
                                                           .replace("'s", "")).split()}


FILLER_STEMS = frozenset(_stems(" ".join(INSTRUMENT_FILLER)))
SOURCE_HEADS = DOCUMENT_HEADS | BODY_HEADS


def _words_after(question: str, end: int, n: int = 2) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Za-z]+", question[end:end + 40])[:n]]


def _name_before(text: str, most: int = 4, caseless: bool = False,
                 ) -> tuple[list[str], str | None]:
    """The words of an instrument's name before its kind and the word before them: "under the
    ILO's 2014" gives (["ILO's", "2014"], "the"), "the Council of Europe" (["Council", "of",
    "Europe"], "the"), "without a special" (["special"], "a"). `caseless`: a question typed
    without capitals, where "of" joins any two words of a name ("the council of europe")."""
    words = text.split()[-(most + 2):]
    kept: list[str] = []
    for i in range(len(words) - 1, -1, -1):
        word = words[i].strip(",;:")
        if word != words[i]:
            return kept, None
        joins = i > 0 and (words[i - 1][:1].isupper()
                           or (caseless and words[i - 1].lower() not in NAME_STOP))
        if word.lower() == "of" and joins and kept and len(kept) < most:
            kept.insert(0, word)
            continue
        if word.lower() in NAME_STOP or not re.fullmatch(r"[\w'\u2019-]+", word):
            return kept, word.lower()
        if len(kept) == most:
            return kept, None
        kept.insert(0, word)
    return kept, None


# A language is never what names an instrument: in terms read from another language, a
# language the facts mention may stand next to the instrument's kind.
LANGUAGES = _word_set(
    "english french spanish arabic chinese russian portuguese german italian turkish persian "
    "farsi urdu hindi bengali swahili amharic tigrinya somali hausa yoruba igbo wolof tagalog "
    "vietnamese thai burmese khmer romanian albanian ukrainian polish dutch greek")


def _after_languages(words: list[str]) -> list[str]:
    """The words of a name after the last language name among them."""
    last = max((i for i, w in enumerate(words) if w.lower() in LANGUAGES), default=-1)
    return words[last + 1:]


def _capitalised_run(words: list[str]) -> list[str]:
    """The capitalised words (with numbers and an inner "of") that end `words`, back to a
    word that names no instrument in particular ("State Parties Supplementary": "Supplementary")."""
    run: list[str] = []
    for word in reversed(words):
        if not (word[0].isupper() or word[0].isdigit() or (word == "of" and run)):
            break
        if word.lower() in GENERIC_NAMES:
            break
        run.insert(0, word)
    while run and run[0] == "of":
        run.pop(0)
    return run


def _name_after(text: str, most: int = 8) -> list[str]:
    """The words of an instrument's name after its kind ("on the sale of children", "to the
    Forced Labour Convention"), up to punctuation or a word that begins the rest of the
    sentence ("... say about"); "to" begins a name only before "the" or a capital ("to
    Prevent"), not before a verb ("... convention to hand over")."""
    match = INSTRUMENT_TAIL_RE.match(text)
    if not match:
        return []
    if match.group(1).lower() == "to" and not re.match(r"\s*(?:the\b|[A-Z])", text[match.end():]):
        return []
    words: list[str] = []
    for token in re.findall(r"[\w'\u2019-]+|[^\w\s]", text[:200])[:most]:
        if not re.match(r"[\w'\u2019-]", token) or token.lower() in TAIL_STOP:
            break
        words.append(token)
    while words and words[-1].lower() in INSTRUMENT_FILLER:
        words.pop()
    return words


def names_a_source(question: str, name: str, asks_an_instrument: bool = False) -> bool:
    """Whether `name`, as the question uses it, names a source of rules or information. A
    body ("the Ministry of Justice", "the Committee") is one where the question asks what it
    says, decided or found, or names its document; as an actor of the facts ("the Ministry of
    Justice has to decide which office ...") it is a detail like a town. An acronym is a source
    unless the question asks what an indexed instrument says (`asks_an_instrument`: "NAPTIP is
    rewriting its guidelines: what does the trafficking protocol say?"), where only a source's
    position ("according to NAPTIP", "what does NAPTIP recommend") makes it one."""
    if name.isdigit() or IDENTIFIER_RE.fullmatch(name) or CASE_RE.fullmatch(name):
        return True
    # "Mexico's foreign ministry (SRE)": an acronym in brackets after a name abbreviates it;
    # the name it follows is what is judged
    if _is_acronym(name) and re.search(rf"\w\s*\(\s*{re.escape(name)}\s*\)", question):
        return False
    words = [w.lower() for w in name.split()]
    if len(words) > 1 and any(w in DOCUMENT_HEADS for w in words):  # "Modern Slavery Act"
        return True
    body = len(words) > 1 and any(w in BODY_HEADS for w in words)
    if len(words) > 1 and not body:
        return False
    for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", question):
        before, after = question[:match.start()], question[match.end():]
        after = re.sub(r"^\s*\([A-Z0-9&-]{2,}\)", "", after)  # its own acronym, in brackets
        following = [w for w in _words_after(question, match.end()) if not w.isdigit()][:1]
        if following and following[0] in DOCUMENT_HEADS:  # "the Generation 30 study"
            return True
        if body and _document_follows(after):  # "the State Department's 2024 ... Report"
            return True
        if (not body and _is_acronym(name) and not asks_an_instrument
                and not (following and following[0] in ACTOR_NOUNS)):
            return True
        if re.search(r"according to\s+(?:the\s+)?$", before, re.I) or (
                SOURCE_BEFORE_RE.search(before) and SOURCE_VERB_RE.match(after)):
            return True
        # "Has the Committee ruled ...", "did the Commission say ..."
        if body and BODY_SAYS_RE.match(after):
            return True
    return False


def _document_follows(text: str, most: int = 6) -> bool:
    """A document's kind among the words that follow, up to a verb or punctuation: "'s 2024
    Trafficking in Persons Report", "anti-trafficking convention"."""
    for word in re.findall(r"[\w'\u2019-]+|[^\w\s]", text[:120])[:most + 1]:
        if not re.match(r"[\w'\u2019-]", word) or word.lower() in TAIL_STOP:
            return False
        if word.lower().split("-")[-1] in DOCUMENT_HEADS:
            return True
    return False


def _is_acronym(word: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", word)
    return len(letters) > 1 and letters.isupper()


class Coverage:
    """Words and text of the indexed corpus, for spotting names it never mentions."""

    def __init__(self, texts: Iterable[str], instruments: Iterable[str] = (),
                 edition_window: int = 8) -> None:
        """`texts`: every indexed passage; `instruments`: the titles and short names of the
        indexed instruments (their usual names, INSTRUMENT_ALIASES, are added);
        `edition_window`: how many words may stand between a thing and the year of its
        edition in a passage that names that edition."""
        if edition_window < 0:
            raise ValueError(f"edition_window must be 0 or more, not {edition_window}")
        self.edition_window = edition_window
        # "the Oba (King) of Benin" also counts as "the Oba of Benin".
        unique = {_normal(v) for t in texts for v in (t, re.sub(r"\([^)]{0,40}\)", " ", t))}
        self.words: set[str] = {w for text in unique for w in text.split()}
        # one passage a line: words of two passages are never read as standing together
        self.text = " " + " \n ".join(sorted(unique)) + " "
        self.instruments = [_stems(name) | _stems(" ".join(INSTRUMENT_ALIASES.get(name, ())))
                            for name in instruments]

    def unknown_instruments(self, question: str, sentence: bool = True) -> list[str]:
        """Instruments the question names that are not indexed and that no passage names
        either: "the Optional Protocol on the involvement of children in armed conflict" is
        not the Optional Protocol on the sale of children. An instrument is known when the
        words that say which one it is (before its kind, and the first ones after "on",
        "against", "to") all belong, allowing a typo, to the title or usual names of one
        indexed instrument. "A treaty", "convention offences" name no instrument.
        `sentence=False`: the question's English terms as read from another language, a row
        of terms rather than a sentence, where only capitalised names count."""
        unknown: list[str] = []
        covered = 0
        for head in INSTRUMENT_HEAD_RE.finditer(question):
            if head.start() < covered:  # "the Protocol to the Forced Labour Convention"
                continue
            before, determiner = _name_before(question[:head.start()],
                                              caseless=question == question.lower())
            if determiner not in DEFINITE or not sentence:  # "... prosecuted due Smuggling
                before = _capitalised_run(before)  # of Migrants Protocol": the name alone
            if not sentence:  # terms side by side: "victims French English protocol rights"
                before = _after_languages(before)  # (she speaks neither French nor English)
            tail = _name_after(question[head.end():])
            covered = head.end() + len(" ".join(tail)) + 1
            named = (head.group(0)[0].isupper() or determiner in ("the", "this")
                     or any(w[0].isupper() for w in before))
            if determiner in INDEFINITE or not named:
                continue
            identifying = [w for w in tail if w.lower() not in INSTRUMENT_FILLER][:2]
            # a passage that names it may stop at its identifying words ("the Vienna Convention
            # on Consular Relations" in a question that goes on "... detention migrant")
            core = tail[:tail.index(identifying[-1]) + 1] if identifying else tail
            words = {w for w in _stems(" ".join([*before, *identifying]))
                     if not w.isdigit()} - FILLER_STEMS
            if not words or any(self._known(words, known) for known in self.instruments):
                continue
            name = " ".join([*before, head.group(0), *tail])
            named_in_text = (f" {_normal(name)} " in self.text
                             or f" {_normal(' '.join([*before, head.group(0), *core]))} "
                             in self.text)
            if not named_in_text:
                unknown.append(name)
        return unknown

    @staticmethod
    def _known(words: set[str], instrument: set[str]) -> bool:
        return all(w in instrument or get_close_matches(w, instrument, n=1, cutoff=0.85)
                   for w in words)

    def unknown_names(self, question: str, sentence: bool = True) -> list[str]:
        """What the question asks about that the corpus never names: a document, body, case
        or acronym, a year or a document number it never uses; in a question about a place's
        figures or situation, any name it never uses (the instruments' own names, "the
        Palermo Protocol", are known whatever the text).
        `sentence=False`: the English terms read from another language, where a place keeps
        its own language's name ("Canarias", "Bruxelles") and words of different phrases stand
        side by side: only sources, years and document numbers count."""
        asks_an_instrument = bool(instruments_named(question))
        # "Global Report on Trafficking in Persons 2016": a year after a title, read before
        # the instruments' names are blanked out (the title holds the words of one)
        editions = [f"{name} {year}" for year, name in _editions_in_terms(question)
                    if not self._named_together_any(year, name)]
        question = without_workplace(without_instrument_names(question))
        cases = [case for case in CASE_RE.findall(question)  # "Rantsev v. Cyprus" names a
                 if f" {_normal(case)} " not in self.text]  # case even with its country
        # "the Generation 30 study": a numbered name of a document is one name
        cases += [" ".join(m.groups()) for m in NUMBERED_DOCUMENT_RE.finditer(question)
                  if m.group(3).lower() in DOCUMENT_HEADS
                  and f" {_normal(m.group(1) + ' ' + m.group(2))} " not in self.text]
        # "the 2023 World Day": an edition the documents never name with its year, though they
        # may name the thing ("the first World Day", in 2014); the instruments' own names, the
        # "1956" of the 1956 Convention included, were blanked out above
        if sentence:
            cases += [f"the {year} {name}" for year, name in EDITION_RE.findall(question)
                      if not self._named_together(year, name)]
        question = CASE_RE.sub(" ", question)
        # Countries are judged by grounding (question/grounding.py): a question may mention
        # one the documents never name ("can Canada board a ship?") and still be answered.
        question = without_settings(place_pattern().sub(" ", question))
        unknown = [word for word in self._salient_words(question)
                   if any(part not in self.words for part in _normal(word).split())]
        names = self._names(question) if sentence else []
        for name in [*names, *IDENTIFIER_RE.findall(question)]:
            if f" {_normal(name)} " in self.text:
                continue
            # known words that never stand together: a name only with a head ("Modern
            # Slavery Act"); "the NGOs UNODC surveyed" is two names side by side
            if (any(part not in self.words for part in _normal(name).split())
                    or names_a_source(question, name, asks_an_instrument)):
                unknown.append(name)
        if not (sentence and about_a_place(question)):
            unknown = [name for name in unknown
                       if names_a_source(question, name, asks_an_instrument)]
        return list(dict.fromkeys([*cases, *editions, *unknown]))

    def _named_together(self, year: str, name: str) -> bool:
        """Whether some passage names the thing (or things: "the 2024 Working Group" and "the
        Working Groups … the 2024 meetings") and the year within `edition_window` words of
        each other ("Global Report on Trafficking in Persons 2024")."""
        name, gap = re.escape(_normal(name)), self.edition_window
        return bool(re.search(rf" {year}(?: \S+){{0,{gap}}} {name}s? |"
                              rf" {name}s?(?: \S+){{0,{gap}}} {year} ", self.text))

    def _named_together_any(self, year: str, name: str) -> bool:
        """`_named_together` for the name or any shorter name it ends with: in a row of terms
        the name of a place runs into the title ("Canary Islands Global Report on Trafficking
        in Persons 2024")."""
        words = name.split()
        return any(self._named_together(year, " ".join(words[start:]))
                   for start in range(len(words) - 1))

    @staticmethod
    def _salient_words(question: str) -> list[str]:
        """Years, acronyms and capitalised words, except a sentence's first word."""
        starts = {m.start(1) for m in SENTENCE_START_RE.finditer(question)}
        found = []
        for match in WORD_RE.finditer(question):
            word = re.sub(r"['\u2019]s$", "", match.group(0))
            word = re.sub(r"-(?:based|born|led|run|flagged|registered)$", "", word)
            if word.lower() in QUESTION_WORDS or word in EVERYDAY_ABBREVIATIONS:
                continue
            first = match.start() in starts
            if word.isdigit() or (word.isupper() and len(word) > 1) or (
                    word[0].isupper() and not first):
                found.append(word)
        return found

    @staticmethod
    def _names(question: str) -> list[str]:
        names: list[str] = []
        # a possessive ends a name: "the Global Report's Africa chapter" is two
        parts = (part for match in NAME_RE.finditer(question)
                 for part in re.split(r"['\u2019]s\b", match.group(1)))
        for part in parts:
            words = part.split()
            while words and words[0].lower() in QUESTION_WORDS:
                words = words[1:]
            if len(words) < 2 or instruments_named(" ".join(words), strong_only=False):
                continue
            if all(w.lower() in GENERIC_NAMES | QUESTION_WORDS for w in words):
                continue
            names.append(" ".join(words))
        return names


def without_workplace(question: str) -> str:
    match = WORKPLACE_RE.match(question)
    if not match:
        return question
    return f"{question[:match.start('name')]} {question[match.end('name'):]}"


def _editions_in_terms(terms: str) -> list[tuple[str, str]]:
    """(year, name) of each year after the title of a document or an event ("Global Report
    ... 2016", not "Africa European 2023"); an instrument's name is no edition ("Organized
    Crime Convention 2000")."""
    found = [(m.group(2), m.group(1)) for m in TERMS_EDITION_RE.finditer(terms)]
    return [(year, name) for year, name in found if not INSTRUMENT_HEAD_RE.search(name)
            and any(word in EDITION_HEADS for word in name.lower().split())]


def asks_for_current_state(question: str) -> bool:
    """"How many countries have ratified ... to date?", "the latest estimate": the corpus is a
    fixed set of dated documents and cannot vouch for the present. The asker's own practice
    now ("We currently don't regulate brokers. What does the Protocol propose?") sets the
    scene, and the latest of the collection's own reports ("per the latest UNODC global
    report") is one of its documents: neither asks about the present."""
    sentences = question_sentences(question)
    asked = [s for s in sentences if s.endswith("?") or not OWN_PRACTICE_RE.match(s)]
    return any(CURRENT_RE.search(LATEST_OWN_REPORT_RE.sub(" ", s)) for s in asked or sentences)


def asks_for_a_contact(question: str) -> bool:
    """"Which number should I call?", "an NGO's address in Bogotá": documents of law and
    research name no one to call, so only a passage that gives one can answer."""
    return bool(CONTACT_RE.search(NOT_A_REQUEST_RE.sub(" ", question)))


def gives_a_contact(text: str) -> bool:
    return bool(REACHABLE_RE.search(text))

