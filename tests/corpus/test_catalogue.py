import csv
import hashlib
from pathlib import Path

import pytest

from assistant.models import Document
from corpus import (
    CATALOGUE_PATH,
    Catalogue,
    CatalogueError,
    document_for_file,
    load_catalogue,
    sha256_file,
)

SHARED_CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
RAW = SHARED_CORPUS / "raw"


def manifest_rows() -> list[dict[str, str]]:
    with (SHARED_CORPUS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def test_packaged_catalogue_loads_with_unique_ids(catalogue):
    assert CATALOGUE_PATH.name == "catalogue.toml"
    ids = [doc.id for doc in catalogue.documents]
    assert len(ids) == len(set(ids)) >= 9
    assert all(doc.language in ("en", "fr", "es", "ru", "zh", "ar") for doc in catalogue)
    assert catalogue.by_file_name("TOCebook-s.pdf").language == "es"  # another UN language


def test_every_manifest_row_is_catalogued_with_its_file_name_and_sha256(catalogue):
    rows = manifest_rows()
    assert len(rows) == 9
    for row in rows:
        doc = catalogue.by_file_name(row["file"])
        assert doc is not None, row["file"]
        assert doc.sha256 == row["sha256"]
        assert catalogue.by_sha256(row["sha256"]) is doc
        assert doc.year == int(row["year"])


def test_manifest_entries_have_expected_kinds_and_clean_titles(catalogue):
    kinds = {doc.file_name: doc.kind for doc in catalogue}
    assert kinds["glotip-2024-chapter-2.pdf"] == "report"
    assert kinds["unodc-human-trafficking-webpage-2014.html"] == "web-page"
    assert kinds["unodc-working-groups-tip-som-webpage.txt"] == "working-group"
    tip = catalogue.by_file_name("untoc-trafficking-in-persons-protocol-text.md")
    assert tip.kind == "treaty" and tip.instrument == "TIP Protocol"
    assert tip.title.startswith(
        "Protocol to Prevent, Suppress and Punish Trafficking in Persons, Especially Women and"
    )
    for doc in catalogue:
        assert "transcription" not in doc.title.lower(), doc.id
        assert "GA res" not in doc.title, doc.id


def test_shared_files_match_their_catalogued_sha256(catalogue):
    for row in manifest_rows():
        assert sha256_file(RAW / row["file"]) == catalogue.by_file_name(row["file"]).sha256


def test_added_publications_have_official_urls_and_no_guessed_hash(catalogue):
    manifest_files = {row["file"] for row in manifest_rows()}
    added = [doc for doc in catalogue if doc.file_name not in manifest_files]
    assert added, "the catalogue lists official publications beyond the shared corpus"
    for doc in added:
        assert doc.url and doc.url.startswith(("https://www.unodc.org/", "http://www.unodc.org/"))
        assert doc.sha256 is None
    assert catalogue.by_file_name("TOCebook-e.pdf").url.endswith("TOCebook-e.pdf")


def write_toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalogue.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_ENTRY = '[[document]]\nid = "good"\ntitle = "Good"\nfile_name = "good.pdf"\n\n'


def test_load_error_names_the_entry_and_field(tmp_path):
    path = write_toml(tmp_path, GOOD_ENTRY + '[[document]]\nid = "bad-kind"\ntitle = "B"\n'
                      'kind = "pamphlet"\n')
    with pytest.raises(CatalogueError, match=r"entry 2 \('bad-kind'\).*kind"):
        load_catalogue(path)


def test_load_error_for_missing_id_names_the_entry_number(tmp_path):
    path = write_toml(tmp_path, GOOD_ENTRY + '[[document]]\ntitle = "No id"\n')
    with pytest.raises(CatalogueError, match=r"entry 2: `id` is required"):
        load_catalogue(path)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('id = "good"\ntitle = "Other"\n', "duplicate id 'good'"),
        ('id = "other"\ntitle = "Other"\nfile_name = "good.pdf"\n', "duplicate file_name"),
        ('id = "other"\ntitle = "O"\nsha256 = "abc"\n', r"entry 2 \('other'\): sha256"),
        ('id = "other"\ntitle = "O"\nurll = "x"\n', r"entry 2 \('other'\): unknown field"),
        ('id = "other"\ntitle = "O"\nyear = "two thousand"\n', r"entry 2 \('other'\): year"),
        ('id = "other"\ntitle = "O"\nfile_name = "../x.pdf"\n', "bare file name"),
    ],
)
def test_load_rejects_bad_entries(tmp_path, extra, message):
    path = write_toml(tmp_path, GOOD_ENTRY + "[[document]]\n" + extra)
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(path)


def test_load_rejects_invalid_toml(tmp_path):
    with pytest.raises(CatalogueError, match="not valid TOML"):
        load_catalogue(write_toml(tmp_path, "[[document]\nid = 1"))


def test_document_for_file_matches_by_sha256_even_when_renamed(catalogue, tmp_path):
    source = RAW / "untoc-smuggling-of-migrants-protocol-text.md"
    sha = sha256_file(source)
    doc = document_for_file(tmp_path / "som.md", sha, catalogue)
    assert doc.id == catalogue.by_sha256(sha).id
    assert doc.instrument == "SOM Protocol"
    assert doc.file_name == "som.md"


def test_document_for_file_matches_by_name_and_records_the_actual_hash(catalogue):
    other_sha = "0" * 64
    doc = document_for_file(Path("TOCebook-e.pdf"), other_sha, catalogue)
    assert doc.id == "untoc-and-protocols"
    assert doc.sha256 == other_sha


def test_document_for_file_recognises_a_download_kept_under_its_hash(catalogue):
    sha = "3fa4" + "1" * 60
    doc = document_for_file(Path(f"GLOTIP2024_BOOK.{sha[:12]}.pdf"), sha, catalogue)
    assert doc.id == "glotip-2024"


def test_document_for_unknown_file_is_built_from_its_name():
    catalogue = Catalogue([])
    sha = "ab" * 32
    doc = document_for_file(Path("/x/My_Report-2021.PDF"), sha, catalogue, fallback_year=2021)
    assert doc.id == "my-report-2021-pdf"
    edited = document_for_file(Path("/x/My_Report-2021.PDF"), "cd" * 32, catalogue)
    assert edited.id == doc.id, "an edited file keeps its id, so its old chunks are replaced"
    assert doc.title == "My Report 2021"
    assert (doc.kind, doc.year, doc.file_name, doc.sha256) == ("other", 2021, "My_Report-2021.PDF",
                                                               sha)
    page = document_for_file(Path("news.html"), sha, catalogue, fallback_title="UNODC news")
    assert (page.kind, page.title) == ("web-page", "UNODC news")


def test_document_for_file_rejects_a_bad_hash():
    with pytest.raises(ValueError, match="64 hex"):
        document_for_file(Path("a.pdf"), "xyz", Catalogue([]))


def test_catalogue_rejects_duplicates_when_built_directly():
    docs = [Document(id="a", title="A", file_name="a.pdf"), Document(id="a", title="B")]
    with pytest.raises(CatalogueError, match="duplicate id 'a'"):
        Catalogue(docs)


def test_sha256_file_streams_in_chunks(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(b"x" * 3000)
    assert sha256_file(path, chunk_size=1024) == hashlib.sha256(b"x" * 3000).hexdigest()


def test_every_catalogued_document_has_its_official_link():
    from corpus import load_catalogue

    missing = [doc.id for doc in load_catalogue().documents if not doc.url]
    assert missing == []
    assert all(doc.url.startswith(("https://", "http://")) for doc in load_catalogue().documents)
