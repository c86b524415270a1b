"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank, article lookup, rerank.

The BM25 index and the chunk table are rebuilt from Chroma when the retriever is created (well
under a second for the reference corpus), so they are always in step with what was ingested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import bm25s
import numpy as np

from assistant.embeddings import Embedder
from assistant.models import Chunk, Filters, Passage
from assistant.references import ArticleRef, article_refs, asks_for_definition, instruments_named
from assistant.settings import Settings
from assistant.store import PAGE, Store

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "may",
        "might",
        "must",
        "not",
        "of",
        "on",
        "or",
        "our",
        "shall",
        "should",
        "so",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "under",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "about",
        "any",
        "all",
        "also",
        "other",
        "same",
    ]
)
LAW_RE = re.compile(
    r"\b(must|shall|required?|obligat\w*|ha(?:ve|s) to|should|protocol|convention|treaty|"
    r"article|states? part\w*|legal\w*|law|criminali[sz]\w*|offen[cs]e|defin\w*|allowed|"
    r"entitled|right to)\b",
    re.IGNORECASE,
)
FIGURES_RE = re.compile(
    r"\b(how many|what share|per ?cent|percentage|proportion|number of|figures?|data|"
    r"statistic\w*|trend\w*|increase\w*|decrease\w*|most|majority|report\w*|detected)\b",
    re.IGNORECASE,
)
TOKEN_RE = re.compile(r"[a-z0-9]+")
SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "ed", "es", "er", "s")


