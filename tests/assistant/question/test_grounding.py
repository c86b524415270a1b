"""Questions about a particular country's law or figures are answered only from passages about
it; questions that merely mention a country are answered as usual. Written for these tests."""

import pytest

from assistant.question.grounding import as_any_state, scopes


def _labels(question: str) -> list[str]:
    return [scope.label for scope in scopes(question)]


def test_a_countrys_own_law_or_figures_is_the_subject():
    assert _labels("What prison term does Portugal's criminal code set for smuggling?") == [
        "Portugal"]
    assert _labels("Is forced begging an offence under the legislation of Kenya?") == ["Kenya"]
    assert _labels("How many traffickers were sentenced in Ghana in 2019?") == ["Ghana", "2019"]
    assert _labels("What does the ILO's report say about fishing vessels?") == ["ILO"]
    assert _labels("What do the IOM's 2020 Regional Estimates say about domestic work?") == [
        "IOM"]
    assert _labels("What sentence can a smuggler get under Malta's Immigration Ordinance?"
                   ) == ["Malta"]


def test_a_country_that_only_acts_in_the_question_is_no_scope():
    assert _labels("May Canada board a ship flying the flag of Panama if it suspects "
                   "smuggling?") == []
    assert _labels("Our prosecutors in Peru want bank records held in Chile: which article "
                   "covers the request?") == []
    assert _labels("Can Malta's navy board a boat flying another State's flag?") == []
    assert _labels("A court in Lima wants a man serving a jail sentence in Chile to testify. "
                   "Can he be moved?") == []
    assert _labels("What sentences in Chile do traffickers get?") == ["Chile"]


def test_a_question_about_portugals_penal_code_is_refused_and_says_why(assistant):
    answer = assistant.ask("What prison term does Iceland's criminal code set for trafficking "
                           "in persons?")
    assert answer.refused
    assert any("Iceland" in notice for notice in answer.notices)
    assert answer.passages  # the closest provisions stay visible as related


def test_a_question_that_mentions_a_country_is_answered(assistant):
    answer = assistant.ask("May Canada board a ship flying the flag of Panama if it suspects "
                           "the ship is smuggling migrants?")
    assert not answer.refused
    assert any(c.locator.startswith("Article 8") for c in answer.citations)


def test_a_law_named_before_its_country_as_french_and_spanish_order_it():
    assert _labels("penalty law American sale of organs") == ["American"]
    assert _labels("law Canada extradition requests") == ["Canada"]


def test_a_count_needs_one_passage_about_its_place_and_year_together():
    from assistant.models import Chunk, Passage
    from assistant.question.grounding import ungrounded

    def passage(text: str) -> Passage:
        return Passage(chunk=Chunk(doc_id="r", source="r.pdf", title="Report", locator="p. 1",
                                   text=text), rank=1, score=0.5)

    question = "How many smugglers were convicted in Morocco in 2020?"
    apart = [passage("Morocco reported detected victims."), passage("In 2020 courts convicted.")]
    together = [passage("In 2020 Morocco convicted 41 smugglers.")]
    assert [s.label for s in ungrounded(question, apart)] == ["Morocco", "2020"]
    assert ungrounded(question, together) == []


def test_a_question_in_french_about_convictions_in_a_country_and_year_is_refused(assistant):
    answer = assistant.ask("Combien de passeurs ont été condamnés en Islande en 2021 ?")
    assert answer.refused and answer.language == "fr"


def test_a_states_own_treaty_status_is_about_that_state():
    assert _labels("Has Peru ratified the trafficking protocol yet?") == ["Peru"]
    assert _labels("Is Norway a party to the Smuggling Protocol?") == ["Norway"]
    assert _labels("Can Peru ratify the Protocol before the Convention?") == []


def test_access_to_something_is_no_treaty_status_in_translated_terms():
    assert _translated("trafficked Uzbekistan provided protocol access to compensation") == []
    assert _translated("Canada ratification Firearms Protocol date") == ["Canada"]


@pytest.mark.parametrize(("question", "language", "expected"), [
    # a sentence that only sets the scene: its country owns nothing the next one asks about
    ("Je prépare un atelier au Mali : que dit le Rapport mondial sur le travail forcé des "
     "enfants ?", "fr", []),
    ("Soy fiscal en Honduras. ¿Qué dice el Informe Mundial sobre las víctimas de trata "
     "detectadas?", "es", []),
    # the country's own law, and a count, stay the subject wherever the country is named
    ("Que prévoit la loi malienne contre la traite ?", "fr", ["Malian"]),
    ("En Honduras: ¿cuántas víctimas se detectaron en 2019?", "es", ["Honduras", "2019"]),
])
def test_a_country_in_a_sentence_that_sets_the_scene_owns_no_report(question, language,
                                                                      expected):
    from assistant.question.grounding import clause_scopes
    from assistant.text.languages import translate

    translation = translate(question, language)
    found = clause_scopes(translation.english, translation.clauses, sentence=False)
    assert sorted(s.label for s in found) == sorted(expected), translation.clauses


def test_a_question_word_and_the_documents_publisher_own_no_report():
    assert _labels("He was forced to scam people. Does UNODC's latest report cover such "
                   "cases?") == []
    assert _labels("Did the Walk Free Foundation's report give estimates?") == [
        "Walk Free Foundation"]


def test_what_happened_in_a_year_is_of_that_year():
    assert _labels("Which cities signed up to the Blue Hearts pledge in 2019?") == ["2019"]
    assert _labels("What did the 2024 Global Report find on child trafficking?") == []


def _translated(terms: str) -> list[str]:
    return [scope.label for scope in scopes(terms, sentence=False)]


def test_the_countries_of_a_rules_question_are_searched_as_any_state():
    assert as_any_state("Our court in Kenya received a request from Uganda: must Kenya hand "
                        "over a Ugandan suspect?") == (
        "Our court in a State received a request from another State: must a State hand over a "
        "suspect?")


def test_a_law_after_and_or_a_pronoun_is_not_the_countrys():
    assert _labels("The suspect is Ugandan and our law forbids extraditing him. What then?") == []
    assert _labels("Kenya, like my own law, sets no limit: may we refuse?") == []


@pytest.mark.parametrize("question", [
    "What penalty does Kenyan law set for trafficking?",  # the country's own law
    "How many victims were detected in Uganda in 2022?",  # a count
    "Has Kenya ratified the smuggling protocol?",  # its treaty status
    "Which routes do Ugandan victims follow to the Gulf?",  # not about the rules
])
def test_a_question_about_a_country_keeps_it(question):
    assert as_any_state(question) == question
