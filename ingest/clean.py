"""Pure text clean-up for extracted PDF pages (and light normalisation for other text).

A PDF page as pypdf extracts it is a list of lines: running headers and page numbers at the
edges, body lines wrapped at the column width (words hyphenated across lines, footnote
markers glued to words: `growing,1`), chart labels and tick values, figure captions. The
functions here turn that into paragraphs separated by blank lines, with likely headings on
their own line prefixed by `# ` so the section splitter can see them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from assistant.text.sentences import ABBREVIATIONS
from ingest.headings import ARTICLE_HEADING

LIGATURES = {
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
    "\ufb05": "st", "\ufb06": "st",
}
SPACE_LIKE = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\t]")
INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff]")

EDGE_LINES = 3  # how many lines at the top and bottom of a page may hold running headers
RUNNING_MIN_SHARE = 0.1  # a running line is on at least this share of the pages...
RUNNING_MIN_PAGES = 3  # ...and on at least this many pages

SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
# Footnote markers glued to a word or to punctuation after a word: `growing,1`, `poverty8`,
# `Report,6`, `abuse43`. Not `30.2` (a decimal) nor `G20` (capital before the digits).
FOOTNOTE_MARKER = re.compile(
    r"(?:(?<=[a-z])|(?<=[a-z][.,;:”’\")\]])|(?<=[a-z][)”’\"][.,;:]))(\d{1,3})(?=[\s\"”’)]|$)"
    # after a number and a full stop only before a capital: `2024.49 Conflict`, not `7.5 per`
    r"|(?<=\d\d\.)(\d{1,3})(?=\s+[A-Z])"
)
# A line ending in an abbreviation goes on (`vol.` then `46, no. 2`); "etc." at a line's end
# ends its sentence far more often than not.
LINE_ABBREVIATIONS = frozenset(ABBREVIATIONS) - {"etc"}
NUMERIC_LINE = re.compile(r"^[\d\s.,%+\-–—$€£()*/]+$")
LIST_MARKER = re.compile(r"^(?:\(?[ivx]{1,4}[.)]|\(?[a-h][.)]|\d{1,2}[.)]|[•▪■●◦–-])\s")
NOTE_START = re.compile(r"^\d{1,3}\s+[A-Z“\"]")
BLOCK_START = re.compile(r"^(?:Fig\.|Figure\s+\d|Map\.?\s+\d|Table\s+\d|Box\s+\d|Source:|Sources:"
                         r"|Note:|Notes:|\*)")
LABEL_MAX_CHARS = 30  # chart labels are short lines...
LABEL_RUN_MIN = 4  # ...that come in runs; shorter runs may be a heading over a few lines
HEADING_MAX_LINES = 3
HEADING_MAX_LINE_CHARS = 70
HEADING_MAX_CHARS = 120
BODY_LINE_MIN_CHARS = 35
# A treaty article's heading line in the official publications ("Article 5", "Article 18 bis",
# "Artículo 5", "第五条") is ARTICLE_HEADING, from ingest.headings.


def normalize_characters(text: str) -> str:
    """Ligatures to letters, odd spaces to plain spaces, invisible characters and CRs out."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for ligature, letters in LIGATURES.items():
        text = text.replace(ligature, letters)
    text = INVISIBLE.sub("", text)
    return SPACE_LIKE.sub(" ", text)


def normalize_whitespace(text: str) -> str:
    """Single spaces inside lines, no trailing spaces, at most one blank line in a row."""
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def line_key(line: str) -> str:
    """What a running header looks like on every page: digits and spacing ignored."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", line)).strip().lower()


def edge_lines(lines: list[str], edge: int = EDGE_LINES) -> list[str]:
    """The first and last `edge` lines of a page (each line once)."""
    if len(lines) <= 2 * edge:
        return lines
    return lines[:edge] + lines[-edge:]


def find_running_lines(pages: list[list[str]], edge: int = EDGE_LINES) -> set[str]:
    """Keys of lines that repeat at the top or bottom of many pages (headers, page numbers).
    A treaty's `Article N` lines often sit there too: they are never running lines."""
    if len(pages) < RUNNING_MIN_PAGES:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({line_key(line) for line in edge_lines(lines, edge)
                       if line.strip() and not ARTICLE_HEADING.fullmatch(line.strip())})
    needed = max(RUNNING_MIN_PAGES, math.ceil(RUNNING_MIN_SHARE * len(pages)))
    return {key for key, count in counts.items() if count >= needed}


