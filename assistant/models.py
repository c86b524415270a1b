"""The typed data that flows through the project: files -> Chunk -> Passage -> Answer."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, Field, field_validator

DocumentKind = Literal[
    "treaty",
    "legislative-guide",
    "model-law",
    "report",
    "toolkit",
    "issue-paper",
    "working-group",
    "web-page",
    "other",
]


class Document(BaseModel):
    """One document of the corpus, as catalogued or as found on disk."""

    id: str
    title: str
    kind: DocumentKind = "other"
    year: int | None = None
    publisher: str | None = None
    instrument: str | None = None  # "UNTOC", "TIP Protocol", "SOM Protocol", ...
    language: str = "en"
    url: str | None = None
    sha256: str | None = None
    file_name: str | None = None


class Chunk(BaseModel):
    """A piece of a document's text with everything needed to cite it."""

    doc_id: str
    source: str  # file name of the document as ingested
    title: str
    kind: str = "other"
    year: int | None = None
    instrument: str | None = None
    language: str = "en"  # of the text (ISO 639-1)
    url: str | None = None
    article: str | None = None  # "3", for treaties
    article_title: str | None = None  # "Use of terms"
    section: str | None = None  # chapter/part heading or nearest heading
    locator: str  # human citation: "Article 3(a)", "Article 18, para. 8", "p. 72", a heading
    page_start: int | None = None  # 1-based PDF page index
    page_end: int | None = None
    page_label: str | None = None  # printed page label of page_start
    page_label_end: str | None = None
    char_start: int = 0  # offsets in the cleaned document text
    char_end: int = 0
    order: int = 0  # position of the chunk within its document
    # provisions the text refers to, ';'-joined target ids (`UNTOC:16:10`, `UNTOC` for a
    # whole instrument): Chroma metadata holds scalars only
    references: str | None = None
    # a report's footnotes and endnotes that the text's markers point to (one per line,
    # `j UNODC (2023) ...`): kept apart from the text, never quoted, shown on demand
    notes: str | None = None
    text: str

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("chunk text is empty")
        return value

    @property
    def id(self) -> str:
        """Deterministic id: the same document, locator and text always give the same id."""
        key = "\x1f".join((self.doc_id, self.locator, self.text))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]

    def index_text(self) -> str:
        """What is embedded and keyword-indexed: the text under its headings, so that a
        question about "use of terms in the smuggling protocol" finds Article 3."""
        heading = " | ".join(
            part for part in (
                self.instrument,
                self.title,
                f"Article {self.article}" if self.article else None,
                self.article_title,
                self.section if not self.article else None,
            ) if part
        )
        return f"{heading}\n{self.text}"

    def metadata(self) -> dict[str, str | int | float | bool]:
        """Flat metadata for Chroma (no None values allowed there)."""
        data = self.model_dump(exclude={"text"})
        return {key: value for key, value in data.items() if value is not None}

    @classmethod
    def from_store(cls, text: str, metadata: dict) -> Chunk:
        return cls(text=text, **{k: v for k, v in metadata.items() if k in cls.model_fields})


class Passage(BaseModel):
    """A chunk returned by retrieval, with its rank and scores."""

    chunk: Chunk
    rank: int
    score: float  # the final score the ranking used
    scores: dict[str, float] = Field(default_factory=dict)  # per stage: dense, bm25, rrf, rerank
    named: bool = False  # the provision the question names (or the one defining its term)

    def as_result(self) -> dict:
        """The passage object of ../shared/evals-format.md."""
        c = self.chunk
        return {
            "rank": self.rank,
            "source": c.source,
            "title": c.title,
            "locator": c.locator,
            "page_start": c.page_start,
            "page_end": c.page_end,
            "page_label": c.page_label,
            "score": round(self.score, 6),
            "text": c.text,
        }


class SourceLocation(BaseModel):
    """Where a passage is: the document and the place in it, as a reader cites it."""

    source: str  # file name
    title: str
    locator: str  # "Article 3(c)", "Article 16, para. 2", "p. 76"
    page_start: int | None = None  # 1-based PDF page index
    page_end: int | None = None
    page_label: str | None = None  # printed page label of page_start
    url: str | None = None
    language: str = "en"  # of the passage's text
    instrument: str | None = None  # its short name ("SOM Protocol"), for treaty texts


