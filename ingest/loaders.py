"""Read one file of the corpus (PDF, Markdown, text, HTML, Word) into cleaned pages.

`load_file` raises `LoadError` with a short human reason for every file it cannot read (no
permission, vanished, too large, undecodable, corrupt), so the ingest pipeline can report the
problem and go on with the other files. The file is read once, into memory, and hashed as read,
so that a file changed since it was identified can be told apart.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import math
import os
import re
import stat
from dataclasses import replace
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, ProcessingInstruction, Tag
from charset_normalizer import from_bytes
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from ingest.clean import (
    break_long_lines,
    clean_pdf_document,
    clean_plain_text,
    line_font_sizes,
)
from ingest.loaded import FileFormat, LoadedFile, LoadError, Page, inline_text

SUPPORTED_EXTENSIONS: dict[str, FileFormat] = {
    ".pdf": "pdf",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
}
BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# What a web page declares (`<meta charset=...>`, `content="text/html; charset=..."`, an XML
# declaration's encoding) within its first bytes.
DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)|<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)""",
    re.IGNORECASE,
)
DECLARED_CHARSET_BYTES = 4096
# Browsers read these labels as Windows-1252 (WHATWG Encoding), and so do we.
WINDOWS_1252_LABELS = {"ascii", "iso8859-1", "cp1252"}
# A guess within this much of the detector's best "chaos" counts as just as good; Windows-1252
# then wins, since short Western European text fits many code pages equally well.
CHAOS_TIE = 0.02
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# A PDF with fewer visible characters than this per page has no usable text layer.
MIN_CHARS_PER_PDF_PAGE = 20

BOILERPLATE_TAGS = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript",
                    "iframe", "svg", "button", "select", "template")
BOILERPLATE_NAME = re.compile(
    r"nav|menu|breadcrumb|footer|header|sidebar|cookie|share|skip|banner|social|search",
    re.IGNORECASE,
)
HIDDEN_STYLE = re.compile(r"display:\s*none|visibility:\s*hidden|left:\s*-\d{3,}px", re.I)
MAIN_NAME = re.compile(r"(^|[-_])?(main|content)", re.IGNORECASE)
LINK_LIST_TAGS = ("ul", "ol", "dl", "table", "div", "section")
LINK_DENSITY_MAX = 0.6  # a list or block whose text is mostly links is a menu
CONTAINER_TAGS = ("div", "section", "article", "main", "ul", "ol", "dl", "table", "tbody",
                  "thead", "tfoot", "tr", "body", "html", "figure", "details", "fieldset", "center")
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
BLOCK_TAGS = ("p", "li", "dt", "dd", "blockquote", "pre", "td", "th", "caption", "figcaption",
              *HEADING_TAGS)


def load_file(path: Path, max_file_bytes: int | None = None,
              max_text_chars: int | None = None) -> LoadedFile:
    """Load a PDF, Markdown, text, HTML or Word file into cleaned pages. Larger files than
    `max_file_bytes` are not read; more text than `max_text_chars` is not kept."""
    path = Path(path)
    file_format = SUPPORTED_EXTENSIONS.get(path.suffix.lower())
    if file_format is None:
        raise LoadError(path, f"unknown extension {path.suffix or '(none)'}")
    data = read_file(path, max_file_bytes)
    loaders = {"pdf": load_pdf, "markdown": load_text, "text": load_text, "html": load_html,
               "docx": _load_docx}
    loaded = loaders[file_format](path, data)
    check_text_length(path, sum(len(page.text) for page in loaded.pages), max_text_chars)
    loaded.pages = [_with_short_lines(page) for page in loaded.pages]
    loaded.sha256 = hashlib.sha256(data).hexdigest()
    return loaded


def _with_short_lines(page: Page) -> Page:
    text = break_long_lines(page.text)
    if text == page.text:
        return page
    return replace(page, text=text, markers=())  # offsets moved: the notes stay unplaced


