"""A real `chroma run` server on loopback: ingest into it and answer from it."""

import shutil

import pytest
from chroma_server import ChromaServer

from assistant.settings import Settings
from ingest.pipeline import run_ingest


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server")).start()
    yield server.port
    server.stop()


@pytest.mark.server
def test_ingest_into_a_chroma_server_and_answer_from_it(tmp_path, fixture_dir, chroma_server):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(fixture_dir / "model-protocol.md", folder)
    settings = Settings(data_dir=tmp_path / "data", corpus_dirs=[folder],
                        chroma_host="127.0.0.1", chroma_port=chroma_server)
    report = run_ingest(settings, progress=False)
    assert report.chunks_added >= 5 and not report.problems
    assert not (tmp_path / "data" / "chroma").exists(), "server mode must not write locally"
    again = run_ingest(settings, progress=False)
    assert again.chunks_added == 0 and again.documents_skipped == 1

    from assistant.core import Assistant

    answer = Assistant(settings).ask("May an employer hang on to a worker's passport?")
    assert not answer.refused
    assert "shall return it on request" in answer.text
