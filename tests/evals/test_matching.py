import pytest

from evals.matching import first_match_rank, normalize_for_match, passage_matches

TIP = "untoc-trafficking-in-persons-protocol-text.md"
SOM = "untoc-smuggling-of-migrants-protocol-text.md"
GLOTIP = "glotip-2024-chapter-2.pdf"


def test_normalize_lowercases_and_drops_spaces_and_punctuation():
    assert normalize_for_match("Article 3(a), TIP Protocol!") == "article3atipprotocol"


def test_normalize_joins_words_hyphenated_across_line_ends():
    assert normalize_for_match("traf-\nficking") == "trafficking"
    assert normalize_for_match("traf- \r\n  ficking in persons") == "traffickinginpersons"


def test_normalize_drops_treaty_quote_marks():
    raw = 'a) ``Trafficking in persons" shall mean'
    assert normalize_for_match(raw) == "atraffickinginpersonsshallmean"
    assert normalize_for_match("“Organized criminal group”") == "organizedcriminalgroup"
    assert normalize_for_match("the world’s arable land") == "theworldsarableland"


def test_normalize_keeps_non_ascii_letters_and_digits():
    assert normalize_for_match("Côte d’Ivoire, 30–35 situations") == "côtedivoire3035situations"
    assert normalize_for_match("Straße ÉTÉ") == "straßeété"


def test_normalize_of_empty_or_symbol_only_text_is_empty():
    assert normalize_for_match("") == ""
    assert normalize_for_match(" -- \n ... ") == ""


def test_normalize_rejects_non_strings():
    with pytest.raises(TypeError):
        normalize_for_match(None)  # type: ignore[arg-type]


def test_passage_matches_needs_same_source_and_contained_quote():
    text = "b) The consent of a victim of trafficking in persons to the intended exploitation"
    gold = {"source": TIP, "quote": "The consent of a victim of trafficking"}
    assert passage_matches(TIP, text, gold)
    assert not passage_matches(SOM, text, gold)
    assert not passage_matches(TIP, "The consent of a witness", gold)


def test_passage_matches_across_pdf_line_breaks_and_case():
    text = (
        "making Africa the region from where\nthe highest share of traf-\nficking flows originate"
    )
    gold = {"source": GLOTIP, "quote": "The highest share of TRAFFICKING flows"}
    assert passage_matches(GLOTIP, text, gold)


def test_passage_matches_compares_normalised_source_names():
    gold = {"source": "GLOTIP-2024-Chapter-2.PDF", "quote": "forced labour"}
    assert passage_matches("glotip-2024-chapter-2.pdf", "children in forced labour", gold)


def test_passage_matches_rejects_empty_quote():
    with pytest.raises(ValueError):
        passage_matches(TIP, "anything", {"source": TIP, "quote": " ... "})
    with pytest.raises(ValueError):
        passage_matches(TIP, "anything", {"source": TIP})


def test_first_match_rank_is_one_based_position_of_first_match():
    passages = [
        {"source": SOM, "text": "Migrants shall not become liable to criminal prosecution"},
        {"source": TIP, "text": 'd) ``Child" shall mean any person under eighteen years of age.'},
        {"source": TIP, "text": "any person under eighteen years of age (repeated)"},
    ]
    gold = [{"source": TIP, "quote": "Child shall mean any person under eighteen"}]
    assert first_match_rank(passages, gold) == 2


def test_first_match_rank_accepts_any_of_several_gold_items():
    passages = [
        {"source": TIP, "text": "unrelated text"},
        {"source": SOM, "text": "shall not become liable to criminal prosecution"},
    ]
    gold = [
        {"source": TIP, "quote": "trafficking in persons shall mean"},
        {"source": SOM, "quote": "not become liable to criminal prosecution"},
    ]
    assert first_match_rank(passages, gold) == 2


def test_first_match_rank_is_none_without_match_or_gold():
    passages = [{"source": TIP, "text": "unrelated text"}]
    assert first_match_rank(passages, [{"source": TIP, "quote": "other words"}]) is None
    assert first_match_rank(passages, []) is None
    assert first_match_rank([], [{"source": TIP, "quote": "other words"}]) is None


def test_first_match_rank_rejects_passage_without_text():
    with pytest.raises(ValueError):
        first_match_rank([{"source": TIP}], [{"source": TIP, "quote": "words"}])