def strip_running_lines(lines: list[str], running: set[str], edge: int = EDGE_LINES) -> list[str]:
    """Drop running lines, but only where they are: in the page's edge lines."""
    if not running:
        return lines
    top = set(range(min(edge, len(lines))))
    bottom = set(range(max(0, len(lines) - edge), len(lines)))
    return [line for i, line in enumerate(lines)
            if not ((i in top or i in bottom) and line_key(line) in running)]


def drop_figure_debris(lines: list[str]) -> list[str]:
    """Drop chart tick values (numeric lines) and runs of short label lines. A treaty's
    `Article 5` line and its title line are headings, never labels."""
    lines = [line for line in lines if line.strip() and not NUMERIC_LINE.match(line.strip())]
    kept: list[str] = []
    run: list[str] = []
    for i, line in enumerate(lines):
        heading = ARTICLE_HEADING.fullmatch(line.strip()) or (
            i > 0 and ARTICLE_HEADING.fullmatch(lines[i - 1].strip()))
        if _is_label(line) and not heading:
            run.append(line)
            continue
        kept.extend(run if len(run) < LABEL_RUN_MIN else [])
        run = []
        kept.append(line)
    kept.extend(run if len(run) < LABEL_RUN_MIN else [])
    return kept


def _is_label(line: str) -> bool:
    text = line.strip()
    return (len(text) <= LABEL_MAX_CHARS and not SENTENCE_END.search(text)
            and not text.endswith("-") and not BLOCK_START.match(text))


def drop_page_footnotes(lines: list[str]) -> list[str]:
    """Drop a footnote block at the bottom of a page.

    The block starts at a line `N Text...` in the lower half of the page whose number N is a
    footnote marker in the body above it; every later numbered line must count up from N.
    Pages made only of notes (endnotes) are left alone: the block must be under half the page.
    """
    half = len(lines) // 2
    for start in range(half, len(lines)):
        number = _note_number(lines[start])
        if number is None:
            continue
        body = " ".join(lines[:start])
        if str(number) in _markers(body) and _notes_count_up(lines[start:], number):
            return lines[:start]
    return lines


def _note_number(line: str) -> int | None:
    match = re.match(r"^(\d{1,3})\s+\S", line.strip())
    return int(match.group(1)) if match else None


def _markers(text: str) -> set[str]:
    return {a or b for a, b in FOOTNOTE_MARKER.findall(text)}


def _notes_count_up(lines: list[str], first: int) -> bool:
    expected = first
    for line in lines:
        number = _note_number(line)
        if number is None:
            continue
        if number != expected:
            return False
        expected += 1
    return True


def strip_footnote_markers(text: str) -> str:
    """`growing,1 with` -> `growing, with`; `poverty8 coupled` -> `poverty coupled`."""
    return FOOTNOTE_MARKER.sub("", text)


def join_lines(first: str, second: str) -> str:
    """Join two wrapped lines, undoing hyphenation across the line end.

    `traf-` + `ficking` -> `trafficking` (lower case on both sides); `Sahara-` + `Sahel`
    -> `Sahara-Sahel` (keeps the hyphen of a compound); otherwise a single space.
    """
    first, second = first.rstrip(), second.lstrip()
    if re.search(r"[a-z]-$", first) and re.match(r"[a-z]", second):
        return first[:-1] + second
    if re.search(r"\w-$|/$", first):  # a compound (`Sahara-Sahel`) or a wrapped URL
        return first + second
    return f"{first} {second}"


def ends_sentence(line: str) -> bool:
    text = line.rstrip()
    if not SENTENCE_END.search(text):
        return False
    last_word = text.rsplit(maxsplit=1)[-1].rstrip(".").lower()
    return last_word not in LINE_ABBREVIATIONS


def starts_block(line: str) -> bool:
    """Lines that always begin a new paragraph: captions, sources, notes, list items."""
    text = line.strip()
    return bool(BLOCK_START.match(text) or LIST_MARKER.match(text) or NOTE_START.match(text))


