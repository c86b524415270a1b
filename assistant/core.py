"""The Assistant: one object per process; loads the model and indexes once, answers many."""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import zip_longest
from threading import Lock

import numpy as np

from assistant.answers.compose import (
    Sentence,
    complete,
    compose,
    cut_weak_citations,
    lexical_overlap,
    provision_sentences,
    refusal_text,
    select_sentences,
    sentences_of,
    sub_locator,
)
from assistant.answers.coverage import (
    Coverage,
    asks_for_a_contact,
    asks_for_current_state,
    gives_a_contact,
)
from assistant.answers.elements import ElementAnswer, measure, offences_asked
from assistant.embeddings import Embedder
from assistant.errors import EmptyIndexError
from assistant.i18n import language_name, message
from assistant.live_index import IndexUnavailableError, LoadedIndex, is_unreachable, last_written
from assistant.models import Answer, Citation, Filters, Passage
from assistant.question.grounding import ungrounded
from assistant.question.query import Query, build_query, clean_question
from assistant.retrieval.search import Retriever
from assistant.settings import Settings
from assistant.store import Store
from assistant.text.definitions import asks_for_definition, defined_terms, term_use
from assistant.text.languages import is_latin_script, load_detector
from assistant.text.references import (
    article_refs,
    instruments_named,
    read_together,
    without_instrument_names,
)
from assistant.text.sentences import embedding_text, question_sentences
from assistant.text.tokens import tokenize

SENTENCE_CACHE = 20_000
# up to this many words, a language identifier's guess is unreliable (see _reads_as_english)
SHORT_QUESTION_WORDS = 5


