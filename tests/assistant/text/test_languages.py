"""Questions in the six UN languages: detection, the terminology tables, article references,
and answers whose own words follow the question. The questions are written for these tests."""

import pytest

from assistant.i18n import LANGUAGES, locator, message
from assistant.text.languages import detect_language, reference_spans, term_table, translate


@pytest.mark.parametrize(("text", "language"), [
    ("Quelles mesures un État doit-il prendre pour protéger les témoins ?", "fr"),
    ("¿Qué debe hacer un Estado para proteger a los testigos?", "es"),
    ("Какие меры должно принять государство для защиты свидетелей?", "ru"),
    ("国家应当采取哪些措施保护证人？", "zh"),
    ("ما التدابير التي يجب على الدولة اتخاذها لحماية الشهود؟", "ar"),
    ("What must a State do to protect witnesses?", "en"),
])
def test_detects_the_six_languages(text, language):
    assert detect_language(text) == language


def test_a_terse_reference_is_not_taken_for_another_language():
    assert detect_language("Art. 3(a) TIP Protocol") == "en"


@pytest.mark.parametrize(("language", "text", "english"), [
    ("fr", "article 7 du Protocole", "Article 7"),
    ("fr", "le paragraphe 2 de l'article 16", "Article 16, paragraph 2"),
    ("es", "artículo 10, párrafo 1", "Article 10, paragraph 1"),
    ("es", "el apartado b) del artículo 3", None),  # letter before the article: not guessed
    ("ru", "пункт 4 статьи 18", "Article 18, paragraph 4"),
    ("ru", "статья 2 (а)", "Article 2(a)"),
    ("zh", "第二十四条", "Article 24"),
    ("zh", "第18条第9款", "Article 18, paragraph 9"),
    ("ar", "المادة 12", "Article 12"),
    ("ar", "الفقرة 2 من المادة ١٤", "Article 14, paragraph 2"),
])
def test_article_references_in_each_language(language, text, english):
    found = [ref for _, _, ref in reference_spans(text, language)]
    if english is None:
        assert all("(b)" not in ref for ref in found)
    else:
        assert found == [english]


@pytest.mark.parametrize(("language", "text", "terms"), [
    ("fr", "entraide judiciaire et extradition", {"mutual legal assistance", "extradition"}),
    ("fr", "les victimes de la traite des personnes", {"trafficking in persons"}),
    ("es", "decomiso del producto del delito", {"confiscation"}),
    ("es", "¿Alemania puede negarse?", {"Germany"}),  # country names from ISO 3166 data
])
def test_terms_map_to_english(language, text, terms):
    english = translate(text, language).english.lower()
    for term in terms:
        assert term.lower() in english


@pytest.mark.parametrize(("language", "text", "terms"), [
    ("es", "Mi sobrina trabaja sin salario para pagar lo que debía su padre", {"niece", "owe"}),
    ("fr", "Son frère a fait des heures supplémentaires dans une plantation de cacao",
     {"brother", "overtime"}),
    ("ru", "Дочь осуждённый отца снова продаёт", {"daughter", "again"}),
    ("zh", "她辍学后被带出国，合同上没有工时", {"drop out of school", "take abroad"}),
    ("ar", "كم من الوقت يقضي عقوبة في السجن؟", {"how long", "serves a sentence"}),
])
def test_everyday_words_of_a_situation_are_read(language, text, terms):
    english = translate(text, language).english.lower()
    for term in terms:
        assert term in english, english


@pytest.mark.parametrize(("language", "text", "terms", "not_terms"), [
    # "abordar" is to address a matter; a vessel is boarded only when the vessel is named
    ("es", "¿Qué cuestiones abordó la conferencia este año?", {"address"}, {"vessel"}),
    ("es", "¿La policía puede abordar el buque en alta mar?", {"board the vessel"}, set()),
    ("es", "¿Qué salvaguardias protegen a los detenidos?", {"safeguards"}, {"saving clause"}),
    ("es", "¿Hace falta autorización del otro país?", {"authorization"}, {"licences"}),
    # the French for a smuggled migrant is not a trafficked one
    ("fr", "Un migrant objet de trafic peut-il être expulsé ?", {"smuggled"}, {"trafficking"}),
])
def test_words_with_a_common_and_a_narrow_sense_read_in_the_common_one(language, text, terms,
                                                                       not_terms):
    english = translate(text, language).english.lower()
    assert all(term in english for term in terms), english
    assert not any(term in english for term in not_terms), english


