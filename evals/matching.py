"""The gold-match rule of the answer benchmark (see ../shared/evals-format.md).

A retrieved passage matches a gold item when its source file name equals the gold `source`
and its text contains the gold `quote`, both compared after `normalize_for_match`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

# A hyphen at a line end splits one word across two lines (`traf-\nficking`).
_LINE_END_HYPHEN = re.compile(r"-[ \t]*\r?\n\s*")


def normalize_for_match(text: str) -> str:
    """Lowercase, join words hyphenated across line ends, keep only letters and digits.

    Letters and digits follow `str.isalnum`, so non-ASCII letters (é, ß, ā) are kept and
    every space, punctuation mark and quote sign (`` " “ ” ’) is dropped.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    joined = _LINE_END_HYPHEN.sub("", text.lower())
    return "".join(ch for ch in joined if ch.isalnum())


def _gold_pair(item: Mapping[str, object], index: int) -> tuple[str, str]:
    source, quote = item.get("source"), item.get("quote")
    if not isinstance(source, str) or not isinstance(quote, str):
        raise ValueError(f"gold item {index} needs string 'source' and 'quote': {item!r}")
    norm_source, norm_quote = normalize_for_match(source), normalize_for_match(quote)
    if not norm_source or not norm_quote:
        # An empty normalised quote would be contained in every passage.
        raise ValueError(f"gold item {index} has an empty source or quote after normalisation")
    return norm_source, norm_quote


def passage_matches(source: str, text: str, gold: Mapping[str, object]) -> bool:
    """True when a passage (its source file name and text) matches one gold item."""
    norm_source, norm_quote = _gold_pair(gold, 0)
    return normalize_for_match(source) == norm_source and norm_quote in normalize_for_match(text)


def first_match_rank(
    passages: Sequence[Mapping[str, object]], gold: Sequence[Mapping[str, object]]
) -> int | None:
    """1-based position of the first passage matching any gold item; None if none matches.

    Passages are taken in list order (the ranked retrieval list); each needs `source` and
    `text`. An empty gold list (an unanswerable question) never matches.
    """
    pairs = [_gold_pair(item, i) for i, item in enumerate(gold)]
    if not pairs:
        return None
    for position, passage in enumerate(passages, start=1):
        source, text = passage.get("source"), passage.get("text")
        if not isinstance(source, str) or not isinstance(text, str):
            raise ValueError(f"passage {position} needs string 'source' and 'text'")
        norm_source, norm_text = normalize_for_match(source), normalize_for_match(text)
        if any(norm_source == s and q in norm_text for s, q in pairs):
            return position
    return None
