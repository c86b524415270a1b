"""What a user who has not logged in, or one poking at file routes and feedback, can reach."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

gradio_client = pytest.importorskip("gradio_client")

REPO = Path(__file__).resolve().parents[2]
# every route that reads or computes something; Gradio's own public routes (the login page,
# favicon, theme, the outer app's schema of its login routes) hold no data of the app
DATA_ROUTES = [
    ("GET", "config"), ("GET", "gradio_api/info"), ("GET", "gradio_api/openapi.json"),
    ("GET", "gradio_api/file=/etc/passwd"), ("GET", f"gradio_api/file={REPO / 'README.md'}"),
    ("GET", "gradio_api/queue/data?session_hash=x"), ("POST", "gradio_api/queue/join"),
    ("POST", "gradio_api/call/ask"), ("POST", "gradio_api/run/ask"),
    ("POST", "gradio_api/api/ask"), ("POST", "gradio_api/upload"),
    ("POST", "gradio_api/call/documents"), ("POST", "gradio_api/call/export_markdown"),
]


def status_of(url: str, method: str = "GET", cookie: str | None = None) -> int:
    data = b'{"data": ["What is trafficking?"]}' if method == "POST" else None
    headers = {"Content-Type": "application/json", **({"Cookie": cookie} if cookie else {})}
    request = urllib.request.Request(url, method=method, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def served_with_auth(assistant, port: int):
    from app import build_app, serve

    settings = assistant.settings.model_copy(update={"auth": "ana:secret", "host": "127.0.0.1"})
    blocks = build_app(assistant)
    _, url = serve(blocks, settings, port=port, block=False)
    return blocks, url


def login_cookie(url: str) -> str:
    form = urllib.parse.urlencode({"username": "ana", "password": "secret"}).encode()
    request = urllib.request.Request(url + "login", data=form, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        cookies = response.headers.get_all("set-cookie") or []
    return "; ".join(cookie.split(";", 1)[0] for cookie in cookies)


def test_with_auth_nothing_answers_before_login(assistant, port):
    blocks, url = served_with_auth(assistant, port)
    try:
        refused = {route: status_of(url + route, method) for method, route in DATA_ROUTES}
        assert set(refused.values()) == {401}, refused
        with pytest.raises(Exception):  # noqa: B017 - the client fails in its own way
            gradio_client.Client(url, verbose=False).predict(api_name="/documents")
        with pytest.raises(Exception):  # noqa: B017
            gradio_client.Client(url, auth=("ana", "wrong"), verbose=False)
        assert "glotip-2024-chapter-2.pdf" in gradio_client.Client(
            url, auth=("ana", "secret"), verbose=False).predict(api_name="/documents")
    finally:
        blocks.close()


def test_file_routes_serve_nothing_outside_the_apps_own_files(assistant, port):
    blocks, url = served_with_auth(assistant, port)
    try:
        cookie = login_cookie(url)
        assert status_of(url + "config", cookie=cookie) == 200  # the cookie works
        outside = [
            "/etc/passwd", str(REPO / "README.md"), str(assistant.settings.data_dir.resolve()
                                                     / "chroma" / "chroma.sqlite3"),
            "../../../../etc/passwd", "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
            "%2Fetc%2Fpasswd", "/tmp/../etc/passwd",
        ]
        for path in outside:
            assert status_of(f"{url}gradio_api/file={path}", cookie=cookie) in (403, 404), path
    finally:
        blocks.close()


def test_feedback_lines_stay_whole_under_concurrent_hostile_writers(served):
    url, feedback_path = served
    before = len(feedback_path.read_text(encoding="utf-8").splitlines()) \
        if feedback_path.exists() else 0
    comments = ["line one\nline two\r\n{\"rating\": \"forged\"}", "\x00nul and \x1b escape",
                "<script>alert(1)</script> \u202e reversed", "x" * 1_000_000, "ordinary remark"]

    def rate(i: int) -> str:
        client = gradio_client.Client(url, verbose=False)
        client.predict(question="What is the smuggling of migrants?", api_name="/ask")
        status, _ = client.predict(comment=comments[i % len(comments)],
                                   api_name="/feedback_helpful")
        return status

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(rate, range(20)))
    too_long = [s for s in statuses if "maximum is 2,000" in s]
    assert len(too_long) == 4  # the 1 MB comments are refused with a reason, nothing written
    assert all("recorded" in s for s in statuses if s not in too_long)
    lines = feedback_path.read_text(encoding="utf-8").splitlines()[before:]
    entries = [json.loads(line) for line in lines]
    assert len(entries) == 16 and all(e["rating"] == "helpful" for e in entries)
    kept = {e["comment"] for e in entries}
    assert 'line one\nline two\n{"rating": "forged"}' in kept  # one entry, its lines kept
    assert "nul and  escape" in kept  # the control characters dropped, nothing else
    assert "<script>alert(1)</script> \u202e reversed" in kept  # stored as text, as sent


def test_with_logins_only_an_administrator_reloads_the_index(assistant, port):
    from app import build_app, may_reload, serve

    settings = assistant.settings.model_copy(update={"auth": "ana:secret,root:admin",
                                                     "admins": "root", "host": "127.0.0.1"})
    assert may_reload(settings, "root") and not may_reload(settings, "ana")
    assert may_reload(settings.model_copy(update={"auth": None}), None)  # a local app
    blocks = None
    previous = assistant.settings
    assistant.settings = settings  # the app reads its settings from the assistant
    try:
        blocks = build_app(assistant)
        _, url = serve(blocks, settings, port=port, block=False)
        with pytest.raises(Exception, match="administrator"):
            gradio_client.Client(url, auth=("ana", "secret"), verbose=False).predict(
                api_name="/reload_index")
        documents, _ = gradio_client.Client(url, auth=("root", "admin"), verbose=False).predict(
            api_name="/reload_index")
        assert "glotip-2024-chapter-2.pdf" in documents
    finally:
        assistant.settings = previous
        if blocks is not None:
            blocks.close()
