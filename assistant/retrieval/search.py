"""Hybrid retrieval: dense + BM25, fused by reciprocal rank, article lookup, rerank.

The BM25 index and the chunk table are rebuilt from Chroma when the retriever is created (well
under a second for the reference corpus), so they are always in step with what was ingested.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Protocol

import bm25s
import numpy as np

from assistant.embeddings import Embedder
from assistant.models import Chunk, Filters, Passage
from assistant.question.glossary import expand
from assistant.question.grounding import LAW_RE
from assistant.settings import Settings
from assistant.store import Store, sentence_owner
from assistant.text.definitions import asks_for_definition, defined_terms, term_use
from assistant.text.references import (
    ArticleRef,
    article_refs,
    instruments_named,
    without_instrument_names,
)
from assistant.text.tokens import tokenize

# What is left of a question that asks for a definition without naming a term.
DEFINITION_WORDS = frozenset(tokenize(
    "definition definitions define defines defined meaning mean means term terms use count "
    "counts treated regarded"))


@dataclass
class Candidate:
    index: int
    dense: float | None = None
    dense_rank: int | None = None
    bm25: float | None = None
    bm25_rank: int | None = None
    rrf: float = 0.0
    # (which named provision, how closely it matches ...): sorted, smallest first
    lookup: tuple[int, ...] | None = None
    sentence: float | None = None
    final: float = 0.0


@dataclass(frozen=True)
class SearchRequest:
    """What every stage of one search reads."""

    query: str  # English text: what lookup, the rerank and definitions read
    query_vector: np.ndarray
    filters: Filters
    n: int  # candidates each retrieving stage brings
    keywords: str  # the BM25 query
    language: str = "en"
    own_vector: np.ndarray | None = None  # the question embedded as asked
    # which chunks the filters accept (one per chunk), None without filters: worked out once
    # per search, since every retrieving stage needs it
    accepted: np.ndarray | None = None


class Stage(Protocol):
    """One step of a search: candidates in, candidates out. A retrieving stage adds the chunks
    it finds (keyed by chunk index) and their channel scores; a scoring stage sets each
    candidate's `final`. Stages run in `Retriever.stages` order; a user's own (a cross-encoder,
    `CrossEncoderStage`) goes in that list."""

    def __call__(self, retriever: Retriever, request: SearchRequest,
                 pool: dict[int, Candidate]) -> dict[int, Candidate]: ...


class Retriever:
    """Searches one index. Built once per process; read-only afterwards (safe across users)."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder,
                 stages: list[Stage] | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.stages: list[Stage] = stages if stages is not None else default_stages(settings)
        # Sentences first, chunks second, Chroma's memory given back after each: an embedded
        # Chroma keeps a collection's HNSW index in memory once its rows are read (some
        # 230 MiB for the sentences at ×50), and this retriever searches its own copies.
        sentence_owners, sentence_starts, sentence_vectors = _read_sentences(store, embedder)
        store.release()
        self.ids: list[str] = []
        self.chunks: list[Chunk] = []
        vectors = Rows(store.chunks.count(), embedder.dimension)
        for chunk_id, text, meta, vector in store.scan(
            store.chunks, ["documents", "metadatas", "embeddings"]
        ):
            self.ids.append(chunk_id)
            self.chunks.append(Chunk.from_store(text, meta))
            vectors.add(vector)
        store.release()
        self.position = {chunk_id: i for i, chunk_id in enumerate(self.ids)}
        self.vectors = vectors.array()
        self._index_sentences(sentence_owners, sentence_starts, sentence_vectors)
        # bm25s sets its logger to DEBUG on import: its lines would reach every log handler.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.bm25 = bm25s.BM25()
        if self.chunks:
            # token ids, not token strings: a list of strings per chunk held some 180 MB
            # of short strings at ×50 while the index was built
            vocabulary: dict[str, int] = {}
            token_ids = [[vocabulary.setdefault(token, len(vocabulary))
                          for token in tokenize(c.index_text()) or ["_"]] for c in self.chunks]
            self.bm25.index((token_ids, vocabulary), show_progress=False)
        self.languages = {chunk.language for chunk in self.chunks}  # of the indexed texts
        self.articles: dict[tuple[str | None, str], list[int]] = {}
        self.defined_terms: dict[int, list[tuple[str, ...]]] = {}
        for i, chunk in enumerate(self.chunks):
            if chunk.article:
                self.articles.setdefault((chunk.instrument, chunk.article), []).append(i)
                if terms := defined_terms(chunk.text):
                    self.defined_terms[i] = terms

    def _index_sentences(self, owners: list[str], starts: list[int], vectors: np.ndarray,
                         ) -> None:
        """The sentence rows of the chunks loaded (a sentence of a chunk since removed is
        dropped), each chunk's rows in reading order."""
        known = [self.position.get(owner, -1) for owner in owners]
        keep = np.flatnonzero(np.asarray(known, dtype=np.int64) >= 0)
        self.sentence_vectors = vectors if len(keep) == len(vectors) else vectors[keep]
        self.sentence_owner = np.asarray(known, dtype=np.int32)[keep]
        self.sentence_starts = np.asarray(starts, dtype=np.int32)[keep]
        order = np.lexsort((self.sentence_starts, self.sentence_owner))
        self.chunk_sentences: list[list[int]] = [[] for _ in self.chunks]
        for row in order.tolist():
            self.chunk_sentences[self.sentence_owner[row]].append(row)

    def __len__(self) -> int:
        return len(self.chunks)


    def sentence_row(self, chunk: Chunk, start: int) -> int | None:
        """Row of the stored vector of the sentence at `start` in the chunk, if stored."""
        index = self.position.get(chunk.id)
        if index is None:
            return None
        return next((row for row in self.chunk_sentences[index]
                     if self.sentence_starts[row] == start), None)

    def by_sentence(self, query_vector: np.ndarray, n: int, accepted: np.ndarray | None,
                    ) -> list[tuple[int, float]]:
        """The n chunks holding the sentences most similar to the question, each scored by
        its best sentence, among the `accepted` chunks (all when None). An exact search: 6 ms
        over the 114k sentences of ×50."""
        similarities = self.sentence_vectors @ query_vector
        if accepted is not None:
            similarities = np.where(accepted[self.sentence_owner], similarities, -np.inf)
        found: dict[int, float] = {}
        for row in top_indexes(similarities, min(n * 5, len(similarities))).tolist():
            if similarities[row] == -np.inf:
                break
            found.setdefault(int(self.sentence_owner[row]), float(similarities[row]))
            if len(found) >= n:
                break
        return list(found.items())

    # stages
    def dense(self, query_vector: np.ndarray, n: int, accepted: np.ndarray | None,
              ) -> list[tuple[int, float]]:
        """The n `accepted` chunks (all when None) nearest the question's vector, by an exact
        search over the chunk vectors (2 ms over the 33k chunks of ×50)."""
        similarities = self.vectors @ query_vector
        if accepted is not None:
            similarities = np.where(accepted, similarities, -np.inf)
        return [(int(i), float(similarities[i]))
                for i in top_indexes(similarities, min(n, len(similarities)))
                if similarities[i] > -np.inf]

    def keyword(self, query: str, n: int, accepted: np.ndarray | None,
                ) -> list[tuple[int, float]]:
        tokens = [t for t in tokenize(query) if t in self.bm25.vocab_dict] if self.chunks else []
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        if accepted is not None:
            scores = np.where(accepted, scores, 0.0)
        return [(int(i), float(scores[i])) for i in top_indexes(scores, n) if scores[i] > 0]

    def _mask(self, filters: Filters) -> np.ndarray:
        return np.fromiter(
            (filters.accepts(c) for c in self.chunks), dtype=bool, count=len(self.chunks)
        )

    def lookup(self, query: str, filters: Filters) -> dict[int, tuple[int, ...]]:
        """Chunks of the provisions the question names, each keyed (which provision, how
        closely the chunk matches it: the named paragraph or letter, else the whole article).
        A question about what a term means names the provisions that define that term."""
        refs = article_refs(query)
        if not refs:
            return self._definitions_of(query, filters) if asks_for_definition(query) else {}
        found: dict[int, tuple[int, ...]] = {}
        for order, ref in enumerate(refs):
            candidates = self.articles.get((ref.instrument, ref.article), [])
            if ref.instrument is None or not candidates:
                candidates = [
                    i
                    for (instrument, article), idx in self.articles.items()
                    if article == ref.article and (ref.instrument in (None, instrument))
                    for i in idx
                ]
            for i in candidates:
                if i not in found and filters.accepts(self.chunks[i]):
                    found[i] = (order, -_part_match(self.chunks[i], ref))
        return found

    def _definitions_of(self, query: str, filters: Filters) -> dict[int, tuple[int, ...]]:
        """Treaty chunks defining a term the question uses ("'vessel'", "a child"), in the
        instruments it names (any instrument when it names none). A question that asks for
        an instrument's definition and names no term gets its whole article of definitions."""
        # "illegal entry in the migrant smuggling protocol" asks about "illegal entry": the
        # words of an instrument's name are not a term asked about
        words = tokenize(without_instrument_names(query, strong_only=True))
        named = instruments_named(query)
        found: dict[int, tuple[int, ...]] = {}
        for i, terms in self.defined_terms.items():
            chunk = self.chunks[i]
            if named and chunk.instrument not in named:
                continue
            used = max((term_use(term, words) for term in terms), default=0)
            if used and filters.accepts(chunk):
                # the term the question says most closely first ("child pornography" before
                # "child"), then the narrowest passage: the lettered definition before its article
                found[i] = (named.index(chunk.instrument) if named else 0, -used, len(terms))
        asked = {w for w in tokenize(without_instrument_names(query)) if len(w) > 1}
        if found or asked - DEFINITION_WORDS:
            return found
        for order, instrument in enumerate(named):
            for i in self._definition_article(instrument):
                if filters.accepts(self.chunks[i]):
                    whole = self.chunks[i].locator == f"Article {self.chunks[i].article}"
                    found[i] = (order, -int(whole))
        return found

    def _definition_article(self, instrument: str) -> list[int]:
        """Chunks of the instrument's article that defines its terms."""
        articles = {self.chunks[i].article for i in self.defined_terms
                    if self.chunks[i].instrument == instrument}
        if len(articles) != 1:
            return []
        return self.articles.get((instrument, articles.pop()), [])

    # the whole search
    def search(
        self,
        query: str,
        query_vector: np.ndarray,
        filters: Filters | None = None,
        k: int | None = None,
        keywords: str | None = None,
        language: str = "en",
        own_vector: np.ndarray | None = None,
    ) -> list[Passage]:
        """Ranked passages for the question's English `query` text; `keywords` (default: the
        query, expanded by the glossary when it is on) is what BM25 searches. `own_vector`,
        the question embedded as asked, is compared with passages written in the question's
        `language` (an edition the user ingested): like with like. The candidates go through
        `self.stages` in turn (see `Stage`); the named provisions then come first and an
        article never appears beside its own paragraphs."""
        k = k or self.settings.k
        if not self.chunks:
            return []
        if keywords is None:
            keywords = expand(query) if self.settings.glossary else query
        filters = filters or Filters()
        request = SearchRequest(query=query, query_vector=query_vector, filters=filters,
                                n=max(self.settings.candidates, k), keywords=keywords,
                                language=language, own_vector=own_vector,
                                accepted=None if filters.is_empty() else self._mask(filters))
        pool: dict[int, Candidate] = {}
        for stage in self.stages:
            pool = stage(self, request, pool)
        ranked = self._distinct(_ordered(pool.values()))
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

    def rerank(self, candidates: list[Candidate], query: str, query_vector: np.ndarray,
               sentences: bool, language: str = "en", own_vector: np.ndarray | None = None,
               ) -> None:
        """Score the fused pool on the chunk's and its best sentence's cosine similarity, the
        relative BM25 strength, and what the question asks for: an instrument it names, the
        law itself, an edition in its own language (compared with `own_vector`, the question
        as asked, when given). Weights: `Settings.ranking`, chosen by cross-validation
        (docs/benchmarks.md)."""
        indexes = np.array([c.index for c in candidates])
        own = np.array([language != "en" and self.chunks[c.index].language == language
                        for c in candidates])
        cosines = self.vectors[indexes] @ query_vector
        if own_vector is not None and own.any():
            cosines = np.where(own, self.vectors[indexes] @ own_vector, cosines)
        top_bm25 = max((c.bm25 or 0.0) for c in candidates) or 1.0
        named = set(instruments_named(query))
        wants_law = bool(LAW_RE.search(query))
        wants_offence = bool(ASKS_IF_CRIME_RE.search(query))
        weights = self.settings.ranking
        for c, cosine, in_own in zip(candidates, cosines, own, strict=True):
            vector = own_vector if in_own and own_vector is not None else query_vector
            chunk = self.chunks[c.index]
            rows = self.chunk_sentences[c.index]
            c.sentence = (float((self.sentence_vectors[rows] @ vector).max())
                          if sentences and rows else float(cosine))
            c.dense = float(cosine)
            prior = weights.instrument if named and chunk.instrument in named else 0.0
            if wants_law and chunk.kind == "treaty":
                prior += weights.law
            if wants_offence and chunk.kind == "treaty" and CRIMINALIZES_RE.search(chunk.text):
                prior += weights.offence
            if in_own:
                prior += weights.same_language
            c.final = (weights.chunk * float(cosine) + weights.sentence * c.sentence
                       + weights.bm25 * (c.bm25 or 0.0) / top_bm25 + prior)

    def _passage(self, c: Candidate, rank: int) -> Passage:
        scores = {"rrf": c.rrf, "final": c.final}
        if c.dense is not None:
            scores["dense"] = c.dense
        if c.bm25 is not None:
            scores["bm25"] = c.bm25
        if c.sentence is not None:
            scores["sentence"] = c.sentence
        return Passage(chunk=self.chunks[c.index], rank=rank, score=c.final, scores=scores,
                       named=c.lookup is not None)


