"""The catalogue of known documents (`catalogue.toml`) and matching files on disk to it."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from assistant.models import Document

CATALOGUE_PATH = Path(__file__).resolve().parent / "catalogue.toml"

_SHA256 = re.compile(r"[0-9a-f]{64}")
_KEPT_NAME = re.compile(r"(?P<stem>.+)\.(?P<sha12>[0-9a-f]{12})(?P<suffix>\.[^.]+)?")
_FIELDS = set(Document.model_fields)


class CatalogueError(ValueError):
    """The catalogue file cannot be read or one of its entries is invalid."""


class Catalogue:
    """The documents of `catalogue.toml`, looked up by id, file name or sha256."""

    def __init__(self, documents: Iterable[Document]) -> None:
        self.documents: list[Document] = list(documents)
        self._by_id: dict[str, Document] = {}
        self._by_name: dict[str, Document] = {}
        self._by_sha: dict[str, Document] = {}
        for doc in self.documents:
            _add_unique(self._by_id, doc.id, doc, "id")
            if doc.file_name:
                _add_unique(self._by_name, doc.file_name, doc, "file_name")
            if doc.sha256:
                _add_unique(self._by_sha, doc.sha256, doc, "sha256")

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents)

    def __len__(self) -> int:
        return len(self.documents)

    def by_id(self, doc_id: str) -> Document | None:
        return self._by_id.get(doc_id)

    def by_file_name(self, name: str) -> Document | None:
        return self._by_name.get(name)

    def by_sha256(self, sha: str) -> Document | None:
        return self._by_sha.get(sha.lower())


def _add_unique(index: dict[str, Document], key: str, doc: Document, field: str) -> None:
    other = index.get(key)
    if other is not None:
        raise CatalogueError(
            f"duplicate {field} {key!r}: entries {other.id!r} and {doc.id!r}"
        )
    index[key] = doc


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and validate a catalogue file (default: the packaged `catalogue.toml`).

    Errors name the offending entry (`entry 3 ('tip-protocol')`) and the field.
    """
    path = Path(path) if path is not None else CATALOGUE_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"cannot read catalogue {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path} is not valid TOML: {exc}") from exc
    entries = data.get("document", [])
    if not isinstance(entries, list):
        raise CatalogueError(f"{path}: `document` must be an array of tables ([[document]])")
    documents = [_parse_entry(entry, number) for number, entry in enumerate(entries, start=1)]
    try:
        return Catalogue(documents)
    except CatalogueError as exc:
        raise CatalogueError(f"{path}: {exc}") from exc


def _parse_entry(entry: object, number: int) -> Document:
    label = f"entry {number}"
    if not isinstance(entry, dict):
        raise CatalogueError(f"{label} is not a table")
    if isinstance(entry.get("id"), str):
        label += f" ({entry['id']!r})"
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise CatalogueError(f"{label}: unknown field(s) {', '.join(unknown)}")
    for field in ("id", "title"):
        if not isinstance(entry.get(field), str) or not entry[field].strip():
            raise CatalogueError(f"{label}: `{field}` is required and must be a non-empty string")
    sha = entry.get("sha256")
    if sha is not None and (not isinstance(sha, str) or not _SHA256.fullmatch(sha)):
        raise CatalogueError(f"{label}: sha256 must be 64 lowercase hex digits, got {sha!r}")
    name = entry.get("file_name")
    if name is not None and (not isinstance(name, str) or Path(name).name != name or not name):
        raise CatalogueError(f"{label}: file_name must be a bare file name, got {name!r}")
    try:
        return Document(**entry)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise CatalogueError(f"{label}: {problems}") from exc


def sha256_file(path: Path, chunk_size: int = 1 << 20) -> str:
    """The sha256 of a file, read in chunks (large PDFs never sit in memory whole). Raises
    OSError for what cannot be read, a FIFO or a folder included (without waiting on it)."""
    digest = hashlib.sha256()
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            while chunk := handle.read(chunk_size):
                digest.update(chunk)
    finally:
        os.close(descriptor)
    return digest.hexdigest()


def document_for_file(
    path: Path,
    sha256: str,
    catalogue: Catalogue,
    fallback_title: str | None = None,
    fallback_year: int | None = None,
) -> Document:
    """The Document describing a file on disk.

    Matched to the catalogue by sha256, then by file name, then as a download kept under its
    actual hash (`<stem>.<sha12><suffix>`, see ingest.download). A matched entry is returned
    with `file_name` and `sha256` of the file actually found. Unknown files get a Document built
    from the file name: id = slug of the file name, stable when the file's content changes, so
    that re-ingesting an edited file replaces its old chunks.
    """
    path = Path(path)
    sha256 = sha256.lower()
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"sha256 must be 64 hex digits, got {sha256!r}")
    entry = (
        catalogue.by_sha256(sha256)
        or catalogue.by_file_name(path.name)
        or _kept_download_entry(path.name, sha256, catalogue)
    )
    if entry is not None:
        return entry.model_copy(update={"file_name": path.name, "sha256": sha256})
    return Document(
        id=slugify(path.name),
        title=fallback_title or prettify_stem(path.stem),
        kind="web-page" if path.suffix.lower() in {".html", ".htm"} else "other",
        year=fallback_year,
        file_name=path.name,
        sha256=sha256,
    )


def _kept_download_entry(name: str, sha256: str, catalogue: Catalogue) -> Document | None:
    match = _KEPT_NAME.fullmatch(name)
    if match is None or match["sha12"] != sha256[:12]:
        return None
    return catalogue.by_file_name(match["stem"] + (match["suffix"] or ""))


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "document"


def prettify_stem(stem: str) -> str:
    """`unodc_issue-paper_2014` -> `Unodc issue paper 2014`."""
    words = re.sub(r"[\s_\-.]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else stem


__all__ = [
    "CATALOGUE_PATH",
    "Catalogue",
    "CatalogueError",
    "document_for_file",
    "load_catalogue",
    "prettify_stem",
    "sha256_file",
    "slugify",
]
