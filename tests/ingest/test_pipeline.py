import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfWriter

from assistant.models import Document
from assistant.settings import Settings
from assistant.store import Store, sentence_owner
from ingest.__main__ import main as ingest_main
from ingest.pipeline import run_ingest

REPO = Path(__file__).resolve().parents[2]
# the four smallest documents of the shared corpus, whose clean index is the session's
SUBSET = ["untoc-trafficking-in-persons-protocol-text.md",
          "supplementary-convention-abolition-of-slavery-1956-text.md",
          "unodc-working-groups-tip-som-webpage.txt",
          "crc-optional-protocol-sale-of-children-text.md"]


def _processes_naming(folder: Path, wait_s: float = 5.0) -> list[int]:
    """Processes whose command line names the folder, after they had `wait_s` to exit."""
    deadline = time.monotonic() + wait_s
    while True:
        found = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if str(folder).encode() in cmdline.read_bytes():
                    found.append(int(cmdline.parent.name))
            except OSError:
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _snapshot(settings: Settings, doc_ids: set[str] | None = None) -> dict[str, tuple]:
    """Every chunk and every sentence vector of the index (optionally of some documents)."""
    store = Store(settings)
    rows: dict[str, tuple] = {}
    for collection in (store.chunks, store.sentences):
        found = collection.get(include=["documents", "metadatas", "embeddings"])
        for row_id, text, meta, vector in zip(found["ids"], found["documents"],
                                              found["metadatas"], found["embeddings"],
                                              strict=True):
            if doc_ids is None or meta["doc_id"] in doc_ids:
                rows[row_id] = (text, meta, np.asarray(vector, dtype=np.float32))
    return rows


def _same_index(a: dict[str, tuple], b: dict[str, tuple]) -> bool:
    """The same rows, texts and metadata, and the same vectors up to float noise: a text
    batched beside other texts (documents are embedded in groups) differs in the last bits."""
    return a.keys() == b.keys() and all(
        a[k][:2] == b[k][:2] and np.allclose(a[k][2], b[k][2], atol=1e-5) for k in a)


def test_whole_corpus_ingests_with_documents_and_pages(index_settings):
    records = {r.source: r for r in Store(index_settings).records()}
    assert len(records) == 9
    assert records["glotip-2024-chapter-2.pdf"].pages == 45
    assert records["untoc-trafficking-in-persons-protocol-text.md"].instrument == "TIP Protocol"
    chunks = Store(index_settings).chunks.get(where={"source": "glotip-2024-chapter-2.pdf"},
                                              include=["metadatas"])
    pages = {(m["page_start"], m.get("page_label")) for m in chunks["metadatas"]}
    assert (3, "67") in pages and (10, "74") in pages


def test_reingest_adds_nothing_and_skips_every_document(index_settings, monkeypatch):
    from ingest.pipeline import Ingestor

    loads: list[bool] = []
    monkeypatch.setattr(Ingestor, "load_model_in_background", lambda self: loads.append(True))
    before = _snapshot(index_settings)
    report = run_ingest(index_settings, progress=False)
    assert report.chunks_added == 0 and report.chunks_removed == 0
    assert report.documents_skipped == report.documents == 9
    assert _same_index(_snapshot(index_settings), before)
    assert loads == []  # nothing new: the model is not even imported (seconds saved)