def stem(word: str) -> str:
    """A light suffix stripper: 'smuggled', 'smuggling' and 'smugglers' share 'smuggl'."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def tokenize(text: str) -> list[str]:
    return [stem(t) for t in TOKEN_RE.findall(text.lower()) if t not in STOPWORDS]


@dataclass
class Candidate:
    index: int
    dense: float | None = None
    dense_rank: int | None = None
    bm25: float | None = None
    bm25_rank: int | None = None
    rrf: float = 0.0
    lookup: bool = False
    final: float = 0.0


class Retriever:
    """Searches one index. Built once per process; read-only afterwards (safe across users)."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.ids: list[str] = []
        self.chunks: list[Chunk] = []
        vectors: list[list[float]] = []
        offset = 0
        while True:
            page = store.chunks.get(
                include=["documents", "metadatas", "embeddings"], limit=PAGE, offset=offset
            )
            if not page["ids"]:
                break
            for chunk_id, text, meta, vector in zip(
                page["ids"], page["documents"], page["metadatas"], page["embeddings"], strict=True
            ):
                self.ids.append(chunk_id)
                self.chunks.append(Chunk.from_store(text, meta))
                vectors.append(vector)
            offset += len(page["ids"])
        self.position = {chunk_id: i for i, chunk_id in enumerate(self.ids)}
        self.vectors = (
            np.asarray(vectors, dtype=np.float32)
            if vectors
            else np.zeros((0, embedder.dimension), dtype=np.float32)
        )
        self.bm25 = bm25s.BM25()
        if self.chunks:
            self.bm25.index(
                [tokenize(c.index_text()) or ["_"] for c in self.chunks], show_progress=False
            )
        self.articles: dict[tuple[str | None, str], list[int]] = {}
        for i, chunk in enumerate(self.chunks):
            if chunk.article:
                self.articles.setdefault((chunk.instrument, chunk.article), []).append(i)

    def __len__(self) -> int:
        return len(self.chunks)

    # stages
    def dense(self, query_vector: np.ndarray, n: int, filters: Filters) -> list[tuple[int, float]]:
        hits = self.store.query(query_vector.tolist(), n, where=filters.chroma_where())
        return [(self.position[i], score) for i, score in hits if i in self.position]

    def keyword(self, query: str, n: int, filters: Filters) -> list[tuple[int, float]]:
        tokens = [t for t in tokenize(query) if t in self.bm25.vocab_dict] if self.chunks else []
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        if not filters.is_empty():
            scores = np.where(self._mask(filters), scores, 0.0)
        top = np.argsort(-scores)[:n]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def _mask(self, filters: Filters) -> np.ndarray:
        return np.fromiter(
            (filters.accepts(c) for c in self.chunks), dtype=bool, count=len(self.chunks)
        )

    def lookup(self, query: str, filters: Filters) -> list[int]:
        """Chunks of the provisions the question names, best match first."""
        refs = article_refs(query)
        if not refs and asks_for_definition(query):
            refs = [
                ArticleRef(instrument=i, article=self._definition_article(i))
                for i in instruments_named(query)
            ]
        found: list[int] = []
        for ref in refs:
            candidates = self.articles.get((ref.instrument, ref.article), [])
            if ref.instrument is None or not candidates:
                candidates = [
                    i
                    for (instrument, article), idx in self.articles.items()
                    if article == ref.article and (ref.instrument in (None, instrument))
                    for i in idx
                ]
            candidates = [i for i in candidates if filters.accepts(self.chunks[i])]
            found.extend(sorted(candidates, key=lambda i: -_part_match(self.chunks[i], ref)))
        return list(dict.fromkeys(found))

    def _definition_article(self, instrument: str) -> str:
        for (name, article), indexes in self.articles.items():
            if name == instrument and any(
                (self.chunks[i].article_title or "").lower() == "use of terms" for i in indexes
            ):
                return article
        return "2" if instrument in {"UNTOC", "CRC OPSC"} else "3"

    # the whole search
    def search(
        self,
        query: str,
        query_vector: np.ndarray,
        filters: Filters | None = None,
        k: int | None = None,
    ) -> list[Passage]:
        filters = filters or Filters()
        k = k or self.settings.k
        if not self.chunks:
            return []
        n = max(self.settings.candidates, k)
        mode = self.settings.retrieval_mode
        candidates: dict[int, Candidate] = {}
        if mode in ("hybrid", "dense"):
            for rank, (i, score) in enumerate(self.dense(query_vector, n, filters), start=1):
                c = candidates.setdefault(i, Candidate(i))
                c.dense, c.dense_rank = score, rank
                c.rrf += 1.0 / (self.settings.rrf_k + rank)
        if mode in ("hybrid", "bm25"):
            for rank, (i, score) in enumerate(self.keyword(query, n, filters), start=1):
                c = candidates.setdefault(i, Candidate(i))
                c.bm25, c.bm25_rank = score, rank
                c.rrf += 1.0 / (self.settings.rrf_k + rank)
        if self.settings.article_lookup:
            for i in self.lookup(query, filters):
                candidates.setdefault(i, Candidate(i)).lookup = True
        ranked = self._distinct(self._rank(list(candidates.values()), query, query_vector))
        return [self._passage(c, rank) for rank, c in enumerate(ranked[:k], start=1)]

    def _distinct(self, ranked: list[Candidate]) -> list[Candidate]:
        """Drop a chunk whose text lies inside a better-ranked one of the same article (or
        holds it): an article and its own paragraphs are indexed both whole and apart."""
        kept: list[Candidate] = []
        by_article: dict[tuple[str, str], list[str]] = {}
        for c in ranked:
            chunk = self.chunks[c.index]
            if chunk.article:
                texts = by_article.setdefault((chunk.doc_id, chunk.article), [])
                if any(chunk.text in t or t in chunk.text for t in texts):
                    continue
                texts.append(chunk.text)
            kept.append(c)
        return kept

    def _rank(
        self,
        candidates: list[Candidate],
        query: str,
        query_vector: np.ndarray,
    ) -> list[Candidate]:
        for c in candidates:
            c.final = c.rrf
        if self.settings.rerank and candidates:
            self._rerank(candidates, query, query_vector)
        # Named provisions come first, in the order the lookup found them.
        lookups = [c for c in candidates if c.lookup]
        others = sorted((c for c in candidates if not c.lookup), key=lambda c: -c.final)
        return lookups + others

    def _rerank(self, candidates: list[Candidate], query: str, query_vector: np.ndarray) -> None:
        """Score the fused pool on cosine similarity, relative BM25 strength and what the
        question asks for: an instrument it names, the law itself, or figures."""
        indexes = np.array([c.index for c in candidates])
        cosines = self.vectors[indexes] @ query_vector
        top_bm25 = max((c.bm25 or 0.0) for c in candidates) or 1.0
        named = set(instruments_named(query))
        wants_law = bool(LAW_RE.search(query))
        wants_figures = bool(FIGURES_RE.search(query))
        for c, cosine in zip(candidates, cosines, strict=True):
            chunk = self.chunks[c.index]
            c.dense = float(cosine)
            prior = 0.0
            if named and chunk.instrument in named:
                prior += 0.10
            if wants_law and chunk.kind == "treaty":
                prior += 0.25
            if wants_figures and chunk.kind == "report":
                prior += 0.08
            c.final = float(cosine) + 0.3 * (c.bm25 or 0.0) / top_bm25 + 2.0 * c.rrf + prior

    def _passage(self, c: Candidate, rank: int) -> Passage:
        scores = {"rrf": c.rrf, "final": c.final}
        if c.dense is not None:
            scores["dense"] = c.dense
        if c.bm25 is not None:
            scores["bm25"] = c.bm25
        if c.lookup:
            scores["lookup"] = 1.0
        return Passage(chunk=self.chunks[c.index], rank=rank, score=c.final, scores=scores)

    def cosine(self, chunk_index: int, query_vector: np.ndarray) -> float:
        return float(self.vectors[chunk_index] @ query_vector)


def _part_match(chunk: Chunk, ref: ArticleRef) -> int:
    """Prefer, within a split article, the part holding the named paragraph or letter."""
    locator = chunk.locator
    span = re.search(r"paras?\.\s*(\d+)(?:\u2013(\d+))?", locator)
    if (
        ref.paragraph
        and span
        and int(span.group(1)) <= int(ref.paragraph) <= int(span.group(2) or span.group(1))
    ):
        return 2
    if ref.letter and f"({ref.letter})" in locator:
        return 2
    return 1 if locator == f"Article {chunk.article}" else 0