# the stages
def dense_stage(retriever: Retriever, request: SearchRequest,
                pool: dict[int, Candidate]) -> dict[int, Candidate]:
    """Chunks nearest the question's vector, fused by reciprocal rank."""
    hits = retriever.dense(request.query_vector, request.n, request.accepted)
    return _fuse(retriever, pool, hits, "dense")


def keyword_stage(retriever: Retriever, request: SearchRequest,
                  pool: dict[int, Candidate]) -> dict[int, Candidate]:
    """Chunks with the question's keywords (BM25), fused by reciprocal rank."""
    hits = retriever.keyword(request.keywords, request.n, request.accepted)
    return _fuse(retriever, pool, hits, "bm25")


def _fuse(retriever: Retriever, pool: dict[int, Candidate], hits: list[tuple[int, float]],
          channel: str) -> dict[int, Candidate]:
    """One channel's ranked hits into the pool: its score and rank, and 1 / (rrf_k + rank)."""
    for rank, (i, score) in enumerate(hits, start=1):
        c = pool.setdefault(i, Candidate(i))
        setattr(c, channel, score)
        setattr(c, f"{channel}_rank", rank)
        c.rrf += 1.0 / (retriever.settings.rrf_k + rank)
    return pool


def sentence_stage(retriever: Retriever, request: SearchRequest,
                   pool: dict[int, Candidate]) -> dict[int, Candidate]:
    """Chunks holding the sentences nearest the question."""
    if len(retriever.sentence_vectors):
        for i, _ in retriever.by_sentence(request.query_vector, request.n, request.accepted):
            pool.setdefault(i, Candidate(i))
    return pool