def test_changed_file_replaces_its_chunks_and_prune_removes_gone_files(tmp_path, corpus_dir):
    folder = tmp_path / "corpus"
    folder.mkdir()
    note = folder / "field-notes.txt"
    note.write_text("Victims of trafficking were identified at the border crossing.\n\n"
                    "Shelters offered medical care.\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", corpus_dirs=[folder])
    first = run_ingest(settings, progress=False)
    assert first.chunks_added >= 1
    note.write_text("Smuggled migrants were rescued at sea by the coast guard.\n",
                    encoding="utf-8")
    second = run_ingest(settings, progress=False)
    texts = [t for t in Store(settings).chunks.get(include=["documents"])["documents"]]
    assert second.chunks_removed == first.chunks_added and second.chunks_added >= 1
    assert all("rescued at sea" in t for t in texts)
    sentences = Store(settings).sentences.get(include=[])["ids"]
    stored_chunks = set(Store(settings).chunks.get(include=[])["ids"])
    assert sentences and {sentence_owner(i)[0] for i in sentences} == stored_chunks
    note.unlink()
    third = run_ingest(settings, progress=False, prune=True)
    assert third.documents_removed == 1
    store = Store(settings)
    assert store.count() == 0 and store.sentences.count() == 0 and store.records() == []


