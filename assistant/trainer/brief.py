"""Topic briefs for trainers: quoted, cited provisions and report figures, built extractively.

A brief is a list of sections (key definitions, obligations of States, protections, facts and
figures, related provisions, sources). Each section comes from targeted retrieval queries (the
topic plus the section's intent, filtered by document kind and instrument) and sentence
selection; sentences are quoted verbatim with the provision or printed page they come from. A
section where nothing scores above the relevance threshold is left out, and no passage is
quoted twice in one brief. Same topic and index, same brief: nothing here is random.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.answers.compose import Sentence, sentences_of, sub_locator
from assistant.models import Chunk, Filters, Passage, SourceLocation
from assistant.text.definitions import DEFINES_RE
from assistant.text.references import DISPLAY_NAMES, instruments_named
from assistant.text.tokens import tokenize

MAX_TOPIC_CHARS = 300
RELEVANCE_THRESHOLD = 0.38  # below this a sentence is noise for the topic (MiniLM cosines)
SENTENCE_MARGIN = 0.08  # further sentences of a passage must score near its best one
MAX_SENTENCES_PER_ITEM = 3
MAX_QUOTE_CHARS = 900
RETRIEVE_K = 8
FOCUS_BOOST = 0.06
LOOKUP_BOOST = 0.08
RELATED_THRESHOLD = 0.45  # other instruments share words with any topic: ask for more

# Sentences that state an obligation or give a figure (definitions: text/definitions.py).
OBLIGATION_RE = re.compile(r"\bshall\b|\bundertake\b", re.IGNORECASE)
FIGURE_RE = re.compile(r"\d+(?:\.\d+)?\s*(?:per\s*cent|%)|\b\d{1,3}(?:,\d{3})+\b|\b\d{2,}\b"
                       r"|\b(?:one|two|three|four) in (?:two|three|four|five|ten)\b",
                       re.IGNORECASE)
NOT_FIGURES_RE = re.compile(r"\b(?:19|20)\d{2}\b|\b(?:page|pages|p\.|pp\.|fig\.|figure|article|"
                            r"chapter)\s*\d+|(?<=[a-z.\u201d\")])\d+\b", re.IGNORECASE)
PERCENT_RE = re.compile(r"per\s*cent|%", re.IGNORECASE)
# Captions, endnotes ("54 According to ...") and references are not facts to quote.
NOT_A_FACT_RE = re.compile(r"^(?:fig\.|figure|source|note|map|table|see|ibid)\b|^\d+\s+[A-Z]|"
                           r"\(n:\s*\d|www\.|https?:|\.pdf\b|\bSee:", re.IGNORECASE)
PROTECTION_RE = re.compile(r"protect|assist|safety|rights?\b|recovery|housing|compensat|repatriat|"
                           r"return|privacy|dignity|special needs|counsel|medical|violence|life",
                           re.IGNORECASE)
FOOTNOTE_MARK_RE = re.compile(r"^[a-z]\s+(?=[A-Z])")  # "b The smuggling offence ..." in reports


class SourceRef(SourceLocation):
    """Where a quote comes from: enough to cite it and to find the passage again."""

    doc_id: str
    chunk_id: str
    kind: str
    instrument: str | None = None
    article: str | None = None
    article_title: str | None = None

    def label(self) -> str:
        """`Trafficking in Persons Protocol, Article 3(c)` or `Global Report ..., p. 76 (PDF page
        12)`."""
        if self.instrument:
            name = DISPLAY_NAMES.get(self.instrument, self.instrument)
            name = name[4:] if name.startswith("the ") else name
            return f"{name}, {self.locator}"
        short = re.split(r"[:;]| \(", self.title)[0].strip()
        pdf = f" (PDF page {self.page_start})" if self.page_start else ""
        return f"{short}, {self.locator}{pdf}"


def cite(chunk: Chunk, locator: str | None = None) -> SourceRef:
    return SourceRef(
        title=chunk.title, locator=locator or chunk.locator, source=chunk.source,
        doc_id=chunk.doc_id, chunk_id=chunk.id, kind=chunk.kind, instrument=chunk.instrument,
        article=chunk.article, article_title=chunk.article_title, page_label=chunk.page_label,
        page_start=chunk.page_start, page_end=chunk.page_end, url=chunk.url,
    )


class BriefItem(BaseModel):
    quote: str  # verbatim sentences of the cited passage ("…" between non-adjacent ones)
    citation: SourceRef
    label: str | None = None  # e.g. "Criminalisation" within "Obligations of States"
    score: float = 0.0


class BriefSection(BaseModel):
    key: str
    heading: str
    items: list[BriefItem] = Field(default_factory=list)


class SourceEntry(BaseModel):
    title: str
    source: str
    kind: str
    url: str | None = None
    locators: list[str] = Field(default_factory=list)


class BriefSummary(BaseModel):
    """A language model's plain-language summary of a brief: sentences citing the brief's items
    by number ([1] is the first item), checked like an LLM answer (notices say what failed)."""

    text: str
    cited: list[int] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)


class Brief(BaseModel):
    topic: str
    title: str
    preset: str | None = None
    instruments: list[str] = Field(default_factory=list)  # the topic's own instruments
    sections: list[BriefSection] = Field(default_factory=list)
    sources: list[SourceEntry] = Field(default_factory=list)
    summary: BriefSummary | None = None  # when a language model is configured

    def items(self) -> list[BriefItem]:
        return [item for section in self.sections for item in section.items]

    def section(self, key: str) -> BriefSection | None:
        return next((s for s in self.sections if s.key == key), None)


# Presets (assistant/data/brief_presets.toml): the topics of the 2024 meetings of the Working
# Groups, each with the queries that find its core provisions.
@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    instruments: tuple[str, ...]
    audience: str  # "victims" or "smuggled migrants"
    focus: tuple[str, ...] = ()  # regexes of words that mark a sentence as on-topic
    queries: dict[str, tuple[str, ...]] = field(default_factory=dict)  # per section key
    aliases: tuple[str, ...] = ()
    # the provisions specific to the topic, (instrument, locator), which the brief leads with
    provisions: tuple[tuple[str, str], ...] = ()


PRESETS_PATH = Path(__file__).resolve().parents[1] / "data" / "brief_presets.toml"


def load_presets(path: Path = PRESETS_PATH) -> dict[str, Preset]:
    """The presets of a data file (`assistant/data/brief_presets.toml`), by key."""
    entries = tomllib.loads(path.read_text(encoding="utf-8"))["preset"]
    return {key: Preset(
        key=key, title=e["title"], instruments=tuple(e["instruments"]), audience=e["audience"],
        focus=tuple(e.get("focus", ())),
        queries={section: tuple(qs) for section, qs in e.get("queries", {}).items()},
        aliases=tuple(e.get("aliases", ())),
        provisions=tuple((instrument, locator) for instrument, locator in e.get("provisions", ())),
    ) for key, e in entries.items()}


PRESETS: dict[str, Preset] = load_presets()


def find_preset(topic: str) -> Preset | None:
    """The preset a topic names: its key, title or an alias (case and spacing ignored)."""
    wanted = normal_topic(topic)
    for preset in PRESETS.values():
        names = {preset.key, preset.title, *preset.aliases}
        if wanted in {normal_topic(name) for name in names}:
            return preset
    return None


def normal_topic(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split())


def check_topic(topic: str) -> str:
    if not isinstance(topic, str) or not topic.strip():
        raise ValueError("the topic is empty: name a topic, e.g. 'child trafficking'")
    if len(topic) > MAX_TOPIC_CHARS:
        raise ValueError(f"the topic is {len(topic)} characters long; the maximum is "
                         f"{MAX_TOPIC_CHARS}")
    return " ".join(topic.split())


# Topic analysis
@dataclass
class Scope:
    """What a brief or quiz is about: topic, its instruments and the words that mark it."""

    topic: str
    preset: Preset | None
    instruments: list[str]
    other_instruments: list[str]
    audience: str
    focus: tuple[str, ...]

    def queries(self, section: str) -> tuple[str, ...]:
        return self.preset.queries.get(section, ()) if self.preset else ()


def treaty_instruments(assistant) -> list[str]:
    """Instruments present in the index, in a stable order."""
    found = {d["instrument"] for d in assistant.documents()
             if d.get("instrument") and d.get("kind") == "treaty"}
    order = list(DISPLAY_NAMES)
    return sorted(found, key=lambda name: (order.index(name) if name in order else 99, name))


def scope_of(assistant, topic: str) -> Scope:
    topic = check_topic(topic)
    preset = find_preset(topic)
    available = treaty_instruments(assistant)
    if preset:
        instruments = [i for i in preset.instruments if i in available]
        audience, focus, title = preset.audience, preset.focus, preset.title
    else:
        instruments = [i for i in _instruments_for(assistant, topic) if i in available]
        audience = "smuggled migrants" if instruments[:1] == ["SOM Protocol"] else "victims"
        focus, title = (), topic
    # The Firearms Protocol's "illicit trafficking" is about arms: related only to arms topics.
    arms = re.search(r"firearm|\barms\b|weapon|ammunition", topic, re.IGNORECASE)
    others = [i for i in available if i not in instruments
              and (arms or i != "Firearms Protocol")]
    return Scope(title, preset, instruments, others, audience, focus)


def _instruments_for(assistant, topic: str) -> list[str]:
    """The instruments a free topic is about: named ones, else keywords, else retrieval."""
    named = instruments_named(topic, strong_only=False)
    lowered = topic.lower()
    if not named:
        if "smuggl" in lowered:
            named.append("SOM Protocol")
        if "traffick" in lowered and "firearm" not in lowered:
            named.append("TIP Protocol")
        if "firearm" in lowered:
            named.append("Firearms Protocol")
    if named:
        return named
    passages = assistant.retrieve(topic, filters=Filters(kinds=["treaty"]), k=5)
    votes: dict[str, float] = {}
    for passage in passages:
        if passage.chunk.instrument:
            votes[passage.chunk.instrument] = votes.get(passage.chunk.instrument, 0.0) + (
                1.0 / passage.rank)
    return sorted(votes, key=lambda name: -votes[name])[:1]


# Sentence selection
@dataclass
class Query:
    text: str
    filters: Filters
    k: int = RETRIEVE_K


@dataclass
class Selector:
    """Retrieves for a section's queries and keeps the best on-topic sentences."""

    assistant: object
    scope: Scope
    used: set[str] = field(default_factory=set)  # chunk ids already quoted in this document
    used_texts: list[str] = field(default_factory=list)  # and their texts

    def overlaps(self, chunk, others) -> bool:
        """An article and its own paragraphs are indexed apart: quoting one uses the other."""
        return any(chunk.text in text or text in chunk.text for text in others)

    def candidates(self, queries: list[Query], intent: str, keep=None) -> list[Sentence]:
        """Sentences of the retrieved passages, scored for the topic and the section intent."""
        pool: dict[str, Passage] = {}
        for query in queries:
            for passage in self.assistant.retrieve(query.text, filters=query.filters, k=query.k):
                chunk_id = passage.chunk.id
                taken = self.used_texts + [p.chunk.text for p in pool.values()]
                if chunk_id not in self.used and chunk_id not in pool and not self.overlaps(
                        passage.chunk, taken):
                    pool[chunk_id] = passage
        sentences = [s for s in sentences_of(list(pool.values())) if keep is None or keep(s)]
        if not sentences:
            return []
        topic_vector = self.assistant.embed_query(self.scope.topic)
        intent_vector = self.assistant.embed_query(intent)
        vectors = self.assistant.vectors_of(sentences)
        topic_tokens = set(tokenize(self.scope.topic))
        for sentence, vector in zip(sentences, vectors, strict=True):
            score = 0.6 * float(vector @ topic_vector) + 0.4 * float(vector @ intent_vector)
            words = set(tokenize(sentence.text))
            if topic_tokens:
                score += 0.1 * len(topic_tokens & words) / len(topic_tokens)
            if self.scope.focus and _mentions(sentence.text, self.scope.focus):
                score += FOCUS_BOOST
            if sentence.passage.named:  # a provision a preset query names
                score += LOOKUP_BOOST
            sentence.score = score
        return sentences

    def pick(self, sentences: list[Sentence], max_items: int, label: str | None = None,
             threshold: float = RELEVANCE_THRESHOLD, bonus=None,
             margin: float = SENTENCE_MARGIN, max_chars: int = MAX_QUOTE_CHARS,
             ) -> list[BriefItem]:
        """The best passages above the threshold, each quoted by its best sentences."""
        if bonus:
            for sentence in sentences:
                sentence.score += bonus(sentence)
        by_passage: dict[str, list[Sentence]] = {}
        for sentence in sentences:
            if sentence.score >= threshold and sentence.chunk.id not in self.used and not (
                    self.overlaps(sentence.chunk, self.used_texts)):
                by_passage.setdefault(sentence.chunk.id, []).append(sentence)
        ranked = sorted(by_passage.values(), key=lambda group: (
            -max(s.score for s in group), group[0].chunk.id))
        items: list[BriefItem] = []
        for group in ranked[:max_items]:
            items.append(self._item(group, label, margin, max_chars))
            self.used.add(group[0].chunk.id)
            self.used_texts.append(group[0].chunk.text)
        return items

    def _item(self, group: list[Sentence], label: str | None, margin: float, max_chars: int,
              ) -> BriefItem:
        best = max(s.score for s in group)
        chosen: list[Sentence] = []
        total = 0
        for sentence in sorted(group, key=lambda s: (-s.score, s.start)):
            if len(chosen) >= MAX_SENTENCES_PER_ITEM or sentence.score < best - margin:
                break
            if chosen and total + len(sentence.text) > max_chars:
                continue
            chosen.append(sentence)
            total += len(sentence.text)
        chosen.sort(key=lambda s: s.start)
        chunk = chosen[0].chunk
        locators = [locate(s) for s in chosen] if chunk.article else []
        locator = merge_locators(locators) if locators else chunk.locator
        return BriefItem(quote=join_quote(chosen), citation=cite(chunk, locator), label=label,
                         score=round(best, 4))