def lookup_stage(retriever: Retriever, request: SearchRequest,
                 pool: dict[int, Candidate]) -> dict[int, Candidate]:
    """The provisions the question names, or the one defining the term it asks about."""
    for i, key in retriever.lookup(request.query, request.filters).items():
        pool.setdefault(i, Candidate(i)).lookup = key
    return pool


def reference_stage(retriever: Retriever, request: SearchRequest,
                    pool: dict[int, Candidate]) -> dict[int, Candidate]:
    """The provisions the best candidates refer to ("article 6 of this Protocol")."""
    for i in referenced(retriever, pool, request.query):
        if request.filters.accepts(retriever.chunks[i]):
            pool.setdefault(i, Candidate(i))
    return pool


def rerank_stage(retriever: Retriever, request: SearchRequest,
                 pool: dict[int, Candidate]) -> dict[int, Candidate]:
    """Every candidate scored on its chunk's and best sentence's similarity, its relative
    BM25 and what the question asks for (Retriever.rerank)."""
    candidates = list(pool.values())
    for c in candidates:
        c.final = c.rrf
    if candidates:
        sentences = (retriever.settings.retrieval_mode == "hybrid"
                     and len(retriever.sentence_vectors) > 0)
        retriever.rerank(candidates, request.query, request.query_vector, sentences,
                         request.language, request.own_vector)
    return pool


