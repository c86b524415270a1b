from pathlib import Path

import pytest

from assistant.models import Document
from ingest.loaders import LoadedFile, Page, load_file
from ingest.split_sections import document_text, split_sections

RAW = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "raw"
GLOTIP = RAW / "glotip-2024-chapter-2.pdf"
WORKING_GROUPS = RAW / "unodc-working-groups-tip-som-webpage.txt"
WEB_PAGE = RAW / "unodc-human-trafficking-webpage-2014.html"
SIZE = 1200


def _doc(path: Path, **fields) -> Document:
    return Document(id=path.stem, title=fields.pop("title", path.stem), file_name=path.name,
                    **fields)


@pytest.fixture(scope="module")
def glotip():
    return load_file(GLOTIP)


@pytest.fixture(scope="module")
def glotip_chunks(glotip):
    doc = _doc(GLOTIP, title="Global Report on Trafficking in Persons 2024, Chapter 2",
               kind="report", year=2024, url="https://www.unodc.org/glotip.pdf")
    return split_sections(doc, glotip, SIZE)


def _chunk_with(chunks, sentence):
    found = [chunk for chunk in chunks if sentence in chunk.text]
    assert len(found) == 1, sentence
    return found[0]


def test_chunks_are_slices_of_the_document_text(glotip, glotip_chunks):
    text = document_text(glotip)
    assert [c.order for c in glotip_chunks] == list(range(len(glotip_chunks)))
    for chunk in glotip_chunks:
        assert text[chunk.char_start:chunk.char_end] == chunk.text
        assert chunk.text == chunk.text.strip()
    starts = [c.char_start for c in glotip_chunks]
    assert starts == sorted(starts)


def test_chunk_sizes(glotip_chunks):
    assert len(glotip_chunks) > 45
    assert max(len(c.text) for c in glotip_chunks) <= 1.5 * SIZE


def test_document_fields_are_copied(glotip_chunks):
    chunk = glotip_chunks[0]
    assert (chunk.doc_id, chunk.source, chunk.kind, chunk.year, chunk.url) == (
        "glotip-2024-chapter-2", "glotip-2024-chapter-2.pdf", "report", 2024,
        "https://www.unodc.org/glotip.pdf")


@pytest.mark.parametrize(("sentence", "index", "label"), [
    ("Africa is home to 1.4 billion people and growing", 3, "67"),
    ("Conflict-related displacements exacerbate civilians’ risk of being trafficked", 10, "74"),
    ("Armed groups and government forces that engage in trafficking of children appear to "
     "target more boys than girls.", 11, "75"),
])
def test_hand_checked_passages_have_the_right_page(glotip_chunks, sentence, index, label):
    chunk = _chunk_with(glotip_chunks, sentence)
    assert chunk.page_start == index
    assert chunk.page_label == label


def test_locator_and_section(glotip_chunks):
    chunk = _chunk_with(glotip_chunks, "Africa is home to 1.4 billion people")
    assert chunk.locator == "p. 67"
    assert chunk.section == "Trafficking in persons in and from Africa; a global responsibility"
    assert chunk.text.startswith("# Trafficking in persons in and from Africa")
    spanning = [c for c in glotip_chunks if c.page_end != c.page_start]
    assert spanning
    for c in spanning:
        assert c.locator == f"pp. {c.page_label}–{c.page_label_end}"
    recruitment = _chunk_with(glotip_chunks, "Children may be recruited for exploitation")
    assert recruitment.section == "Recruitment of children by armed groups"


def test_no_running_headers_and_joined_hyphens(glotip_chunks):
    for chunk in glotip_chunks:
        assert "II — Trafficking in persons in and from Africa" not in chunk.text
        assert "Global Report on Trafficking in Persons 2024" not in chunk.text.split("\n")
    _chunk_with(glotip_chunks, "The trafficking of children for begging is also reported")


def test_chunks_never_cross_a_heading(glotip_chunks):
    for chunk in glotip_chunks:
        lines = chunk.text.split("\n")
        headings = [i for i, line in enumerate(lines) if line.startswith("# ")]
        # headings only open a chunk (a run of them, blank lines between)
        assert all(line.startswith("# ") or not line
                   for line in lines[:max(headings, default=-1) + 1])


def test_overlap_repeats_the_end_of_the_previous_chunk(glotip):
    chunks = split_sections(_doc(GLOTIP), glotip, 800, 150)
    overlapping = [(a, b) for a, b in zip(chunks, chunks[1:], strict=False)
                   if b.char_start < a.char_end]
    assert overlapping
    for a, b in overlapping:
        assert a.char_end - b.char_start <= 150
        assert b.section == a.section


def test_plain_text_uses_the_title_as_locator():
    loaded = load_file(WORKING_GROUPS)
    doc = _doc(WORKING_GROUPS, title="Working Groups on TIP and SOM", kind="web-page")
    chunks = split_sections(doc, loaded, 600)
    assert len(chunks) >= 4
    assert {c.locator for c in chunks} == {"Working Groups on TIP and SOM"}
    assert all(c.page_start is None and c.section is None for c in chunks)
    assert all(len(c.text) <= 900 for c in chunks)
    _chunk_with(chunks, "The topics for the 2024 meetings are trafficking in persons for the "
                        "purpose of organ removal")


def test_html_sections_follow_headings():
    loaded = load_file(WEB_PAGE)
    chunks = split_sections(_doc(WEB_PAGE, title="Human Trafficking"), loaded, SIZE)
    definition = _chunk_with(chunks, "Human trafficking is the acquisition of people")
    assert definition.locator == definition.section == \
        "UNODC on human trafficking and migrant smuggling"
    news = _chunk_with(chunks, "Giving hope to victims of human trafficking")
    assert news.section == "Latest news"


def test_pdf_without_labels_cites_the_page_index():
    loaded = LoadedFile(path=Path("x.pdf"), format="pdf", title=None, year=None, author=None,
                        pages=[Page(1, None, "First page text."), Page(2, None, "Second.")])
    chunks = split_sections(_doc(Path("x.pdf")), loaded, 500)
    assert [c.locator for c in chunks] == ["pp. 1–2"]


def test_long_paragraph_is_cut_at_sentences():
    sentence = "This sentence is about trafficking in persons and is fifty chars. "
    loaded = LoadedFile(path=Path("a.txt"), format="text", title=None, year=None, author=None,
                        pages=[Page(None, None, "# Heading\n\n" + sentence * 40)])
    chunks = split_sections(_doc(Path("a.txt")), loaded, 300)
    assert len(chunks) > 5
    assert all(c.text.rstrip().endswith(".") for c in chunks)
    assert all(len(c.text) <= 450 for c in chunks)
    assert all(c.section == "Heading" for c in chunks)


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (-5, 0), (100, 100), (100, -1)])
def test_bad_arguments_are_rejected(glotip, size, overlap):
    with pytest.raises(ValueError):
        split_sections(_doc(GLOTIP), glotip, size, overlap)
