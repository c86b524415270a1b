"""Read one file of the corpus (PDF, Markdown, text, HTML) into cleaned pages.

`load_file` raises `LoadError` with a short human reason for every file it cannot read, so the
ingest pipeline can report the problem and go on with the other files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, ProcessingInstruction, Tag
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from ingest.clean import clean_pdf_pages, clean_plain_text, normalize_characters

FileFormat = Literal["pdf", "markdown", "text", "html"]
SUPPORTED_EXTENSIONS: dict[str, FileFormat] = {
    ".pdf": "pdf",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
}
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


@dataclass(frozen=True)
class Page:
    index: int | None  # 1-based PDF page index, None for non-paged files
    label: str | None  # printed page label (PdfReader.page_labels)
    text: str  # cleaned text


@dataclass
class LoadedFile:
    path: Path
    format: FileFormat
    pages: list[Page]
    title: str | None = None
    year: int | None = None
    author: str | None = None


class LoadError(Exception):
    """A file that cannot be ingested; `reason` is short and meant for people."""

    def __init__(self, path: Path, reason: str, detail: str | None = None) -> None:
        self.path = Path(path)
        self.reason = reason
        self.detail = detail
        message = f"{self.path.name}: {reason}" + (f" ({detail})" if detail else "")
        super().__init__(message)


def load_file(path: Path) -> LoadedFile:
    """Load a PDF, Markdown, text or HTML file into cleaned pages."""
    path = Path(path)
    file_format = SUPPORTED_EXTENSIONS.get(path.suffix.lower())
    if file_format is None:
        raise LoadError(path, f"unknown extension {path.suffix or '(none)'}")
    if not path.is_file():
        raise LoadError(path, "not a file")
    if path.stat().st_size == 0:
        raise LoadError(path, "empty file")
    loaders = {"pdf": load_pdf, "markdown": load_text, "text": load_text, "html": load_html}
    return loaders[file_format](path)


# --- text and Markdown -------------------------------------------------------------------


def load_text(path: Path) -> LoadedFile:
    """Markdown and plain text: strict UTF-8, kept as written (headings matter downstream)."""
    file_format = SUPPORTED_EXTENSIONS[path.suffix.lower()]
    text = clean_plain_text(read_utf8(path))
    if not text.strip():
        raise LoadError(path, "empty file")
    return LoadedFile(path=path, format=file_format, pages=[Page(None, None, text)],
                      title=None, year=None, author=None)


def read_utf8(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError(path, "not UTF-8 text", f"byte {error.start}") from error


# --- PDF -----------------------------------------------------------------------------------


def load_pdf(path: Path) -> LoadedFile:
    """Text of every page, cleaned, with the printed page labels."""
    reader = open_pdf(path)
    try:
        raw_pages = [page.extract_text() or "" for page in reader.pages]
        labels = printed_page_labels(reader)
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise LoadError(path, "corrupt PDF", str(error)) from error
    visible = sum(len("".join(text.split())) for text in raw_pages)
    if visible < MIN_CHARS_PER_PDF_PAGE * max(1, len(raw_pages)):
        raise LoadError(path, "no text layer (scanned PDF?)")
    texts = clean_pdf_pages(raw_pages)
    pages = [Page(index=i + 1, label=_page_label(labels, i), text=text)
             for i, text in enumerate(texts)]
    title, author, year = pdf_metadata(reader)
    return LoadedFile(path=path, format="pdf", pages=pages, title=title, year=year,
                      author=author)


def open_pdf(path: Path) -> PdfReader:
    """Open a PDF, decrypting it with the empty password when it is encrypted."""
    try:
        reader = PdfReader(path)
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


def load_html(path: Path) -> LoadedFile:
    """Visible main text of a saved web page: no menus, scripts or footers."""
    soup = BeautifulSoup(path.read_bytes(), "lxml")
    title = _clean_meta(soup.title.get_text()) if soup.title else None
    text = html_main_text(soup)
    if not text.strip():
        raise LoadError(path, "no visible text")
    return LoadedFile(path=path, format="html", pages=[Page(None, None, text)], title=title,
                      year=None, author=None)


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


def inline_text(text: str) -> str:
    """One line of text from inline pieces: single spaces, none before punctuation."""
    text = " ".join(normalize_characters(text).split())
    return re.sub(r"\(\s+", "(", re.sub(r"\s+([.,;:!?)])", r"\1", text))


def _dedupe_adjacent(blocks: list[str]) -> list[str]:
    return [block for i, block in enumerate(blocks) if i == 0 or block != blocks[i - 1]]
