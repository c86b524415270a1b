"""Extractive answers: the sentences of the top passages that answer, quoted and cited."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.i18n import instrument_name, message, page
from assistant.i18n import locator as localize_locator
from assistant.models import Answer, Chunk, Citation, Passage
from assistant.text.sentences import (
    quotable_spans,
    sentence_text,
    split_sentences,
)

PARA_NUMBER = re.compile(r"^\s*(\d+)\s*\.\s+")
LETTER = re.compile(r"^\s*\(?([a-z])\)\s*")
ROMAN = re.compile(r"^\s*\(([ivx]+)\)\s*")
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


def sentences_of(passages: list[Passage]) -> list[Sentence]:
    out: list[Sentence] = []
    for passage in passages:
        text = passage.chunk.text
        for start, end in quotable_spans(text):
            out.append(Sentence(passage, start, end, sentence_text(text, (start, end))))
    return out


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
    """Answer text with [n] markers and its citations, one per cited passage. Each line's
    lead-in names the one paragraph its quote comes from: a quote running over paragraphs 4
    to 6 is three lines, each under its own paragraph, all citing the same [n]."""
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
        if passage.rank not in numbers:
            numbers[passage.rank] = len(numbers) + 1
            citations.append(Citation.from_passage(numbers[passage.rank], passage,
                                                   quote=_join_quoted(group)))
        n = numbers[passage.rank]
        for run in _paragraph_runs(group):
            locator = run_locator(passage.chunk, run)
            lines.append(f"{introduce(passage.chunk, locator, language)}: "
                         f"\u201c{_join_quoted(run)}\u201d [{n}]")
    return "\n\n".join(lines), citations


def _paragraph_runs(group: list[Sentence]) -> list[list[Sentence]]:
    """Consecutive sentences of one passage, split where the numbered paragraph changes (or,
    in an article without numbered paragraphs, the lettered subparagraph)."""
    runs: list[list[Sentence]] = []
    keys: list[tuple[str | None, str | None]] = []
    for sentence in group:
        paragraph, letter = locator_parts(sub_locator(sentence.chunk, sentence.start))[1:]
        key = (paragraph, None) if paragraph else (None, letter)
        if runs and keys[-1] == key:
            runs[-1].append(sentence)
        else:
            runs.append([sentence])
            keys.append(key)
    return runs


def run_locator(chunk: Chunk, run: list[Sentence]) -> str:
    """The locator of a run of sentences of one paragraph: the letter too when they all lie
    in one lettered subparagraph, else the paragraph."""
    locators = {sub_locator(chunk, offset) for sentence in run
                for offset in _line_starts(chunk.text, sentence.start, sentence.end)}
    if len(locators) == 1:
        return locators.pop()
    first = sub_locator(chunk, run[0].start)
    article, paragraph, _ = locator_parts(first)
    if article is None:
        return first
    return f"Article {article}, para. {paragraph}" if paragraph else f"Article {article}"


_LOCATOR_PARTS = re.compile(r"Article (\w+)(?:, para\. (\d+))?(?:\(([a-z])\))?(?![\w\u2013-])")


def locator_parts(locator: str) -> tuple[str | None, str | None, str | None]:
    """(article, paragraph, letter) of 'Article 16, para. 5(a)'; Nones for other locators and
    for ranges ('Article 16, paras. 1\u20134'), which name no single part."""
    match = _LOCATOR_PARTS.search(locator)
    if not match or ", paras." in locator:
        return None, None, None
    return match.group(1), match.group(2), match.group(3)


def _line_starts(text: str, start: int, end: int) -> list[int]:
    """`start` and the start of every later line that begins inside text[start:end]."""
    return [start] + [start + m.end() for m in re.finditer(r"\n\s*", text[start:end])
                      if start + m.end() < end]


def _join_quoted(group: list[Sentence]) -> str:
    """Sentences of one passage in reading order; an ellipsis marks text left out."""
    text = group[0].chunk.text
    parts = [group[0].text]
    for previous, sentence in zip(group, group[1:], strict=False):
        adjacent = not text[previous.end:sentence.start].strip()
        parts.append(sentence.text if adjacent else f"{ELLIPSIS} {sentence.text}")
    return " ".join(parts)


def select_sentences(sentences: list[Sentence], max_sentences: int, max_chars: int = 1600,
                     margin: float = 0.12, passage_margin: float | None = None,
                     ) -> list[Sentence]:
    """The best sentences, near the best score, no duplicates, in reading order. Each passage
    whose best sentence is within `passage_margin` of the best is quoted by it before any
    passage is quoted twice: the answer shows every provision that answers about as well, not
    one provision at length; further sentences must be within `margin`."""
    if not sentences:
        return []
    by_score = sorted(sentences, key=lambda s: -s.score)
    best = by_score[0].score
    firsts: dict[int, Sentence] = {}
    for sentence in by_score:
        firsts.setdefault(sentence.passage.rank, sentence)
    ranked = [*firsts.values(), *(s for s in by_score if firsts[s.passage.rank] is not s)]
    chosen: list[Sentence] = []
    seen: list[str] = []
    total = 0
    for sentence in ranked:
        if len(chosen) >= max_sentences:
            break
        first = firsts[sentence.passage.rank] is sentence
        allowed = passage_margin if first and passage_margin is not None else margin
        if chosen and sentence.score < best - allowed:
            continue
        key = re.sub(r"\W+", "", sentence.text.lower())
        if any(key in other or other in key for other in seen):
            continue
        if chosen and total + len(sentence.text) > max_chars:
            continue
        chosen.append(sentence)
        seen.append(key)
        total += len(sentence.text)
    return sorted(chosen, key=lambda s: (s.passage.rank, s.start))


# A sentence that announces a list ("the following", "shall include") brings its items.
ANNOUNCES = re.compile(r"\b(?:the following|as follows|shall include|includes?|including)\W*$",
                       re.IGNORECASE)
# a list item with its own operative verb is a provision by itself, not a fragment
STATES_ITS_OWN_RULE = re.compile(r"\b(?:shall|may|must|means)\b")
HEADING_WORDS = 12  # a paragraph's opening sentence this short introduces what follows it
COMPLETE_MAX_CHARS = 1800  # a completed answer quotes at most this much


def item_kind(line: str) -> str | None:
    """The kind of list marker a line opens with (`(i)`, `a)`, `a.`, `-`), None for prose
    and for numbered paragraphs."""
    line = line.lstrip()
    if PARA_NUMBER.match(line):
        return None
    if ROMAN.match(line):
        return "roman"
    if LETTER.match(line):
        return "letter"
    if re.match(r"[a-z]\.(?![a-z]\.)", line):
        return "dotted"
    if re.match(r"[-*\u2022]\s", line):
        return "bullet"
    return None


def _lines(text: str) -> list[tuple[int, int]]:
    """Spans of the non-empty lines of a text, stripped."""
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        body = match.group(0)
        if body.strip():
            start = match.start() + len(body) - len(body.lstrip())
            spans.append((start, match.start() + len(body.rstrip())))
    return spans


def _line_index(lines: list[tuple[int, int]], offset: int) -> int:
    for index, (start, end) in enumerate(lines):
        if start <= offset < end or offset < start:
            return index
    return len(lines) - 1


def opening_clauses(text: str, offset: int, depth: int = 3) -> list[tuple[int, int]]:
    """The clauses that introduce the list item holding `offset`, outermost first: for
    "c. Engagement of the child in forced labour;" the "... a child for the purpose of:" above
    it (and what introduces that one, when it is an item too). Siblings and their sub-items
    are skipped; prose that introduces nothing ends the search."""
    lines = _lines(text)
    if not lines:
        return []
    index = _line_index(lines, offset)
    kind = item_kind(text[lines[index][0]:lines[index][1]])
    if kind and STATES_ITS_OWN_RULE.search(text[lines[index][0]:lines[index][1]]):
        return []  # "(b) The consent of a victim ... shall be irrelevant" reads on its own
    out: list[tuple[int, int]] = []
    while kind and len(out) < depth:
        found = None
        for j in range(index - 1, -1, -1):
            line = text[lines[j][0]:lines[j][1]]
            other = item_kind(line)
            if line.endswith(":") and other != kind:
                found = j
                break
            if other is None:
                break
        if found is None:
            break
        start, end = lines[found]
        last = split_sentences(text[start:end])[-1]  # only the sentence ending in the colon
        out.insert(0, (start + last[0], end))
        index, kind = found, item_kind(text[start:end])
    return out


def announced_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The items of a list the sentence at text[start:end] announces (it ends its line with a
    colon, or with "the following", "shall include", ...); its own siblings are not its
    items. A colon followed by prose brings the next sentence."""
    lines = _lines(text)
    if not lines:
        return []
    first, last = _line_index(lines, start), _line_index(lines, max(start, end - 1))
    announcing = [j for j in range(first, last + 1)
                  if text[lines[j][0]:lines[j][1]].endswith(":")
                  or (j == last and lines[j][1] <= end and ANNOUNCES.search(text[start:end]))]
    if not announcing:
        return []
    own = item_kind(text[lines[announcing[-1]][0]:lines[announcing[-1]][1]])
    items: list[tuple[int, int]] = []
    for j in range(last + 1, len(lines)):
        kind = item_kind(text[lines[j][0]:lines[j][1]])
        if kind is None or kind == own:
            break
        items.append(lines[j])
    if not items and text[lines[last][0]:lines[last][1]].endswith(":") and last + 1 < len(lines):
        items.append(lines[last + 1])
    return items


