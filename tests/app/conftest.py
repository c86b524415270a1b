"""The chat app served on a free loopback port, once per test module."""

from __future__ import annotations

import socket

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def served(assistant, tmp_path_factory):
    """(url, feedback file) of the app built on the session's real assistant."""
    from app import build_app, serve
    from ui.feedback import FeedbackLog

    feedback_path = tmp_path_factory.mktemp("feedback") / "feedback.jsonl"
    settings = assistant.settings.model_copy(update={"auth": None, "share": False,
                                                     "host": "127.0.0.1"})
    blocks = build_app(assistant, FeedbackLog(feedback_path))
    _, url = serve(blocks, settings, port=free_port(), block=False)
    yield url, feedback_path
    blocks.close()


@pytest.fixture(scope="module")
def url(served) -> str:
    return served[0]
