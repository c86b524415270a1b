"""Shared fixtures: the real reference corpus, ingested once per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
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
    """Tests that need no index run first, while the session's index of the shared corpus is
    built by an ingest in a child process beside them (on a 2-core machine that ingest is
    half of a run's time)."""
    def needs_index(item: pytest.Item) -> bool:
        return "index_settings" in getattr(item, "fixturenames", ())

    items.sort(key=needs_index)
    if any(needs_index(item) for item in items) and RAW.is_dir():
        config.stash[INGEST] = _start_index_ingest()


def pytest_sessionfinish(session: pytest.Session) -> None:
    started = session.config.stash.get(INGEST, None)
    if started is not None:
        child, data_dir, log = started
        if child.poll() is None:
            child.kill()
            child.wait()
        if not os.environ.get("UNODC_TEST_DATA_DIR"):
            shutil.rmtree(data_dir, ignore_errors=True)
            log.unlink(missing_ok=True)


INGEST = pytest.StashKey["tuple[subprocess.Popen, Path, Path]"]()


def _start_index_ingest() -> tuple[subprocess.Popen, Path, Path]:
    data_dir = Path(os.environ.get("UNODC_TEST_DATA_DIR") or tempfile.mkdtemp(prefix="index-"))
    log = data_dir.with_name(data_dir.name + ".log")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("UNODC_", "CHROMA_"))}
    env.update(UNODC_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    with log.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "ingest", "--corpus-dir", str(RAW), "--no-progress"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    return child, data_dir, log


@pytest.fixture(scope="session")
def index_settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                   corpus_dir: Path) -> Settings:
    """Settings of an index holding the whole shared corpus (real model, real Chroma), built
    once per session by the ingest started at collection.

    Set UNODC_TEST_DATA_DIR to reuse an index between local runs; ingest is incremental, so
    a reused folder still ends up exactly in step with the corpus.
    """
    from ingest.pipeline import run_ingest

    started = request.config.stash.get(INGEST, None)
    if started is None:  # collected some other way: ingest here
        data_dir = Path(os.environ.get("UNODC_TEST_DATA_DIR") or tmp_path_factory.mktemp("index"))
    else:
        child, data_dir, log = started
        assert child.wait(timeout=1800) == 0, log.read_text(errors="replace")[-3000:]
    settings = Settings(data_dir=data_dir, corpus_dirs=[corpus_dir], chroma_host=None)
    report = run_ingest(settings, progress=False)  # nothing left to do after the child
    assert not report.problems, report.table()
    return settings


@pytest.fixture(scope="session")
def assistant(index_settings: Settings):
    from assistant.core import Assistant

    return Assistant(index_settings)
