"""Extractive answers: the sentences of the top passages that answer, quoted and cited."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.i18n import instrument_name, message, page
from assistant.i18n import locator as localize_locator
from assistant.models import Chunk, Citation, Passage

# Abbreviations after which a full stop does not end a sentence.
_NO_BREAK = "".join(
    rf"(?<!\b{abbreviation}\.)" for abbreviation in (
        "para", "paras", "art", "arts", "e.g", "i.e", "No", "p", "pp", "vol", "cf", "etc", "v",
        "Mr", "Dr", "St")
)
SENTENCE_END = re.compile(_NO_BREAK + r"(?<=[.!?;])[\"\u201d)]?\s+(?=[\"\u201c(]?[A-Z0-9])")
PARA_NUMBER = re.compile(r"^\s*(\d+)\s*\.\s+")
LETTER = re.compile(r"^\s*\(?([a-z])\)\s*")
ROMAN = re.compile(r"^\s*\(([ivx]+)\)\s*")
MAX_SENTENCE_CHARS = 700
SENTENCE_EMBED_CHARS = 400  # a long sentence is embedded from its opening
ELLIPSIS = "\u2026"


@dataclass
class Sentence:
    passage: Passage
    start: int  # offsets in the chunk text
    end: int
    text: str
    score: float = 0.0

    @property
    def chunk(self) -> Chunk:
        return self.passage.chunk


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a passage; paragraphs never run together."""
    spans: list[tuple[int, int]] = []
    for paragraph in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text):
        start = paragraph.start()
        body = paragraph.group(0)
        cuts = [m.end() for m in SENTENCE_END.finditer(body)]
        bounds = [0, *cuts, len(body)]
        for a, b in zip(bounds, bounds[1:], strict=False):
            piece = body[a:b].strip()
            if len(piece) >= 3:
                offset = start + a + (len(body[a:b]) - len(body[a:b].lstrip()))
                spans.append((offset, offset + len(piece)))
    return spans


def quotable_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences an answer may quote (the same at ingest and at answer time):
    a lead-in ending with a colon stays with what it introduces; headings are left out."""
    spans: list[tuple[int, int]] = []
    for start, end in _join_lead_ins(text, split_sentences(text)):
        if text.startswith("#", start):  # a heading line names a section, it says nothing
            continue
        if end - start > MAX_SENTENCE_CHARS:
            end = start + text[start:start + MAX_SENTENCE_CHARS].rfind(" ")
        spans.append((start, end))
    return spans


def sentence_text(text: str, span: tuple[int, int]) -> str:
    return " ".join(text[span[0]:span[1]].split())


def embedding_text(sentence: str) -> str:
    """Long sentences are embedded from their opening: enough to judge relevance, and fast."""
    return sentence[:SENTENCE_EMBED_CHARS]


def span_embedding_text(text: str, span: tuple[int, int]) -> str:
    """What is embedded for the quotable sentence at `span` of a chunk's text."""
    return embedding_text(sentence_text(text, span))


def sentences_of(passages: list[Passage]) -> list[Sentence]:
    out: list[Sentence] = []
    for passage in passages:
        text = passage.chunk.text
        for start, end in quotable_spans(text):
            out.append(Sentence(passage, start, end, sentence_text(text, (start, end))))
    return out