def locate(sentence: Sentence) -> str:
    """The provision a sentence quotes; a lead-in ("For the purposes of this Protocol:") is
    located by the subparagraph it introduces."""
    inner = sentence.chunk.text[sentence.start:sentence.end]
    last_line = inner.rfind("\n")
    offset = sentence.start + (last_line + 1 if last_line >= 0 else 0)
    return sub_locator(sentence.chunk, offset)


def _mentions(text: str, patterns: tuple[str, ...]) -> bool:
    return any(re.search(pattern, text, re.IGNORECASE) for pattern in patterns)


def quote_text(sentence: Sentence) -> str:
    """The sentence as quoted: without a report's footnote letter glued to its start."""
    return FOOTNOTE_MARK_RE.sub("", sentence.text) if not sentence.chunk.article else sentence.text


def join_quote(sentences: list[Sentence]) -> str:
    parts: list[str] = []
    for previous, sentence in zip([None, *sentences], sentences, strict=False):
        if previous is not None:
            gap = sentence.chunk.text[previous.end:sentence.start]
            parts.append(" " if not gap.strip() else " \u2026 ")
        parts.append(quote_text(sentence))
    return "".join(parts)


def merge_locators(locators: list[str]) -> str:
    """`Article 16, para. 1` + `Article 16, para. 3` -> `Article 16, paras. 1, 3`;
    `Article 3(c)` + `Article 3(d)` -> `Article 3(c), (d)`."""
    unique = list(dict.fromkeys(locators))
    if len(unique) == 1:
        return unique[0]
    parts = [re.match(r"(Article \d+)(.*)", locator) for locator in unique]
    if not all(parts) or len({p.group(1) for p in parts}) != 1:
        return "; ".join(unique)
    base = parts[0].group(1)
    rests = [p.group(2).lstrip(", ") for p in parts]
    if all(rest.startswith("para. ") for rest in rests):
        return f"{base}, paras. " + ", ".join(rest[len("para. "):] for rest in rests)
    if all(rest.startswith("(") for rest in rests):
        return base + ", ".join(rests)
    return f"{base} ({', '.join(rest or 'chapeau' for rest in rests)})"


