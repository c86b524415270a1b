"""Split treaty texts into one chunk per article (long articles at paragraph boundaries).

Works on Markdown transcriptions with irregular headings (`###I`, `####General Provisions`,
`### Article  3`, `###Article 1`, a preamble run into the first line) and on plain text
extracted from the official publication (`Article 3` alone on a line, title on the next line).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate

from assistant.models import Chunk, Document
from ingest.headings import (
    ARTICLE_LINE,
    CHAPTER_NUMBER,
    CHAPTER_WORDS,
    ZH_CHAPTER,
    article_number,
    chinese_chapter,
    roman,
)
from ingest.loaded import Page

ARTICLE_RE = ARTICLE_LINE  # "Article 3", "Artículo 3", "Статья 3", "第三条", "المادة 3"
CHAPTER_RE = re.compile(
    rf"^\s*#+\s*(?:(?:{CHAPTER_WORDS})\s+)?({CHAPTER_NUMBER})\.?\s*(.*)$", re.IGNORECASE
)
PLAIN_CHAPTER_RE = re.compile(
    rf"^\s*(?:{CHAPTER_WORDS})\s+({CHAPTER_NUMBER})\.?\s*(.*)$", re.IGNORECASE)
TITLE_RE = re.compile(r"^\s*#\s+(.+?)\s*$")
SUBHEADING_RE = re.compile(r"^\s*#{2,}\s*(.+?)\s*$")
PREAMBLE_RE = re.compile(r"^\s*\**\s*Preamble\s*\**\s*:?\s*", re.IGNORECASE)
NUMBERED_RE = re.compile(r"^\s*(\d+)\s*\.\s+")
LETTERED_RE = re.compile(r"^\s*\(?([a-z])\)\s*")
# Where a Markdown transcription runs the first chapter heading into the preamble's last line.
INLINE_HEADING_RE = re.compile(r"(?<=\S)\s*(#{2,})")


@dataclass
class Article:
    number: str
    title: str | None
    chapter: str | None
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class TreatyText:
    title: str | None
    preamble: list[str]
    articles: list[Article]


def parse_treaty(text: str) -> TreatyText:
    """Parse a treaty into its title, preamble paragraphs and articles."""
    lines = _normalise_lines(text)
    title: str | None = None
    preamble: list[str] = []
    articles: list[Article] = []
    chapter: str | None = None
    pending_chapter: str | None = None  # chapter number waiting for its title line
    expect_article_title = False

    for line in lines:
        if not line.strip():
            continue
        if title is None and not articles and TITLE_RE.match(line) and not line.startswith("##"):
            title = TITLE_RE.match(line).group(1)
            continue
        article = ARTICLE_RE.match(line)
        if article:
            number = article_number(article)
            articles.append(Article(number=number, title=None, chapter=chapter))
            expect_article_title = True
            pending_chapter = None
            continue
        chapter_match = _chapter_heading(line)
        if chapter_match:
            number, chapter_title = chapter_match
            chapter = f"Chapter {number}" + (f". {chapter_title}" if chapter_title else "")
            pending_chapter = None if chapter_title else number
            expect_article_title = False
            continue
        subheading = SUBHEADING_RE.match(line)
        if subheading:
            heading = _clean_inline(subheading.group(1))
            if pending_chapter:
                chapter = f"Chapter {pending_chapter}. {heading}"
                pending_chapter = None
            elif expect_article_title and articles:
                articles[-1].title = heading
                expect_article_title = False
            elif articles:
                articles[-1].paragraphs.append(heading)
            continue
        paragraph = _clean_inline(line)
        if not articles:
            preamble.append(PREAMBLE_RE.sub("", paragraph) if not preamble else paragraph)
            continue
        if expect_article_title and _looks_like_title(paragraph):
            articles[-1].title = paragraph
            expect_article_title = False
            continue
        expect_article_title = False
        articles[-1].paragraphs.append(paragraph)
    return TreatyText(title=title, preamble=[p for p in preamble if p], articles=articles)


def _normalise_lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = INLINE_HEADING_RE.sub(lambda m: "\n" + m.group(1), text)
    return text.split("\n")


def _chapter_heading(line: str) -> tuple[str, str] | None:
    if chinese := ZH_CHAPTER.match(line):
        return chinese_chapter(chinese.group("n")), _clean_inline(chinese.group("rest"))
    pattern = CHAPTER_RE if line.lstrip().startswith("#") else PLAIN_CHAPTER_RE
    match = pattern.match(line)
    if not match or ARTICLE_RE.match(line):
        return None
    number, rest = roman(match.group(1)), _clean_inline(match.group(2))
    # "###I" alone, or "###I General provisions"; a heading like "### Implementation" is no chapter.
    if rest and not re.match(r"^[\s.:\-–—]", match.string[match.end(1):]):
        return None
    return number, rest.strip(" .:-–—")


SENTENCE_ENDS = (".", ";", ":", ",", "\u3002", "\uff1b", "\uff1a", "\uff0c", "\u061b", "\u060c")


def _looks_like_title(line: str) -> bool:
    return len(line) < 120 and not line.rstrip().endswith(SENTENCE_ENDS) and not (
        NUMBERED_RE.match(line) or LETTERED_RE.match(line)
    )


def _clean_inline(text: str) -> str:
    text = text.replace("``", "\u201c").replace("''", "\u201d")
    text = re.sub(r"\*+", "", text)
    return re.sub(r"\s+", " ", text).strip()


# The title line of an instrument in a book that holds several ("Protocol to Prevent, Suppress
# and Punish ...", "Protocolo contra el tráfico ilícito ...", "Протокол ...", "... 议定书").
INSTRUMENT_TITLE_RE = re.compile(
    r"^\s*#*\s*(?:Protocol|Convention|Protocole|Convention|Protocolo|Convención|Протокол|"
    r"Конвенция|بروتوكول|اتفاقية)\b|议定书\s*$|公约\s*$", re.IGNORECASE)


def instrument_segments(doc: Document, text: str) -> list[tuple[str | None, str]]:
    """The instruments of a text, each with its own text: a book that holds a Convention and
    its Protocols numbers each one's articles from 1 again, under the instrument's title. The
    first is `doc.instrument`; each later one is the instrument its title names (read through
    the terminology table in another language), else the document's."""
    lines = text.split("\n")
    seen_beyond_one, starts = False, [0]
    for i, line in enumerate(lines):
        match = ARTICLE_RE.match(line)
        if not match:
            continue
        number = article_number(match)
        if number == "1" and seen_beyond_one:
            starts.append(_title_line(lines, starts[-1], i))
            seen_beyond_one = False
        elif number != "1":
            seen_beyond_one = True
    segments: list[tuple[str | None, str]] = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        body = "\n".join(lines[start:end])
        instrument = doc.instrument if k == 0 else _named_instrument(lines[start], doc)
        segments.append((instrument, body))
    return segments


