import pytest

from assistant.answers.coverage import Coverage, asks_for_current_state

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


def test_a_detail_of_the_facts_is_not_what_the_question_asks_about():
    """Names the corpus never uses that only describe the facts: a language, a town, a
    nationality, an adjective, a capitalised common word or a sentence's first word."""
    corpus = Coverage(["Each State Party shall provide information in a language victims "
                       "understand.", "Children exploited for begging by teachers."])
    for question in ["The boy we found speaks only Amharic. Must he be told his rights in a "
                     "language he understands?",
                     "Teachers at Quranic boarding schools send pupils to beg: is that covered?",
                     "A Rotterdam-based crew was caught. Which offences apply?",
                     "Officers from the Spanish Guardia patrol found them. Confused. Who "
                     "decides on their return?",
                     "Meanwhile the Navy towed the dinghy to port. Can the passengers be "
                     "prosecuted?"]:
        assert corpus.unknown_names(question) == [], question


def test_a_year_that_dates_a_thing_of_the_facts_is_a_detail_but_a_period_asked_about_is_not():
    corpus = Coverage(["Firearms manufactured after 1899 are not antique firearms."])
    for question in ["Police seized a shotgun produced in 1931 from a collector. Is it an "
                     "antique under the Protocol?",
                     "The girl, born in 2009, was sold by her uncle. Is she a child here?",
                     "Does marking apply to pistols built around the 1950s?"]:
        assert corpus.unknown_names(question) == [], question
    assert corpus.unknown_names("How many firearms were seized in 1931?") == ["1931"]
    assert corpus.unknown_names("What changed in 1931 for collectors?") == ["1931"]


def test_an_edition_the_corpus_never_names_with_its_year_is_what_is_asked_about():
    corpus = Coverage(["Regional Review on Labour Exploitation 2021, chapter 3",
                       "The first International Migrants Day was marked in 2019.",
                       "The Summit adopted a declaration on labour recruitment."])
    assert corpus.unknown_names("What did the 2021 Regional Review say about mines?") == []
    assert corpus.unknown_names("Which slogan did the 2019 International Migrants Day use?"
                                ) == []
    # one of the things a passage names in the plural with the year
    assert corpus.unknown_names("What did the 2021 Regional Review on Labour Exploitation find?"
                                ) == []
    plural = Coverage(["Each year the Task Forces meet; the 2021 meetings were on fishing."])
    assert plural.unknown_names("What did the 2021 Task Force discuss?") == []
    assert corpus.unknown_names("Which slogan did the 2022 International Migrants Day use?"
                                ) == ["the 2022 International Migrants Day", "2022"]
    # the year stands apart from the thing it would date: no edition named together
    assert corpus.unknown_names("What did the 2019 Summit decide?") == ["the 2019 Summit"]


def test_the_edition_window_sets_how_far_a_year_may_stand_from_the_thing_it_dates():
    text = ["In 2018 the member States, meeting in Vienna for a week, held the Forum."]
    question = "What did the 2018 Forum agree?"
    assert Coverage(text, edition_window=12).unknown_names(question) == []
    assert Coverage(text, edition_window=3).unknown_names(question) == ["the 2018 Forum"]
    with pytest.raises(ValueError, match="edition_window"):
        Coverage(text, edition_window=-1)


def test_a_year_after_a_title_names_an_edition_too():
    corpus = Coverage(["Regional Review on Labour Exploitation 2021, chapter 3",
                       "In 2016 the review found more victims; the treaty of 2000."])
    assert corpus.unknown_names("What did the Regional Review on Labour Exploitation 2016 say "
                                "about mines?") == ["Regional Review on Labour Exploitation 2016"]
    assert corpus.unknown_names("What does the Regional Review on Labour Exploitation 2021 say "
                                "about mines?") == []


