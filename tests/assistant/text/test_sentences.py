"""Where sentences end, in passages, questions and replies; written for these tests."""

from assistant.answers.llm import split_reply
from assistant.text.sentences import (
    PARAGRAPH_CUT,
    RULES_FINGERPRINT,
    question_sentences,
    quotable_spans,
    split_sentences,
)

LIST_TEXT = ("For the purposes of this Protocol:\n\na) \u201cRecruiter\u201d shall mean a person "
             "who finds work for the recruitment of persons.\n\nb) A fee shall be irrelevant.")


def test_sentences_do_not_break_after_abbreviations():
    text = "See para. 8 of the guide. Then art. 3 applies; the end. No. 5 is fine."
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "See para. 8 of the guide.", "Then art. 3 applies; the end.", "No. 5 is fine."]


def test_lead_ins_stay_with_what_they_introduce_and_headings_are_skipped():
    spans = quotable_spans(LIST_TEXT)
    assert LIST_TEXT[spans[0][0]:spans[0][1]].startswith("For the purposes of this Protocol:")
    assert "recruitment" in LIST_TEXT[spans[0][0]:spans[0][1]]
    assert quotable_spans("# Heading\n\nBody sentence here.") == [(11, 30)]


def test_a_question_splits_at_its_marks_in_any_script_but_not_after_art():
    assert question_sentences("See Art. 5 of the TIP Protocol. is it trafficking? what then?") == [
        "See Art. 5 of the TIP Protocol.", "is it trafficking?", "what then?"]
    assert question_sentences("这是贩运吗？国家应做什么？") == ["这是贩运吗？", "国家应做什么？"]
    assert question_sentences("هل هذا اتجار؟ ماذا تفعل الدولة؟") == ["هل هذا اتجار؟",
                                                                 "ماذا تفعل الدولة؟"]


def test_a_reply_sentence_keeps_the_markers_after_its_full_stop():
    sentences = split_reply("Under Art. 5 migrants are not liable. [1] [2] See para. 2 too. "
                            "Done.")
    assert [(s.text, s.numbers) for s in sentences] == [
        ("Under Art. 5 migrants are not liable. [1] [2]", [1, 2]),
        ("See para. 2 too.", []), ("Done.", [])]


def test_a_long_paragraph_is_cut_after_full_stops_only():
    text = "First sentence ends here. Second one, see fig. 4 for it; more. Third"
    cuts = [m.end() for m in PARAGRAPH_CUT.finditer(text)]
    assert [text[:c].split()[-1] for c in cuts] == ["here.", "more."]


def test_the_rules_have_a_fingerprint_for_the_index_name():
    assert len(RULES_FINGERPRINT) == 12 and int(RULES_FINGERPRINT, 16) >= 0
