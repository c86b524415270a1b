"""Fetch the catalogue's official publications that are missing locally.

Standard library HTTP only (urllib). Every file goes to a temporary file in the destination
folder and is renamed into place when complete, so an interrupted run never leaves a truncated
document behind. Timeouts apply to every connect and read, and a per-file deadline bounds the
whole fetch including retries, so a dead or trickling server never hangs ingestion.
"""

from __future__ import annotations

import glob
import hashlib
import http.client
import logging
import os
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from tqdm import tqdm

from assistant.models import Document
from corpus import Catalogue, sha256_file

logger = logging.getLogger(__name__)

USER_AGENT = "unodc-assistant/0.1 (+https://www.unodc.org; document downloader)"
CHUNK_BYTES = 64 * 1024
MAX_BACKOFF_S = 4.0
PDF_MAGIC = b"%PDF-"
RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


@dataclass
class DownloadReport:
    fetched: list[Path] = field(default_factory=list)  # every file this run wrote
    failed: list[tuple[str, str]] = field(default_factory=list)  # (doc id, reason)
    mismatched: list[tuple[str, str, str]] = field(default_factory=list)  # (id, expected, actual)
    skipped: list[str] = field(default_factory=list)  # doc ids already present


class FetchError(Exception):
    """A download that failed; `retry` tells whether trying again may help."""

    def __init__(self, reason: str, retry: bool, connection: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.connection = connection  # the host could not be reached at all


def is_downloadable(doc: Document) -> bool:
    """True when the entry's url serves the file itself (same extension as `file_name`).

    Entries whose url is a landing page or a publication the local file was transcribed from
    (the treaty Markdown texts, a report chapter) cannot be re-created by downloading.
    """
    if not doc.url or not doc.file_name:
        return False
    url_suffix = PurePosixPath(unquote(urlsplit(doc.url).path)).suffix.lower()
    return bool(url_suffix) and url_suffix == Path(doc.file_name).suffix.lower()


def kept_name(file_name: str, sha256: str) -> str:
    """Name for a download whose content differs from the catalogue: `<stem>.<sha12><suffix>`."""
    path = Path(file_name)
    return f"{path.stem}.{sha256[:12]}{path.suffix}"


def download_missing(
    catalogue: Catalogue,
    dest_dir: Path,
    present_sha256: set[str],
    present_names: set[str],
    timeout_s: float,
    retries: int,
    progress: bool = True,
    deadline_s: float | None = None,
) -> DownloadReport:
    """Download every downloadable catalogue entry not already present.

    An entry is present when its sha256 is in `present_sha256`, its file name is in
    `present_names`, or `dest_dir` already holds it with the expected hash (or any content when
    no hash is known). `timeout_s` bounds each connect/read, `deadline_s` (default
    `30 * timeout_s`) a whole file including retries. Failures are collected, logged once as a
    summary, and the remaining entries still run. A download kept under its own hash by an
    earlier run counts as present and is reported in `mismatched` again.
    """
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s}")
    if retries < 0:
        raise ValueError(f"retries must be >= 0, got {retries}")
    if deadline_s is None:
        deadline_s = 30 * timeout_s
    if deadline_s <= 0:
        raise ValueError(f"deadline_s must be positive, got {deadline_s}")
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    report = DownloadReport()
    unreachable: dict[str, str] = {}  # host -> reason, so an offline run fails fast
    checked_hosts: set[str] = set()

    for doc in catalogue.documents:
        if not is_downloadable(doc):
            continue
        assert doc.url and doc.file_name  # is_downloadable checked both
        if _already_present(doc, dest_dir, present_sha256, present_names, report):
            report.skipped.append(doc.id)
            continue
        host = urlsplit(doc.url).netloc
        if host not in checked_hosts:
            checked_hosts.add(host)
            problem = _lookup_problem(urlsplit(doc.url).hostname or "", timeout_s)
            if problem:
                unreachable[host] = problem
        if host in unreachable:
            report.failed.append((doc.id, unreachable[host]))
            continue
        try:
            temp, actual = _fetch_with_retries(doc.url, dest_dir, doc.file_name, timeout_s,
                                               retries, deadline_s, progress)
        except FetchError as exc:
            report.failed.append((doc.id, exc.reason))
            if exc.connection:
                unreachable[host] = f"not tried: {host} unreachable ({exc.reason})"
            continue
        report.fetched.append(_place(doc, temp, actual, dest_dir, report))

    _log_summary(report)
    return report


def _already_present(
    doc: Document,
    dest_dir: Path,
    present_sha256: set[str],
    present_names: set[str],
    report: DownloadReport,
) -> bool:
    assert doc.file_name
    if (doc.sha256 and doc.sha256 in present_sha256) or doc.file_name in present_names:
        return True
    target = dest_dir / doc.file_name
    if target.is_file() and (not doc.sha256 or sha256_file(target) == doc.sha256):
        return True
    if doc.sha256:
        # A previous run kept a differing download under its own hash: report it, don't refetch.
        stem, suffix = Path(doc.file_name).stem, Path(doc.file_name).suffix
        for kept in dest_dir.glob(f"{glob.escape(stem)}.{'?' * 12}{glob.escape(suffix)}"):
            actual = sha256_file(kept)
            if kept.name == kept_name(doc.file_name, actual):
                report.mismatched.append((doc.id, doc.sha256, actual))
                return True
    return False