def read_file(path: Path, max_bytes: int | None = None) -> bytes:
    """The file's bytes, or a LoadError saying why they cannot be had."""
    try:
        # O_NONBLOCK: opening a FIFO named like a text file must not hang the ingest
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise LoadError(path, os_error_reason(error)) from error
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise LoadError(path, "not a regular file")
        if info.st_size == 0:
            raise LoadError(path, "empty file")
        if max_bytes is not None and info.st_size > max_bytes:
            raise LoadError(path, too_large_reason(info.st_size, max_bytes))
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except OSError as error:
        raise LoadError(path, os_error_reason(error)) from error
    finally:
        os.close(descriptor)
    if max_bytes is not None and len(data) > max_bytes:  # it grew while being read
        raise LoadError(path, too_large_reason(len(data), max_bytes))
    if not data:
        raise LoadError(path, "empty file")
    return data


def os_error_reason(error: OSError) -> str:
    """What went wrong opening or reading a file, for people."""
    if isinstance(error, FileNotFoundError):
        return "vanished before it could be read"
    if isinstance(error, PermissionError):
        return "cannot read: permission denied"
    return f"cannot read: {error.strerror or type(error).__name__}"


def too_large_reason(size: int, limit: int) -> str:
    return (f"too large: {size / 1e6:.1f} MB, over the limit of {limit / 1e6:g} MB "
            "(UNODC_MAX_FILE_MB)")


def check_text_length(path: Path, length: int, limit: int | None) -> None:
    if limit is not None and length > limit:
        raise LoadError(path, f"text too long: {length:,} characters, over the limit of "
                              f"{limit:,} (UNODC_MAX_TEXT_CHARS)")


# --- text and Markdown -------------------------------------------------------------------


def load_text(path: Path, data: bytes) -> LoadedFile:
    """Markdown and plain text, in whatever encoding they are written, kept as written
    (headings matter downstream)."""
    file_format = SUPPORTED_EXTENSIONS[path.suffix.lower()]
    raw, encoding = decode_text(path, data)
    text = clean_plain_text(raw)
    if not text.strip():
        raise LoadError(path, "empty file")
    return LoadedFile(path=path, format=file_format, pages=[Page(None, None, text)],
                      title=None, year=None, author=None, encoding=encoding)


def decode_text(path: Path, data: bytes, declared: str | None = None) -> tuple[str, str]:
    """The text and the encoding it was read with: a byte order mark, else UTF-8 when it
    decodes (other text is almost never valid UTF-8, while a page's declaration can be
    wrong), else the encoding the file declares (HTML), else what charset-normalizer finds
    most plausible."""
    for mark, encoding in BOMS:
        if data.startswith(mark):
            return _decode_or_fail(path, data[len(mark):], encoding), encoding
    text = _decode_strict(data, "utf-8")
    if text is not None and "\x00" not in text:  # NULs: UTF-16 without a byte order mark
        return text, "utf-8"
    if declared:
        text = _decode_strict(data, declared)
        if text is not None:
            return text, declared
    encoding = detect_encoding(data)
    if encoding is None:
        raise LoadError(path, "not text: no encoding decodes it")
    return _decode_or_fail(path, data, encoding), encoding


def detect_encoding(data: bytes) -> str | None:
    """charset-normalizer's best guess; among equally good guesses, Windows-1252 (then
    Latin-1, which decodes every byte) for Western European text. Binary data has none."""
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    western = from_bytes(data, cp_isolation=["cp1252", "latin_1"]).best()
    if western is not None and western.chaos <= best.chaos + CHAOS_TIE and (
            western.coherence >= best.coherence - 0.1):
        best = western
    encoding = codecs.lookup(best.encoding).name
    if CONTROL_CHARACTERS.search(str(best)[:100_000]):
        return None  # decodes, but into control characters: binary
    return encoding


