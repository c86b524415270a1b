"""The downloader against a real HTTP server on loopback serving the shared corpus."""

import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant.models import Document
from corpus import Catalogue, sha256_file
from ingest.download import download_missing, is_downloadable, kept_name

RAW = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "raw"
PDF = "glotip-2024-chapter-2.pdf"
MD = "untoc-trafficking-in-persons-protocol-text.md"


class CorpusHandler(SimpleHTTPRequestHandler):
    """Serves RAW read-only; `/flaky/<file>` answers 503 on its first request, `/slow/<file>`
    trickles a few bytes per second, `/html/<file>` answers an HTML page with status 200."""

    hits: Counter = Counter()

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self.hits[self.path] += 1
        if self.path.startswith("/flaky/"):
            if self.hits[self.path] == 1:
                self.send_error(503, "try again")
                return
            self.path = self.path.removeprefix("/flaky")
        elif self.path.startswith("/slow/"):
            self._trickle()
            return
        elif self.path.startswith("/html/"):
            body = b"<html><body>This document has moved.</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def _trickle(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        try:
            for _ in range(40):
                self.wfile.write(b"%PDF-")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:  # silence the test output
        pass


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    handler = partial(CorpusHandler, directory=str(RAW.resolve()))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def doc(doc_id: str, url: str, file_name: str, sha256: str | None = None) -> Document:
    return Document(id=doc_id, title=doc_id, url=url, file_name=file_name, sha256=sha256)


def run(catalogue: Catalogue, dest: Path, **kwargs) -> object:
    options = {"present_sha256": set(), "present_names": set(), "timeout_s": 2.0, "retries": 2,
               "progress": False}
    options.update(kwargs)
    return download_missing(catalogue, dest, **options)


def test_downloads_two_files_and_verifies_their_checksums(server_url, tmp_path):
    catalogue = Catalogue([
        doc("report", f"{server_url}/{PDF}", PDF, sha256_file(RAW / PDF)),
        doc("tip", f"{server_url}/{MD}", MD, sha256_file(RAW / MD)),
    ])
    report = run(catalogue, tmp_path / "downloads")
    assert report.failed == [] and report.mismatched == []
    assert sorted(p.name for p in report.fetched) == sorted([PDF, MD])
    for path in report.fetched:
        assert sha256_file(path) == sha256_file(RAW / path.name)
    assert sorted(p.name for p in (tmp_path / "downloads").iterdir()) == sorted([PDF, MD])


def test_a_503_is_retried_and_then_succeeds(server_url, tmp_path):
    url = f"{server_url}/flaky/{MD}"
    catalogue = Catalogue([doc("tip", url, MD, sha256_file(RAW / MD))])
    report = run(catalogue, tmp_path)
    assert [p.name for p in report.fetched] == [MD]
    assert report.failed == []
    assert CorpusHandler.hits[url.removeprefix(server_url)] == 2


def test_a_503_without_retries_fails(server_url, tmp_path):
    catalogue = Catalogue([doc("tip", f"{server_url}/flaky/x/{MD}", MD)])
    report = run(catalogue, tmp_path, retries=0)
    assert report.fetched == []
    assert report.failed == [("tip", "HTTP 503 try again")]
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_checksum_mismatch_is_reported_and_kept_under_the_actual_hash(server_url, tmp_path):
    wrong = "0" * 64
    actual = sha256_file(RAW / MD)
    catalogue = Catalogue([doc("tip", f"{server_url}/{MD}", MD, wrong)])
    report = run(catalogue, tmp_path)
    assert report.mismatched == [("tip", wrong, actual)]
    kept = tmp_path / kept_name(MD, actual)
    assert kept.name == f"untoc-trafficking-in-persons-protocol-text.{actual[:12]}.md"
    assert report.fetched == [kept] and kept.is_file()
    assert not (tmp_path / MD).exists()
    # A second run reports the kept copy again instead of downloading it again.
    again = run(catalogue, tmp_path)
    assert again.fetched == [] and again.mismatched == [("tip", wrong, actual)]


