"""Definitions in text, with sentences written for these tests."""

from assistant.text.definitions import (
    DEFINES_RE,
    PHRASE,
    asks_for_definition,
    defined_terms,
    term_use,
)
from assistant.text.tokens import tokenize


def test_unquoted_lettered_definitions_are_read_but_not_a_sentence_about_means():
    text = ("(a) Sale of children means any act;\n(b) The means of concealment used by groups;\n"
            "(c) Methods and means, points of dispatch;")
    assert defined_terms(text) == [tuple(tokenize("Sale of children"))]


def test_quoted_terms_are_defined_whether_they_mean_or_shall_mean():
    text = ('b) \u201cSeasonal worker\u201d shall mean a person; and "Fee" means a payment.')
    assert defined_terms(text) == [tuple(tokenize("Seasonal worker")),
                                   tuple(tokenize("Fee"))]


def test_a_question_asking_what_a_term_means_is_told_from_one_using_it():
    assert asks_for_definition("What counts as a recruitment fee under the model protocol?")
    assert asks_for_definition("How does the convention define a serious crime?")
    assert not asks_for_definition("Must the State pay for the worker's trip home?")


def test_a_sentence_that_defines_is_recognised():
    assert DEFINES_RE.search("For the purposes of this Protocol, a fee shall mean any payment.")
    assert not DEFINES_RE.search("Each State Party shall adopt such measures as may be necessary.")


def test_a_definition_is_asked_by_the_asking_sentence_not_by_the_facts_before_it():
    assert not asks_for_definition("The defence says the boy no longer counts as a minor. What "
                                   "support must the State give him before the trial?")
    assert asks_for_definition("She is seventeen and married. Does she count as a child?")
    assert asks_for_definition("what is meant by 'vessel' in the smuggling protocol")
    assert asks_for_definition("Is a fishing trawler a 'vessel'? I need the definition.")


def test_the_older_drafting_that_is_to_say_defines_a_lettered_term():
    text = ("(a) Forced marriage, that is to say, any institution whereby a person is given;\n"
            "It binds the parties, that is to say, the States which have ratified it.")
    assert defined_terms(text) == [tuple(tokenize("Forced marriage"))]


def test_a_term_said_as_a_phrase_outranks_one_whose_words_are_scattered():
    words = tokenize("For the smuggling definition, is a boat carrying people a vessel "
                     "in the sense of illegal entry?")
    assert term_use(tuple(tokenize("Illegal entry")), words) == 2 + PHRASE
    assert term_use(tuple(tokenize("Vessel")), words) == 1 + PHRASE
    # every word of "smuggling of migrants" is not there; "entry ... illegal" would be scattered
    assert term_use(tuple(tokenize("Smuggling of migrants")), words) == 0
    scattered = tokenize("the people smuggling rules as applied to migrants")
    assert term_use(tuple(tokenize("Smuggling of migrants")), scattered) == 2
