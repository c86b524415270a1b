from pathlib import Path

from pypdf import PdfReader

from ingest.clean import (
    build_paragraphs,
    clean_pdf_pages,
    drop_figure_debris,
    drop_page_footnotes,
    find_running_lines,
    join_lines,
    normalize_characters,
    normalize_whitespace,
    note_debris,
    page_lines,
    strip_footnote_markers,
    strip_running_lines,
)

GLOTIP = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "raw" / \
    "glotip-2024-chapter-2.pdf"


def test_join_lines_undoes_hyphenation_but_keeps_compounds():
    assert join_lines("The traf-", "ficking of children") == "The trafficking of children"
    assert join_lines("the Sahara-", "Sahel goldfields") == "the Sahara-Sahel goldfields"
    assert join_lines("see https://www.unhcr.org/", "refugee-statistics") == \
        "see https://www.unhcr.org/refugee-statistics"
    assert join_lines("over ", "the past") == "over the past"


def test_normalize_characters_replaces_ligatures_and_odd_spaces():
    assert normalize_characters("o\ufb03cial\u00a0signi\ufb01cant\r\nse\u00adcond") == \
        "official significant\nsecond"


def test_normalize_whitespace():
    assert normalize_whitespace("  a  b \n\n\n\nc  ") == "a b\n\nc"


def test_footnote_markers_are_removed_but_numbers_kept():
    text = ("growing,1 with 990 million under the age of 30.2 By 2050, in poverty8 coupled "
            "with mechanisms).50 Displaced, 7.5 per cent, 1.4 billion, G20 and Case 146.")
    assert strip_footnote_markers(text) == (
        "growing, with 990 million under the age of 30. By 2050, in poverty coupled "
        "with mechanisms). Displaced, 7.5 per cent, 1.4 billion, G20 and Case 146.")


def test_running_lines_are_found_at_page_edges_only():
    pages = [[f"{n}", "Global Report 2024" if n % 2 else "II — Africa",
              *[f"Body text {i} of page {'abcdefghij'[n - 60]}." for i in range(8)]]
             for n in range(60, 70)]
    running = find_running_lines(pages)
    assert running == {"#", "global report #", "ii — africa"}
    assert strip_running_lines(pages[0], running) == pages[0][2:]
    # the same words inside the body of a page stay
    page = ["61", *["Body line."] * 4, "II — Africa", *["Body line."] * 4]
    assert "II — Africa" in strip_running_lines(page, running)


def test_too_few_pages_have_no_running_lines():
    assert find_running_lines([["Title", "Body."], ["Title", "Body."]]) == set()


def test_figure_debris_is_dropped():
    lines = ["Text of the body ends here.", "0", "500", "1,000", "17%", "10% 4%", "Nepal",
             "Zambia", "Benin", "Chad", "Source: UNODC."]
    assert drop_figure_debris(lines) == ["Text of the body ends here.", "Source: UNODC."]
    short_heading = ["Done.", "The roots of trafficking", "in Africa", "Body starts here"]
    assert drop_figure_debris(short_heading) == short_heading


def test_page_footnotes_are_dropped_when_referenced_in_the_body():
    lines = ["Body text cites a source.1 More text", "and again a second one.2", "Third line.",
             "Fourth line.", "1 UNODC, Report 2020.", "2 Ibid., p. 4."]
    assert drop_page_footnotes(lines) == lines[:4]
    endnotes = ["1 UNODC, Report 2020.", "2 Ibid.", "3 IOM, 2021.", "4 Ibid."]
    assert drop_page_footnotes(endnotes) == endnotes


def test_build_paragraphs_reflows_and_marks_headings():
    lines = ["Most victims detected in Africa are children exploited for", "forced labour.",
             "Trafficking of African youth: traffickers and ", "poverty ",
             "Child trafficking appears as one of the main chal-",
             "lenges for the countries of Africa.",
             "Fig. 69  Number of trafficked children detected in ", "Africa, 2022*",
             "linked to the practice of sending boys to school."]
    assert build_paragraphs(lines) == [
        "Most victims detected in Africa are children exploited for forced labour.",
        "# Trafficking of African youth: traffickers and poverty",
        "Child trafficking appears as one of the main challenges for the countries of Africa.",
        "Fig. 69  Number of trafficked children detected in Africa, 2022*",
        "linked to the practice of sending boys to school.",
    ]


def test_abbreviations_do_not_end_paragraphs():
    lines = ["Journal of Economics, vol.", "46, no. 2, (2018)."]
    assert build_paragraphs(lines) == ["Journal of Economics, vol. 46, no. 2, (2018)."]


def test_real_pages_are_cleaned():
    reader = PdfReader(GLOTIP)
    raw = [reader.pages[i].extract_text() for i in range(2, 12)]
    assert "traf-\nficking of children for begging" in raw[1]
    pages = clean_pdf_pages(raw)
    assert "The trafficking of children for begging is also reported" in pages[1]
    assert "# Displacement and risks of trafficking for those who seek refuge" in pages[7]
    assert all("Global Report on Trafficking in Persons 2024" not in p for p in pages)
    assert all(not line.isdigit() for p in pages for line in p.split("\n"))
    assert page_lines(" a \n\n b ") == [" a ", " b "]