def _title_line(lines: list[str], after: int, article_one: int) -> int:
    """Where the next instrument begins: its title line, the last one before its Article 1
    (else that Article 1 itself)."""
    for i in range(article_one - 1, after, -1):
        if INSTRUMENT_TITLE_RE.search(lines[i]) and not lines[i].rstrip().endswith("."):
            return i
    return article_one


def _named_instrument(title: str, doc: Document) -> str | None:
    from assistant.text.languages import detect_language, translate
    from assistant.text.references import instruments_named

    language = doc.language if doc.language in ("fr", "es", "ru", "zh", "ar") else (
        detect_language(title))
    english = translate(title, language).english if language != "en" else title
    named = instruments_named(english)
    return named[0] if named else _closest_catalogued(english) or doc.instrument


def _closest_catalogued(title: str, least: float = 0.5) -> str | None:
    """The catalogued instrument whose English title shares the most words with `title`
    (Dice coefficient of their words of four letters or more, at least `least`): "protocol
    designed prevent, suppress and punish trafficking in persons" is the Trafficking in
    Persons Protocol."""
    from corpus import load_catalogue

    words = set(re.findall(r"[a-z]{4,}", title.lower()))
    best, share = None, least
    for entry in load_catalogue().documents:
        if entry.kind != "treaty" or not entry.instrument:
            continue
        own = set(re.findall(r"[a-z]{4,}", entry.title.lower()))
        dice = 2 * len(own & words) / (len(own) + len(words)) if own and words else 0.0
        if dice > share:
            best, share = entry.instrument, dice
    return best