def test_countries_of_one_sentence_name_no_convention_of_the_next(assistant):
    answer = assistant.ask("Investigamos a un grupo con cómplices en Perú, Bolivia y Chile. "
                           "¿La Convención permite que los tres países intercambien pruebas?")
    assert not any("Peru" in notice and "Chile" in notice for notice in answer.notices)


def test_no_single_chinese_character_is_read_on_its_own_from_the_everyday_words():
    assert "year" not in translate("2023年有多少起案件？", "zh").english


def test_words_without_an_entry_are_kept_among_the_keywords():
    translation = translate("Le mot zorglub figure-t-il dans le Protocole ?", "fr")
    assert "zorglub" in translation.keywords
    assert "zorglub" in translation.unmatched


def test_every_table_reads_and_no_entry_is_a_sentence():
    for language in LANGUAGES[1:]:
        table = term_table(language)
        if table is None:
            continue
        assert len(table.entries) > 500
        # vocabulary, not provisions: no English target is longer than a title
        assert max(len(english.split()) for english in table.entries.values()) <= 24


def test_locators_and_messages_in_the_answers_language():
    assert locator("Article 16, para. 4", "es") == "artículo 16, párr. 4"
    assert locator("Article 3(a)", "zh") == "第3条(a)"
    assert locator("p. 71", "fr") == "p. 71"
    for language in LANGUAGES:
        assert message("refusal", language)
        assert message("under", language, name="X", locator="Y")


# With the real index ----------------------------------------------------------------------

@pytest.mark.parametrize("question", [
    "Un État peut-il refuser d'extrader une personne parce qu'elle est son ressortissant ?",
    "¿Puede un Estado negarse a extraditar a una persona por ser nacional suyo?",
])
def test_a_question_in_another_language_finds_the_english_questions_provision(assistant,
                                                                              question):
    english = assistant.retrieve("Can a State refuse to extradite a person because the person "
                                 "is one of its nationals?")[0].chunk
    top = [p.chunk for p in assistant.retrieve(question)[:3]]
    assert (english.instrument, english.article) in {(c.instrument, c.article) for c in top}


def test_an_article_named_in_spanish_is_looked_up(assistant):
    top = assistant.retrieve("¿Qué dispone el artículo 6 del Protocolo contra el tráfico "
                             "ilícito de migrantes?")[0].chunk
    assert (top.instrument, top.article) == ("SOM Protocol", "6")


def test_the_lead_in_is_in_the_questions_language(assistant):
    answer = assistant.ask("¿Qué dispone el artículo 6 del Protocolo contra el tráfico ilícito "
                           "de migrantes?")
    assert answer.language == "es" and not answer.refused
    assert answer.text.startswith("Según el Protocolo contra el tráfico ilícito de migrantes, "
                                  "artículo 6")
    assert any("inglés" in notice for notice in answer.notices)  # quotes the English text
    refused = assistant.ask("¿Cuál es la receta tradicional de la paella valenciana?")
    assert refused.refused and refused.text == message("refusal", "es")


def test_a_question_prefers_an_indexed_edition_in_its_language(tmp_path):
    from assistant.core import Assistant
    from assistant.settings import Settings
    from ingest.pipeline import run_ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "witnesses-note.txt").write_text(
        "Protecting witnesses\n\nA State should protect witnesses who testify in criminal cases "
        "from retaliation and intimidation, for example by relocating them.\n", encoding="utf-8")
    (corpus / "note-temoins.txt").write_text(
        "Protéger les témoins\n\nUn État devrait protéger les témoins qui déposent dans les "
        "affaires pénales contre les représailles et l'intimidation, par exemple en les "
        "relogeant.\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", corpus_dirs=[corpus], chroma_host=None)
    run_ingest(settings, progress=False)
    assistant = Assistant(settings)
    question = "Comment un État doit-il protéger les témoins contre les représailles ?"
    top = assistant.retrieve(question)[0].chunk
    assert (top.source, top.language) == ("note-temoins.txt", "fr")
    answer = assistant.ask(question)
    assert answer.citations and answer.citations[0].language == "fr"
    assert answer.text.startswith("Note temoins")  # the French note is quoted first