class Assistant:
    def __init__(self, settings: Settings | None = None, chat_model=None) -> None:
        self.settings = settings or Settings()
        self.embedder = Embedder(self.settings)
        self.chat_model = chat_model
        self._sentence_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = Lock()
        self._reload_lock = Lock()
        self._index = self._load()
        if self.settings.language == "auto":
            load_detector()  # seconds, paid at start-up rather than by the first question

    # state: one immutable snapshot of the index, swapped whole (see assistant/live_index.py)
    @property
    def retriever(self) -> Retriever:
        return self._index.retriever

    @property
    def idf(self) -> dict[str, float]:
        return self._index.idf

    @property
    def coverage(self) -> Coverage:
        return self._index.coverage

    @property
    def latest_year(self) -> int | None:
        return self._index.latest_year

    @property
    def store(self) -> Store:
        """A new handle on this assistant's index; `release` it when done. The assistant
        keeps none open: questions are answered from the index as loaded."""
        return Store(self.settings)

    @property
    def loaded(self) -> LoadedIndex:
        return self._index

    @property
    def is_empty(self) -> bool:
        return len(self.retriever) == 0

    @property
    def llm_available(self) -> bool:
        return self.chat_model is not None or bool(self.settings.llm)

    def reload(self) -> None:
        """Read the index again (after an ingest) and swap it in; questions being answered
        finish on the snapshot they started with. One reload at a time."""
        with self._reload_lock:
            self._index = self._load()

    def _load(self) -> LoadedIndex:
        """Read the whole index; questions are then answered from this copy alone (an
        unreachable Chroma server is an `IndexUnavailableError`, and the copy in use stays)."""
        written_at = last_written(self.settings)
        with self._server_errors():
            retriever = Retriever(self.settings, self.store, self.embedder)
        chunks = retriever.chunks
        return LoadedIndex(
            retriever=retriever, idf=_idf(retriever),
            coverage=Coverage((f"{c.index_text()} {c.year or ''}" for c in chunks),
                              instruments=_instrument_names(chunks),
                              edition_window=self.settings.ranking.edition_window),
            latest_year=max((c.year for c in chunks if c.year), default=None),
            written_at=written_at)

    @contextmanager
    def _server_errors(self) -> Iterator[None]:
        """A Chroma server that does not answer is an `IndexUnavailableError`."""
        try:
            yield
        except Exception as error:
            if self.settings.chroma_host and is_unreachable(error):
                raise IndexUnavailableError(self.settings, type(error).__name__) from error
            raise

    def index_changed(self) -> bool:
        """Whether the embedded index was written after this app read it, and the writing
        has since settled (an ingest in progress writes every few seconds)."""
        written = last_written(self.settings)
        if written is None or self._index.written_at is None:
            return False
        return (written > self._index.written_at
                and time.time() - written >= self.settings.index_settle_s)

    def refresh_if_changed(self) -> bool:
        """Reload when another process changed the index; False when nothing changed or
        another thread is already reloading."""
        if not self.index_changed() or not self._reload_lock.acquire(blocking=False):
            return False
        try:
            self._index = self._load()
        finally:
            self._reload_lock.release()
        return True

    def documents(self) -> list[dict]:
        counts: dict[str, int] = {}
        for chunk in self.retriever.chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        store = self.store
        try:
            with self._server_errors():
                records = store.records()
        finally:
            store.release()
        return [
            {"id": r.doc_id, "title": r.title, "kind": r.kind, "year": r.year,
             "instrument": r.instrument, "url": r.url, "source": r.source, "pages": r.pages,
             "chunks": counts.get(r.doc_id, 0)}
            for r in records
        ]

    # questions
    def check_question(self, question: str) -> str:
        return clean_question(question, self.settings.max_question_chars)

    def query(self, question: str, history: list[dict] | None = None) -> Query:
        query = build_query(question, self.settings, history)
        if self._reads_as_english(query):
            english = self.settings.model_copy(update={"language": "en"})
            query = build_query(question, english, history)
        return query

    def _reads_as_english(self, query: Query) -> bool:
        """A short question in plain ASCII letters that the detector took for French or Spanish
        ("Is debt bondage exploitation?"), which that language's table cannot read while the
        indexed (English) vocabulary reads more of it, is English: language identification is
        unreliable on a few words, and the alternative is refusing it as unreadable."""
        translation = query.translation
        if (translation is None or self.settings.language != "auto"
                or self.settings.multilingual_embedding
                or translation.read_share >= self.settings.min_read_share
                or len(query.question.split()) > SHORT_QUESTION_WORDS
                or not query.question.isascii() or not is_latin_script(query.question)):
            return False
        tokens = tokenize(query.question)
        if not tokens:
            return False
        vocabulary = self.retriever.bm25.vocab_dict if self.retriever.chunks else {}
        known = sum(token in vocabulary for token in tokens) / len(tokens)
        return known >= self.settings.min_read_share and known > translation.read_share

    def retrieve(self, question: str | Query, filters: Filters | None = None,
                 k: int | None = None) -> list[Passage]:
        query = question if isinstance(question, Query) else self.query(question)
        self._require_index()
        return self.search(query, self.embed_query(query.dense_text), filters, k,
                           self._own_vector(query))

    def search(self, query: Query, query_vector: np.ndarray, filters: Filters | None = None,
               k: int | None = None, own_vector: np.ndarray | None = None) -> list[Passage]:
        return self.retriever.search(query.text, query_vector, filters, k,
                                     keywords=query.keywords, language=query.language,
                                     own_vector=own_vector)

    def _own_vector(self, query: Query) -> np.ndarray | None:
        """The question embedded as asked, for an indexed edition in its own language."""
        if (query.translated and not self.settings.multilingual_embedding
                and query.language in self.retriever.languages):
            return self.embed_query(query.resolved)
        return None

    def embed_query(self, text: str) -> np.ndarray:
        return self.embedder.encode_queries([text])[0]

    def ask(self, question: str, history: list[dict] | None = None,
            filters: Filters | dict | None = None, k: int | None = None,
            mode: str | None = None) -> Answer:
        """Answer a question from the index as loaded (no question reads Chroma)."""
        return self._ask(question, history, filters, k, mode)

    def _ask(self, question: str, history: list[dict] | None, filters: Filters | dict | None,
             k: int | None, mode: str | None) -> Answer:
        began = time.perf_counter()
        query = self.query(question, history)
        self._require_index()
        if isinstance(filters, dict):
            filters = Filters(**filters)
        mode = mode or self.settings.answer_mode
        if len(query.parts) > 1 and mode != "passages":
            answer = self._answer_parts(query, filters, k, mode)
            retrieved = time.perf_counter()
        else:
            query_vector = self.embed_query(query.dense_text)
            own_vector = self._own_vector(query)
            passages = self.search(query, query_vector, filters, k, own_vector)
            retrieved = time.perf_counter()
            answer = self._answer(query, query_vector, passages, mode, own_vector)
        done = time.perf_counter()
        answer.timings_ms = {"retrieve": (retrieved - began) * 1000,
                             "answer": (done - retrieved) * 1000, "total": (done - began) * 1000}
        return answer

    def _require_index(self) -> None:
        if self.is_empty:
            raise EmptyIndexError(self.settings.collection_name())

    # answers
    def _fields(self, query: Query, passages: list[Passage]) -> dict:
        """What every answer to the query carries, whatever its text."""
        return {"question": query.question, "passages": passages, "language": query.language,
                "settings_hash": self.settings.settings_hash(),
                "resolved_question": query.resolved if query.resolved != query.question
                else None}

    def _answer(self, query: Query, query_vector: np.ndarray, passages: list[Passage],
                mode: str, own_vector: np.ndarray | None = None) -> Answer:
        resolved, language = query.text, query.language
        base = self._fields(query, passages)
        if mode == "passages":  # the naive baseline: top passages as the answer, no refusal
            citations = [Citation.from_passage(i, p) for i, p in enumerate(passages[:3], 1)]
            text = "\n\n".join(f"{p.chunk.text} [{c.n}]" for p, c in zip(passages, citations,
                                                                        strict=False))
            return Answer(text=text, citations=citations, mode=mode, **base)
        sentences, evidence = self.score_sentences(
            resolved, query_vector, passages,
            None if own_vector is None else (language, own_vector))
        threshold = self.settings.refusal_threshold
        # only weak evidence is worth the asking sentence's own embedding
        weak = evidence < threshold and self._asking_evidence(query, sentences) < threshold
        notices = self._coverage_notices(query) + self._grounding_notices(query, passages)
        if self.settings.refusal and (weak or notices
                                      or self._far_from_every_passage(query, passages)):
            return Answer(text=refusal_text(language), refused=True, mode=mode, notices=notices,
                          **base)
        chosen = self._cut(self._choose(resolved, sentences), passages)
        offences = offences_asked(query.resolved, language) if mode != "llm" else []
        if offences and (measured := measure(query.text, offences, self.retriever,
                                             language)):
            return self._measured(query, measured, chosen, base)
        return self._quoted(query, chosen, mode, base)

    def _measured(self, query: Query, measured: ElementAnswer, chosen: list[Sentence],
                  base: dict) -> Answer:
        """Facts measured against the definitions' elements (answers/elements.py), then the best
        other passages' quotes. The quoted definitions lead the passages."""
        passages: list[Passage] = base["passages"]
        top = passages[0].score if passages else 0.0
        quoted = [p for p, _ in measured.quoted]
        kept = [p for p in passages if not any(
            p.chunk.doc_id == q.chunk.doc_id and p.chunk.article == q.chunk.article
            and (q.chunk.text in p.chunk.text or p.chunk.text in q.chunk.text) for q in quoted)]
        ranked = [p.model_copy(update={"rank": rank, "score": p.score or top})
                  for rank, p in enumerate([*quoted, *kept], start=1)]
        by_id = {p.chunk.id: p for p in ranked}
        citations = [Citation.from_passage(n, by_id[p.chunk.id], quote=quote)
                     for n, (p, quote) in enumerate(measured.quoted, start=1)]
        sections = list(measured.lines)
        # what else bears on facts is law or documented practice: an operative provision or a
        # report, not a preamble or a web page's list of news
        quoted_ids = {p.chunk.id for p in quoted}
        also = [Sentence(by_id[s.chunk.id], s.start, s.end, s.text, s.score) for s in chosen
                if s.chunk.id in by_id and s.chunk.id not in quoted_ids
                and s.chunk.kind in ("treaty", "report") and s.chunk.locator != "Preamble"]
        if also:
            text, more = compose(complete(also[:2]), ranked, query.language)
            offset = len(citations)
            sections += [message("also_relevant", query.language),
                         re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + offset}]", text)]
            citations += [c.model_copy(update={"n": c.n + offset}) for c in more]
        answer = Answer(text="\n\n".join(sections), citations=citations, mode="extractive",
                        notices=self._language_notices(query, citations),
                        **{**base, "passages": ranked})
        from assistant.retrieval.crossrefs import referred_citations

        answer.referred_to = referred_citations(answer, self.retriever, query.text)
        return answer

    def _cut(self, chosen: list[Sentence], passages: list[Passage]) -> list[Sentence]:
        """Sentences of passages scoring far below the best passage are not quoted: those
        passages stay among the answer's passages (shown as related), not its citations."""
        best = max((p.score for p in passages), default=0.0)
        return cut_weak_citations(chosen, best, self.settings.ranking.citation_cut)

    def _quoted(self, query: Query, chosen: list[Sentence], mode: str, base: dict) -> Answer:
        """The extractive answer quoting `chosen`, or the LLM's answer built on it."""
        chosen = complete(chosen)
        text, citations = compose(chosen, base["passages"], query.language)
        answer = Answer(text=text, citations=citations, mode="extractive",
                        notices=self._language_notices(query, citations), **base)
        from assistant.retrieval.crossrefs import referred_citations

        answer.referred_to = referred_citations(answer, self.retriever, query.text)
        if mode == "llm":
            from assistant.answers.llm import answer_with_llm

            return answer_with_llm(self, answer)
        return answer

    def _answer_parts(self, query: Query, filters: Filters | None, k: int | None,
                      mode: str) -> Answer:
        """A question with several asks: each part retrieves on its own and is quoted for, in
        order, with its own citations; the passages are the parts' passages taken in turns
        (each part's best, then each part's second...), so that every part has its evidence
        near the top."""
        parts = [build_query(part, self.settings) for part in query.parts]
        searched = []
        for part in parts:
            vector = self.embed_query(part.dense_text)
            searched.append((part, vector, self.search(part, vector, filters, k)))
        union: dict[str, Passage] = {}
        for turn in zip_longest(*(found for _, _, found in searched)):
            for passage in turn:
                if passage is not None:
                    union.setdefault(passage.chunk.id, passage)
        ranked = [p.model_copy(update={"rank": rank}) for rank, p in enumerate(union.values(), 1)]
        by_id = {p.chunk.id: p for p in ranked}
        base = self._fields(query, ranked)
        per_part = max(1, self.settings.max_answer_sentences // len(parts))
        chosen: list[Sentence] = []
        notices = self._coverage_notices(query)
        for part, vector, found in searched:
            mine = [by_id[p.chunk.id] for p in found]
            sentences, evidence = self.score_sentences(part.text, vector, mine)
            notices += self._grounding_notices(part, mine)
            if evidence < self.settings.refusal_threshold and self.settings.refusal:
                continue
            picked = [s for s in self._cut(self._choose(part.text, sentences)[:per_part], mine)
                      if not any(s.chunk.id == c.chunk.id and s.start == c.start
                                 for c in chosen)]
            chosen += picked
        if self.settings.refusal and (not chosen or notices):
            return Answer(text=refusal_text(query.language), refused=True, mode=mode,
                          notices=notices, **base)
        return self._quoted(query, chosen, mode, base)

    def _far_from_every_passage(self, query: Query, passages: list[Passage]) -> bool:
        """A question whose best passages are, as wholes, far from it (a named provision is
        never far): read from another language, its terms are a bag of words some sentence
        can match; in English, a question of another field can share a sentence's words."""
        threshold = (self.settings.translated_refusal_threshold if query.translated
                     else self.settings.distant_refusal_threshold)
        if not threshold or not passages:
            return False
        top = passages[:self.settings.ranking.refusal_passages]
        if any(p.named for p in top):
            return False
        return max(p.scores.get("dense", 0.0) for p in top) < threshold

    def _coverage_notices(self, query: Query) -> list[str]:
        """Why the corpus cannot answer, whatever passages look similar."""
        notices: list[str] = []
        language = query.language
        # query.text is English: a country named in another language ("Alemania") was read
        # through the terminology table into its English name.
        unknown = self.coverage.unknown_names(query.text, sentence=not query.translated)
        if unknown:
            notices.append(message("never_mention", language, names=", ".join(unknown)))
        # a translated question's sentences are read apart: "Colombia, Ecuador y España." then
        # "¿La Convención permite ...?" are no "Colombia Ecuador Spain convention"
        if missing := list(dict.fromkeys(
                name for clause in query.clauses or [query.text]
                for name in self.coverage.unknown_instruments(
                    clause, sentence=not query.translated))):
            indexed = ", ".join(sorted({c.instrument for c in self.retriever.chunks
                                        if c.instrument and c.kind == "treaty"}))
            notices.append(message("not_indexed", language, names=", ".join(missing),
                                   indexed=indexed))
        translation = query.translation
        if translation and translation.read_share < self.settings.min_read_share:
            unread = ", ".join(dict.fromkeys(translation.unmatched))
            notices.append(message("unread", language, words=unread))
        if asks_for_current_state(query.text):
            latest = self.latest_year
            notices.append(message("present", language, latest=message(
                "latest", language, year=latest) if latest else ""))
        return notices

    def _grounding_notices(self, query: Query, passages: list[Passage]) -> list[str]:
        """A question about a country's own law or figures, a body's report or a year is
        answered only from passages about it (assistant/question/grounding.py)."""
        evidence = passages[:self.settings.ranking.refusal_passages]
        notices = []
        if asks_for_a_contact(query.text) and not any(gives_a_contact(p.chunk.text)
                                                      for p in evidence):
            notices.append(message("no_contact", query.language))
        missing = ungrounded(query.text, evidence, sentence=not query.translated,
                             window=self.settings.ranking.terms_window,
                             clauses=query.clauses)
        if missing:
            names = ", ".join(scope.label for scope in missing)
            notices.append(message("not_covered", query.language, names=names))
        return notices

    @staticmethod
    def _language_notices(query: Query, citations: list[Citation]) -> list[str]:
        """A question in one language answered with quotations in another says so."""
        quoted = list(dict.fromkeys(c.language for c in citations if c.language))
        if not citations or quoted == [query.language]:
            return []
        names = ", ".join(language_name(code, query.language) for code in quoted)
        return [message("quote_language", query.language, language_name=names)]

    def _choose(self, query: str, sentences: list[Sentence]) -> list[Sentence]:
        """A named provision is quoted from its own text; otherwise the best sentences."""
        refs = article_refs(query)
        if self.settings.article_lookup and (refs or asks_for_definition(query)):
            named = [s for s in sentences if s.passage.named]
            if not refs:
                named = _defining_part(query, named)
            if named:
                return _with_best_paragraph(provision_sentences(named, refs), named, refs)
        ranking = self.settings.ranking
        sentences = _from_named_instruments(query, sentences, ranking.passage_margin)
        return select_sentences(sentences, self.settings.max_answer_sentences,
                                margin=ranking.sentence_margin,
                                passage_margin=ranking.passage_margin)

    def score_sentences(self, query: str, query_vector: np.ndarray, passages: list[Passage],
                        own: tuple[str, np.ndarray] | None = None,
                        ) -> tuple[list[Sentence], float]:
        """Score the sentences of the top passages; return them and the evidence strength."""
        if not passages:
            return [], 0.0
        ranking = self.settings.ranking
        top = ranking.evidence_passages
        named = bool(article_refs(query))
        pool = [p for p in passages[:top]] + [p for p in passages[top:] if p.named]
        sentences = sentences_of(pool)
        if not sentences:
            return [], 0.0
        vectors = self.vectors_of(sentences)
        cosines = vectors @ query_vector
        if own is not None:  # sentences in the question's language: against the question itself
            language, own_vector = own
            mine = np.array([s.chunk.language == language for s in sentences])
            if mine.any():
                cosines = np.where(mine, vectors @ own_vector, cosines)
        query_tokens = set(tokenize(query))
        for sentence, cosine in zip(sentences, cosines, strict=True):
            # A provision's title says what its sentences are about ("laundering of proceeds").
            words = set(tokenize(f"{sentence.text} {sentence.chunk.article_title or ''}"))
            overlap = lexical_overlap(query_tokens, words, self.idf)
            prior = ranking.sentence_rank_prior * (top - min(sentence.passage.rank, top))
            lookup = ranking.sentence_lookup if sentence.passage.named else 0.0
            sentence.score = float(cosine) + ranking.sentence_overlap * overlap + prior + lookup
        top_passage = passages[0]
        passage_cos = top_passage.scores.get("dense", 0.0)
        best_sentence = max(float(c) for c in cosines)
        evidence = max(best_sentence, passage_cos)
        if named and top_passage.named:
            evidence = max(evidence, 1.0)  # the user named a provision that exists
        return sentences, evidence

    def _asking_evidence(self, query: Query, sentences: list[Sentence]) -> float:
        """How close the quotable sentences come to the question's last asking sentence alone.
        Facts told before the question ("A farm worker borrowed money… His work is never
        credited against the loan. How does international law classify this?") pull its
        vector away from every passage; the question it asks does not. Only the evidence
        for a refusal reads it: the ranking reads the whole question."""
        asking = _asking_sentence(query)
        if asking is None or not sentences:
            return 0.0
        vector = self.embed_query(asking)
        return float((self.vectors_of(sentences) @ vector).max())

    def vectors_of(self, sentences: list[Sentence]) -> np.ndarray:
        """Embeddings of quotable sentences: those stored at ingest, the others (an index
        built without them) embedded now."""
        if not sentences:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        rows = [self.retriever.sentence_row(s.chunk, s.start) for s in sentences]
        missing = [embedding_text(s.text) for s, row in zip(sentences, rows, strict=True)
                   if row is None]
        encoded = iter(self.sentence_vectors(missing)) if missing else iter(())
        stored = self.retriever.sentence_vectors
        return np.stack([stored[row] if row is not None else next(encoded) for row in rows])

    def sentence_vectors(self, texts: list[str]) -> np.ndarray:
        """Embeddings of answer sentences, cached: the same passages come back often."""
        with self._cache_lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._sentence_vectors]
        if missing:
            encoded = self.embedder.encode(missing)
            with self._cache_lock:
                for text, vector in zip(missing, encoded, strict=True):
                    self._sentence_vectors[text] = vector
                while len(self._sentence_vectors) > SENTENCE_CACHE:
                    self._sentence_vectors.popitem(last=False)
        with self._cache_lock:
            return np.stack([self._sentence_vectors[t] for t in texts])


