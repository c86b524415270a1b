import pytest

from assistant.question.glossary import expand


def test_glossary_adds_the_legal_terms_of_everyday_phrases():
    assert "consent" in expand("Does it matter if the victim agreed?")
    assert "fraudulent document" in expand("Are fake passports a crime?")
    assert "legal persons" in expand("Can companies be liable?")
    assert expand("Article 5") == "Article 5"


# (legal terms, everyday phrasings that must get them, phrasings that must not): paraphrases
# written for these tests, not questions of any evaluation set.
VOCABULARY = [
    ("denunciation",
     ["What happens to a State that withdraws from the Convention?",
      "If we pull out of the firearms protocol, when does it stop binding us?",
      "Can a government quit the treaty at any time?",
      "How does a country get out of the firearms protocol?",
      "Can we withdraw from the convension later?"],
     ["The victim left the country. What does the Protocol say about her return?"]),
    ("vessel without nationality",
     ["The coast guard met a rubber dinghy flying no flag. Can they stop it?",
      "What may a navy do with an unflagged trawler full of migrants?",
      "Our patrol found a ship at sea with no registration papers of any kind and no "
      "nationality marks."],
     ["Is there no registration of firearms brokers in that country?",
      "The boat had no name painted on it. Who owns it?",
      "There were no red flags when she was recruited."]),
    ("controlled delivery",
     ["Customs want to let a suspicious container travel on to the buyer under "
      "surveillance. Is that allowed?",
      "Can investigators allow the consignment to cross into the next country to catch the "
      "receivers?"],
     ["Let the victim travel home safely: what does the Protocol require?"]),
    ("uncertainty age",
     ["Nobody knows whether the boy is 15 or 20 and he carries no ID. Can we treat the case "
      "as child trafficking?",
      "The police could not establish her age. Does that block the investigation?",
      "What if the victim's age is disputed?"],
     ["Is a 17-year-old a child under the Protocol?",
      "Do Articles 16 or 18 apply to extradition?"]),
    ("remain territory residence",
     ["Can a rescued worker get permission to stay instead of being sent home?",
      "Is there any right for victims to live in the country for a while?",
      "Do survivors get a residence permit under the Protocol?"],
     ["How long did she stay with the recruiter before escaping?"]),
    ("laundering",
     ["The profits went round three shell firms abroad. Which offence is that?",
      "He moved the takings so that no one could trace where the money came from. Is he "
      "liable?"],
     ["Where did the victims come from?"]),
    ("transfer sentenced persons",
     ["Could the convicted smuggler serve his jail time back home in his own country?"], []),
    ("privacy identity confidential",
     ["Can the trial of the recruiters be held behind closed doors?",
      "How do we stop the girl's name getting into the newspapers?"], []),
    ("costs expenses",
     ["When one country questions a witness for another, who pays for the interpreters?"],
     ["Who pays the smugglers, and how much?"]),
    ("demand",
     ["What should governments do about the men who pay for sex with trafficked women?",
      "Are the customers of brothels where victims work targeted by the Protocol?",
      "Is buying sex an offence under the Protocol?"],
     ["A client of our law firm was trafficked. Where do we start?"]),
    ("immunity from prosecution",
     ["Could the driver walk free, never charged, in return for naming the organisers?",
      "May prosecutors drop all charges against a courier for her cooperation?"],
     ["Will the witness be prosecuted if she lied?",
      "Can a victim be charged for immigration offences?"]),
    ("aggravating circumstances",
     ["The recruiters beat the workers daily. Does that weigh against the accused at "
      "sentencing?"],
     ["Does the victim's consent count against her?"]),
    ("prosecution liable",
     ["Could the women found in the lorry be charged for entering illegally?",
      "Police want to press charges against the farm owner. On what basis?",
      "Is a courier who was deceived still liable to get charged with trafficking?"],
     ["Is the interpreter free of charge for the victim?",
      "Who is in charge of receiving extradition requests?"]),
    ("witnesses testimony",
     ["The cook is afraid to give evidence against the restaurant owner. What can we offer?",
      "Does a girl who testifies against her recruiter get any protection?",
      "He took the stand last week and now gets threats."],
     ["Do the bank records give evidence of laundering?",
      "The photos gave evidence that the workers were locked in."]),
]


@pytest.mark.parametrize(("terms", "phrasings", "others"), VOCABULARY,
                         ids=[terms for terms, _, _ in VOCABULARY])
def test_everyday_phrasings_get_the_legal_terms(terms, phrasings, others):
    for question in phrasings:
        assert terms in expand(question), question
    for question in others:
        assert terms not in expand(question), question


def test_the_alternative_a_question_sets_against_its_ask_gets_no_legal_terms():
    rather = "Can a rescued worker get leave to stay rather than being sent home at once?"
    assert "remain territory residence" in expand(rather)
    assert "return repatriation" not in expand(rather)
    instead = "Instead of deportation, may the girls stay in the country for now?"
    assert "return repatriation" not in expand(instead)
    assert "return repatriation" in expand("Must the State send victims back home safely?")