def _join_lead_ins(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and text[joined[-1][0]:joined[-1][1]].rstrip().endswith(":") and (
                end - joined[-1][0] <= MAX_SENTENCE_CHARS):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def provision_sentences(sentences: list[Sentence], refs: list, max_chars: int = 900,
                        ) -> list[Sentence]:
    """For a question that names a provision: its own text, narrowed to the paragraph or
    letter named, in reading order."""
    if not sentences:
        return []
    first = sentences[0].passage
    own = [s for s in sentences if s.passage.rank == first.rank]
    for ref in refs:
        if ref.letter or ref.paragraph:
            wanted = [s for s in own if _in_part(sub_locator(s.chunk, s.start), ref)]
            if wanted:
                own = wanted
                break
    chosen: list[Sentence] = []
    total = 0
    for sentence in own:
        if chosen and total + len(sentence.text) > max_chars:
            break
        chosen.append(sentence)
        total += len(sentence.text)
    return chosen


def _in_part(locator: str, ref) -> bool:
    if ref.paragraph and f"para. {ref.paragraph}" not in locator:
        return False
    return not ref.letter or locator.endswith(f"({ref.letter})")


def sub_locator(chunk: Chunk, offset: int) -> str:
    """Refine a treaty chunk's locator to the paragraph and letter holding `offset`:
    `Article 3` -> `Article 3(a)`, `Article 18` -> `Article 18, para. 8`."""
    if not chunk.article:
        return chunk.locator
    paragraph: str | None = None
    letter: str | None = None
    position = 0
    for line in chunk.text.split("\n"):
        if position > offset:
            break
        if number := PARA_NUMBER.match(line):
            paragraph, letter = number.group(1), None
        elif (found := LETTER.match(line)) and not ROMAN.match(line):
            letter = found.group(1)
        position += len(line) + 1
    base = f"Article {chunk.article}"
    if paragraph and letter:
        return f"{base}, para. {paragraph}({letter})"
    if paragraph:
        return f"{base}, para. {paragraph}"
    if letter:
        return f"{base}({letter})"
    return chunk.locator


def introduce(chunk: Chunk, locator: str, language: str = "en") -> str:
    """'Under Article 3(c) of the Trafficking in Persons Protocol' or
    'The Global Report ... (p. 71) states', in the answer's language."""
    if chunk.article or locator == "Preamble":
        name = instrument_name(chunk.instrument, language) or _short_title(chunk.title)
        if locator == "Preamble":
            return message("preamble", language, name=name)
        return message("under", language, name=name, locator=localize_locator(locator, language))
    label = chunk.page_label or (str(chunk.page_start) if chunk.page_start else None)
    where = f" ({page(label, language)})" if label else ""
    title = _short_title(chunk.title, article=(language == "en"))
    return message("report", language, title=title, page=where)


def _short_title(title: str, article: bool = False) -> str:
    short = re.split(r"[:;]| \(|, Chapter", title)[0].strip()
    if article and not short.lower().startswith(("the ", "unodc")):
        return f"The {short}"
    return short


def compose(question_sentences: list[Sentence], passages: list[Passage], language: str = "en",
            ) -> tuple[str, list[Citation]]:
    """Answer text with [n] markers and its citations, one per cited passage."""
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    lines: list[str] = []
    groups: list[list[Sentence]] = []
    for sentence in question_sentences:
        if groups and groups[-1][0].passage.rank == sentence.passage.rank:
            groups[-1].append(sentence)
        else:
            groups.append([sentence])
    for group in groups:
        passage = group[0].passage
        quoted = _join_quoted(group)
        if passage.rank not in numbers:
            numbers[passage.rank] = len(numbers) + 1
            citations.append(Citation.from_passage(numbers[passage.rank], passage, quote=quoted))
        n = numbers[passage.rank]
        locator = sub_locator(passage.chunk, group[0].start)
        lines.append(f"{introduce(passage.chunk, locator, language)}: \u201c{quoted}\u201d [{n}]")
    return "\n\n".join(lines), citations


def _join_quoted(group: list[Sentence]) -> str:
    """Sentences of one passage in reading order; an ellipsis marks text left out."""
    text = group[0].chunk.text
    parts = [group[0].text]
    for previous, sentence in zip(group, group[1:], strict=False):
        adjacent = not text[previous.end:sentence.start].strip()
        parts.append(sentence.text if adjacent else f"{ELLIPSIS} {sentence.text}")
    return " ".join(parts)


def select_sentences(sentences: list[Sentence], max_sentences: int, max_chars: int = 1200,
                     margin: float = 0.12) -> list[Sentence]:
    """The best sentences, near the best score, no duplicates, in reading order."""
    if not sentences:
        return []
    ranked = sorted(sentences, key=lambda s: -s.score)
    best = ranked[0].score
    chosen: list[Sentence] = []
    seen: list[str] = []
    total = 0
    for sentence in ranked:
        if len(chosen) >= max_sentences or (chosen and sentence.score < best - margin):
            break
        key = re.sub(r"\W+", "", sentence.text.lower())
        if any(key in other or other in key for other in seen):
            continue
        if chosen and total + len(sentence.text) > max_chars:
            continue
        chosen.append(sentence)
        seen.append(key)
        total += len(sentence.text)
    return sorted(chosen, key=lambda s: (s.passage.rank, s.start))


def lexical_overlap(query_tokens: set[str], sentence_tokens: set[str],
                    idf: dict[str, float]) -> float:
    """Share of the question's (idf-weighted) terms that the sentence contains."""
    if not query_tokens:
        return 0.0
    total = sum(idf.get(t, 1.0) for t in query_tokens)
    return sum(idf.get(t, 1.0) for t in query_tokens & sentence_tokens) / total