def starts_paragraph(paragraph: str, previous_line: str, line: str) -> bool:
    """Whether `line` begins a new paragraph after `paragraph`, whose last raw line is
    `previous_line`."""
    text = line.strip()
    if starts_block(text):
        return True
    # Captions and notes are short blocks: pypdf ends their last line without the trailing
    # space it keeps on wrapped lines.
    if starts_block(paragraph) and not previous_line.endswith((" ", "-")):
        return True
    return ends_sentence(paragraph) and bool(re.match(r"[A-Z0-9“\"‘'(\[]", text))


def heading_length(lines: list[str], start: int, depth: int = 0) -> int:
    """How many lines from `start` form a heading (0 if they don't).

    A heading is 1-3 short lines starting with a capital, with no sentence punctuation,
    followed by a line that starts with a capital and is body text (a full-width line) or
    another heading.
    """
    first = lines[start].strip()
    if not re.match(r"[A-Z]", first) or starts_block(first):
        return 0
    total = 0
    for count in range(1, HEADING_MAX_LINES + 1):
        index = start + count - 1
        if index >= len(lines) or not _heading_line(lines[index]):
            return 0
        total += len(lines[index].strip())
        if total > HEADING_MAX_CHARS:
            return 0
        following = start + count
        if following < len(lines) and re.match(r"[A-Z]", lines[following].strip()):
            return count if _body_or_heading(lines, following, depth) else 0
    return 0


def _heading_line(line: str) -> bool:
    text = line.strip()
    return (0 < len(text) <= HEADING_MAX_LINE_CHARS and not ends_sentence(text)
            and not text.endswith(("-", ",")) and ". " not in text)


def _body_or_heading(lines: list[str], index: int, depth: int) -> bool:
    text = lines[index].strip()
    if starts_block(text):
        return False
    if len(text) >= BODY_LINE_MIN_CHARS and index + 1 < len(lines):
        return True
    return depth < 2 and heading_length(lines, index, depth + 1) > 0


def build_paragraphs(lines: list[str]) -> list[str]:
    """Reflow a page's lines into paragraphs; headings become `# Heading` paragraphs. A
    treaty's `Article 5` line and the title line under it stay paragraphs of their own."""
    paragraphs: list[str] = []
    current = ""
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        if ARTICLE_HEADING.fullmatch(line):
            _flush(paragraphs, current)
            current = ""
            paragraphs.append(line)
            index += 1
            if index < len(lines) and _article_title(lines[index]):
                paragraphs.append(lines[index].strip())
                index += 1
            continue
        at_start = not current or starts_paragraph(current, lines[index - 1], line)
        size = heading_length(lines, index) if at_start else 0
        if size:
            _flush(paragraphs, current)
            current = ""
            heading = " ".join(part.strip() for part in lines[index:index + size])
            paragraphs.append("# " + heading)
            index += size
            continue
        if at_start:
            _flush(paragraphs, current)
            current = line
        else:
            current = join_lines(current, line)
        index += 1
    _flush(paragraphs, current)
    return paragraphs


def _article_title(line: str) -> bool:
    text = line.strip()
    return bool(re.match(r"[A-Z]", text)) and _heading_line(text) and not (
        ARTICLE_HEADING.fullmatch(text) or starts_block(text))


def _flush(paragraphs: list[str], text: str) -> None:
    if text.strip():
        paragraphs.append(text)


def page_lines(text: str) -> list[str]:
    """A raw page's non-empty lines, with footnote markers removed."""
    return [line for line in normalize_characters(text).split("\n") if line.strip()]


def clean_page(lines: list[str]) -> str:
    """One page's lines (running lines already removed) -> paragraphs separated by blank lines."""
    lines = drop_figure_debris(drop_page_footnotes(lines))
    lines = [strip_footnote_markers(line) for line in lines]
    paragraphs = build_paragraphs(lines)
    return normalize_whitespace("\n\n".join(paragraphs))


def clean_pdf_pages(raw_pages: list[str]) -> list[str]:
    """Clean every page of a PDF: running headers, figures, footnotes, reflow, whitespace."""
    return [page.text for page in clean_pdf_document(raw_pages)]


# --- Notes: footnotes, endnotes and reference lists kept apart from the body text ----------

