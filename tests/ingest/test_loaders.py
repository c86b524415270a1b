from pathlib import Path

import pytest
from pypdf import PdfWriter

from ingest.loaders import SUPPORTED_EXTENSIONS, LoadError, load_file

RAW = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "raw"
GLOTIP = RAW / "glotip-2024-chapter-2.pdf"
WEB_PAGE = RAW / "unodc-human-trafficking-webpage-2014.html"
WORKING_GROUPS = RAW / "unodc-working-groups-tip-som-webpage.txt"


@pytest.fixture(scope="module")
def glotip():
    return load_file(GLOTIP)


def test_pdf_has_every_page_with_its_printed_label(glotip):
    assert glotip.format == "pdf"
    assert len(glotip.pages) == 45
    assert [page.index for page in glotip.pages] == list(range(1, 46))
    assert glotip.pages[2].label == "67"
    assert glotip.pages[-1].label == "109"
    assert glotip.year == 2024


def test_pdf_pages_lose_running_headers_and_page_numbers(glotip):
    for page in glotip.pages:
        lines = page.text.split("\n")
        assert "II — Trafficking in persons in and from Africa" not in page.text
        assert "Global Report on Trafficking in Persons 2024" not in lines
        assert page.label not in lines


def test_pdf_text_is_reflowed_into_paragraphs(glotip):
    text = glotip.pages[2].text
    assert ("The analysis of the trafficking flows shows that over the past few years, victims "
            "trafficked from countries in Africa") in text
    # `inter-\nnal` and `pop-\nulation` in the raw extraction; footnote markers removed
    assert "10 per cent of internal renewable freshwater sources" in text
    assert "Large segments of the population in poverty coupled with weak" in text
    assert "Africa is home to 1.4 billion people and growing, with 990 million" in text
    assert "\n\n" in text and "  " not in text


def test_pdf_headings_are_marked(glotip):
    assert "# Trafficking in persons in and from Africa; a global responsibility" in \
        glotip.pages[2].text.split("\n")
    assert "# Trafficking of African youth: traffickers and poverty" in \
        glotip.pages[3].text.split("\n")
    assert "# Recruitment of children by armed groups" in glotip.pages[10].text.split("\n")


def test_pdf_drops_chart_tick_values(glotip):
    assert "\n\n0\n\n" not in glotip.pages[2].text
    assert "1,000,000" not in glotip.pages[2].text


def test_html_keeps_main_text_and_drops_menus():
    loaded = load_file(WEB_PAGE)
    text = loaded.pages[0].text
    assert loaded.format == "html"
    assert loaded.title == "UNODC - Human Trafficking"
    assert len(loaded.pages) == 1 and loaded.pages[0].index is None
    assert text.startswith("# UNODC on human trafficking and migrant smuggling")
    assert ("Human trafficking is the acquisition of people by improper means such as force, "
            "fraud or deception, with the aim of exploiting them.") in text
    assert "\n\n# Latest news\n\n" in text
    assert "Giving hope to victims of human trafficking" in text
    for menu_entry in ("Alternative development", "Drug prevention, treatment and care",
                       "Sitemap", "Fraud Alert", "Copyright", "Search"):
        assert menu_entry not in text
    assert "Publications." in text  # no space left before punctuation


def test_text_file_is_kept_as_written():
    loaded = load_file(WORKING_GROUPS)
    assert loaded.format == "text"
    assert [(p.index, p.label) for p in loaded.pages] == [(None, None)]
    assert loaded.pages[0].text == WORKING_GROUPS.read_text(encoding="utf-8")


def test_markdown_keeps_headings_and_normalises_line_endings(tmp_path):
    path = tmp_path / "note.md"
    path.write_bytes(b"# Title\r\n\r\n### Article  3\r\nText.\r\n")
    loaded = load_file(path)
    assert loaded.format == "markdown"
    assert loaded.pages[0].text == "# Title\n\n### Article  3\nText.\n"


def _reason(path: Path) -> str:
    with pytest.raises(LoadError) as raised:
        load_file(path)
    assert raised.value.path == path
    assert raised.value.reason in str(raised.value)
    return raised.value.reason


def test_corrupt_pdf(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\nthis is not a pdf at all\n")
    assert _reason(path).startswith("corrupt PDF")


def test_encrypted_pdf(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    writer.write(path)
    assert _reason(path) == "encrypted PDF"


def test_pdf_without_text_layer(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    path = tmp_path / "scan.pdf"
    writer.write(path)
    assert _reason(path) == "no text layer (scanned PDF?)"


@pytest.mark.parametrize("name", ["empty.pdf", "empty.txt", "empty.md", "empty.html"])
def test_empty_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    assert _reason(path) == "empty file"


def test_blank_text_file(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_text("  \n\n ", encoding="utf-8")
    assert _reason(path) == "empty file"


def test_unknown_extension(tmp_path):
    path = tmp_path / "data.xyz"
    path.write_text("hello", encoding="utf-8")
    assert ".xyz" not in SUPPORTED_EXTENSIONS
    assert _reason(path) == "unknown extension .xyz"


def test_binary_data_named_txt_is_rejected(tmp_path):
    path = tmp_path / "binary.txt"
    path.write_bytes(bytes(range(256)) * 8)
    assert _reason(path) == "not text: no encoding decodes it"
