"""Shared fixtures: the real reference corpus, ingested once per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.settings import Settings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPUS = (REPO / ".." / "shared" / "corpus").resolve()
RAW = SHARED_CORPUS / "raw"


FIXTURE_CORPUS = REPO / "tests" / "fixtures" / "corpus"


@pytest.fixture(scope="session")
def fixture_dir() -> Path:
    """A small corpus written for the tests (tests/fixtures/corpus): an invented protocol in
    the treaties' Markdown style and a page of field notes. Ingested in about a second."""
    return FIXTURE_CORPUS


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    assert RAW.is_dir(), f"the reference corpus is missing at {RAW}"
    return RAW


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need no index run first, while the ingest started at configuration builds
    the session's index beside them."""
    items.sort(key=lambda item: "index_settings" in getattr(item, "fixturenames", ()))


# The session's index of the shared corpus is built once per run, by an ingest in a child
# process started when the run starts (by the controller under pytest-xdist, whose workers
# inherit its folder through TEST_INDEX). Its exit status lands in `<folder>.rc`.
TEST_INDEX = "UNODC_TEST_INDEX"
RECORD_EXIT = ("import os, subprocess, sys; code = subprocess.call(sys.argv[2:]); "
               "open(sys.argv[1] + '.tmp', 'w').write(str(code)); "
               "os.replace(sys.argv[1] + '.tmp', sys.argv[1])")


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or not RAW.is_dir():
        return
    data_dir = Path(os.environ.get("UNODC_TEST_DATA_DIR") or tempfile.mkdtemp(prefix="index-"))
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("UNODC_", "CHROMA_"))}
    # one thread: the tests run on the other core meanwhile (two threads each oversubscribe)
    env.update(UNODC_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               OMP_NUM_THREADS="1")
    _exit_file(data_dir).unlink(missing_ok=True)
    with _log_file(data_dir).open("wb") as log:
        config.stash[INGEST] = subprocess.Popen(
            [sys.executable, "-c", RECORD_EXIT, str(_exit_file(data_dir)), sys.executable,
             "-m", "ingest", "--corpus-dir", str(RAW), "--no-progress", "--strict"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    os.environ[TEST_INDEX] = str(data_dir)


def pytest_unconfigure(config: pytest.Config) -> None:
    child = config.stash.get(INGEST, None)
    if child is None:
        return
    if child.poll() is None:
        child.kill()
        child.wait()
    data_dir = Path(os.environ.pop(TEST_INDEX))
    if not os.environ.get("UNODC_TEST_DATA_DIR"):
        shutil.rmtree(data_dir, ignore_errors=True)
        _log_file(data_dir).unlink(missing_ok=True)
        _exit_file(data_dir).unlink(missing_ok=True)


INGEST = pytest.StashKey[subprocess.Popen]()


def _exit_file(data_dir: Path) -> Path:
    return data_dir.with_name(data_dir.name + ".rc")


def _log_file(data_dir: Path) -> Path:
    return data_dir.with_name(data_dir.name + ".log")


@pytest.fixture(scope="session")
def index_settings(corpus_dir: Path) -> Settings:
    """Settings of an index holding the whole shared corpus (real model, real Chroma), built
    once per run by the ingest started with the run.

    Set UNODC_TEST_DATA_DIR to reuse an index between local runs; ingest is incremental, so
    a reused folder still ends up exactly in step with the corpus.
    """
    data_dir = Path(os.environ[TEST_INDEX])
    deadline = time.monotonic() + 1800
    while not _exit_file(data_dir).is_file() and time.monotonic() < deadline:
        time.sleep(0.2)
    code = _exit_file(data_dir).read_text() if _exit_file(data_dir).is_file() else "timeout"
    assert code == "0", _log_file(data_dir).read_text(errors="replace")[-3000:]
    return Settings(data_dir=data_dir, corpus_dirs=[corpus_dir], chroma_host=None)


@pytest.fixture(scope="session")
def assistant(index_settings: Settings):
    from assistant.core import Assistant

    return Assistant(index_settings)
