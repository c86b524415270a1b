"""Reading and splitting one file, as the reader process does."""

from __future__ import annotations

from assistant.settings import Settings
from corpus import load_catalogue, sha256_file
from ingest.pipeline import IngestReport
from ingest.prepare import SourceFile, prepare_file


def prepared(corpus_dir, name: str, tmp_path):
    path = corpus_dir / name
    doc = load_catalogue().by_file_name(name)
    return prepare_file(SourceFile(path, doc, sha256_file(path)),
                        Settings(data_dir=tmp_path), file_metadata=False)


def test_treaty_references_outside_the_corpus_reach_the_ingest_summary(corpus_dir, tmp_path):
    opsc = prepared(corpus_dir, "crc-optional-protocol-sale-of-children-text.md", tmp_path)
    assert not opsc.problem and opsc.chunks
    assert len(opsc.unresolved) == 1 and opsc.unresolved[0].startswith("Article 12:")
    assert prepared(corpus_dir, "untoc-smuggling-of-migrants-protocol-text.md",
                    tmp_path).unresolved == []
    report = IngestReport()
    report.unresolved["crc.md"] = opsc.unresolved
    assert "reference to nothing indexed: crc.md, Article 12:" in report.table()