@pytest.mark.parametrize("question", ["Is debt bondage exploitation?", "Servitude",
                                      "Is serfdom slavery?"])
def test_a_terse_english_question_mistaken_for_french_is_read_as_english(assistant, question):
    answer = assistant.ask(question)
    assert answer.language == "en" and not answer.refused, answer.text


@pytest.mark.parametrize("question", ["Qu'est-ce que la traite ?",
                                      "¿Qué es la trata de personas?"])
def test_a_short_question_in_french_or_spanish_stays_in_its_language(assistant, question):
    assert assistant.query(question).language in ("fr", "es")


def test_function_words_count_neither_as_read_nor_as_unread():
    from assistant.text.languages import function_words, translate

    # everyday French around three terms of the field (without function words: 3 read of 11)
    reading = translate("Est-ce que cela change quelque chose si la personne a été recrutée "
                        "par tromperie ?", "fr")
    assert {"est", "que", "cela", "été", "par"} <= function_words("fr")
    assert reading.read_share >= 0.5


def test_a_named_provision_is_read_and_numbers_are_no_unread_words():
    from assistant.text.languages import translate

    assert ("Статья 18", "Article 18") in translate("Статья 18: что регулирует?", "ru").matched
    assert translate("Статья 18: что регулирует?", "ru").read_share >= 0.5
    assert translate("2023年的报告", "zh").read_share == 1.0  # "2023" is carried over, not unread


def test_arabic_vowel_marks_stay_inside_their_word():
    from assistant.text.languages import translate

    reading = translate("هل يُعاقَب المهاجر المهرَّب؟", "ar")
    assert not any(len(word) == 1 for word in reading.unmatched)
    assert "bride price" not in reading.english


def test_a_short_word_is_read_only_as_written_and_an_unknown_acronym_carries_over():
    from assistant.text.languages import translate

    reading = translate("Что им грозит за подделку паспортов ФБР?", "ru")
    assert "International Maritime Organization" not in reading.english  # "им" is not "ИМО"
    assert "ФБР" in reading.english  # an acronym the table does not know is kept as a name


def test_a_countrys_law_a_few_terms_away_is_its_subject_in_a_translated_question():
    from assistant.question.grounding import scopes

    terms = "penalties law protection victims American child sexual purposes"
    assert [s.label for s in scopes(terms, sentence=False)] == ["American"]
    assert scopes(terms) == []  # as an English sentence no law is America's
    assert scopes("Canada extradition request citizen vessel flag", sentence=False) == []


def test_a_function_word_opening_a_sentence_is_no_name():
    from assistant.text.languages import translate

    reading = translate("Un douanier a saisi des fusils. Le Protocole s'applique-t-il ?", "fr")
    assert " Le " not in f" {reading.english} "


def test_an_everyday_question_whose_words_the_table_reads_as_the_fields_is_refused(assistant,
                                                                                   monkeypatch):
    """"baby" and "day" read as "child" and "date" make a bag of terms that some sentence
    matches; no passage as a whole does."""
    from assistant.models import Chunk, Passage

    question = "¿Cuántas horas al día debe dormir un bebé de seis meses?"
    assert assistant.ask(question).refused
    query = assistant.query(question)

    def passage(dense: float, named: bool = False) -> Passage:
        return Passage(chunk=Chunk(doc_id="d", source="d.md", title="D", locator="Article 1",
                                   text="t"), rank=1, score=1.0, scores={"dense": dense},
                       named=named)

    assert assistant._far_from_every_passage(query, [passage(0.2), passage(0.25)])
    assert not assistant._far_from_every_passage(query, [passage(0.2), passage(0.45)])
    assert not assistant._far_from_every_passage(query, [passage(0.1, named=True)])  # named
    english = assistant.query("How long should a baby sleep?")
    assert assistant._far_from_every_passage(english, [passage(0.1)])  # 0.15 by default
    assert not assistant._far_from_every_passage(english, [passage(0.1), passage(0.3)])
    monkeypatch.setattr(assistant, "settings", assistant.settings.model_copy(
        update={"distant_refusal_threshold": 0.0}))
    assert not assistant._far_from_every_passage(english, [passage(0.1)])  # 0 turns it off