def _asking_sentence(query: Query) -> str | None:
    """The last asking sentence of an English question of several sentences, else None."""
    if query.translated:
        return None
    said = question_sentences(query.text)
    if len(said) < 2:
        return None
    return ([s for s in said if s.endswith("?")] or said[-1:])[-1]


def _from_named_instruments(query: str, sentences: list[Sentence], margin: float,
                            ) -> list[Sentence]:
    """A question asked under a named instrument ("under the Palermo Convention") is answered
    from that instrument and those read with it, when they answer about as well as anything
    (within `margin`): another treaty's like provision stays among the related passages."""
    named = instruments_named(query)
    if not named or not sentences:
        return sentences
    family = read_together(named)
    keep = [s for s in sentences if s.chunk.kind != "treaty" or s.chunk.instrument in family]
    ours = [s.score for s in keep if s.chunk.kind == "treaty"]
    if not ours or max(ours) < max(s.score for s in sentences) - margin:
        return sentences
    return keep


def _instrument_names(chunks: list) -> list[str]:
    """The indexed instruments, each by its short name and its title."""
    return list(dict.fromkeys(name for c in chunks if c.instrument
                              for name in (c.instrument, c.title)))


def _idf(retriever: Retriever) -> dict[str, float]:
    counts: dict[str, int] = {}
    for chunk in retriever.chunks:
        for token in set(tokenize(chunk.index_text())):
            counts[token] = counts.get(token, 0) + 1
    total = max(len(retriever.chunks), 1)
    return {t: float(np.log(1 + total / c)) for t, c in counts.items()}