# A note entry's first line: `75 UNODC (2023) ...`, `j UNODC (2023) ...`, `h See: ...`.
NOTE_ENTRY = re.compile(r"^(\d{1,3}|[a-z]{1,2})\s+(?=[A-Z“\"‘'(\[]|See\b|see\b|Ibid|ibid)")
# Headings that open a notes section: what follows on the page (and on pages made only of
# notes after it) is notes, not body.
NOTES_HEADING = re.compile(r"^(?:#\s*)?(?:End\s?notes|Notes|Footnotes|References|Bibliography"
                           r"|Notes et références|Notas|Références|Referencias)\s*$",
                           re.IGNORECASE)
# A letter footnote marker glued after a word and its punctuation: `ranks.j UNODC`,
# `Tripoli.v` at a line end, `cent).m UNODC`. Only stripped for letters noted on the page.
LETTER_MARKER = re.compile(
    r"(?:(?<=[a-z]{2}[.,;:])|(?<=[a-z]\)[.,;:]))([a-z]{1,2})(?=\s+[A-Z“\"]|\s*$)")
NOTE_SIZE_RATIO = 0.88  # a line set this much smaller than the body font is note-sized
CONTINUED_NOTE = "…"  # the key of a note that begins on an earlier page
MARKER_PROBE_CHARS = 30  # text before a marker used to find it again in the reflowed page


@dataclass(frozen=True)
class CleanedPage:
    """A page's body text, the notes printed on it (marker -> note text) and where in the
    text each note marker stood (offset, marker)."""

    text: str
    notes: dict[str, str] = field(default_factory=dict)
    markers: tuple[tuple[int, str], ...] = ()


def line_font_sizes(fragments: list[tuple[str, float]]) -> list[float | None]:
    """The font size of each line of the text the fragments make up (the size that covers
    most of its visible characters; None for a line without any)."""
    sizes: list[float | None] = []
    counts: Counter[float] = Counter()
    for text, size in fragments:
        pieces = text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                sizes.append(counts.most_common(1)[0][0] if counts else None)
                counts = Counter()
            visible = len("".join(piece.split()))
            if visible:
                counts[round(size * 2) / 2] += visible
    sizes.append(counts.most_common(1)[0][0] if counts else None)
    return sizes


def body_font_size(pages: list[list[tuple[str, float | None]]]) -> float | None:
    """The document's body font size: the one most characters are set in."""
    counts: Counter[float] = Counter()
    for lines in pages:
        for line, size in lines:
            if size:
                counts[size] += len(line)
    return counts.most_common(1)[0][0] if counts else None


def split_notes(lines: list[str], sizes: list[float | None], body_size: float | None,
                in_notes: bool = False) -> tuple[list[str], list[str], bool]:
    """Body lines and note lines of one page, and whether a notes section runs on after it.

    Notes are blocks of note-sized lines (smaller than the body font) that open with a note
    entry (`75 UNODC ...`, `j See ...`), everything after a notes heading (`Endnotes`,
    `References`), and a page of note-sized lines after such a section. Without font sizes,
    a numbered block at the page bottom whose numbers are markers above it is the notes.
    """
    small = [bool(body_size and size and size < NOTE_SIZE_RATIO * body_size) for size in sizes]
    if in_notes and lines and sum(small) >= 0.8 * len(lines) and any(small):
        return [], lines, True
    for index, line in enumerate(lines):
        if NOTES_HEADING.match(line.strip()) and (
                index == len(lines) - 1 or _notes_follow(lines[index + 1:], small[index + 1:])):
            body, notes, _ = split_notes(lines[:index], sizes[:index], body_size)
            return body, notes + lines[index + 1:], True
    if not any(small):
        body = drop_page_footnotes(lines)
        return body, lines[len(body):], False
    body, notes = [], []
    index = 0
    while index < len(lines):
        end = index
        while end < len(lines) and small[end]:
            end += 1
        block = lines[index:end]
        if block and (NOTE_ENTRY.match(block[0].strip()) or (
                index == 0 and sum(bool(NOTE_ENTRY.match(line.strip())) for line in block) >= 2)):
            notes.extend(block)  # a note block, or at the page top the rest of one
            index = end
            continue
        body.append(lines[index])
        index += 1
    return body, notes, False


