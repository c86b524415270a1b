"""The chat in a real headless Chromium: ask, read the cited passage, export, escaping."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# the README's screenshot is written again only when asked (UNODC_SCREENSHOTS=1)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
QUESTION = (
    "What does Article 6 of the Smuggling of Migrants Protocol require States to criminalize?")
TIMEOUT_MS = 120_000

MISSING = f"Debian chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
# In CI (CI=true) a missing browser fails the run: a green run without the UI tests would hide it.
if not CHROMIUM.exists() and os.environ.get("CI", "").lower() == "true":
    raise RuntimeError(MISSING)
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason=MISSING)]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    page.goto(url)
    yield page
    context.close()


def ask(page, question: str) -> None:
    page.locator("#question textarea").fill(question)
    page.locator("#ask-button").click()


def test_ask_read_the_cited_passage_and_export_markdown(page, tmp_path):
    ask(page, QUESTION)
    citation = page.locator("#chat a.cite").first
    citation.wait_for(timeout=TIMEOUT_MS)
    assert citation.inner_text() == "[1]"
    assert citation.get_attribute("title").startswith("SOM Protocol, Art. 6")

    source = page.locator("#sources details.source").first
    source.locator("summary").click()  # the first source opens by default: close and reopen
    assert source.get_attribute("open") is None
    source.locator("summary").click()
    assert source.get_attribute("open") is not None
    passage = source.locator("blockquote.passage")
    assert passage.is_visible() and "Each State Party shall adopt" in passage.inner_text()
    assert source.locator("mark").first.is_visible()  # the quoted sentence is highlighted
    assert "Article 6" in source.locator("summary").inner_text()

    shots = SCREENSHOTS if os.environ.get("UNODC_SCREENSHOTS") == "1" else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "chat.png"), full_page=True)

    page.locator("#export-md").click()  # the file is written now, on demand
    link = page.locator("#export-file a").first
    link.wait_for(timeout=TIMEOUT_MS)
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        link.click()
    saved = tmp_path / "conversation.md"
    download.value.save_as(saved)
    exported = saved.read_text(encoding="utf-8")
    assert QUESTION in exported and "Article 6" in exported and "[1]" in exported


def test_question_with_html_is_shown_as_text_and_runs_nothing(page):
    question = "<img src=x onerror=alert(1)> What is the smuggling of migrants?"
    ask(page, question)
    user = page.locator('#chat [data-testid="user"]').first
    user.wait_for(timeout=TIMEOUT_MS)
    page.locator('#chat [data-testid="bot"]').filter(
        has_not_text="Searching the documents").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    assert question in user.inner_text()
    assert page.locator("#chat img[src='x']").count() == 0
    assert page.locator("#sources img").count() == 0
    assert page.dialogs == []


def test_a_citation_two_turns_back_opens_its_own_source(page):
    ask(page, QUESTION)
    page.locator('#chat a.cite[href="#source-0-1"]').wait_for(timeout=TIMEOUT_MS)
    ask(page, "Which measures must States take to protect the privacy of trafficking victims?")
    page.locator('#chat a.cite[href="#source-1-1"]').wait_for(timeout=TIMEOUT_MS)
    ask(page, "Can a smuggled migrant be prosecuted for having been smuggled?")
    page.locator('#chat a.cite[href="#source-2-1"]').wait_for(timeout=TIMEOUT_MS)
    old_source = page.locator("#source-0-1")
    assert old_source.get_attribute("open") is None  # only the newest answer's [1] is open
    page.locator('#chat a.cite[href="#source-0-1"]').first.click()
    page.wait_for_function("document.getElementById('source-0-1').open === true",
                           timeout=10_000)
    assert "Article 6" in old_source.locator("summary").inner_text()
    assert old_source.locator("mark").first.is_visible()


def test_an_active_filter_shows_above_the_chat_with_the_panel_closed(page):
    line = page.locator("#active-filters")
    assert "Filters on" not in line.inner_text()
    page.get_by_text("Filters and options").click()
    page.get_by_label("Kind").click()
    page.get_by_role("option", name="report").click()
    page.keyboard.press("Escape")
    page.get_by_text("Filters and options").click()  # close the panel again
    page.wait_for_function(
        "document.querySelector('#active-filters').innerText.includes('kind: report')",
        timeout=10_000)
    assert line.is_visible()


@pytest.mark.parametrize(("locale", "ask_label", "filters_label"), [
    ("fr-FR", "Demander", "Filtres et options"),
    ("es-ES", "Preguntar", "Filtros y opciones"),
    ("ar", "اسأل", "عوامل التصفية والخيارات"),
])
def test_the_interface_follows_the_browsers_language(browser, url, locale, ask_label,
                                                     filters_label):
    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(url)
        button = page.locator("#ask-button")
        button.wait_for(timeout=TIMEOUT_MS)
        page.wait_for_function(
            f"document.querySelector('#ask-button').innerText.trim() === {ask_label!r}",
            timeout=30_000)
        assert page.get_by_text(filters_label).first.is_visible()
    finally:
        context.close()


def test_a_cited_article_opens_in_the_provisions_tab(page):
    ask(page, QUESTION)
    page.locator('#chat a.cite[href="#source-0-1"]').wait_for(timeout=TIMEOUT_MS)
    page.locator("#source-0-1 a.open-provision").click()
    page.wait_for_function(
        "document.querySelector('#provision-view') && "
        "document.querySelector('#provision-view').innerText.includes('Article 6')",
        timeout=30_000)
    view = page.locator("#provision-view").inner_text()
    assert "Smuggling of Migrants" in view or "SOM Protocol" in view