def _with_best_paragraph(chosen: list[Sentence], named: list[Sentence], refs: list,
                         ) -> list[Sentence]:
    """A named provision is quoted from its opening; when another of its paragraphs matches
    the question better than every quoted sentence, that paragraph is quoted too (unless the
    question named the paragraph or letter it wants)."""
    if not chosen or any(ref.paragraph or ref.letter for ref in refs):
        return chosen
    best = max(named, key=lambda s: s.score)
    if best.score <= max(s.score for s in chosen) or any(
            s.passage.rank == best.passage.rank and s.start == best.start for s in chosen):
        return chosen
    return sorted([*chosen, best], key=lambda s: (s.passage.rank, s.start))


def _defining_part(query: str, sentences: list[Sentence]) -> list[Sentence]:
    """For a definition question: the lettered parts that define the term asked about
    (Article 3(a) whole, its "Exploitation shall include" sentence too); else all. The words
    of an instrument's name are not a term asked about ("the Convention on the Rights of the
    Child" asks nothing about "child"), and of the terms the question uses the most specific
    wins ("sale of children" before "child", "debt bondage" before "slavery"), a term said as
    a phrase before one whose words are only scattered in the question (`term_use`)."""
    words = tokenize(without_instrument_names(query, strong_only=True))
    used: dict[str, int] = {}
    for s in sentences:  # the passage's own lines: a lettered term opens a line there
        terms = defined_terms(s.chunk.text[s.start:s.end])
        part = sub_locator(s.chunk, s.start)
        used[part] = max([used.get(part, 0), *(term_use(t, words) for t in terms)])
    most = max(used.values(), default=0)
    parts = {part for part, size in used.items() if size and size == most}
    return [s for s in sentences if sub_locator(s.chunk, s.start) in parts] or sentences
