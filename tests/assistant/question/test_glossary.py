from assistant.question.glossary import expand


def test_glossary_adds_the_legal_terms_of_everyday_phrases():
    assert "consent" in expand("Does it matter if the victim agreed?")
    assert "fraudulent document" in expand("Are fake passports a crime?")
    assert "legal persons" in expand("Can companies be liable?")
    assert expand("Article 5") == "Article 5"


def test_leaving_a_treaty_is_its_denunciation():
    for question in ["What happens to a State that withdraws from the Convention?",
                     "If we pull out of the firearms protocol, when does it stop binding us?",
                     "Can a government quit the treaty at any time?"]:
        assert "denunciation" in expand(question), question
    assert "denunciation" not in expand("The victim left the country. What does the "
                                        "Protocol say about her return?")


def test_a_boat_flying_no_flag_is_a_vessel_without_nationality():
    for question in ["The coast guard met a rubber dinghy flying no flag. Can they stop it?",
                     "What may a navy do with an unflagged trawler full of migrants?",
                     "Our patrol found a ship at sea with no registration papers of any kind "
                     "and no nationality marks."]:
        assert "vessel without nationality" in expand(question), question
    for question in ["Is there no registration of firearms brokers in that country?",
                     "The boat had no name painted on it. Who owns it?",
                     "There were no red flags when she was recruited."]:
        assert "vessel without nationality" not in expand(question), question


def test_letting_a_watched_shipment_travel_on_is_a_controlled_delivery():
    for question in ["Customs want to let a suspicious container travel on to the buyer "
                     "under surveillance. Is that allowed?",
                     "Can investigators allow the consignment to cross into the next country "
                     "to catch the receivers?"]:
        assert "controlled delivery" in expand(question), question
    assert "controlled delivery" not in expand("Let the victim travel home safely: what "
                                               "does the Protocol require?")


def test_not_knowing_a_victims_age_is_uncertainty_as_to_age():
    for question in ["Nobody knows whether the boy is 15 or 20 and he carries no ID. Can we "
                     "treat the case as child trafficking?",
                     "The police could not establish her age. Does that block the "
                     "investigation?",
                     "What if the victim's age is disputed?"]:
        assert "uncertainty age" in expand(question), question
    assert "uncertainty age" not in expand("Is a 17-year-old a child under the Protocol?")
    assert "uncertainty age" not in expand("Do Articles 16 or 18 apply to extradition?")


def test_staying_in_the_country_is_remaining_in_its_territory():
    for question in ["Can a rescued worker get permission to stay instead of being sent home?",
                     "Is there any right for victims to live in the country for a while?",
                     "Do survivors get a residence permit under the Protocol?"]:
        assert "remain territory residence" in expand(question), question
    assert "remain territory residence" not in expand("How long did she stay with the "
                                                      "recruiter before escaping?")


def test_hiding_where_money_came_from_is_laundering():
    for question in ["The profits went round three shell firms abroad. Which offence is that?",
                     "He moved the takings so that no one could trace where the money came "
                     "from. Is he liable?"]:
        assert "laundering" in expand(question), question
    assert "laundering" not in expand("Where did the victims come from?")


def test_more_everyday_phrases_of_procedure():
    assert "transfer sentenced persons" in expand(
        "Could the convicted smuggler serve his jail time back home in his own country?")
    assert "denunciation" in expand("How does a country get out of the firearms protocol?")
    assert "denunciation" in expand("Can we withdraw from the convension later?")
    assert "privacy identity confidential" in expand(
        "Can the trial of the recruiters be held behind closed doors?")
    assert "privacy identity confidential" in expand(
        "How do we stop the girl's name getting into the newspapers?")
    assert "costs expenses" in expand(
        "When one country questions a witness for another, who pays for the interpreters?")
    assert "costs expenses" not in expand("Who pays the smugglers, and how much?")


def test_the_buyers_of_exploitation_are_the_demand():
    for question in ["What should governments do about the men who pay for sex with "
                     "trafficked women?",
                     "Are the customers of brothels where victims work targeted by the "
                     "Protocol?",
                     "Is buying sex an offence under the Protocol?"]:
        assert "demand" in expand(question), question
    assert "demand" not in expand("A client of our law firm was trafficked. Where do we "
                                  "start?")