def _place(doc: Document, temp: Path, actual: str, dest_dir: Path, report: DownloadReport) -> Path:
    assert doc.file_name
    if doc.sha256 and actual != doc.sha256:
        report.mismatched.append((doc.id, doc.sha256, actual))
        final = dest_dir / kept_name(doc.file_name, actual)
    else:
        final = dest_dir / doc.file_name
    os.replace(temp, final)
    return final


def _fetch_with_retries(
    url: str,
    dest_dir: Path,
    file_name: str,
    timeout_s: float,
    retries: int,
    deadline_s: float,
    progress: bool,
) -> tuple[Path, str]:
    deadline = time.monotonic() + deadline_s
    attempt = 0
    while True:
        try:
            return _fetch_once(url, dest_dir, file_name, timeout_s, deadline, progress)
        except FetchError as exc:
            if time.monotonic() >= deadline and "deadline" not in exc.reason:
                exc.reason += f"; per-file deadline of {deadline_s:g}s exceeded"
            backoff = min(0.5 * 2**attempt, MAX_BACKOFF_S)
            if not exc.retry or attempt >= retries or time.monotonic() + backoff >= deadline:
                if attempt:
                    exc.reason += f" (after {attempt + 1} attempts)"
                raise
            logger.debug("retrying %s in %.1fs: %s", url, backoff, exc.reason)
            time.sleep(backoff)
            attempt += 1


def _fetch_once(
    url: str, dest_dir: Path, file_name: str, timeout_s: float, deadline: float, progress: bool
) -> tuple[Path, str]:
    """Stream one response into a temporary file; return it with the content's sha256."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    fd, temp_name = tempfile.mkstemp(dir=dest_dir, prefix=f".{file_name}.", suffix=".part")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            digest = _stream(request, out, file_name, timeout_s, deadline, progress)
        return temp, digest
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _stream(
    request: urllib.request.Request,
    out: BinaryIO,
    file_name: str,
    timeout_s: float,
    deadline: float,
    progress: bool,
) -> str:
    digest = hashlib.sha256()
    head = b""
    try:
        with urllib.request.urlopen(request, timeout=_remaining(timeout_s, deadline)) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=file_name,
                      disable=not progress, leave=False) as bar:
                while True:
                    _set_read_timeout(response, _remaining(timeout_s, deadline))
                    # read1: one recv at most, so the deadline is checked even on a trickle
                    chunk = response.read1(CHUNK_BYTES)
                    if not chunk:
                        break
                    if len(head) < len(PDF_MAGIC):
                        head += chunk[: len(PDF_MAGIC)]
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code} {exc.reason}", retry=exc.code in RETRY_STATUS) from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise FetchError(f"timed out after {timeout_s:g}s", retry=True) from exc
        raise FetchError(f"cannot connect: {reason}", retry=True, connection=True) from exc
    except TimeoutError as exc:
        raise FetchError(f"timed out after {timeout_s:g}s", retry=True) from exc
    except (ConnectionError, http.client.HTTPException) as exc:
        raise FetchError(f"connection failed: {exc!r}", retry=True) from exc
    if file_name.lower().endswith(".pdf") and not head.startswith(PDF_MAGIC):
        # Sites answer a moved document with an HTML page and status 200.
        raise FetchError(f"not a PDF (starts with {head[:16]!r})", retry=False)
    return digest.hexdigest()


def _lookup_problem(hostname: str, timeout_s: float) -> str | None:
    """Resolve the host name in a thread: socket timeouts do not bound DNS lookups, and a
    missing resolver must not hang an offline run."""
    outcome: list[str | None] = []

    def lookup() -> None:
        try:
            socket.getaddrinfo(hostname, None)
            outcome.append(None)
        except OSError as exc:
            outcome.append(f"cannot resolve {hostname}: {exc}")

    thread = threading.Thread(target=lookup, daemon=True, name=f"resolve {hostname}")
    thread.start()
    thread.join(timeout_s)
    return outcome[0] if outcome else f"DNS lookup of {hostname} timed out after {timeout_s:g}s"


def _remaining(timeout_s: float, deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError("per-file deadline exceeded", retry=False)
    return min(timeout_s, left)


def _set_read_timeout(response: http.client.HTTPResponse, seconds: float) -> None:
    """Tighten the socket timeout so a slow trickle cannot outlive the per-file deadline."""
    sock = getattr(getattr(response, "fp", None), "raw", None)
    sock = getattr(sock, "_sock", None)
    if isinstance(sock, socket.socket):
        sock.settimeout(seconds)


def _log_summary(report: DownloadReport) -> None:
    if report.failed:
        by_reason: dict[str, list[str]] = {}
        for doc_id, reason in report.failed:
            by_reason.setdefault(reason.removeprefix("not tried: "), []).append(doc_id)
        logger.warning(
            "could not download %d document(s): %s",
            len(report.failed),
            "; ".join(f"{', '.join(ids)} ({reason})" for reason, ids in by_reason.items()),
        )
    if report.mismatched:
        logger.warning(
            "%d download(s) differ from the catalogue checksum, kept under their own hash: %s",
            len(report.mismatched),
            ", ".join(doc_id for doc_id, _, _ in report.mismatched),
        )