# --- notes kept apart from the body ------------------------------------------------------

def _pdf_with_notes(path: Path, pages: list[list[tuple[str, int]]]) -> Path:
    """A PDF whose lines are set at their own font size (body 10 pt, notes 7 pt)."""
    from tests.ingest.text_pdf import write_text_pdf

    return write_text_pdf(path, pages)


BODY_LINES = [
    "Some non-state armed groups in the Central Sahel benefit from migrant smuggling by ",
    "recruiting migrants and refugees into their ranks.j UNODC conducted 154 interviews ",
    "with actors involved at various levels in the migrant smuggling industry in 2021.",
    "Almost all of the migrants interviewed reported being kidnapped along the routes ",
    "from West Africa to North Africa, and while living in Tripoli.k",
]


def test_a_generated_pdf_keeps_its_footnotes_and_endnotes_apart(tmp_path: Path):
    from assistant.models import Document
    from ingest.loaders import load_file
    from ingest.split_sections import split_sections

    pages = [
        [(line, 10) for line in BODY_LINES] + [
            ("j UNODC (2023). Smuggling of Migrants in the Sahel. Transnational ", 7),
            ("Organized Crime Threat Assessment - Sahel.", 7),
            ("k UNODC Observatory on Smuggling of Migrants (2021).", 7),
            ("Debt bondage is accompanied by violent treatment and threats by employers.4 ", 10),
            ("The system takes place through loans and deductions over long periods.", 10)],
        [("Endnotes", 12),
         ("4 Okech, D. and others, Child Trafficking and the Gold Mines, 2022.", 7),
         ("5 Rapport de la Representante speciale du Secretaire general, 2019.", 7)],
    ]
    loaded = load_file(_pdf_with_notes(tmp_path / "report.pdf", pages))
    body = "\n\n".join(page.text for page in loaded.pages)
    assert "into their ranks. UNODC conducted 154 interviews" in body
    assert "living in Tripoli." in body and "Tripoli.k" not in body
    assert "threats by employers." in body and "employers.4" not in body
    for debris in ("Transnational", "Okech", "Rapport", "Endnotes", "(2021)"):
        assert debris not in body
    assert loaded.pages[0].notes["j"].startswith("UNODC (2023). Smuggling of Migrants")
    assert loaded.pages[1].notes["4"].startswith("Okech, D. and others")
    assert note_debris(body) == []
    doc = Document(id="report", title="Report", kind="report", file_name="report.pdf")
    chunks = split_sections(doc, loaded, chunk_size=200)
    noted = {chunk.text[:30]: chunk.notes for chunk in chunks}
    ranks = next(notes for text, notes in noted.items() if text.startswith("Some non-state"))
    assert ranks.splitlines()[0].startswith("j UNODC (2023)")
    debt = next(c.notes for c in chunks if "Debt bondage" in c.text)
    assert debt == "4 Okech, D. and others, Child Trafficking and the Gold Mines, 2022."


def test_global_report_endnotes_and_markers_are_not_body_text():
    from ingest.loaders import load_file

    loaded = load_file(GLOTIP)
    pages = {page.index: page for page in loaded.pages}
    # p. 88: a box's lettered footnotes under the paragraph whose markers point to them
    assert "into their ranks. UNODC conducted 154 interviews" in pages[24].text
    assert "UNODC (2023). Smuggling of Migrants in the Sahel" not in pages[24].text
    assert pages[24].notes["j"].startswith("UNODC (2023). Smuggling of Migrants in the Sahel")
    assert "living in Tripoli." in pages[25].text and "Tripoli.v" not in pages[25].text
    # pp. 105-109: the endnote list, including its French-language entries, is all notes
    assert pages[44].text == "" and len(pages[44].notes) > 20
    notes = [note for page in loaded.pages for note in page.notes.values()]
    assert any(note.startswith("Rapport de la Représentante spéciale") for note in notes)
    body = "\n\n".join(page.text for page in loaded.pages)
    assert "Rapport de la Représentante spéciale" not in body
    assert "Okech, D. and others" not in body
    assert [m for m in note_debris(body) if not m.startswith(("https", "("))] == []


def test_note_debris_checker():
    assert note_debris("living in Tripoli.v t UNODC Observatory on Smuggling of Migrants (2021).")
    assert note_debris("into their ranks.j UNODC conducted 154 interviews")
    assert note_debris("143 Okech, D. and others, “Child Trafficking”")
    assert note_debris("63 Rapport de la Représentante spéciale du Secrétaire général")
    assert note_debris("Each State Party shall adopt legislative measures, e.g. The law.") == []
    assert note_debris("Article 3(a) of the Protocol, 7.5 per cent of 2,005 people in G20.") == []
