"""Feedback on answers, appended as one JSON object per line (thread- and process-safe)."""

from __future__ import annotations

import json
import os
import re
import threading
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from assistant.models import Answer

try:  # POSIX: also serialise writers from other processes
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

Rating = Literal["helpful", "not helpful"]
RATINGS: tuple[str, ...] = ("helpful", "not helpful")
MAX_COMMENT_CHARS = 2000
# kept out of a comment: control characters other than tab and newline, and lone surrogates
# (which no UTF-8 file can hold)
UNSTORABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


class FeedbackLog:
    """One JSONL file; `record` may be called from many threads at once."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.exists() and self.path.is_dir():
            raise ValueError(f"feedback path {self.path} is a directory, not a file")
        self._lock = threading.Lock()

    def record(self, answer: Answer, rating: str, comment: str | None = None,
               settings_hash: str | None = None) -> dict:
        """Append one entry and return it."""
        entry = feedback_entry(answer, rating, comment, settings_hash)
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                try:
                    handle.write(line)
                    handle.flush()
                    os.fsync(handle.fileno())
                finally:
                    if fcntl is not None:
                        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return entry

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]


def feedback_entry(answer: Answer, rating: str, comment: str | None = None,
                   settings_hash: str | None = None) -> dict:
    if not isinstance(answer, Answer):
        raise TypeError("answer must be an assistant.models.Answer")
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
    comment = UNSTORABLE.sub("", unicodedata.normalize("NFC", comment or "")).strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise ValueError(f"the comment is {len(comment):,} characters; the maximum is "
                         f"{MAX_COMMENT_CHARS:,}")
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "rating": rating,
        "comment": comment or None,
        "question": answer.question,
        "resolved_question": answer.resolved_question,
        "answer": answer.text,
        "refused": answer.refused,
        "mode": answer.mode,
        "citations": [
            {**c.model_dump(include={"n", "source", "title", "locator", "page_start",
                                     "page_end", "page_label", "url"}),
             "quote": c.quote}
            for c in answer.citations
        ],
        "settings_hash": settings_hash or answer.settings_hash,
    }
