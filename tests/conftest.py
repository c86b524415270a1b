"""Shared fixtures: the real reference corpus, ingested once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.settings import Settings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPUS = (REPO / ".." / "shared" / "corpus").resolve()
RAW = SHARED_CORPUS / "raw"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    assert RAW.is_dir(), f"the reference corpus is missing at {RAW}"
    return RAW


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Settings:
    """Settings of an index holding the whole shared corpus (real model, real Chroma).

    Set UNODC_TEST_DATA_DIR to reuse an index between local runs; ingest is incremental, so
    a reused folder still ends up exactly in step with the corpus.
    """
    from ingest.pipeline import run_ingest

    data_dir = Path(os.environ.get("UNODC_TEST_DATA_DIR") or tmp_path_factory.mktemp("index"))
    settings = Settings(data_dir=data_dir, corpus_dirs=[corpus_dir], chroma_host=None)
    report = run_ingest(settings, progress=False)
    assert not report.problems, report.table()
    return settings


@pytest.fixture(scope="session")
def assistant(index_settings: Settings):
    from assistant.core import Assistant

    return Assistant(index_settings)