def test_an_edition_in_a_translated_questions_terms_is_read_without_the_article():
    corpus = Coverage(["Regional Review on Labour Exploitation 2021, chapter 3",
                       "Victims detected in 2016 in Europe; the treaty of 2000."])
    # a row of English terms read from another language: no "the" before the year
    assert corpus.unknown_names("figures Regional Review on Labour Exploitation 2016 Europe",
                                sentence=False) == ["Regional Review on Labour Exploitation 2016"]
    # a place's name runs into the title; the title it ends with is named with 2021
    assert corpus.unknown_names("figures Lima Regional Review on Labour Exploitation 2021",
                                sentence=False) == []
    # a year before a title may be the period of its figures
    assert corpus.unknown_names("figures Africa 2016 Regional Review on Labour Exploitation",
                                sentence=False) == []
    # a year alone, or beside an instrument's name, names no edition
    assert corpus.unknown_names("victims detected 2016 Europe", sentence=False) == []
    assert corpus.unknown_names("Organized Crime Convention 2000 extradition",
                                sentence=False) == []


def test_a_source_the_corpus_never_names_is_what_the_question_asks_about():
    corpus = Coverage(["Each State Party shall adopt measures against trafficking."])
    assert corpus.unknown_names("What did the Inter-American Court decide on forced labour?"
                                ) == ["Inter-American Court"]
    assert corpus.unknown_names("According to Frontex, how are smugglers paid?") == ["Frontex"]
    assert corpus.unknown_names("What does OSCE recommend on shelters?") == ["OSCE"]
    assert "Siliadin v. France" in corpus.unknown_names(
        "What did the judgment in Siliadin v. France say about servitude?")
    assert "Harbour Lights" in corpus.unknown_names(
        "In the Harbour Lights survey, how many crew were unpaid?")


def test_a_body_acting_in_the_facts_is_a_detail_but_its_ruling_or_report_is_a_source():
    corpus = Coverage(["Each State Party shall designate a central authority."])
    assert corpus.unknown_names("The Attorney General's Office in Lusaka must choose who "
                                "answers foreign requests. What does the convention ask?") == []
    assert corpus.unknown_names("Has the East African Court of Justice ruled on "
                                "trafficking?") == ["East African Court of Justice"]
    assert "Labour Ministry" in corpus.unknown_names(
        "Where does the Labour Ministry's 2023 Annual Inspection Report rank fishing?")
    assert corpus.unknown_names("Did the Labour Ministry say anything about fishing crews?") == [
        "Labour Ministry"]
    assert corpus.unknown_names("The Labour Ministry wants to inspect boats. What does the "
                                "convention allow?") == []


def test_an_instrument_that_is_not_indexed_is_named_as_missing():
    titles = ["TIP Protocol", "Protocol to Prevent, Suppress and Punish Trafficking in Persons, "
              "Especially Women and Children", "CRC OPSC", "Optional Protocol to the "
              "Convention on the Rights of the Child on the sale of children"]
    corpus = Coverage(["States shall respect the Geneva Conventions on refugees."], titles)
    assert corpus.unknown_instruments(
        "Does the Optional Protocol on children in armed conflict ban recruiting 16-year-olds?"
    ) == ["Optional Protocol on children in armed conflict"]
    missing = corpus.unknown_instruments("Is the CoE Convention on Action against Trafficking "
                                         "binding?")
    assert len(missing) == 1 and missing[0].startswith("CoE Convention on Action against")
    assert corpus.unknown_instruments(
        "What must employers do under the Domestic Workers Convention?") == [
        "Domestic Workers Convention"]
    for known in ["Does the trafficking protocol protect witnesses?",
                  "Under the optional protocol to the CRC, what is a sale of a child?",
                  "What does the Palermo Protocol say about consent?",
                  "Can they rely on the trafficking protocol to hand over a suspect?",
                  "Without a bilateral treaty, can they cooperate?",
                  "What does the traffiking protocol say?",  # a typo is still the Protocol
                  "Does the older optional protocol on the sale of children cover adoption?",
                  "Do the Geneva Conventions on refugees apply?"]:  # a passage names it
        assert corpus.unknown_instruments(known) == [], known


