"""The index as one running app sees it: an immutable snapshot, swapped whole on reload.

An ingest may write into the data dir (or the Chroma server) while the app answers. Questions
read one `LoadedIndex` from start to end; a reload builds a new one beside it and swaps the
reference, so no question ever sees half of an old index and half of a new one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from assistant.answers.coverage import Coverage
from assistant.errors import AssistantError
from assistant.retrieval.search import Retriever
from assistant.settings import Settings
from assistant.store import written_marker


class IndexUnavailableError(AssistantError):
    """The Chroma server holding the index does not answer."""

    def __init__(self, settings: Settings, detail: str = "") -> None:
        super().__init__(
            f"The index server is not reachable (Chroma at {settings.chroma_host}:"
            f"{settings.chroma_port}). Nothing was answered; try again once it is running "
            "again (`chroma run`), answering resumes by itself."
            + (f" ({detail})" if detail else ""))


@dataclass(frozen=True)
class LoadedIndex:
    retriever: Retriever
    idf: dict[str, float]
    coverage: Coverage
    latest_year: int | None
    loaded_at: float = field(default_factory=time.time)  # when this app read it
    written_at: float | None = None  # the index's last write at that moment (embedded only)


def last_written(settings: Settings) -> float | None:
    """When this project last wrote the embedded index (the mtime of the marker every write
    of `Store` touches; Chroma's own files change whenever any client opens the folder),
    else None (a Chroma server, or nothing written yet)."""
    marker = written_marker(settings)
    try:
        return marker.stat().st_mtime if marker else None
    except FileNotFoundError:
        return None


def is_unreachable(error: BaseException) -> bool:
    """A connection failure to the Chroma server (httpx, requests or the OS), not a bad query."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        name = type(error).__name__
        if isinstance(error, ConnectionError | TimeoutError) or name in (
                "ConnectError", "ConnectTimeout", "ReadTimeout", "RemoteProtocolError",
                "ReadError", "WriteError", "PoolTimeout"):
            return True
        if "Could not connect to a Chroma server" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def describe(when: float | None) -> str:
    if when is None:
        return "unknown"
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