def split_treaty(doc: Document, text: str, chunk_size: int) -> list[Chunk]:
    """One chunk for the preamble, one per article; long articles split between paragraphs.
    A book of several instruments is split instrument by instrument."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    chunks: list[Chunk] = []
    for instrument, body in instrument_segments(doc, text):
        part = doc.model_copy(update={"instrument": instrument})
        chars = chunks[-1].char_end + 2 if chunks else 0
        chunks += _split_one(part, body, chunk_size, len(chunks), chars)
    return chunks


def _split_one(doc: Document, text: str, chunk_size: int, first: int = 0, chars: int = 0,
               ) -> list[Chunk]:
    treaty = parse_treaty(text)
    if not treaty.articles:
        raise ValueError(f"{doc.file_name}: no articles found in treaty text")
    pieces: list[tuple[str, Article | None, str]] = []
    if treaty.preamble:
        pieces.append(("Preamble", None, "\n\n".join(treaty.preamble)))
    # An article up to twice the target size stays whole: citing one article beats splitting it.
    # Its paragraphs are indexed on their own as well, so that a question about one paragraph
    # finds it without the rest of the article diluting the match; retrieval keeps the best
    # of an article's chunks.
    for article in treaty.articles:
        parts = _article_parts(article, 2 * chunk_size, chunk_size)
        for locator, body in parts:
            pieces.append((locator, article, body))
        if len(parts) == 1:
            for locator, body in _paragraph_parts(article):
                pieces.append((locator, article, body))
    return _to_chunks(doc, treaty, pieces, parent_instrument(treaty), first, chars)


def _paragraph_parts(article: Article, min_chars: int = 160) -> list[tuple[str, str]]:
    """Each numbered paragraph or lettered subparagraph of an article, short ones merged."""
    units = _paragraph_units(article.paragraphs)
    if len(units) < 2:
        return []
    base = f"Article {article.number}"
    groups: list[list[tuple[str, list[str]]]] = []
    for unit in units:
        if groups and (_size(groups[-1]) < min_chars or not unit[0]):
            groups[-1].append(unit)
        else:
            groups.append([unit])
    if len(groups) < 2:
        return []
    return [_locate(base, group) for group in groups]


def _article_parts(article: Article, max_chars: int, target_chars: int) -> list[tuple[str, str]]:
    base = f"Article {article.number}"
    body = "\n\n".join(article.paragraphs)
    if not body:
        return [(base, article.title or base)]
    if len(body) <= max_chars:
        return [(base, body)]
    units = _paragraph_units(article.paragraphs)
    parts: list[tuple[str, str]] = []
    group: list[tuple[str, list[str]]] = []
    for unit in units:
        if group and _size(group) + _size([unit]) > target_chars:
            parts.append(_locate(base, group))
            group = []
        group.append(unit)
    if group:
        parts.append(_locate(base, group))
    return parts


def _paragraph_units(paragraphs: list[str]) -> list[tuple[str, list[str]]]:
    """Group each numbered paragraph with the lettered subparagraphs that follow it."""
    units: list[tuple[str, list[str]]] = []
    for paragraph in paragraphs:
        numbered = NUMBERED_RE.match(paragraph)
        lettered = LETTERED_RE.match(paragraph)
        if numbered:
            units.append((f"para. {numbered.group(1)}", [paragraph]))
        elif lettered and not any(NUMBERED_RE.match(p) for u in units for p in u[1][:1]) and (
                _is_next_letter(units, lettered.group(1))):
            units.append((f"({lettered.group(1)})", [paragraph]))
        elif units:
            units[-1][1].append(paragraph)
        else:
            units.append(("", [paragraph]))
    return units


def _is_next_letter(units: list[tuple[str, list[str]]], letter: str) -> bool:
    """`(i)` after `(h)` is a letter; after `(c)` it is a roman numeral inside (c)."""
    if letter not in "ivx":
        return True
    previous = next((label for label, _ in reversed(units) if label.startswith("(")), None)
    return previous is not None and ord(previous[1]) == ord(letter) - 1


def _size(group: list[tuple[str, list[str]]]) -> int:
    return sum(len(p) + 2 for _, paragraphs in group for p in paragraphs)


def _locate(base: str, group: list[tuple[str, list[str]]]) -> tuple[str, str]:
    labels = [label for label, _ in group if label]
    body = "\n\n".join(p for _, paragraphs in group for p in paragraphs)
    if not labels:
        return base, body
    first, last = labels[0], labels[-1]
    if first.startswith("para."):
        if first == last:
            return f"{base}, {first}", body
        return f"{base}, paras. {first[6:]}\u2013{last[6:]}", body
    if first == last:
        return f"{base}{first}", body
    return f"{base}{first}\u2013{last}", body


def _to_chunks(doc: Document, treaty: TreatyText, pieces: list[tuple[str, Article | None, str]],
               parent: str | None = None, first: int = 0, chars: int = 0) -> list[Chunk]:
    chunks: list[Chunk] = []
    offset = chars
    for order, (locator, article, body) in enumerate(pieces, start=first):
        chunks.append(
            Chunk(
                doc_id=doc.id,
                source=doc.file_name or doc.id,
                title=doc.title,
                kind=doc.kind,
                year=doc.year,
                instrument=doc.instrument,
                url=doc.url,
                article=article.number if article else None,
                article_title=article.title if article else None,
                section=article.chapter if article else "Preamble",
                locator=locator,
                char_start=offset,
                char_end=offset + len(body),
                order=order,
                references=_stored_targets(body, doc.instrument, parent),
                text=body,
            )
        )
        offset += len(body) + 2
    return chunks


def _stored_targets(body: str, own: str | None, parent: str | None) -> str | None:
    """The chunk's resolved targets, ';'-joined: Chroma metadata holds only scalars."""
    targets = [ref.target_id for ref in find_references(body, own, parent) if ref.target_id]
    return ";".join(dict.fromkeys(targets)) or None