def test_a_request_for_a_contact_is_only_answered_by_a_passage_that_gives_one():
    from assistant.answers.coverage import asks_for_a_contact, gives_a_contact

    assert asks_for_a_contact("What is the hotline number for victims in Ontario?")
    assert asks_for_a_contact("I need the contact details of a shelter in Quito.")
    # "contact" as a right or a duty, a site as a place where things happen: no request
    assert not asks_for_a_contact("May a detained migrant contact the consulate?")
    assert not asks_for_a_contact("The videos were sold on a website: is that an offence?")
    # a hotline as the place the asker works says who asks
    assert not asks_for_a_contact("Greetings from the national anti-trafficking hotline: "
                                  "does the protocol cover organ removal?")
    assert not asks_for_a_contact("I volunteer on a migrants' helpline. Can smuggled people "
                                  "be punished for their own smuggling?")
    assert asks_for_a_contact("We run a shelter; is there a helpline victims can call?")
    assert gives_a_contact("Call +1 (800) 555-0199 or write to help@example.org.")
    assert not gives_a_contact("States shall establish comprehensive policies.")


def test_in_terms_read_from_another_language_only_sources_years_and_numbers_are_names():
    corpus = Coverage(["Each State Party shall protect victims. Arrivals on the Canary Islands "
                       "rose in 2023."])
    # a place in its own language's name is no unknown subject, even in a count
    assert corpus.unknown_names("how many persons Canarias 2023", sentence=False) == []
    assert corpus.unknown_names("GRETA evaluation country", sentence=False) == ["GRETA"]


def test_an_instrument_a_passage_names_is_known_whatever_follows_in_the_question():
    corpus = Coverage(["comply with its obligations under the Vienna Convention on Consular "
                       "Relations"], ["SOM Protocol"])
    assert corpus.unknown_instruments("obligations Vienna Convention on Consular Relations "
                                      "detention migrant smuggling", sentence=False) == []


def test_a_numbered_document_name_is_one_name_and_a_year_is_no_number_of_a_name():
    corpus = Coverage(["The Harbour study of 2019 interviewed 30 fishers.",
                       "In 2018 the Oba of Benin issued a declaration."])
    assert "Harbour 12 study" in corpus.unknown_names(
        "What did the Harbour 12 study find about debts?")
    assert corpus.unknown_names("What changed after the Oba of Benin's 2018 declaration?") == []


def test_a_body_asked_about_its_own_practice_or_a_named_estimate_is_a_source():
    corpus = Coverage(["Each State Party shall provide for the identification of victims by a "
                       "national mechanism and publish estimates of forced labour for each "
                       "regional office."])
    assert corpus.unknown_names("Which steps does the National Identification Mechanism "
                                "follow before it refers a victim?") == [
        "National Identification Mechanism"]
    assert corpus.unknown_names("What do the Regional Estimates of Forced Labour say about "
                                "mining?") == ["Regional Estimates of Forced Labour"]
    # told of a body, what it did is the facts
    assert corpus.unknown_names("The Labour Ministry inspected a farm and kept the workers' "
                                "files. What does the convention ask?") == []


def test_the_askers_own_practice_now_and_the_latest_unodc_report_are_no_present():
    assert not asks_for_current_state("Our ministry currently licenses no arms brokers. Which "
                                      "controls does the firearms protocol suggest?")
    assert not asks_for_current_state("What share of suspects were convicted in West Africa "
                                      "according to the most recent UNODC report?")
    assert asks_for_current_state("We run a shelter. Which countries have ratified it so far?")
    assert asks_for_current_state("Is forced begging rising these days?")


def test_the_most_recent_figure_is_a_question_about_the_present():
    assert asks_for_current_state("What is the most recent count of victims worldwide?")