def fused_stage(retriever: Retriever, request: SearchRequest,
                pool: dict[int, Candidate]) -> dict[int, Candidate]:
    """Without a rerank, the fused reciprocal-rank score is the final one."""
    for c in pool.values():
        c.final = c.rrf
    return pool


def default_stages(settings: Settings) -> list[Stage]:
    """The stages the settings ask for, in order."""
    mode = settings.retrieval_mode
    stages: list[Stage] = []
    if mode in ("hybrid", "dense"):
        stages.append(dense_stage)
    if mode in ("hybrid", "bm25"):
        stages.append(keyword_stage)
    if settings.rerank and mode == "hybrid":
        stages.append(sentence_stage)
    if settings.article_lookup:
        stages.append(lookup_stage)
    if settings.reference_expansion:
        stages.append(reference_stage)
    stages.append(rerank_stage if settings.rerank else fused_stage)
    return stages


class CrossEncoderStage:
    """A cross-encoder's relevance added to the final score of the best candidates, for users
    who can load one (sentence-transformers' `CrossEncoder`, e.g.
    "cross-encoder/ms-marco-MiniLM-L6-v2"): `Retriever(..., stages=[*default_stages(s),
    CrossEncoderStage(model)])`. `model` is anything with `predict([(question, text), ...])`."""

    def __init__(self, model, weight: float = 1.0, top: int = 20) -> None:
        self.model, self.weight, self.top = model, weight, top

    def __call__(self, retriever: Retriever, request: SearchRequest,
                 pool: dict[int, Candidate]) -> dict[int, Candidate]:
        best = sorted(pool.values(), key=lambda c: -c.final)[:self.top]
        if best:
            pairs = [(request.query, retriever.chunks[c.index].index_text()) for c in best]
            for c, score in zip(best, self.model.predict(pairs), strict=True):
                c.final += self.weight * float(score)
        return pool


