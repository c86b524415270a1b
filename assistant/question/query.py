"""A question read once: its language, the follow-up it resolves to, the English text the
retrieval reads, the keywords of the BM25 search and the text that is embedded."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from assistant.errors import QuestionError
from assistant.question.followup import resolve
from assistant.question.glossary import expand
from assistant.question.grounding import as_any_state
from assistant.settings import Settings
from assistant.text.languages import Translation, detect_language, translate
from assistant.text.references import DISPLAY_NAMES, instruments_named
from assistant.text.sentences import question_sentences

# "..., and what must the State do?" / "... and is it trafficking?": a second ask begins
_SECOND_ASK = re.compile(r"(?:[,;]\s*|\s+)(?:and|also|plus)\s+(?=(?:what|how|which|who|when|where|"
                         r"whether|does|do|is|are|can|could|must|may|should)\b)", re.IGNORECASE)
# people and teams who ask, as they name themselves
ROLE = (r"(?:worker|caseworker|officer|prosecutor|judge|magistrate|analyst|inspector|lawyer|"
        r"attorney|advocate|counsel|journalist|reporter|researcher|trainer|official|student|"
        r"doctor|nurse|volunteer|investigator|detective|clerk|consultant|advis[eo]r|teacher|"
        r"activist|paralegal|diplomat|drafter|manager|coordinator|specialist|team|unit|"
        r"desk|staff|guard)s?")
# Who asks ("I'm a prosecutor.", "Ministry official here.", "Labour inspector asking:", "As a
# case worker, ...") never changes which provision answers: the search reads the question
# without it. A sentence that also tells the facts ("I'm a prosecutor asking a foreign
# authority for bank records.") is longer than a role and stays.
_ASKER = re.compile(
    r"^(?:(?:I am|I'm|I work as|we are|we're)\s+(?:an?|the)\s+[^.?!:;]{2,40}[.!:;]"
    r"|[A-Za-z][\w' -]{2,40}?\s+(?:here|asking|question|speaking)\s*[.:!,\u2013-]"
    r"|as an?\s+[^,.?!]{2,40},"
    # a role alone, with its place: "NGO case worker.", "analyst in a police unit.",
    # "law drafting team:" (up to four words before the role noun, a place after it, and
    # the sentence ends there: a role that goes on to a verb is no opening)
    r"|(?:[\w'-]+\s+){0,4}?" + ROLE + r"(?:\s+(?:in|at|with|for|from|of|on)\s+[^.:;?!]{2,40})?"
    r"\s*[.:])\s+", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EMPTY = "The question is empty: type a question about trafficking in persons or migrant smuggling."


@dataclass(frozen=True)
class Query:
    question: str  # as asked, normalised
    resolved: str  # made self-contained against the conversation (the question's language)
    language: str  # ISO 639-1 code of one of the six UN languages
    text: str  # English: what article lookup, definitions and answer scoring read
    keywords: str  # the BM25 query
    dense_text: str  # what is embedded
    translation: Translation | None = None  # how a non-English question was read
    parts: tuple[str, ...] = field(default_factory=tuple)  # the asks of a multi-part question

    @property
    def translated(self) -> bool:
        return self.language != "en"

    @property
    def clauses(self) -> list[str]:
        """The English terms of each sentence of a translated question, read apart (none for
        an English question)."""
        return self.translation.clauses if self.translation else []


def clean_question(question: object, max_chars: int) -> str:
    """NFC-normalised, without control characters; a clear error for what is not a question."""
    if not isinstance(question, str):
        raise QuestionError(EMPTY)
    try:
        question.encode("utf-8")
    except UnicodeEncodeError as error:
        raise QuestionError("The question holds characters that are not valid Unicode text "
                            "(for example a lone surrogate): retype or paste it again.") from error
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", question)).strip()
    if len(text) > max_chars:
        raise QuestionError(f"The question is {len(text):,} characters long; the maximum "
                            f"is {max_chars:,}. Shorten it.")
    if not text:
        raise QuestionError(EMPTY)
    return text


def split_parts(question: str, language: str = "en", min_words: int = 4, max_parts: int = 3,
                ) -> tuple[str, ...]:
    """The asks of a multi-part question, each a question of its own ("Is this trafficking?
    What must the State do for the victim?"); one part for a simple question. The asks are its
    question sentences; sentences that only set the facts are no part. A single question
    sentence is split at a second ask ("..., and what must the State do?") in English. A part
    that names no instrument takes those the question names elsewhere ("how does a State leave
    the Trafficking Protocol? When does that take effect?")."""
    pieces = question_sentences(question)
    asks = [p for p in pieces if p[-1] in "?\uff1f\u061f"]
    if len(asks) == 1 and language == "en":
        asks = [part.strip() for part in _SECOND_ASK.split(asks[0])]
    words = (lambda text: len(text) // 3) if language == "zh" else (lambda t: len(t.split()))
    parts = [p for p in asks if words(p) >= min_words]
    if len(parts) < 2 or len(parts) > max_parts:
        return (question,)
    named = [DISPLAY_NAMES[i] for i in instruments_named(question, strong_only=False)]
    if language != "en" or not named:
        return tuple(parts)
    return tuple(p if instruments_named(p, strong_only=False) else f"{p} ({', '.join(named)})"
                 for p in parts)


def without_asker(question: str) -> str:
    """The question without the opening that only says who asks (see _ASKER)."""
    rest = _ASKER.sub("", question, count=1)
    return rest[:1].upper() + rest[1:] if rest and rest != question else question


def build_query(question: str, settings: Settings, history: list[dict] | None = None,
                ) -> Query:
    """Everything the retrieval and the answer need to know about the question, once."""
    question = clean_question(question, settings.max_question_chars)
    language = (settings.language if settings.language != "auto"
                else detect_language(question, settings.language_min_confidence))
    resolved = resolve(question, history) if language == "en" else question
    translation = translate(resolved, language) if language != "en" else None
    text = translation.english if translation else resolved
    keywords = translation.keywords if translation else resolved
    text_for_search = text if translation else without_asker(text)
    keywords = keywords if translation else text_for_search
    if settings.ranking.any_state and not translation:
        text_for_search = keywords = as_any_state(text_for_search)
    if settings.glossary:
        text_for_search = expand(text_for_search)
        keywords = expand(keywords)
    dense_text = resolved if settings.multilingual_embedding else text_for_search
    return Query(question=question, resolved=resolved, language=language, text=text,
                 keywords=keywords, dense_text=dense_text, translation=translation,
                 parts=split_parts(resolved, language, settings.ranking.part_min_words,
                                   settings.ranking.max_parts))
