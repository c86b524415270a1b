"""Facts measured against a definition's elements. Questions and texts written for these tests."""

from assistant.answers.elements import find_indicators, offences_asked, parse_definition

DEFINITION = ("a) \u201cTrafficking in persons\u201d shall mean the recruitment or transfer of "
              "persons, by means of force or deception, for the purpose of exploitation. "
              "Exploitation shall include forced labour;")
SMUGGLING = ("a) \u201cSmuggling of migrants\u201d shall mean the procurement, in order to "
             "obtain a financial benefit, of the illegal entry of a person into a State;")


def _parts(text: str) -> dict[str, list[str]]:
    start = text.index("shall mean ") + len("shall mean ")
    return {e.key: [text[a:b] for a, b in e.spans] for e in parse_definition(text, start)}


def test_a_question_asking_whether_facts_are_an_offence_is_recognised():
    facts = "A recruiter kept the workers' passports and paid them nothing. "
    assert offences_asked(facts + "Would that be trafficking?") == ["trafficking"]
    assert offences_asked(facts + "Is she a victim of trafficking or of smuggling?") == [
        "trafficking"]
    assert offences_asked("We drove three men over the border for cash. Smuggling or "
                          "trafficking?") == ["smuggling", "trafficking"]
    # a question about the law, not about facts, and facts asked about another provision
    assert offences_asked("What does the smuggling protocol say about return?") == []
    assert offences_asked(facts + "Is that covered by the trafficking protocol?") == []
    assert offences_asked("Is this trafficking?") == []  # no facts to measure
    # asking for the instrument's view of the facts, or whether they fit its definition
    assert offences_asked(facts + "How would the UN trafficking protocol see this?") == [
        "trafficking"]
    assert offences_asked("Two men paid a boatman to take them across the strait at night. "
                          "Does that fall within the smuggling definition?") == ["smuggling"]
    assert offences_asked("How does the trafficking protocol treat a victim's consent?") == []


def test_the_elements_are_read_from_the_definition_by_its_connectives():
    assert _parts(DEFINITION) == {
        "act": ["the recruitment or transfer of persons"],
        "means": ["by means of force or deception"],
        "purpose": ["for the purpose of exploitation. Exploitation shall include forced labour"]}
    assert _parts(SMUGGLING) == {
        "conduct": ["the procurement", "of the illegal entry of a person into a State"],
        "benefit": ["in order to obtain a financial benefit"]}


def test_indicators_say_what_the_facts_mention_and_what_they_deny():
    found = find_indicators("An agent promised the girl, 15, a job in a hotel; nobody was "
                            "threatened and no force was used. She now sleeps in the kitchen "
                            "and works unpaid.")
    assert "promised" in found["act"].shown
    assert {"threatened", "force"} <= {w.lower() for w in found["means"].denied}
    assert found["purpose"].shown == ["unpaid"]
    assert found["child"].shown == ["girl"]
    benefit = find_indicators("A fisherman ferried them to the island for free.")["benefit"]
    assert benefit.denied == ["for free"] and benefit.shown == []


def test_a_fact_pattern_is_answered_element_by_element(assistant):
    answer = assistant.ask("A man offered a 15-year-old girl work as a maid in the capital and "
                           "took her there by bus. Nobody forced or tricked her, but she now "
                           "works unpaid and cannot go to school. Could this be trafficking?")
    assert not answer.refused
    assert answer.citations[0].locator == "Article 3(a)" and answer.passages[0].rank == 1
    assert "The means (Article 3(a))" in answer.text
    verdicts = [line.strip() for line in answer.text.split("\n\n")
                if line.strip().startswith("Your description")]
    act, means, purpose = verdicts[:3]
    assert act.startswith("Your description mentions: offered a 15-year-old girl work;")
    assert "by bus" in act
    assert means.startswith("Your description says otherwise:")
    assert {"forced", "tricked"} <= set(means.rstrip(".").split(": ")[1].split("; "))
    assert purpose == "Your description mentions: unpaid."
    assert {"Article 3(c)", "Article 3(d)"} <= {c.locator for c in answer.citations}


def test_a_smuggling_fact_pattern_without_a_benefit_says_so(assistant):
    answer = assistant.ask("A priest drove four migrants across the border at night, free of "
                           "charge, out of compassion. Does that count as smuggling?")
    assert answer.citations[0].locator == "Article 3(a)"
    assert answer.citations[0].instrument == "SOM Protocol"
    assert "Your description says otherwise: free of charge; out of compassion." in answer.text


def test_the_same_ask_is_recognised_in_the_other_languages():
    facts = {"fr": "Un passeur a conduit trois personnes de l'autre côté de la frontière. ",
             "es": "Un hombre llevó a tres personas al otro lado de la frontera. ",
             "zh": "一名男子收了钱，开车把三个人送过边境。",
             "ar": "نقل رجل ثلاثة أشخاص عبر الحدود مقابل المال. ",
             "ru": "Мужчина за деньги перевёз трёх человек через границу. "}
    asks = {"fr": "S'agit-il de trafic illicite de migrants ?", "es": "¿Es tráfico ilícito?",
            "zh": "这是否构成偷运移民？", "ar": "هل هذا تهريب للمهاجرين؟",
            "ru": "Является ли это незаконным ввозом мигрантов?"}
    for language, ask in asks.items():
        assert offences_asked(facts[language] + ask, language) == ["smuggling"], language
    assert offences_asked("Est-ce de la traite ?", "fr") == []  # no facts to measure
    both = ("Une passeuse fait passer la frontière à une jeune femme puis la vend à un "
            "proxénète. Trafic ou traite ?")
    assert offences_asked(both, "fr") == ["smuggling", "trafficking"]
    assert offences_asked("Мужчина за деньги перевёз их через границу, а потом заставил "
                          "работать. Это незаконный ввоз или уже торговля людьми?", "ru") == [
        "smuggling", "trafficking"]


def test_a_fact_pattern_in_french_is_answered_element_by_element_in_french(assistant):
    answer = assistant.ask("Un recruteur a promis à une jeune fille de 16 ans un emploi à "
                           "l'étranger, puis lui a confisqué son passeport et l'a forcée à "
                           "travailler sans salaire. Est-ce de la traite des personnes ?")
    assert answer.language == "fr" and not answer.refused
    assert answer.text.startswith("Il appartient aux autorités compétentes")
    assert "- Les moyens (article 3(a))" in answer.text
    assert answer.citations[0].locator == "Article 3(a)"