def _notes_follow(lines: list[str], small: list[bool]) -> bool:
    entries = [line for line in lines[:6] if NOTE_ENTRY.match(line.strip())]
    return bool(lines) and (len(entries) >= min(2, len(lines)) or (any(small) and all(small)))


def note_entries(lines: list[str]) -> dict[str, str]:
    """Note lines -> {marker: note text}. An entry runs until the next line that starts
    with the next marker in sequence (`75` after `74`, `j` after `i`) or any marker."""
    entries: dict[str, str] = {}
    marker: str | None = None
    for line in lines:
        match = NOTE_ENTRY.match(line.strip())
        if match and (marker is None or _next_marker(marker, match.group(1))
                      or match.group(1) not in entries):
            marker = match.group(1)
            entries[marker] = line.strip()[match.end():].strip()
        else:  # the entry goes on (lines before any entry end one from the page before)
            marker = marker or CONTINUED_NOTE
            entries[marker] = join_lines(entries.get(marker, ""), line.strip())
    return {key: normalize_whitespace(text) for key, text in entries.items() if text.strip()}


def _next_marker(previous: str, current: str) -> bool:
    if previous.isdigit() and current.isdigit():
        return int(current) == int(previous) + 1
    return len(previous) == len(current) == 1 and ord(current) == ord(previous) + 1


def line_markers(line: str, letters: set[str]) -> list[tuple[int, str]]:
    """Note markers in a line (numbers, and letters noted on the page), with their
    position in the line once markers are stripped."""
    found = [(m.start(), m.group(1) or m.group(2)) for m in FOOTNOTE_MARKER.finditer(line)]
    found += [(m.start(), m.group(1)) for m in LETTER_MARKER.finditer(line)
              if m.group(1) in letters]
    found.sort()
    shift = 0
    positions = []
    for start, marker in found:
        positions.append((start - shift, marker))
        shift += len(marker)
    return positions


def strip_letter_markers(text: str, letters: set[str]) -> str:
    if not letters:
        return text
    return LETTER_MARKER.sub(lambda m: "" if m.group(1) in letters else m.group(0), text)


def locate_markers(text: str, lines: list[str], markers: list[list[tuple[int, str]]]
                   ) -> tuple[tuple[int, str], ...]:
    """Where each line's markers fell in the reflowed page text, found by the words just
    before them (hyphenation and spacing differ between lines and paragraphs)."""
    located: list[tuple[int, str]] = []
    flat = text.replace("\n", " ")
    cursor = 0
    for line, line_marks in zip(lines, markers, strict=True):
        for position, marker in line_marks:
            probe = re.sub(r" {2,}", " ", line[:position].strip())[-MARKER_PROBE_CHARS:]
            if len(probe) < 3:
                continue
            found = flat.find(probe, cursor)
            if found < 0:
                continue
            cursor = found + len(probe)
            located.append((cursor, marker))
    return tuple(located)


def clean_page_parts(lines: list[str], notes: dict[str, str], letters: set[str]) -> CleanedPage:
    """One page's body lines -> paragraphs, with the positions of the note markers (numbers,
    and the `letters` noted on or next to the page)."""
    lines = drop_figure_debris(lines)
    marks = [line_markers(line, letters) for line in lines]
    lines = [strip_letter_markers(strip_footnote_markers(line), letters) for line in lines]
    text = normalize_whitespace("\n\n".join(build_paragraphs(lines)))
    return CleanedPage(text, notes, locate_markers(text, lines, marks))


def clean_pdf_document(raw_pages: list[str],
                       line_sizes: list[list[float | None]] | None = None) -> list[CleanedPage]:
    """Clean every page of a PDF and keep its notes apart: running headers, figures,
    footnotes, endnotes and reference lists, reflow, whitespace. `line_sizes` holds the
    font size of every line of every raw page (`line_font_sizes`), when the PDF gives it."""
    pages: list[list[tuple[str, float | None]]] = []
    for page_index, raw in enumerate(raw_pages):
        sizes = line_sizes[page_index] if line_sizes else None
        lines: list[tuple[str, float | None]] = []
        for line_index, raw_line in enumerate(raw.split("\n")):
            size = sizes[line_index] if sizes and line_index < len(sizes) else None
            lines.extend((line, size) for line in normalize_characters(raw_line).split("\n")
                         if line.strip())
        pages.append(lines)
    running = find_running_lines([[line for line, _ in lines] for lines in pages])
    body_size = body_font_size(pages)
    parts: list[tuple[list[str], dict[str, str]]] = []
    in_notes = False
    for lines in pages:
        kept = _strip_running(lines, running)
        body, note_lines, in_notes = split_notes([line for line, _ in kept],
                                                 [size for _, size in kept], body_size, in_notes)
        parts.append((body, note_entries(note_lines)))
    # a box's lettered notes may be printed on the page before or after its markers
    return [clean_page_parts(body, notes, {
        marker for _, near in parts[max(0, index - 1):index + 2] for marker in near
        if marker.isalpha() and len(marker) <= 2})
        for index, (body, notes) in enumerate(parts)]