# Sections
ASPECTS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("Criminalisation", "establish as criminal offences; legislative measures; criminalization",
     re.compile(r"criminal|offence", re.IGNORECASE)),
    ("Protection", "protection of {audience}; assistance and safety", PROTECTION_RE),
    ("Prevention", "prevent {topic}; prevention measures; information campaigns and training",
     re.compile(r"prevent|train|campaign|research|discourage|demand|awareness", re.IGNORECASE)),
    ("Cooperation", "international cooperation between States Parties; exchange of "
                    "information; border measures",
     re.compile(r"cooperat|exchange|information|border|mutual|request", re.IGNORECASE)),
)
HEADINGS = {
    "key": "Provisions specific to this topic",
    "definitions": "Key definitions",
    "obligations": "Obligations of States",
    "protections": "Protections for {audience}",
    "facts": "Facts and figures from the reports",
    "related": "Related provisions in other instruments",
}
ORDER = ("key", "definitions", "obligations", "protections", "facts", "related")
# The paragraph that establishes an offence is the operative one for criminalisation (not the
# attempts or aggravation clauses that follow it).
OFFENCE_ESTABLISHING_RE = re.compile(r"establish as (?:a )?criminal offen[cs]es?", re.IGNORECASE)
OPERATIVE_BONUS = 0.12


