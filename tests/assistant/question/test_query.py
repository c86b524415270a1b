"""Reading a question once: its asks. Questions written for these tests."""

import pytest

from assistant.question.query import split_parts, without_asker


def test_each_question_sentence_is_an_ask_and_fact_sentences_are_none():
    question = ("A fisherman recruited in Accra was never paid. Is that forced labour under "
                "the trafficking protocol? What shelter must the State offer him?")
    assert split_parts(question) == (
        "Is that forced labour under the trafficking protocol?",
        "What shelter must the State offer him? (the Trafficking in Persons Protocol)")


def test_a_sentence_of_facts_with_and_is_not_split():
    question = ("The boy crossed the border alone and is now in a shelter. Does the smuggling "
                "protocol let the State send him back?")
    assert split_parts(question) == (question,)


def test_one_question_sentence_splits_at_a_second_ask_in_english_only():
    assert split_parts("How does a State withdraw from the firearms protocol, and when does "
                       "the withdrawal take effect?") == (
        "How does a State withdraw from the firearms protocol",
        "when does the withdrawal take effect? (the Firearms Protocol)")
    assert split_parts("¿Cómo se retira un Estado del protocolo y cuándo surte efecto?",
                       "es") == ("¿Cómo se retira un Estado del protocolo y cuándo surte efecto?",)


def test_abbreviations_do_not_end_a_sentence_and_short_asks_are_no_parts():
    assert split_parts("What does art. 8 para. 2 allow? And what must the flag State answer?"
                       ) == ("What does art. 8 para. 2 allow?",
                             "And what must the flag State answer?")
    assert split_parts("Is it trafficking? Why?") == ("Is it trafficking? Why?",)


@pytest.mark.parametrize(("question", "searched"), [
    ("I'm a labour inspector. Can a State let a victim stay?", "Can a State let a victim stay?"),
    ("Case worker here: what support must a victim get?", "What support must a victim get?"),
    ("Police trainer asking - when is a boat stateless?", "When is a boat stateless?"),
    ("As a border guard, may I board a boat with no flag?", "May I board a boat with no flag?"),
    ("Shelter volunteer. May a victim be held in detention?",
     "May a victim be held in detention?"),
    ("trainer at a police academy: what does 'harbouring' cover?",
     "What does 'harbouring' cover?"),
    ("Customs intelligence team: must firearms parts be marked?",
     "Must firearms parts be marked?"),
    # an opening that names no role is the subject, not the asker
    ("Article 9 of the smuggling protocol: what safeguards apply?",
     "Article 9 of the smuggling protocol: what safeguards apply?"),
    ("Boats with no flag: who may board them?", "Boats with no flag: who may board them?"),
    # a sentence that also tells the facts is kept
    ("I'm a judge hearing a case of a girl recruited online. Is consent relevant?",
     "I'm a judge hearing a case of a girl recruited online. Is consent relevant?"),
    ("Can a State refuse to extradite its own nationals?",
     "Can a State refuse to extradite its own nationals?"),
])
def test_who_asks_is_not_searched_for(question, searched):
    assert without_asker(question) == searched
