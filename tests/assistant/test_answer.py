from assistant.answer import introduce, quotable_spans, split_sentences, sub_locator
from assistant.followup import is_follow_up, resolve
from assistant.models import Chunk

ARTICLE = Chunk(doc_id="tip", source="tip.md", title="Protocol", instrument="TIP Protocol",
                article="3", locator="Article 3", kind="treaty",
                text="For the purposes of this Protocol:\n\na) \u201cTrafficking\u201d shall mean "
                     "the recruitment of persons.\n\nb) The consent of a victim shall be "
                     "irrelevant.")


def test_sentences_do_not_break_after_abbreviations():
    text = "See para. 8 of the guide. Then art. 3 applies; the end. No. 5 is fine."
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "See para. 8 of the guide.", "Then art. 3 applies; the end.", "No. 5 is fine."]


def test_lead_ins_stay_with_what_they_introduce_and_headings_are_skipped():
    spans = quotable_spans(ARTICLE.text)
    assert ARTICLE.text[spans[0][0]:spans[0][1]].startswith("For the purposes of this Protocol:")
    assert "recruitment" in ARTICLE.text[spans[0][0]:spans[0][1]]
    assert quotable_spans("# Heading\n\nBody sentence here.") == [(11, 30)]


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
