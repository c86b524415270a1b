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