def test_a_language_beside_an_instrument_in_translated_terms_names_no_instrument():
    corpus = Coverage(["Each State Party shall assist victims of trafficking in persons."],
                      instruments=["TIP Protocol"])
    assert corpus.unknown_instruments("shelter victim speaks Tigrinya Portuguese protocol "
                                      "interpreter rights", sentence=False) == []
    assert corpus.unknown_instruments("victims Council Europe Convention rights",
                                      sentence=False) == ["Council Europe Convention"]


def test_a_decade_that_dates_a_thing_and_an_everyday_abbreviation_are_details():
    corpus = Coverage(["Each State Party shall mark firearms and assist victims."],
                      instruments=["Firearms Protocol", "TIP Protocol"])
    assert corpus.unknown_names("Is a musket from the 1850s covered by the firearms "
                                "protocol?") == []
    assert corpus.unknown_names("The girl has no ID or passport. What does the trafficking "
                                "protocol say about getting her home?") == []


def test_an_acronym_acting_in_the_facts_of_a_question_about_an_instrument_is_a_detail():
    corpus = Coverage(["Each State Party shall assist victims of trafficking in persons."],
                      instruments=["TIP Protocol"])
    assert corpus.unknown_names("KASPA in Ghana is updating its rules for shelters. What does "
                                "the trafficking protocol require for child victims?") == []
    assert corpus.unknown_names("What does KASPA recommend on shelters?") == ["KASPA"]
    assert corpus.unknown_names("According to KASPA, how many shelters are there?") == ["KASPA"]


def test_an_acronym_in_brackets_abbreviates_the_name_before_it():
    corpus = Coverage(["Each State Party shall assist victims of trafficking in persons."],
                      instruments=["TIP Protocol"])
    assert corpus.unknown_names("Our labour ministry (MTPE) wants to train inspectors. What "
                                "should they look for?") == []
    # the name it abbreviates is still judged: a body asked what it says is a source
    assert corpus.unknown_names("What did the Lantern Review Commission (LRC) find about "
                                "shelters?") == ["Lantern Review Commission"]


def test_where_the_asker_works_and_headquarters_are_details():
    corpus = Coverage(["States Parties shall exchange information on smugglers' methods."],
                      instruments=["SOM Protocol"])
    assert corpus.unknown_names("Analyst at Frontex, comparing figures. Does the smuggling "
                                "protocol ask States to share data?") == []
    assert corpus.unknown_names("We're with Caritas Lanka: must States share information?"
                                ) == []
    assert corpus.unknown_names("Desk officer at coast guard HQ. What may we share?") == []
    # a body the question asks about is still judged
    assert corpus.unknown_names("What did Frontex find about routes?") == ["Frontex"]


def test_a_possessive_ends_a_name():
    corpus = Coverage(["The Global Report covers Africa and Europe."],
                      instruments=["Global Report"])
    assert corpus.unknown_names("Is there a figure in the Global Report's Europe chapter on "
                                "returns?") == []


def test_hotlines_as_a_topic_are_no_request_for_a_contact():
    from assistant.answers.coverage import asks_for_a_contact

    assert not asks_for_a_contact("What does the report say about national hotlines?")
    assert not asks_for_a_contact("What did survivors say regarding (a) helplines and (b) "
                                  "shelters?")
    assert asks_for_a_contact("Which hotline can a victim in Lima call?")


def test_a_question_typed_without_capitals_still_names_an_instrument():
    corpus = Coverage(["Each State Party shall assist victims of trafficking in persons."],
                      instruments=["TIP Protocol", "SOM Protocol"])
    assert corpus.unknown_instruments("what rights do victims have under the council of europe "
                                      "anti-trafficking convention") == [
        "council of europe anti-trafficking convention"]
    assert corpus.unknown_instruments("what does the smuggling of migrants protocol say "
                                      "about boats") == []