def _ordered(candidates) -> list[Candidate]:
    """Named provisions first (the parts of one by how well they answer), then the rest by
    their final score."""
    candidates = list(candidates)
    lookups = sorted((c for c in candidates if c.lookup is not None),
                     key=lambda c: (*c.lookup, -c.final))
    others = sorted((c for c in candidates if c.lookup is None), key=lambda c: -c.final)
    return lookups + others


def referenced(retriever: Retriever, candidates: dict[int, Candidate], query: str,
               top: int = 5) -> list[int]:
    """The provisions the best fused candidates (and any named one) refer to."""
    from assistant.retrieval.crossrefs import expansion_indexes, graph_of

    best = sorted(candidates.values(), key=lambda c: (c.lookup is None, -c.rrf))[:top]
    return expansion_indexes(graph_of(retriever), [c.index for c in best], query)


# "Is altering a serial number a crime under the Protocol?" asks whether the instrument makes
# the conduct an offence: its criminalization provisions answer that.
ASKS_IF_CRIME_RE = re.compile(
    r"\b(?:an?|separate|criminal)\s+(?:crime|criminal offen[cs]e|offen[cs]e)\b"
    r"|\bcriminali[sz]\w*|\bpunishable\b|\billegal\b", re.IGNORECASE)
CRIMINALIZES_RE = re.compile(r"\bestablish(?:ed)? as (?:a )?criminal offen[cs]es?\b", re.I)


class Rows:
    """Vectors written into one array as they are read from the store: a list of one array
    per row, copied into a matrix at the end, held about twice the memory at ×50. float32:
    the exact searches multiply the whole matrix per question (float16 would halve the
    memory and make each search ten times slower: numpy converts it first)."""

    DTYPE = np.float32

    def __init__(self, expected: int, dimension: int) -> None:
        self.data = np.empty((max(expected, 0), dimension), dtype=self.DTYPE)
        self.count = 0

    def add(self, vector) -> None:
        if self.count == len(self.data):  # rows added since the count was taken
            grown = np.empty((max(2 * len(self.data), 16), self.data.shape[1]), self.DTYPE)
            grown[:self.count] = self.data
            self.data = grown
        self.data[self.count] = vector
        self.count += 1

    def array(self) -> np.ndarray:
        return self.data if self.count == len(self.data) else self.data[:self.count].copy()


def _read_sentences(store: Store, embedder: Embedder,
                    ) -> tuple[list[str], list[int], np.ndarray]:
    """Every stored sentence's chunk id, start offset in its chunk and vector."""
    owners: list[str] = []
    starts: list[int] = []
    vectors = Rows(store.sentences.count(), embedder.dimension)
    for row_id, vector in store.scan(store.sentences, ["embeddings"]):
        owner, start = sentence_owner(row_id)
        owners.append(owner)
        starts.append(start)
        vectors.add(vector)
    return owners, starts, vectors.array()


def top_indexes(scores: np.ndarray, n: int) -> np.ndarray:
    """Indexes of the n highest scores, best first, without sorting them all."""
    if n < len(scores):
        part = np.argpartition(-scores, n)[:n]
        return part[np.argsort(-scores[part], kind="stable")]
    return np.argsort(-scores, kind="stable")


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
