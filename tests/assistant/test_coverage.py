from assistant.coverage import Coverage, asks_for_current_state
from assistant.glossary import expand

CORPUS = ["In 2018, the Oba (King) of Benin issued a declaration.",
          "The Joint UN Commentary on EU Directive on Preventing Trafficking.",
          "Victims detected in Europe in 2022."]


def test_names_the_corpus_never_uses_are_reported():
    coverage = Coverage(CORPUS)
    assert coverage.unknown_names("What does GRETA say about Europe?") == ["GRETA"]
    assert coverage.unknown_names("How many victims were detected in 2025?") == ["2025"]
    directive = "What does EU Directive 2011/36/EU say?"
    assert coverage.unknown_names(directive) == ["2011", "2011/36/EU"]
    # a country is judged by grounding, not as an unknown name; the Act's name still is one
    unknown = coverage.unknown_names("Penalties under the UK Modern Slavery Act?")
    assert "UK" not in unknown and "Modern Slavery Act" in unknown


def test_names_the_corpus_uses_are_not_reported():
    coverage = Coverage(CORPUS)
    assert coverage.unknown_names("What did the Oba of Benin's declaration change?") == []
    assert coverage.unknown_names("How many victims were detected in Europe in 2022?") == []
    assert coverage.unknown_names("Does the TIP Protocol define exploitation?") == []


def test_questions_about_the_present():
    assert asks_for_current_state("How many countries have ratified it to date?")
    assert asks_for_current_state("What is the latest estimate?")
    assert not asks_for_current_state("How many victims were detected in 2022?")


def test_glossary_adds_the_legal_terms_of_everyday_phrases():
    assert "consent" in expand("Does it matter if the victim agreed?")
    assert "fraudulent document" in expand("Are fake passports a crime?")
    assert "legal persons" in expand("Can companies be liable?")
    assert expand("Article 5") == "Article 5"


def test_a_place_that_only_sets_the_facts_is_not_the_subject():
    corpus = Coverage(["Each State Party shall afford mutual legal assistance.",
                       "Smuggled migrants shall be informed of consular notification."])
    assert corpus.unknown_names("Investigators in Marseille need bank records held abroad: "
                                "what assistance must another State give?") == []
    assert corpus.unknown_names("Border guards stopped a van near Oujda carrying twelve "
                                "migrants. Must their consulate be told?") == []


def test_a_place_whose_own_figures_or_situation_are_asked_is_the_subject():
    corpus = Coverage(["Each State Party shall afford mutual legal assistance."])
    assert "Marseille" in corpus.unknown_names("How many victims were identified in Marseille "
                                               "last year?")
    assert "Oujda" in corpus.unknown_names("What are the smuggling routes through Oujda?")
    assert "Europol" in corpus.unknown_names("What does Europol recommend on smuggling?")