def followers(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentence after a paragraph's short opening sentence ("Each year, the Working Groups
    discuss distinct topics."), which says what the opening one announces."""
    lines = _lines(text)
    if not lines:
        return []
    line_start, line_end = lines[_line_index(lines, start)]
    if start != line_start or end >= line_end or len(text[start:end].split()) > HEADING_WORDS:
        return []
    if text[start:end].rstrip().endswith("?"):
        return []
    rest = split_sentences(text[end:line_end])
    return [(end + rest[0][0], end + rest[0][1])] if rest else []


def _context_spans(sentence: Sentence) -> list[tuple[int, int]]:
    text = sentence.chunk.text
    return [*opening_clauses(text, sentence.start),
            *announced_items(text, sentence.start, sentence.end),
            *followers(text, sentence.start, sentence.end)]


def complete(chosen: list[Sentence], max_chars: int = COMPLETE_MAX_CHARS) -> list[Sentence]:
    """The chosen sentences with what they need to be read: a list item's opening clause, an
    announcing sentence's items, a short opening sentence's follower (in reading order)."""
    out = list(chosen)
    total = sum(len(s.text) for s in chosen)
    for sentence in chosen:
        for start, end in _context_spans(sentence):
            if any(s.passage.rank == sentence.passage.rank and s.start < end and start < s.end
                   for s in out):
                continue
            extra = Sentence(sentence.passage, start, end,
                             sentence_text(sentence.chunk.text, (start, end)), sentence.score)
            if total + len(extra.text) > max_chars:
                break
            out.append(extra)
            total += len(extra.text)
    return sorted(out, key=lambda s: (s.passage.rank, s.start))


def cut_weak_citations(chosen: list[Sentence], best_score: float, cut: float,
                       ) -> list[Sentence]:
    """Drop the sentences of passages scoring under `cut` times the best passage's score (a
    relative cut: scores of other rankings have other scales). A provision the question
    names is never cut: it was asked for. When every chosen passage is
    under it, the best sentence's passage stays, so an answer never loses all its quotes."""
    if not chosen or best_score <= 0:
        return chosen
    kept = [s for s in chosen
            if s.passage.score >= cut * best_score or s.passage.named]
    if kept:
        return kept
    anchor = max(chosen, key=lambda s: s.score).passage.rank
    return [s for s in chosen if s.passage.rank == anchor]


def lexical_overlap(query_tokens: set[str], sentence_tokens: set[str],
                    idf: dict[str, float]) -> float:
    """Share of the question's (idf-weighted) terms that the sentence contains."""
    if not query_tokens:
        return 0.0
    total = sum(idf.get(t, 1.0) for t in query_tokens)
    return sum(idf.get(t, 1.0) for t in query_tokens & sentence_tokens) / total


_ANSWER_LINE = re.compile(r"^(?P<lead>.+?): \u201c(?P<quote>.*)\u201d \[(?P<n>\d+)\]$", re.S)


def lead_in_mismatches(answer: Answer) -> list[str]:
    """Lines of an extractive answer whose English lead-in names a treaty part ("Under Article
    16, para. 4") that does not hold every quoted piece, or whose quote is not in the cited
    passage. Empty when every lead-in names exactly where its quote comes from."""
    citations = {c.n: c for c in answer.citations}
    passages = {p.rank: p for p in answer.passages}
    problems: list[str] = []
    for line in answer.text.split("\n\n"):
        match = _ANSWER_LINE.match(line)
        citation = citations.get(int(match["n"])) if match else None
        passage = passages.get(citation.passage_rank) if citation else None
        if passage is None or not passage.chunk.article:
            continue
        chunk = passage.chunk
        named = locator_parts(match["lead"])
        if named[0] is None:
            problems.append(f"names no single provision part: {match['lead']!r}")
            continue
        for piece in match["quote"].split(ELLIPSIS):
            span = find_span(chunk.text, piece)
            if span is None:
                problems.append(f"quote not in [{citation.n}]: {piece[:60]!r}")
                continue
            for offset in _line_starts(chunk.text, *span):
                quoted = locator_parts(sub_locator(chunk, offset))
                if not _within(quoted, named):
                    problems.append(f"{match['lead']!r} over a quote from "
                                    f"{sub_locator(chunk, offset)!r}")
    return problems


def find_span(text: str, fragment: str) -> tuple[int, int] | None:
    """Where `fragment` occurs in `text`, whitespace-insensitive."""
    words = fragment.split()
    if not words:
        return None
    found = re.search(r"\s+".join(re.escape(word) for word in words), text)
    return (found.start(), found.end()) if found else None


def _within(part: tuple[str | None, str | None, str | None],
            named: tuple[str | None, str | None, str | None]) -> bool:
    """Is the provision part `part` (article, paragraph, letter) inside the `named` one?"""
    article, paragraph, letter = named
    if part[0] != article:
        return False
    if paragraph and part[1] != paragraph:
        return False
    return not letter or part[2] == letter


def refusal_text(language: str = "en") -> str:
    """The plain "the corpus does not answer this" sentence, in the question's language."""
    return message("refusal", language)