def locate_pages(chunks: list[Chunk], pages: list[Page], probe: int = 60) -> list[Chunk]:
    """Give each chunk of a paged treaty (the official PDF) the pages it starts and ends on,
    found by its opening and closing words in the page texts. Chunks come in reading order:
    an article, then its own paragraphs, then the next article."""
    if not any(page.index for page in pages):
        return chunks
    texts = [_clean_inline(page.text) + " " for page in pages]
    starts = [0, *accumulate(len(t) for t in texts[:-1])]  # where each page begins
    whole = "".join(texts)
    cursor = 0
    located: list[Chunk] = []
    for chunk in chunks:
        body = _clean_inline(chunk.text)
        begin = whole.find(body[:probe], cursor)
        if begin < 0:
            located.append(chunk)
            continue
        cursor = begin
        tail = whole.find(body[-probe:], begin)
        end = tail + min(probe, len(body)) if tail >= 0 else begin + len(body)
        first = pages[bisect_right(starts, begin) - 1]
        last = pages[bisect_right(starts, max(begin, end - 1)) - 1]
        located.append(chunk.model_copy(update={
            "page_start": first.index, "page_end": last.index,
            "page_label": first.label, "page_label_end": last.label,
        }))
    return located



# --- references between provisions ---------------------------------------------------------
# "article 6, paragraph 1 b) (ii), of this Convention", "articles 5, 6, 8 and 23 of this
# Convention", "article 12 of the Convention", "paragraph 1 of article 13", and the clause
# that applies a whole instrument: "The provisions of the Convention shall apply, mutatis
# mutandis, to this Protocol".
_ITEM = r"\d{1,3}(?:\s*bis)?(?:\s*,?\s*paragraphs?\s+\d{1,2}(?:\s*\(?[a-z]\))?(?:\s*\([ivx]+\))?)?"
_SUB = r"(?:\s*(?:or|and)?\s*\(?[a-z]\)\s*(?:\([ivx]+\))?|\s*(?:or|and)\s*\([ivx]+\))*"
REFERENCE_RE = re.compile(
    rf"\barticles?\s+(?P<items>{_ITEM}{_SUB}(?:\s*(?:,|\band\b|\bor\b)\s*{_ITEM}{_SUB})*)"
    r"(?P<tail>\s*,?\s*(?:of|to|under)\s+(?:this|the)\s+(?:Protocol|Convention)\b"
    r"|\s*,?\s*of\s+the\s+(?P<named>[A-Z][^,.;:]{3,120}))?",
    re.IGNORECASE,
)
PARAGRAPH_OF_ARTICLE_RE = re.compile(
    r"\bparagraph\s+(?P<paragraph>\d{1,2})\s+of\s+article\s+(?P<article>\d{1,3})(?!\s*,?\s*of\s)",
    re.IGNORECASE,
)
ITEM_RE = re.compile(
    r"(?P<article>\d{1,3})(?P<bis>\s*bis)?(?:\s*,?\s*paragraphs?\s+(?P<paragraph>\d{1,2}))?"
    r"(?:\s*\(?(?P<sub>[a-z])\))?", re.IGNORECASE)
MUTATIS_RE = re.compile(
    r"provisions of (?:this|the) (?P<whole>Convention|Protocol) shall apply,?\s*mutatis "
    r"mutandis,?\s*to this (?:Protocol|Convention)", re.IGNORECASE)
