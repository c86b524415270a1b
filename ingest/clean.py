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
# Full stops that end an abbreviation, not a sentence (`vol.` then `46, no. 2`).
ABBREVIATIONS = {"vol", "vols", "no", "nos", "p", "pp", "para", "paras", "ed", "eds", "e.g", "i.e",
                 "art", "arts", "fig", "cf", "mr", "mrs", "ms", "dr", "st", "rev", "op", "cit"}
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
# A treaty article's heading line in the official publications: "Article 5", "Article 18 bis".
ARTICLE_HEADING = re.compile(r"^Article\s+\d{1,3}(?:\s+bis)?$")


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
                       if line.strip() and not ARTICLE_HEADING.match(line.strip())})
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
        heading = ARTICLE_HEADING.match(line.strip()) or (
            i > 0 and ARTICLE_HEADING.match(lines[i - 1].strip()))
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
    return last_word not in ABBREVIATIONS


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
        if ARTICLE_HEADING.match(line):
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
        ARTICLE_HEADING.match(text) or starts_block(text))


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
    pages = [page_lines(text) for text in raw_pages]
    running = find_running_lines(pages)
    return [clean_page(strip_running_lines(lines, running)) for lines in pages]


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
