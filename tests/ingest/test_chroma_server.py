"""A real `chroma run` server on loopback: ingest into it and answer from it."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.settings import Settings
from ingest.pipeline import run_ingest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    chroma = Path(sys.executable).with_name("chroma")
    assert chroma.exists(), "the chroma CLI comes with the chromadb package"
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("chroma server did not start")
    yield port
    process.terminate()
    process.wait(timeout=20)


@pytest.mark.server
def test_ingest_into_a_chroma_server_and_answer_from_it(tmp_path, corpus_dir, chroma_server):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(corpus_dir / "untoc-smuggling-of-migrants-protocol-text.md", folder)
    settings = Settings(data_dir=tmp_path / "data", corpus_dirs=[folder],
                        chroma_host="127.0.0.1", chroma_port=chroma_server)
    report = run_ingest(settings, progress=False)
    assert report.chunks_added > 20 and not report.problems
    assert not (tmp_path / "data" / "chroma").exists(), "server mode must not write locally"
    again = run_ingest(settings, progress=False)
    assert again.chunks_added == 0 and again.documents_skipped == 1

    from assistant.core import Assistant

    answer = Assistant(settings).ask("Can migrants be prosecuted for having been smuggled?")
    assert not answer.refused
    assert answer.citations[0].locator.startswith("Article 5")