def _strip_running(lines: list[tuple[str, float | None]], running: set[str]
                   ) -> list[tuple[str, float | None]]:
    texts = [line for line, _ in lines]
    kept = strip_running_lines(texts, running)
    result, cursor = [], 0
    for line in kept:  # strip_running_lines keeps lines in order: walk to each one
        while texts[cursor] is not line:
            cursor += 1
        result.append(lines[cursor])
        cursor += 1
    return result


# Debris a reader must never see in an answer or a brief: a note marker glued to a word
# (`ranks.j UNODC`, `growing,1 with`) or a reference-list entry (`143 Okech, D. and others`).
GLUED_MARKER = re.compile(
    r"[a-z]{2}[.,;:][a-z]{1,2}\s+(?:[a-z]\s+)?[A-Z]|[a-z]{3}[.,;:]\d{1,3}\s+[A-Z]|[a-z]{3}\d{1,3}\s")
REFERENCE_ENTRY = re.compile(
    r"^\s*\d{1,3}\s+[A-Z][\w'’-]+,\s+[A-Z]\.|^\s*\d{1,3}\s+(?:Rapport|Report|UNODC|See|Ibid)\b"
    r"|\(\d{4}\)\.(?:\s|$)|Available at:|https?://")


def note_debris(text: str) -> list[str]:
    """The pieces of `text` that are note debris (empty when it is clean body text)."""
    return [m.group(0) for pattern in (GLUED_MARKER, REFERENCE_ENTRY)
            for m in pattern.finditer(text)]


def clean_plain_text(text: str) -> str:
    """Text and Markdown stay as written: only line endings are normalised."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Lines longer than this (a file without paragraph breaks, a page saved as one line) are cut
# into paragraphs of at most LINE_PIECE_CHARS: at sentence ends, else at spaces, else anywhere.
# No line of the reference corpus comes near it, so its chunks do not change.
MAX_LINE_CHARS = 10_000
LINE_PIECE_CHARS = 2_000
PIECE_SENTENCE_END = re.compile(r"[.!?;:][\"'”’)\]]*\s+|[。！？；]")
PIECE_SPACE = re.compile(r"\s+")


def break_long_lines(text: str, max_line: int = MAX_LINE_CHARS,
                     piece: int = LINE_PIECE_CHARS) -> str:
    """Text whose every line is at most `max_line` characters: longer lines become paragraphs
    (separated by blank lines) of at most `piece` characters, so that no sentence, chunk or
    embedding input grows with the file. Text without such lines is returned as it is."""
    lines = text.split("\n")
    if all(len(line) <= max_line for line in lines):
        return text
    return "\n".join("\n\n".join(_line_pieces(line, piece)) if len(line) > max_line else line
                     for line in lines)


def _line_pieces(line: str, piece: int) -> list[str]:
    pieces: list[str] = []
    start = 0
    while len(line) - start > piece:
        cut = _last_cut(line, start + piece // 2, start + piece)
        pieces.append(line[start:cut].strip())
        start = cut
    pieces.append(line[start:].strip())
    return [text for text in pieces if text]


def _last_cut(line: str, low: int, high: int) -> int:
    """Where to end a piece in line[low:high]: after its last sentence end, else after its last
    space, else at `high`."""
    for pattern in (PIECE_SENTENCE_END, PIECE_SPACE):
        cut = None
        for match in pattern.finditer(line, low, high):
            cut = match.end()
        if cut is not None and cut > low:
            return cut
    return high