class Citation(SourceLocation):
    """What an `[n]` marker of an answer points to."""

    n: int
    passage_rank: int  # rank of the cited passage in Answer.passages
    text: str
    quote: str | None = None  # the sentence(s) of the passage the answer quotes
    notes: str | None = None  # a report passage's footnotes and endnotes, shown on demand

    @classmethod
    def from_passage(cls, n: int, passage: Passage, quote: str | None = None) -> Citation:
        c = passage.chunk
        return cls(
            n=n,
            passage_rank=passage.rank,
            source=c.source,
            title=c.title,
            locator=c.locator,
            page_start=c.page_start,
            page_end=c.page_end,
            page_label=c.page_label,
            url=page_url(c.url, c.page_start),
            language=c.language,
            instrument=c.instrument,
            text=c.text,
            quote=quote,
            notes=c.notes,
        )

    def as_result(self) -> dict:
        """The citation object of ../shared/evals-format.md, its keys in that order."""
        fields = ("n", "source", "title", "locator", "page_start", "page_end", "page_label",
                  "text")
        return {name: getattr(self, name) for name in fields}


class Answer(BaseModel):
    """The assistant's reply: text with `[n]` markers, the citations and the evidence."""

    question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)
    # provisions the cited passages refer to ("article 6 of this Protocol"), numbered after
    # the citations; their passage_rank is 0: they are not among the retrieved passages
    referred_to: list[Citation] = Field(default_factory=list)
    refused: bool = False
    mode: str = "extractive"
    notices: list[str] = Field(default_factory=list)  # e.g. LLM fallback, unsupported sentences
    language: str = "en"  # of the question, and so of the answer's own words
    resolved_question: str | None = None  # the follow-up after resolution against history
    timings_ms: dict[str, float] = Field(default_factory=dict)  # retrieve, answer, total
    settings_hash: str = ""

    def as_result(self, question_id: str | None = None) -> dict:
        """The per-question result object of ../shared/evals-format.md."""
        result = {
            "id": question_id,
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.as_result() for c in self.citations],
            "passages": [p.as_result() for p in self.passages],
            "latency_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            # why a refusal was made (the named thing the evidence lacked), or other warnings
            "notices": list(self.notices),
        }
        if question_id is None:
            del result["id"]
        return result


def page_url(url: str | None, page: int | None) -> str | None:
    """Link to a PDF page (`URL#page=N`) when the document is a PDF with a known URL."""
    if not url:
        return None
    if page and url.lower().split("#")[0].endswith(".pdf"):
        return f"{url.split('#')[0]}#page={page}"
    return url


class Filters(BaseModel):
    """Restrict retrieval. Empty lists and None mean no restriction."""

    sources: list[str] = Field(default_factory=list)  # document file names
    doc_ids: list[str] = Field(default_factory=list)
    instruments: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    year_min: int | None = None
    year_max: int | None = None

    @classmethod
    def parse(cls, items: list[str]) -> Filters:
        """From CLI strings: `kind=treaty`, `instrument=TIP Protocol`, `year=2000-2024`,
        `source=file.pdf`, `doc=id`. Repeated keys add values."""
        data: dict[str, list[str]] = {}
        year_min = year_max = None
        for item in items:
            key, sep, value = item.partition("=")
            key, value = key.strip().lower(), value.strip()
            if not sep or not value:
                raise ValueError(f"filter {item!r} is not key=value")
            if key == "year":
                low, dash, high = value.partition("-")
                year_min = int(low) if low else None
                year_max = int(high) if high else (None if dash else year_min)
                continue
            field = {"kind": "kinds", "instrument": "instruments", "source": "sources",
                     "doc": "doc_ids", "document": "doc_ids"}.get(key)
            if field is None:
                raise ValueError(f"unknown filter {key!r}: use kind, instrument, source, doc, year")
            data.setdefault(field, []).append(value)
        return cls(year_min=year_min, year_max=year_max, **data)

    def is_empty(self) -> bool:
        return not (self.sources or self.doc_ids or self.instruments or self.kinds
                    or self.year_min is not None or self.year_max is not None)

    def accepts(self, chunk: Chunk) -> bool:
        if self.sources and chunk.source not in self.sources:
            return False
        if self.doc_ids and chunk.doc_id not in self.doc_ids:
            return False
        if self.instruments and chunk.instrument not in self.instruments:
            return False
        if self.kinds and chunk.kind not in self.kinds:
            return False
        if self.year_min is not None and (chunk.year is None or chunk.year < self.year_min):
            return False
        return not (
            self.year_max is not None and (chunk.year is None or chunk.year > self.year_max)
        )