def test_unreachable_server_fails_fast_and_once_per_document(tmp_path, caplog):
    base = f"http://127.0.0.1:{closed_port()}"
    catalogue = Catalogue([doc("a", f"{base}/a.pdf", "a.pdf"), doc("b", f"{base}/b.pdf", "b.pdf")])
    with caplog.at_level(logging.WARNING, logger="ingest.download"):
        report = run(catalogue, tmp_path, timeout_s=1.0, retries=2)
    assert [doc_id for doc_id, _ in report.failed] == ["a", "b"]
    assert "cannot connect" in report.failed[0][1]
    assert report.failed[1][1].startswith("not tried")
    assert report.fetched == []
    summary = [r for r in caplog.records if r.name == "ingest.download"]
    assert len(summary) == 1 and "could not download 2 document(s)" in summary[0].getMessage()


def test_an_unresolvable_host_fails_within_the_timeout(tmp_path):
    catalogue = Catalogue([doc("a", "http://unodc-assistant-test.invalid/a.pdf", "a.pdf"),
                           doc("b", "http://unodc-assistant-test.invalid/b.pdf", "b.pdf")])
    report = run(catalogue, tmp_path, timeout_s=1.0)
    assert [doc_id for doc_id, _ in report.failed] == ["a", "b"]
    assert all("unodc-assistant-test.invalid" in reason for _, reason in report.failed)


def test_a_trickling_server_is_cut_off_by_the_per_file_deadline(server_url, tmp_path):
    catalogue = Catalogue([doc("slow", f"{server_url}/slow/{PDF}", PDF)])
    report = run(catalogue, tmp_path, timeout_s=1.0, retries=1, deadline_s=1.0)
    assert report.failed and "deadline" in report.failed[0][1]
    assert list(tmp_path.iterdir()) == []


def test_an_html_page_served_for_a_pdf_is_rejected(server_url, tmp_path):
    catalogue = Catalogue([doc("moved", f"{server_url}/html/{PDF}", PDF)])
    report = run(catalogue, tmp_path)
    assert report.failed == [("moved", "not a PDF (starts with b'<html')")]
    assert list(tmp_path.iterdir()) == []


def test_a_404_fails_without_retrying(server_url, tmp_path):
    catalogue = Catalogue([doc("gone", f"{server_url}/missing.pdf", "missing.pdf")])
    report = run(catalogue, tmp_path, retries=3)
    assert report.failed == [("gone", "HTTP 404 File not found")]
    assert CorpusHandler.hits["/missing.pdf"] == 1


def test_present_documents_are_skipped(server_url, tmp_path):
    sha = sha256_file(RAW / MD)
    by_hash = doc("by-hash", f"{server_url}/{MD}", MD, sha)
    by_name = doc("by-name", f"{server_url}/{PDF}", PDF)
    on_disk = doc("on-disk", f"{server_url}/{PDF}", "report-copy.pdf", sha256_file(RAW / PDF))
    (tmp_path / "report-copy.pdf").write_bytes((RAW / PDF).read_bytes())
    before = sum(CorpusHandler.hits.values())
    report = run(Catalogue([by_hash, by_name, on_disk]), tmp_path,
                 present_sha256={sha}, present_names={PDF})
    assert report.skipped == ["by-hash", "by-name", "on-disk"]
    assert report.fetched == [] and report.failed == []
    assert sum(CorpusHandler.hits.values()) == before  # nothing was requested


def test_entries_without_a_url_or_with_a_landing_page_url_are_skipped_silently(tmp_path):
    no_url = Document(id="no-url", title="T", file_name="a.md")
    landing = doc("landing", "https://www.unodc.org/glotip.html", "chapter.pdf")
    assert not is_downloadable(no_url) and not is_downloadable(landing)
    assert is_downloadable(doc("pdf", "https://x.org/a%20b/File.PDF?x=1", "File.pdf"))
    report = run(Catalogue([no_url, landing]), tmp_path)
    assert (report.fetched, report.failed, report.skipped) == ([], [], [])


def test_bad_arguments_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="timeout_s"):
        run(Catalogue([]), tmp_path, timeout_s=0)
    with pytest.raises(ValueError, match="retries"):
        run(Catalogue([]), tmp_path, retries=-1)