def build_brief(assistant, topic: str) -> Brief:
    """A brief on `topic` (free text or a preset's key, title or alias); its summary, when a
    language model is configured, is `assistant.trainer.summary.brief_with_summary`."""
    scope = scope_of(assistant, topic)
    selector = Selector(assistant, scope)
    # Built in this order so the most specific section claims a passage first.
    built = {
        "key": _key_provisions(selector),
        "definitions": _definitions(selector),
        "protections": _protections(selector),
        "obligations": _obligations(selector),
        "facts": _facts(selector),
        "related": _related(selector),
    }
    sections = [
        BriefSection(key=key, heading=HEADINGS[key].format(audience=scope.audience),
                     items=built[key])
        for key in ORDER if built[key]
    ]
    brief = Brief(topic=topic.strip(), title=scope.topic,
                  preset=scope.preset.key if scope.preset else None,
                  instruments=scope.instruments, sections=sections)
    brief.sources = sources_of(brief.items())
    return brief


def _key_provisions(selector: Selector) -> list[BriefItem]:
    """A preset's topic-specific provisions, quoted whole (each cut at a sentence end)."""
    scope = selector.scope
    if not scope.preset:
        return []
    wanted = {provision: None for provision in scope.preset.provisions}
    for chunk in selector.assistant.retriever.chunks:
        key = (chunk.instrument, chunk.locator)
        if key in wanted and wanted[key] is None:
            wanted[key] = chunk
    items: list[BriefItem] = []
    for chunk in wanted.values():
        if chunk is None or selector.overlaps(chunk, selector.used_texts):
            continue
        quote = _whole_quote(chunk.text)
        items.append(BriefItem(quote=quote, citation=cite(chunk, chunk.locator), score=1.0))
        selector.used.add(chunk.id)
        selector.used_texts.append(chunk.text)
    return items


