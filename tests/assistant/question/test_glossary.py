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
