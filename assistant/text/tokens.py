"""Search tokens: what BM25, the rerank's overlap, definitions and grounding compare.

One tokenizer for the whole assistant. BM25 is built from it when an index is loaded (it is not
stored), so a change here takes effect on the next start without a re-ingest. Measured against
bm25s's own options (docs/benchmarks.md, session 5): the Snowball stemmer (PyStemmer) lowers dev
hit@5 0.974 -> 0.957 and unseen2 0.889 -> 0.876; bm25s's English stopword list is even on average
(unseen2 hit@5 0.889 -> 0.864, unseen 0.870 -> 0.896), so this light stemmer and the list below
stay: it also drops the words of a question ("how", "can", "must") that no passage answers with.
"""

from __future__ import annotations

import re

TOKEN_RE = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "been", "by", "can", "could", "did", "do", "does",
    "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "may",
    "might", "must", "not", "of", "on", "or", "our", "shall", "should", "so", "such", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to",
    "under", "was", "we", "were", "what", "when", "where", "which", "who", "whom", "why", "will",
    "with", "would", "you", "your", "about", "any", "all", "also", "other", "same",
))
SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "ed", "es", "er", "s")


def stem(word: str) -> str:
    """A light suffix stripper: 'smuggled', 'smuggling' and 'smugglers' share 'smuggl'."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def tokenize(text: str) -> list[str]:
    return [stem(t) for t in TOKEN_RE.findall(text.lower()) if t not in STOPWORDS]
