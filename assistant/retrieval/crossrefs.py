"""The references between treaty provisions, as a graph over the indexed chunks.

Each treaty chunk stores the provisions its text refers to (`Chunk.references`, target ids
found at ingest by `ingest.split_treaty.find_references`). The graph resolves them against
what is indexed: an instrument that is not in the index simply has no targets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.models import Answer, Chunk, Citation, Passage
from assistant.text.references import instruments_named
from assistant.text.sentences import quotable_spans, sentence_text

ArticleKey = tuple[str, str]  # (instrument, article number)
KEY_SENTENCE_CHARS = 420


def parse_target(target: str) -> tuple[str, str | None, str | None, str | None]:
    """`UNTOC:16:10` -> ("UNTOC", "16", "10", None); `UNTOC` is the whole instrument."""
    parts = [*target.split(":"), "", "", ""]
    return parts[0], parts[1] or None, parts[2] or None, parts[3] or None


def targets_of(chunk: Chunk) -> list[str]:
    return [t for t in (chunk.references or "").split(";") if t]


@dataclass
class ReferenceGraph:
    chunks: list[Chunk]
    # the treaty chunks of each article, in document order (the whole article first)
    articles: dict[ArticleKey, list[int]] = field(default_factory=dict)
    outgoing: dict[ArticleKey, list[str]] = field(default_factory=dict)
    incoming: dict[ArticleKey, list[ArticleKey]] = field(default_factory=dict)
    # instrument -> the articles (and the chunk holding the clause) of other instruments
    # that apply it as a whole ("The provisions of the Convention shall apply, mutatis
    # mutandis, to this Protocol")
    applied_by: dict[str, list[tuple[ArticleKey, int]]] = field(default_factory=dict)

    @classmethod
    def from_chunks(cls, chunks: list[Chunk]) -> ReferenceGraph:
        graph = cls(chunks=chunks)
        for i, chunk in enumerate(chunks):
            if chunk.kind == "treaty" and chunk.instrument and chunk.article:
                graph.articles.setdefault((chunk.instrument, chunk.article), []).append(i)
        for i, chunk in enumerate(chunks):
            key = article_key(chunk)
            if key is None:
                continue
            for target in targets_of(chunk):
                instrument, article, _, _ = parse_target(target)
                if article is None:
                    applied = graph.applied_by.setdefault(instrument, [])
                    if all(k != key for k, _ in applied):
                        applied.append((key, i))
                    continue
                out = graph.outgoing.setdefault(key, [])
                if target not in out:
                    out.append(target)
                to = (instrument, article)
                if to in graph.articles and to != key:
                    sources = graph.incoming.setdefault(to, [])
                    if key not in sources:
                        sources.append(key)
        for sources in graph.incoming.values():
            sources.sort(key=key_order)
        return graph

    def resolve(self, target: str) -> int | None:
        """The chunk a target id names: the paragraph's own chunk when it has one, else the
        whole article; None when the article is not indexed."""
        instrument, article, paragraph, letter = parse_target(target)
        if article is None:
            return None
        found = self.articles.get((instrument, article))
        if not found:
            return None
        base = f"Article {article}"
        if paragraph or letter:
            for i in found:
                if _names_part(self.chunks[i].locator, base, paragraph, letter):
                    return i
        whole = [i for i in found if self.chunks[i].locator == base]
        return (whole or found)[0]

    def article_chunks(self, instrument: str, article: str) -> list[Chunk]:
        return [self.chunks[i] for i in self.articles.get((instrument, article), [])]


def article_key(chunk: Chunk) -> ArticleKey | None:
    if chunk.kind != "treaty" or not chunk.instrument or not chunk.article:
        return None
    return chunk.instrument, chunk.article


def key_order(key: ArticleKey) -> tuple[str, int, str]:
    number = "".join(ch for ch in key[1] if ch.isdigit())
    return key[0], int(number or 0), key[1]


def _names_part(locator: str, base: str, paragraph: str | None, letter: str | None) -> bool:
    """Whether a chunk locator (`Article 16, para. 10`, `Article 3, paras. 1–2`,
    `Article 3(b)–(c)`) covers the paragraph or letter."""
    if not locator.startswith(base):
        return False
    rest = locator[len(base):]
    if paragraph:
        if rest == f", para. {paragraph}":
            return True
        if rest.startswith(", paras. "):
            low, _, high = rest[len(", paras. "):].partition("\u2013")
            return low.isdigit() and high.isdigit() and int(low) <= int(paragraph) <= int(high)
        return False
    if rest == f"({letter})":
        return True
    if rest.startswith("(") and "\u2013" in rest:
        low, _, high = rest.partition("\u2013")
        return len(low) == 3 and len(high) == 3 and low[1] <= (letter or "") <= high[1]
    return False


def graph_of(retriever) -> ReferenceGraph:
    """The graph over a retriever's chunks, built once per loaded index."""
    graph = getattr(retriever, "_reference_graph", None)
    if graph is None or graph.chunks is not retriever.chunks:
        graph = ReferenceGraph.from_chunks(retriever.chunks)
        retriever._reference_graph = graph
    return graph