def _bad_files(folder: Path) -> dict[str, str]:
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.7\nthis is not a pdf at all\n%%EOF")
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    with open(folder / "scanned.pdf", "wb") as handle:
        writer.write(handle)
    locked = PdfWriter()
    locked.add_blank_page(width=200, height=200)
    locked.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    with open(folder / "locked.pdf", "wb") as handle:
        locked.write(handle)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "notes.xyz").write_text("what is this", encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not a zip archive")
    return {"corrupt.pdf": "corrupt PDF", "scanned.pdf": "no text layer",
            "locked.pdf": "encrypted PDF", "empty.txt": "empty file",
            "notes.xyz": "unknown extension", "binary.txt": "not text",
            "broken.docx": "corrupt Word file"}


def test_bad_inputs_are_reported_once_and_the_rest_ingested(tmp_path, corpus_dir, capsys):
    folder = tmp_path / "corpus"
    folder.mkdir()
    expected = _bad_files(folder)
    shutil.copy(corpus_dir / "unodc-working-groups-tip-som-webpage.txt", folder)
    settings = Settings(data_dir=tmp_path / "data", corpus_dirs=[folder])
    report = run_ingest(settings, progress=False)
    reasons = {Path(p.path).name: p.reason for p in report.problems}
    assert len(report.problems) == len(expected)
    for name, reason in expected.items():
        assert reason in reasons[name], (name, reasons)
    assert report.documents == 1 and report.chunks_added >= 1
    assert "problem: " in report.table() and "corrupt.pdf" in report.table()

    code = ingest_main(["--corpus-dir", str(folder), "--data-dir", str(tmp_path / "data"),
                        "--strict", "--no-progress"])
    assert code == 1
    assert "problem(s)" in capsys.readouterr().err


def test_kill_during_ingest_then_resume_equals_a_clean_run(tmp_path, corpus_dir, index_settings):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in SUBSET:
        shutil.copy(corpus_dir / name, folder)
    data = tmp_path / "data"
    # groups of 64 chunks: the first files are stored before the Protocol (76) is embedded
    env = {**os.environ, "UNODC_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1",
           "UNODC_EMBED_BATCH_SIZE": "8"}
    command = [sys.executable, "-m", "ingest", "--corpus-dir", str(folder)]
    process = subprocess.Popen(command, cwd=REPO, env=env, stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL)
    seen = b""
    deadline = time.monotonic() + 180
    # Kill -9 once the first group of documents is stored and the next one is being embedded.
    while (not re.search(rb"\b[123]/4\b", seen) and process.poll() is None
           and time.monotonic() < deadline):
        seen += process.stderr.read1(256)
    time.sleep(0.3)
    killed = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert killed, "ingest finished before it could be killed"
    assert not _processes_naming(folder), "the file reader outlived its ingest"

    settings = Settings(data_dir=data, corpus_dirs=[folder])
    report = run_ingest(settings, progress=False)
    assert report.documents == 4 and report.documents_skipped >= 1
    clean_ids = {r.doc_id for r in Store(index_settings).records() if r.source in SUBSET}
    assert _same_index(_snapshot(settings), _snapshot(index_settings, clean_ids))


def test_a_failed_write_stops_the_ingest_and_the_next_run_stores_everything(
        tmp_path, fixture_dir, monkeypatch):
    """A write that fails ends the ingest with its error, no document whose chunks were not all
    written keeps a record, and the next run redoes them."""
    settings = Settings(data_dir=tmp_path, corpus_dirs=[fixture_dir])
    calls = []

    def full_disk(self, chunks, embeddings, sha256):
        calls.append(len(chunks))
        raise OSError("No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(Store, "add_chunks", full_disk)
        with pytest.raises(OSError, match="No space left"):
            run_ingest(settings, progress=False)
    assert calls and Store(settings).records() == []
    report = run_ingest(settings, progress=False)
    assert report.documents_skipped == 0 and report.chunks_added > 0
    assert len(Store(settings).records()) == report.documents


@pytest.mark.parametrize("chunk_size", [600, 2000])
def test_chunk_size_is_recorded_and_gives_its_own_collection(tmp_path, corpus_dir, chunk_size):
    settings = Settings(data_dir=tmp_path, chunk_size=chunk_size)
    store = Store(settings)
    assert store.chunks.metadata["chunk_size"] == chunk_size
    assert store.name != Store(Settings(data_dir=tmp_path)).name


def test_pooled_sentence_vectors_cover_the_same_sentences_in_their_own_index(
        tmp_path, corpus_dir, index_settings):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(corpus_dir / SUBSET[0], folder)
    settings = Settings(data_dir=tmp_path / "data", corpus_dirs=[folder],
                        sentence_vectors="pooled")
    report = run_ingest(settings, progress=False)
    assert Store(settings).name != Store(index_settings).name
    doc_ids = {r.doc_id for r in Store(settings).records()}
    pooled, encoded = _snapshot(settings), _snapshot(index_settings, doc_ids)
    assert report.sentences_added > 100
    assert pooled.keys() == encoded.keys()  # the same chunks and sentences
    sentence_ids = [row_id for row_id in pooled if ":" in row_id]  # chunk id:start
    assert len(sentence_ids) == report.sentences_added
    similarity = [float(np.dot(pooled[i][2], encoded[i][2])) for i in sentence_ids]
    assert all(abs(np.linalg.norm(pooled[i][2]) - 1) < 1e-3 for i in sentence_ids)
    assert float(np.median(similarity)) > 0.6
    chunk_ids = pooled.keys() - set(sentence_ids)
    assert all(np.allclose(pooled[i][2], encoded[i][2], atol=1e-3) for i in chunk_ids)


def test_a_changed_official_link_reaches_the_index_without_re_embedding(tmp_path, fixture_dir):
    from corpus import Catalogue, sha256_file

    folder = tmp_path / "corpus"
    folder.mkdir()
    name = "model-protocol.md"
    shutil.copy(fixture_dir / name, folder)
    settings = Settings(data_dir=tmp_path / "data", corpus_dirs=[folder], chroma_host=None)
    entry = Document(id="model-protocol", title="Model Protocol", kind="treaty",
                     instrument="Model Protocol", file_name=name,
                     sha256=sha256_file(folder / name))
    first = run_ingest(settings, progress=False, catalogue=Catalogue(
        [entry.model_copy(update={"url": "https://example.org/old.pdf"})]))
    assert first.chunks_added >= 5
    moved = "https://example.org/new-home.pdf"
    again = run_ingest(settings, progress=False,
                       catalogue=Catalogue([entry.model_copy(update={"url": moved})]))
    assert again.chunks_added == 0 and again.documents_skipped == 1
    store = Store(settings)
    metadatas = store.chunks.get(where={"doc_id": entry.id}, include=["metadatas"])["metadatas"]
    assert metadatas and {m["url"] for m in metadatas} == {moved}
    assert {m["doc_id"] for m in metadatas} == {entry.id}  # the rest of each row is kept
    assert store.record(entry.id).url == moved
