import codecs
import datetime
from pathlib import Path

import docx
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


@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-16", "utf-16-le"), ("utf-16-be", "utf-16-be"), ("utf-8-sig", "utf-8"),
    ("latin-1", "cp1252"), ("cp1252", "cp1252"),
])
def test_text_in_other_encodings_is_read_and_its_encoding_reported(tmp_path, encoding, expected):
    text = "Protection des victimes : l'État partie coopère en Côte d'Ivoire.\n"
    if encoding == "cp1252":
        text = "L'État partie – “victimes” – coûte 5 €.\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path = tmp_path / "note.md"
    path.write_bytes(data)
    loaded = load_file(path)
    assert loaded.pages[0].text == text
    assert loaded.encoding == expected


def test_html_is_read_in_its_declared_charset(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(
        b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        + "<title>Traite des êtres humains</title></head><body><main><h1>Définition</h1>"
          "<p>« Traite des personnes » désigne le recrutement – et l’hébergement.</p>"
          "</main></body></html>".encode("cp1252"))
    loaded = load_file(path)
    assert loaded.encoding == "cp1252"  # browsers read iso-8859-1 as Windows-1252 too
    assert loaded.title == "Traite des êtres humains"
    assert loaded.pages[0].text == ("# Définition\n\n« Traite des personnes » désigne le "
                                    "recrutement – et l’hébergement.")


def test_a_wrong_charset_declaration_gives_way_to_what_decodes(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes('<html><head><meta charset="ascii"></head><body><p>Côte d’Ivoire</p>'
                     "</body></html>".encode())
    loaded = load_file(path)
    assert loaded.encoding == "utf-8" and loaded.pages[0].text == "Côte d’Ivoire"


def test_word_file_headings_articles_and_tables(tmp_path):
    document = docx.Document()
    document.core_properties.title = "Protocol text"
    document.core_properties.author = "United Nations"
    document.core_properties.created = datetime.datetime(2000, 11, 15)
    document.add_heading("Chapter I. General provisions", level=1)
    document.add_paragraph("Article 3: Use of terms")
    document.add_paragraph("Article 3 of the Convention applies mutatis mutandis.")
    table = document.add_table(rows=2, cols=3)
    for column, (head, value) in enumerate([("State", "Ratified"), ("A", "2001"),
                                            ("B", "2003")]):
        table.cell(0, column).text, table.cell(1, column).text = head, value
    path = tmp_path / "protocol.docx"
    document.save(path)
    loaded = load_file(path)
    assert loaded.format == "docx"
    assert (loaded.title, loaded.author, loaded.year) == ("Protocol text", "United Nations", 2000)
    assert loaded.pages[0].text == (
        "## Chapter I. General provisions\n\n## Article 3\n\n### Use of terms\n\n"
        "Article 3 of the Convention applies mutatis mutandis.\n\n"
        "State | A | B\nRatified | 2001 | 2003")


def test_broken_word_file(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 this is not a zip archive")
    assert _reason(path) == "corrupt Word file"


def test_files_over_the_limits_are_refused_with_the_setting_to_change(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("Victims were identified. " * 100, encoding="utf-8")
    with pytest.raises(LoadError) as raised:
        load_file(path, max_file_bytes=1000)
    assert raised.value.reason == ("too large: 0.0 MB, over the limit of 0.001 MB "
                                   "(UNODC_MAX_FILE_MB)")
    with pytest.raises(LoadError) as raised:
        load_file(path, max_text_chars=1000)
    assert raised.value.reason == ("text too long: 2,500 characters, over the limit of 1,000 "
                                   "(UNODC_MAX_TEXT_CHARS)")


def test_a_line_without_breaks_is_cut_into_bounded_paragraphs(tmp_path):
    path = tmp_path / "one-line.txt"
    line = " ".join(f"case {i} of migrants smuggled by sea" for i in range(2000))
    path.write_text(line, encoding="utf-8")
    paragraphs = load_file(path).pages[0].text.split("\n\n")
    assert len(paragraphs) > 30
    assert max(len(p) for p in paragraphs) <= 2000
    assert " ".join(paragraphs) == line  # cut at spaces: no word is lost or split


def test_file_gone_or_unreadable_is_a_load_error(tmp_path):
    assert _reason(tmp_path / "gone.txt") == "vanished before it could be read"
    (tmp_path / "folder.txt").mkdir()
    assert _reason(tmp_path / "folder.txt") == "not a regular file"
