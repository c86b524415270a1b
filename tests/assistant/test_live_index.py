"""The index changing under a running assistant: an ingest into its data dir, and a Chroma
server that stops and starts again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

import pytest
from chroma_server import ChromaServer

from assistant.core import Assistant
from assistant.live_index import IndexUnavailableError, is_unreachable
from assistant.settings import Settings
from ingest.pipeline import run_ingest

# the small fixture corpus written for the tests: an ingest of it takes a second
NOTES = "field-notes.txt"
PROTOCOL = "model-protocol.md"
FARMS = "How many farms did the inspectors go to?"
INSPECTORS = "Can labour inspectors turn up at a workplace unannounced?"


def corpus_of(tmp_path, fixture_dir, *names: str):
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(fixture_dir / name, folder)
    return folder


def test_an_ingest_into_the_data_dir_of_a_running_assistant(tmp_path, fixture_dir):
    folder = corpus_of(tmp_path, fixture_dir, NOTES)
    settings = Settings(data_dir=tmp_path / "data", corpus_dirs=[folder], chroma_host=None,
                        index_settle_s=0)
    run_ingest(settings, progress=False)
    assistant = Assistant(settings)
    assert not assistant.index_changed()
    errors: list[BaseException] = []
    answered: list[str] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                answered.append(assistant.ask(FARMS).citations[0].source)
            except BaseException as error:  # any failure is what this test looks for
                errors.append(error)

    asker = threading.Thread(target=keep_asking)
    asker.start()
    shutil.copy(fixture_dir / PROTOCOL, folder)
    try:  # another process, as `python -m ingest` beside a running app
        subprocess.run([sys.executable, "-m", "ingest", "--corpus-dir", str(folder)],
                       env={**os.environ, "UNODC_DATA_DIR": str(settings.data_dir)},
                       check=True, capture_output=True, timeout=600)
    finally:
        stop.set()
        asker.join()
    assert errors == [] and answered and set(answered) == {NOTES}
    assert assistant.index_changed()
    assert assistant.refresh_if_changed()
    assert PROTOCOL in {d["source"] for d in assistant.documents()}
    assert assistant.ask(INSPECTORS).citations[0].source == PROTOCOL
    assert not assistant.index_changed()


@pytest.mark.server
def test_a_stopped_chroma_server_leaves_answers_going_and_a_reload_is_a_clear_message(
        tmp_path, fixture_dir):
    server = ChromaServer(tmp_path / "server").start()
    try:
        settings = Settings(data_dir=tmp_path / "data",
                            corpus_dirs=[corpus_of(tmp_path, fixture_dir, PROTOCOL)],
                            chroma_host="127.0.0.1", chroma_port=server.port)
        run_ingest(settings, progress=False)
        assistant = Assistant(settings)
        assert assistant.ask(INSPECTORS).citations[0].locator == "Assistance to workers"
        server.stop()  # questions are answered from the index as loaded
        assert assistant.ask(INSPECTORS).citations[0].locator == "Assistance to workers"
        loaded = assistant.loaded
        with pytest.raises(IndexUnavailableError, match="index server is not reachable"):
            assistant.reload()
        with pytest.raises(IndexUnavailableError):
            assistant.documents()
        assert assistant.loaded is loaded
        assert assistant.ask(INSPECTORS).citations[0].locator == "Assistance to workers"
        server.start()
        assistant.reload()
        assert assistant.loaded is not loaded
        assert assistant.ask(INSPECTORS).citations[0].locator == "Assistance to workers"
    finally:
        server.stop()


def test_connection_failures_are_told_apart_from_other_errors():
    try:
        raise RuntimeError("query failed") from ConnectionRefusedError(111, "refused")
    except RuntimeError as error:
        assert is_unreachable(error)
    assert not is_unreachable(KeyError("chunk-1"))
    assert not is_unreachable(ValueError("bad filter"))
