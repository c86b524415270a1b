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