def _decode_strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_or_fail(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise LoadError(path, f"not {encoding} text", f"byte {error.start}") from error


# --- PDF -----------------------------------------------------------------------------------


def load_pdf(path: Path, data: bytes) -> LoadedFile:
    """Text of every page, cleaned, with the printed page labels."""
    reader = open_pdf(path, data)
    try:
        extracted = [page_text(page) for page in reader.pages]
        labels = printed_page_labels(reader)
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise LoadError(path, "corrupt PDF", str(error)) from error
    raw_pages = [text for text, _ in extracted]
    visible = sum(len("".join(text.split())) for text in raw_pages)
    if visible < MIN_CHARS_PER_PDF_PAGE * max(1, len(raw_pages)):
        raise LoadError(path, "no text layer (scanned PDF?)")
    cleaned = clean_pdf_document(raw_pages, [sizes for _, sizes in extracted])
    pages = [Page(index=i + 1, label=_page_label(labels, i), text=page.text, notes=page.notes,
                  markers=page.markers)
             for i, page in enumerate(cleaned)]
    title, author, year = pdf_metadata(reader)
    return LoadedFile(path=path, format="pdf", pages=pages, title=title, year=year,
                      author=author)


def page_text(page) -> tuple[str, list[float | None]]:
    """A PDF page's text and the font size of each of its lines (what tells a footnote
    from the body); the text is exactly pypdf's `extract_text()`."""
    fragments: list[tuple[str, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        scale = math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1])
        fragments.append((text, float(size or 0) * scale))

    text = page.extract_text(visitor_text=visit) or ""
    if "".join(part for part, _ in fragments) != text:
        return text, []
    return text, line_font_sizes(fragments)


def open_pdf(path: Path, data: bytes) -> PdfReader:
    """Open a PDF, decrypting it with the empty password when it is encrypted."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            _decrypt_or_fail(path, reader)
        _ = len(reader.pages)
    except LoadError:
        raise
    except FileNotDecryptedError as error:
        raise LoadError(path, "encrypted PDF", str(error)) from error
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise LoadError(path, "corrupt PDF", str(error)) from error
    return reader


def _decrypt_or_fail(path: Path, reader: PdfReader) -> None:
    try:
        opened = reader.decrypt("")
    except DependencyError as error:
        raise LoadError(path, "encrypted PDF", str(error)) from error
    if not opened:  # PasswordType.NOT_DECRYPTED is 0
        raise LoadError(path, "encrypted PDF", "a password is needed to open it")


def _page_label(labels: list[str] | None, index: int) -> str | None:
    return labels[index] if labels and index < len(labels) else None


def printed_page_labels(reader: PdfReader) -> list[str] | None:
    """The PDF's page labels, or None when it defines none (pypdf then numbers from 1)."""
    root = reader.trailer.get("/Root")
    if root is None or "/PageLabels" not in root.get_object():
        return None
    return list(reader.page_labels)


def pdf_metadata(reader: PdfReader) -> tuple[str | None, str | None, int | None]:
    """Title, author and year from the PDF's document information."""
    try:
        info = reader.metadata
    except (PyPdfError, ValueError, KeyError, TypeError):
        return None, None, None
    if info is None:
        return None, None, None
    title = _clean_meta(info.get("/Title"))
    author = _clean_meta(info.get("/Author"))
    date = str(info.get("/CreationDate") or "")
    match = re.match(r"^(?:D:)?((?:19|20)\d\d)", date)
    return title, author, int(match.group(1)) if match else None


def _clean_meta(value: object) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text or None


# --- HTML ----------------------------------------------------------------------------------


def load_html(path: Path, data: bytes) -> LoadedFile:
    """Visible main text of a saved web page: no menus, scripts or footers."""
    markup, encoding = decode_text(path, data, declared_charset(data))
    soup = BeautifulSoup(markup, "lxml")
    title = _clean_meta(soup.title.get_text()) if soup.title else None
    text = html_main_text(soup)
    if not text.strip():
        raise LoadError(path, "no visible text")
    return LoadedFile(path=path, format="html", pages=[Page(None, None, text)], title=title,
                      year=None, author=None, encoding=encoding)


def declared_charset(data: bytes) -> str | None:
    """The encoding a web page declares, as a Python codec name (None if unknown)."""
    match = DECLARED_CHARSET.search(data[:DECLARED_CHARSET_BYTES])
    if match is None:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").strip().lower()
    try:
        encoding = codecs.lookup(label).name
    except LookupError:
        return None
    if encoding.startswith("utf-16") or encoding.startswith("utf-32"):
        return None  # a page read as ASCII cannot be UTF-16: the declaration is wrong
    return "cp1252" if encoding in WINDOWS_1252_LABELS else encoding


# --- Word ----------------------------------------------------------------------------------


def _load_docx(path: Path, data: bytes) -> LoadedFile:
    from ingest.docx import load_docx  # python-docx is imported only for Word files

    return load_docx(path, data)


def html_main_text(soup: BeautifulSoup) -> str:
    """Paragraphs separated by blank lines, headings as `# Heading` lines."""
    remove_boilerplate(soup)
    root = main_element(soup)
    blocks = [block for block in collect_blocks(root, []) if block]
    return "\n\n".join(_dedupe_adjacent(blocks))


def remove_boilerplate(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(BOILERPLATE_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_boilerplate):
        tag.decompose()
    for tag in soup.find_all(LINK_LIST_TAGS):
        if not tag.decomposed and _is_link_list(tag):
            tag.decompose()


def _is_boilerplate(tag: Tag) -> bool:
    if not isinstance(tag, Tag) or tag.name in ("html", "body") or tag.attrs is None:
        return False
    if HIDDEN_STYLE.search(tag.get("style") or ""):
        return True
    if tag.get("role") in ("navigation", "banner", "contentinfo", "search"):
        return True
    names = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
    return bool(names and BOILERPLATE_NAME.search(names) and not MAIN_NAME.search(names))


def _is_link_list(tag: Tag) -> bool:
    if tag.name in ("div", "section") and tag.find(("p", *HEADING_TAGS)):
        return False  # a container of paragraphs is content, however many links it holds
    text = _visible_length(tag)
    if text == 0:
        return False
    links = tag.find_all("a")
    linked = sum(_visible_length(link) for link in links)
    return len(links) >= 3 and linked / text > LINK_DENSITY_MAX


def _visible_length(tag: Tag) -> int:
    return len("".join(tag.get_text().split()))


def main_element(soup: BeautifulSoup) -> Tag:
    """The page's main content: <main>, <article>, role=main, or the deepest element whose
    id or class says main/content and which holds most of the page's text."""
    for candidate in (soup.find("main"), soup.find(attrs={"role": "main"}), soup.find("article")):
        if isinstance(candidate, Tag) and _visible_length(candidate) > 0:
            return candidate
    body = soup.body or soup
    total = _visible_length(body)
    best: Tag = body
    for tag in body.find_all(_names_main):
        if _visible_length(tag) >= 0.5 * total and _depth(tag) > _depth(best):
            best = tag
    return best


def _names_main(tag: Tag) -> bool:
    names = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
    return bool(names and MAIN_NAME.search(names))


def _depth(tag: Tag) -> int:
    return len(list(tag.parents))


def collect_blocks(tag: Tag, out: list[str]) -> list[str]:
    """Text of block elements in document order; loose inline text between blocks (text right
    inside a <div>) becomes a block of its own."""
    loose: list[str] = []
    for child in tag.children:
        if isinstance(child, Comment | Doctype | ProcessingInstruction):
            continue
        if isinstance(child, NavigableString):
            loose.append(str(child))
        elif isinstance(child, Tag) and child.find(BLOCK_TAGS) is None and (
                child.name in BLOCK_TAGS or child.name not in CONTAINER_TAGS):
            if child.name in BLOCK_TAGS:
                _flush_loose(loose, out)
                out.append(_block_text(child))
            else:
                loose.append(child.get_text(" "))
        elif isinstance(child, Tag):
            _flush_loose(loose, out)
            collect_blocks(child, out)
    _flush_loose(loose, out)
    return out


def _flush_loose(loose: list[str], out: list[str]) -> None:
    text = inline_text(" ".join(loose))
    if text:
        out.append(text)
    loose.clear()


def _block_text(tag: Tag) -> str:
    text = inline_text(tag.get_text(" "))
    if not text:
        return ""
    return f"# {text}" if tag.name in HEADING_TAGS else text


def _dedupe_adjacent(blocks: list[str]) -> list[str]:
    return [block for i, block in enumerate(blocks) if i == 0 or block != blocks[i - 1]]
