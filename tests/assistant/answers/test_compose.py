from assistant.answers.compose import (
    Sentence,
    complete,
    compose,
    cut_weak_citations,
    introduce,
    lead_in_mismatches,
    opening_clauses,
    select_sentences,
    sentences_of,
    sub_locator,
)
from assistant.models import Answer, Chunk, Passage
from assistant.question.followup import is_follow_up, resolve

ARTICLE = Chunk(doc_id="tip", source="tip.md", title="Protocol", instrument="TIP Protocol",
                article="3", locator="Article 3", kind="treaty",
                text="For the purposes of this Protocol:\n\na) \u201cTrafficking\u201d shall mean "
                     "the recruitment of persons.\n\nb) The consent of a victim shall be "
                     "irrelevant.")


def test_sub_locator_names_the_letter_of_the_quoted_sentence():
    offset = ARTICLE.text.index("The consent")
    assert sub_locator(ARTICLE, offset) == "Article 3(b)"
    assert introduce(ARTICLE, "Article 3(b)") == (
        "Under Article 3(b) of the Trafficking in Persons Protocol")
    report = Chunk(doc_id="g", source="g.pdf", title="Global Report on Trafficking in Persons "
                   "2024, Chapter 2: Africa", kind="report", locator="p. 74", page_start=10,
                   page_label="74", text="About 2,000 victims.")
    assert introduce(report, "p. 74") == ("The Global Report on Trafficking in Persons 2024 "
                                          "(p. 74) states")


def test_follow_ups_are_resolved_against_the_conversation():
    history = [{"role": "user", "content": "What does article 6 of the smuggling protocol say?"},
               {"role": "assistant", "content": "Under Article 6 ..."}]
    assert is_follow_up("and for children?")
    assert not is_follow_up("What are the obligations of States to protect smuggled migrants?")
    assert resolve("what about article 7?", history) == (
        "what about article 7? of the Smuggling of Migrants Protocol")
    assert resolve("and for children?", history).startswith("What does article 6")
    assert resolve("What is debt bondage?", history) == "What is debt bondage?"
    assert resolve("and for children?", None) == "and for children?"


# Paraphrased provisions written for these tests (no corpus wording).
NESTED = Chunk(doc_id="x", source="x.md", title="Model Treaty", instrument="TIP Protocol",
               article="4", locator="Article 4", kind="treaty",
               text="a) As regards the trade in goods:\n\n(i) The selling, by any means, of a "
                    "forged item for the purpose of:\n\na.Deceiving the buyer;\n\n"
                    "b.Evading the customs duty;\n\n(ii) The storing of forged items;")
NUMBERED = Chunk(doc_id="y", source="y.md", title="Model Convention",
                 instrument="Organized Crime Convention", article="16",
                 locator="Article 16", kind="treaty",
                 text="1. The first paragraph sets the scope.\n\n2. States may share records on "
                      "the following:\n\na) Routes used by offenders;\n\nb) Names of "
                      "offenders;\n\n3. The third paragraph sets a deadline of ten days.")
NOTE = Chunk(doc_id="z", source="z.txt", title="Council page", kind="webpage", locator="Council",
             text="Every spring, the council reviews two themes. This spring the themes are "
                  "border control and victim support. The council meets in Vienna.\n\n"
                  "The secretariat prepares a long background paper for every meeting of the "
                  "council and circulates it well ahead. Members comment on it.")


def _sentence(chunk: Chunk, starts_with: str, rank: int = 1, score: float = 1.0) -> Sentence:
    passage = Passage(chunk=chunk, rank=rank, score=score)
    found = [s for s in sentences_of([passage]) if s.text.startswith(starts_with)]
    assert found, starts_with
    found[0].score = score
    return found[0]


def _quoted(sentences: list[Sentence]) -> str:
    return " ".join(s.text for s in complete(sentences))


def test_a_list_item_brings_its_opening_clauses_not_its_siblings():
    item = _sentence(NESTED, "b.Evading")
    clauses = [NESTED.text[a:b] for a, b in opening_clauses(NESTED.text, item.start)]
    assert clauses == ["a) As regards the trade in goods:",
                       "(i) The selling, by any means, of a forged item for the purpose of:"]
    # the second roman item is introduced by the letter above, not by its sibling (i)
    sibling = _sentence(NESTED, "(ii)")
    assert [NESTED.text[a:b] for a, b in opening_clauses(NESTED.text, sibling.start)] == [
        "a) As regards the trade in goods:"]
    assert _quoted([item]).startswith("a) As regards the trade in goods: (i) The selling")


def test_a_sentence_announcing_a_list_brings_its_items_and_stops_at_the_next_paragraph():
    announcing = _sentence(NUMBERED, "States may share")
    quoted = _quoted([announcing])
    assert "a) Routes used by offenders;" in quoted and "b) Names of offenders;" in quoted
    assert "third paragraph" not in quoted


def test_a_short_opening_sentence_brings_the_sentence_it_announces():
    opening = _sentence(NOTE, "Every spring")
    assert "border control and victim support" in _quoted([opening])
    long_opening = _sentence(NOTE, "The secretariat")
    assert _quoted([long_opening]) == long_opening.text


def test_each_lead_in_names_the_paragraph_it_quotes():
    second = _sentence(NUMBERED, "States may share")
    third = _sentence(NUMBERED, "The third")
    text, citations = compose(complete([second, third]), [second.passage])
    lines = text.split("\n\n")
    assert lines[0].startswith("Under Article 16, para. 2 of")
    assert "b) Names of offenders;" in lines[0]
    assert lines[1].startswith("Under Article 16, para. 3 of") and lines[1].endswith("[1]")
    assert len(citations) == 1
    answer = Answer(question="q", text=text, citations=citations, passages=[second.passage])
    assert lead_in_mismatches(answer) == []
    wrong = answer.model_copy(update={"text": "Under Article 16, para. 2 of the Organized "
                                      "Crime Convention: \u201c3. The third paragraph sets a "
                                      "deadline of ten days.\u201d [1]"})
    assert lead_in_mismatches(wrong) == [
        "'Under Article 16, para. 2 of the Organized Crime Convention' over a quote from "
        "'Article 16, para. 3'"]


def test_each_near_best_passage_is_quoted_before_one_is_quoted_twice():
    first = _sentence(NOTE, "Every spring", rank=1, score=0.90)
    again = _sentence(NOTE, "The council meets", rank=1, score=0.89)
    other = _sentence(NUMBERED, "The first", rank=2, score=0.85)
    chosen = select_sentences([first, again, other], max_sentences=2, margin=0.1)
    assert [s.passage.rank for s in chosen] == [1, 2]


def test_a_passage_scoring_far_below_the_best_is_not_cited():
    best = _sentence(NOTE, "Every spring", rank=1, score=0.9)
    close = _sentence(NUMBERED, "The first", rank=2, score=0.8)
    close.passage.score = 1.9
    best.passage.score = 2.0
    far = _sentence(NESTED, "b.Evading", rank=3, score=0.85)
    far.passage.score = 1.0
    kept = cut_weak_citations([best, close, far], best_score=2.0, cut=0.9)
    assert [s.passage.rank for s in kept] == [1, 2]
    # when every chosen passage is under the cut, the best sentence's passage stays
    assert cut_weak_citations([far], best_score=2.0, cut=0.9) == [far]