SUPPLEMENTS_RE = re.compile(r"\bThis Protocol supplements the (?P<parent>[^.]{5,120})",
                            re.IGNORECASE)


@dataclass(frozen=True)
class Reference:
    """One provision a treaty text refers to. `instrument` None: an instrument the text names
    but the corpus does not know (reported as unresolved); `article` None: the whole
    instrument (a mutatis mutandis clause)."""

    instrument: str | None
    article: str | None
    paragraph: str | None = None
    subparagraph: str | None = None
    written: str = ""  # the words of the text

    @property
    def target_id(self) -> str | None:
        if self.instrument is None:
            return None
        return target_id(self.instrument, self.article, self.paragraph, self.subparagraph)


def target_id(instrument: str, article: str | None = None, paragraph: str | None = None,
              subparagraph: str | None = None) -> str:
    """`UNTOC:16:10`, `SOM Protocol:6`, `UNTOC` (the whole instrument): what chunks store."""
    return ":".join((instrument, article or "", paragraph or "", subparagraph or "")).rstrip(":")


def find_references(text: str, own: str | None, parent: str | None) -> list[Reference]:
    """The provisions `text` refers to. "this Protocol/Convention" (and a bare "article N")
    is `own`, "the Convention" in a Protocol is its `parent` (from its article 1)."""
    from assistant.text.references import instruments_named

    found: list[Reference] = []
    for match in REFERENCE_RE.finditer(text):
        tail = (match.group("tail") or "").lower()
        if "this" in tail or not tail:
            instrument = own
        elif match.group("named"):
            # A treaty calls itself "this Convention": a name that reads as its own is an
            # earlier instrument ("the Slavery Convention signed at Geneva on ... 1926").
            named = [n for n in instruments_named(match.group("named")) if n != own]
            instrument = named[0] if named else None
        else:  # "of the Convention" / "of the Protocol": the instrument this one supplements
            instrument = parent if "convention" in tail else None
        for item in ITEM_RE.finditer(match.group("items")):
            found.append(Reference(
                instrument=instrument,
                article=item.group("article") + (" bis" if item.group("bis") else ""),
                paragraph=item.group("paragraph"),
                subparagraph=(item.group("sub") or "").lower() or None,
                written=match.group(0).strip(" ,"),
            ))
    for match in PARAGRAPH_OF_ARTICLE_RE.finditer(text):
        found.append(Reference(instrument=own, article=match.group("article"),
                               paragraph=match.group("paragraph"), written=match.group(0)))
    for match in MUTATIS_RE.finditer(text):
        whole = parent if match.group("whole").lower() == "convention" else None
        if whole and whole != own:
            found.append(Reference(instrument=whole, article=None, written=match.group(0)))
    return list(dict.fromkeys(found))


def parent_instrument(treaty: TreatyText) -> str | None:
    """The instrument a Protocol supplements, as its first article says."""
    from assistant.text.references import instruments_named

    for article in treaty.articles[:2]:
        for paragraph in article.paragraphs:
            match = SUPPLEMENTS_RE.search(paragraph)
            if match:
                named = instruments_named(match.group("parent"))
                return named[0] if named else None
    return None


def treaty_references(doc: Document, text: str) -> dict[str, list[Reference]]:
    """Every reference of a treaty text, by the article it appears in."""
    treaty = parse_treaty(text)
    parent = parent_instrument(treaty)
    return {article.number: find_references("\n\n".join(article.paragraphs), doc.instrument,
                                            parent)
            for article in treaty.articles}


def unresolved_references(doc: Document, text: str, known: dict[str, set[str]] | None = None,
                          ) -> list[tuple[str, Reference]]:
    """(article, reference) pairs that point nowhere: an instrument the corpus does not know,
    or an article its instrument lacks. `known`: instrument -> its article numbers (default:
    just this treaty's own)."""
    segments = [(doc.model_copy(update={"instrument": instrument}), body)
                for instrument, body in instrument_segments(doc, text)]
    known = dict(known or {})
    for part, body in segments:
        if part.instrument:
            known.setdefault(part.instrument, {a.number for a in parse_treaty(body).articles})
    missing: list[tuple[str, Reference]] = []
    for part, body in segments:
        for article, refs in treaty_references(part, body).items():
            for ref in refs:
                lacks = bool(ref.article) and ref.article not in known.get(ref.instrument or "",
                                                                            {ref.article})
                if ref.instrument is None or lacks:
                    missing.append((article, ref))
    return missing