def _whole_quote(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = max(text.rfind(". ", 0, limit), text.rfind("; ", 0, limit))
    return text[:cut + 1] if cut > 0 else text[:limit]


def _treaties(instruments: list[str]) -> Filters:
    return Filters(kinds=["treaty"], instruments=instruments)


def _definitions(selector: Selector) -> list[BriefItem]:
    scope = selector.scope
    if not scope.instruments:
        return []
    texts = [f"definition of {scope.topic}", f"use of terms: {scope.topic}",
             *scope.queries("definitions")]
    queries = [Query(text, _treaties(scope.instruments)) for text in texts]
    sentences = selector.candidates(queries, f"definition: {scope.topic} shall mean",
                                    keep=lambda s: bool(DEFINES_RE.search(s.text)))
    # A definition reads with its neighbouring subparagraphs (Article 3(c) with 3(d)).
    return selector.pick(sentences, max_items=2, margin=0.3, max_chars=1200)


def _protections(selector: Selector) -> list[BriefItem]:
    scope = selector.scope
    if not scope.instruments:
        return []
    intent = f"protection and assistance for {scope.audience}"
    texts = [f"{scope.topic}: {intent}", f"rights, safety and assistance of {scope.audience}",
             *scope.queries("protections")]
    queries = [Query(text, _treaties(scope.instruments)) for text in texts]
    sentences = selector.candidates(queries, intent, keep=_obligation(PROTECTION_RE))
    return selector.pick(sentences, max_items=3, margin=0.15)


def _obligation(vocabulary: re.Pattern[str]):
    """Keeps sentences that oblige States (`shall`) and speak of the aspect at hand."""
    return lambda s: bool(OBLIGATION_RE.search(s.text) and vocabulary.search(s.text))


def _obligations(selector: Selector) -> list[BriefItem]:
    scope = selector.scope
    items: list[BriefItem] = []
    for instrument in scope.instruments:
        for label, intent, vocabulary in ASPECTS:
            intent = intent.format(audience=scope.audience, topic=scope.topic)
            texts = [f"{scope.topic}: {intent}"]
            if label == "Cooperation" or label == "Criminalisation":
                texts += list(scope.queries("obligations"))
            queries = [Query(text, _treaties([instrument])) for text in texts]
            sentences = selector.candidates(queries, intent, keep=_obligation(vocabulary))
            name = DISPLAY_NAMES.get(instrument, instrument).removeprefix("the ")
            label_for = f"{label} ({name})" if len(scope.instruments) > 1 else label
            bonus = _offence_establishing if label == "Criminalisation" else None
            items += selector.pick(sentences, max_items=1, label=label_for, bonus=bonus)
    return items


def _offence_establishing(sentence: Sentence) -> float:
    return OPERATIVE_BONUS if OFFENCE_ESTABLISHING_RE.search(sentence.text) else 0.0


def _facts(selector: Selector) -> list[BriefItem]:
    scope = selector.scope
    texts = [scope.topic, f"{scope.topic}: number and share of victims detected, per cent",
             *scope.queries("facts")]
    queries = [Query(text, Filters(kinds=["report"])) for text in texts]
    focus = scope.focus
    sentences = selector.candidates(
        queries, f"{scope.topic} statistics: per cent, number",
        keep=lambda s: _is_fact(s) and (not focus or _mentions(s.text, focus)))
    return selector.pick(sentences, max_items=4,
                         bonus=lambda s: 0.03 if PERCENT_RE.search(s.text) else 0.0)


def _is_fact(sentence: Sentence) -> bool:
    if (sentence.chunk.section or "").lower() == "endnotes" or _is_notes_list(sentence.chunk):
        return False
    text = quote_text(sentence)
    return (has_figure(text) and not NOT_A_FACT_RE.search(text)
            and len(text) >= 40 and not text.lstrip().startswith("#"))


def _is_notes_list(chunk) -> bool:
    """A run of numbered endnotes ("12 Children and armed conflict - Report ..."), whatever
    heading the report's layout left above it."""
    paragraphs = [p for p in chunk.text.split("\n\n") if p.strip()]
    notes = sum(1 for p in paragraphs if re.match(r"\d{1,3}\s+[A-Z]", p.strip()))
    return len(paragraphs) >= 2 and notes * 2 >= len(paragraphs)


def has_figure(text: str) -> bool:
    """A statistic, not a year, a page or figure reference, or an endnote mark."""
    text = NOT_FIGURES_RE.sub(" ", text)
    return bool(FIGURE_RE.search(text))


def _related(selector: Selector) -> list[BriefItem]:
    scope = selector.scope
    items: list[BriefItem] = []
    extra = list(scope.queries("related"))
    focus = scope.focus

    def keep(sentence: Sentence) -> bool:  # provisions only (no preambles), on the topic
        return bool(sentence.chunk.article) and (not focus or _mentions(sentence.text, focus))

    for instrument in scope.other_instruments:
        queries = [Query(text, _treaties([instrument])) for text in [scope.topic, *extra]]
        sentences = selector.candidates(queries, scope.topic, keep=keep)
        items += selector.pick(sentences, max_items=1, threshold=RELATED_THRESHOLD)
    items.sort(key=lambda item: -item.score)
    return items[:4]


def sources_of(items: list[BriefItem]) -> list[SourceEntry]:
    """One entry per cited document, with the provisions or pages quoted from it."""
    entries: dict[str, SourceEntry] = {}
    for item in items:
        ref = item.citation
        entry = entries.setdefault(ref.doc_id, SourceEntry(
            title=ref.title, source=ref.source, kind=ref.kind, url=ref.url))
        if ref.locator not in entry.locators:
            entry.locators.append(ref.locator)
    return list(entries.values())


def resolve(assistant, ref: SourceRef) -> Chunk | None:
    """The indexed passage a citation points to (None when the index changed since)."""
    for chunk in assistant.retriever.chunks:
        if chunk.id == ref.chunk_id:
            return chunk
    return None


def normalise(text: str) -> str:
    """Whitespace-insensitive form used to check that a quote is in its passage."""
    return " ".join(text.replace("\u201c", '"').replace("\u201d", '"').split())


def quote_in_passage(quote: str, chunk: Chunk) -> bool:
    passage = normalise(chunk.text)
    return all(normalise(part) in passage for part in quote.split(" \u2026 "))