def key_sentence(chunk: Chunk, max_chars: int = KEY_SENTENCE_CHARS) -> str:
    """The provision's opening sentence (with its lead-in), what a "Referred to" line quotes."""
    spans = quotable_spans(chunk.text)
    if not spans:
        return chunk.text[:max_chars]
    text = sentence_text(chunk.text, spans[0])
    if len(text) < 60 and len(spans) > 1:
        text = f"{text} {sentence_text(chunk.text, spans[1])}"
    if len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0] + " \u2026"
    return text


def protocols_asked_about(question: str) -> set[str]:
    return set(instruments_named(question, strong_only=False))


def referred_to(passages: list[Passage], graph: ReferenceGraph, question: str = "",
                limit: int = 3) -> list[Passage]:
    """The provisions the given (cited) passages refer to, not already among them; first,
    for a question about a Protocol answered by its parent Convention, the Protocol's
    article that applies the Convention (TIP Protocol, Art. 1 beside UNTOC, Art. 16)."""
    return [Passage(chunk=graph.chunks[i], rank=0, score=0.0, scores={"reference": 1.0})
            for i in _referred_indexes([p.chunk for p in passages], graph, question)[:limit]]


def _referred_indexes(chunks: list[Chunk], graph: ReferenceGraph, question: str) -> list[int]:
    seen: set = {article_key(c) for c in chunks}
    found: list[int] = []
    asked = protocols_asked_about(question)
    for chunk in chunks:
        for key, i in graph.applied_by.get(chunk.instrument or "", []):
            if key[0] in asked and key not in seen and i not in found:
                found.append(i)
                seen.add(key)
    for chunk in chunks:
        for target in targets_of(chunk):
            i = graph.resolve(target)
            if i is None or i in found:
                continue
            key = article_key(graph.chunks[i])
            if key in seen:
                continue
            found.append(i)
            seen.add(key)
    return found


def referred_citations(answer: Answer, retriever, question: str = "") -> list[Citation]:
    """The answer's "Referred to" block: the provisions its cited passages refer to, each
    quoted by its key sentence and numbered after the answer's own citations."""
    if answer.refused or not answer.citations:
        return []
    by_rank = {p.rank: p for p in answer.passages}
    cited = [by_rank[c.passage_rank] for c in answer.citations if c.passage_rank in by_rank]
    start = max(c.n for c in answer.citations)
    return [Citation.from_passage(start + n, p, quote=key_sentence(p.chunk))
            for n, p in enumerate(referred_to(cited, graph_of(retriever),
                                              question or answer.question), 1)]


def expansion_indexes(graph: ReferenceGraph, top: list[int], question: str = "") -> list[int]:
    """Chunks to add to the retrieval candidates: what the `top` candidates refer to, and a
    Protocol's applying article when the question asks about it and the Convention answers."""
    return _referred_indexes([graph.chunks[i] for i in top], graph, question)
