"""Quiz questions for trainers, made from the provisions a topic retrieves.

Four kinds: true/false (false items by a faithful negation: "shall" -> "shall not",
"irrelevant" -> "relevant", a changed number), "which article provides ...", multiple choice
whose distractors are other real provisions of the same instrument, and fill-in-the-blank on a
key term of a definition. Every question cites the passage that states its answer and is
checked against that passage before it is kept. The same topic over the same index always
gives the same quiz (the random choices are seeded from the topic).
"""

from __future__ import annotations

import difflib
import hashlib
import random
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from assistant.answers.compose import Sentence
from assistant.models import Chunk, Filters
from assistant.text.definitions import DEFINED_TERM_RE, DEFINES_RE, defined_term
from assistant.text.references import DISPLAY_NAMES
from assistant.trainer.brief import (
    Query,
    Selector,
    SourceRef,
    cite,
    locate,
    normal_topic,
    normalise,
    scope_of,
)

QuestionKind = Literal["true_false", "which_article", "multiple_choice", "fill_blank"]
KINDS: tuple[QuestionKind, ...] = ("fill_blank", "true_false", "which_article", "multiple_choice")
BLANK = "_____"
MIN_CLAUSE, MAX_CLAUSE, MAX_OPTION = 40, 600, 320
# A full provision states a rule; a bare list item ("Appropriate housing") does not.
STATES_RULE = re.compile(r"\b(?:shall|may|mean|means|include)\b")
QUIZ_THRESHOLD = 0.3
MAX_N = 50
# Final clauses make poor questions and give-away distractors.
PROCEDURAL = re.compile(r"signature|entry into force|amendment|denunciation|depositary|"
                        r"settlement of disputes|relation with", re.IGNORECASE)
MARKER = re.compile(r"^\s*(?:\d+\s*\.\s+|\(?[a-z]\)\s*|\([ivx]+\)\s*|[a-z]\.(?=[A-Z]))")
NUMBER_WORDS = {"eighteen": "sixteen", "sixteen": "eighteen", "fifteen": "twelve",
                "twelve": "fifteen", "two": "three", "three": "five", "five": "three",
                "ninety": "sixty", "sixty": "ninety", "thirty": "sixty"}
NEGATIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bshall not\b"), "shall"),
    (re.compile(r"\bshall(?! not)\b"), "shall not"),
    (re.compile(r"\birrelevant\b"), "relevant"),
    (re.compile(r"\bmay not\b"), "may"),
)


class QuizQuestion(BaseModel):
    kind: QuestionKind
    prompt: str
    options: list[str] = Field(default_factory=list)  # for multiple choice and which-article
    answer: str
    statement: str | None = None  # true/false: the statement judged; blank: the full clause
    change: str | None = None  # a false statement's one changed element: "shall → shall not"
    evidence: str  # verbatim text of the cited passage that states the answer
    citation: SourceRef


class Quiz(BaseModel):
    topic: str
    title: str
    seed: int
    questions: list[QuizQuestion] = Field(default_factory=list)


def topic_seed(topic: str) -> int:
    return int(hashlib.sha256(normal_topic(topic).encode()).hexdigest()[:8], 16)


def build_quiz(assistant, topic: str, n: int = 10, seed: int | None = None) -> Quiz:
    """Up to `n` checked questions on `topic`, the same for the same topic, seed and index."""
    if not isinstance(n, int) or not 1 <= n <= MAX_N:
        raise ValueError(f"n must be an integer from 1 to {MAX_N}, not {n!r}")
    scope = scope_of(assistant, topic)
    seed = topic_seed(topic) if seed is None else seed
    rng = random.Random(seed)
    clauses = _ranked_clauses(assistant, scope)
    context = Context(assistant, scope.focus)
    per_passage = max(3, n // 3)
    taken: dict[str, int] = {}
    questions: list[QuizQuestion] = []
    turn = rng.randrange(len(KINDS))
    for sentence, clause in clauses:
        if len(questions) >= n:
            break
        chunk = sentence.chunk
        if taken.get(chunk.id, 0) >= per_passage:
            continue
        for step in range(len(KINDS)):
            kind = KINDS[(turn + step) % len(KINDS)]
            question = MAKERS[kind](context, sentence, clause, rng)
            if question is not None and answer_supported(question, chunk):
                questions.append(question)
                taken[chunk.id] = taken.get(chunk.id, 0) + 1
                turn = (turn + step + 1) % len(KINDS)
                break
    return Quiz(topic=topic.strip(), title=scope.topic, seed=seed, questions=questions)


def _ranked_clauses(assistant, scope) -> list[tuple[Sentence, str]]:
    """Quotable clauses of the topic's provisions, most relevant first."""
    filters = Filters(kinds=["treaty"], instruments=scope.instruments)
    texts = [scope.topic, f"definition of {scope.topic}",
             f"{scope.topic}: obligations of States Parties",
             *scope.queries("definitions"), *scope.queries("protections"),
             *scope.queries("obligations")]
    selector = Selector(assistant, scope)
    sentences = selector.candidates([Query(t, filters) for t in texts], scope.topic,
                                    keep=lambda s: bool(s.chunk.article))
    # Passage by passage, the most relevant first: a topic's core provision gives the first
    # questions.
    best: dict[str, float] = {}
    for sentence in sentences:
        best[sentence.chunk.id] = max(best.get(sentence.chunk.id, -1.0), sentence.score)
    ranked = sorted(sentences, key=lambda s: (-best[s.chunk.id], s.chunk.id, -s.score, s.start))
    out: list[tuple[Sentence, str]] = []
    seen: set[str] = set()  # a clause is asked about once
    for sentence in ranked:
        if sentence.score < QUIZ_THRESHOLD or PROCEDURAL.search(sentence.chunk.article_title or ""):
            continue
        clause = clause_of(sentence)
        if clause and normalise(clause) in normalise(sentence.chunk.text) and (
                normalise(clause) not in seen):
            seen.add(normalise(clause))
            out.append((sentence, clause))
    return out


MAX_LENGTH_RATIO = 3.0  # no option more than this many times as long as another
# A proposition states who does what: not a gerund fragment ("Enabling a person ...").
PROPOSITION = re.compile(r"^(?![A-Z][a-z]+ing\b)[A-Z\u201c\u2018\"]")


def quoted(text: str) -> str:
    """Text inside one pair of double quotation marks: its own double quotes become single
    ones, so that a definition's “Child” never reads ““Child”."""
    inner = text.replace("\u201c", "\u2018").replace("\u201d", "\u2019").replace('"', "\u2019")
    return f"\u201c{inner}\u201d"


def balanced(text: str) -> bool:
    """Every quotation opened is closed; the transcriptions mix curly and straight marks
    (“Trafficking in persons" in Article 3(a)), so a straight one may close a curly one."""
    opened, closed, straight = (text.count(mark) for mark in ("\u201c", "\u201d", '"'))
    return (opened + closed + straight) % 2 == 0 and closed <= opened + straight


def clause_of(sentence: Sentence) -> str | None:
    """The sentence's own provision text: its last line (after a lead-in), without the
    paragraph number or letter and the trailing "; and"."""
    raw = sentence.chunk.text[sentence.start:sentence.end]
    line = [part for part in raw.split("\n") if part.strip()][-1]
    text = MARKER.sub("", " ".join(line.split()))
    text = re.sub(r"(?:;|,)?\s*(?:and|or)?\s*$", "", text).rstrip(" ;,:")
    if not MIN_CLAUSE <= len(text) <= MAX_CLAUSE or text.endswith(":") or not balanced(text):
        return None
    return text


def instrument_name(chunk: Chunk) -> str:
    return DISPLAY_NAMES.get(chunk.instrument or "", chunk.title)


def article_label(chunk: Chunk) -> str:
    title = f" ({chunk.article_title})" if chunk.article_title else ""
    return f"Article {chunk.article}{title}"


# Question makers: each returns None when the clause does not lend itself to the kind.
@dataclass
class Context:
    assistant: object
    focus: tuple[str, ...] = ()


def true_false(context: Context, sentence: Sentence, clause: str, rng: random.Random,
               ) -> QuizQuestion | None:
    chunk = sentence.chunk
    if not STATES_RULE.search(clause) or not PROPOSITION.match(clause):
        return None
    negated = negate(clause)
    make_false = negated is not None and rng.random() < 0.5
    statement = negated if make_false else clause
    where = f"{locate(sentence)} of {instrument_name(chunk)}"
    return QuizQuestion(
        kind="true_false", prompt=f"True or false? Under {where}: {quoted(statement)}",
        options=["True", "False"], answer="False" if make_false else "True",
        statement=statement, change=changed_element(clause, statement) if make_false else None,
        evidence=clause, citation=cite(chunk, locate(sentence)))


def changed_element(source: str, statement: str) -> str | None:
    """The one element a false statement changes ("shall → shall not"); None unless the two
    differ in exactly one run of words."""
    before, after = source.split(), statement.split()
    changes = [op for op in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes()
               if op[0] != "equal"]
    if len(changes) != 1:
        return None
    _, i1, i2, j1, j2 = changes[0]
    if (i1 == i2 or j1 == j2) and i1 > 0:  # a word put in or left out: name it with the one before
        i1, j1 = i1 - 1, j1 - 1
    return f"{' '.join(before[i1:i2]) or '∅'} → {' '.join(after[j1:j2]) or '∅'}"


def negate(clause: str) -> str | None:
    """A faithful negation: one modal or one number changed, nothing else."""
    for pattern, replacement in NEGATIONS:
        if pattern.search(clause):
            return pattern.sub(replacement, clause, count=1)
    for word, other in NUMBER_WORDS.items():
        pattern = re.compile(rf"\b{word}\b", re.IGNORECASE)
        if pattern.search(clause):
            return pattern.sub(other, clause, count=1)
    if number := re.search(r"\b(\d{1,3})\b", clause):
        changed = str(int(number.group(1)) * 2 + 1)
        return clause[:number.start()] + changed + clause[number.end():]
    return None


def which_article(context: Context, sentence: Sentence, clause: str, rng: random.Random,
                  ) -> QuizQuestion | None:
    chunk = sentence.chunk
    others = _other_articles(context.assistant, chunk)
    if len(others) < 3 or not STATES_RULE.search(clause):
        return None
    options = [article_label(c) for c in rng.sample(others, 3)] + [article_label(chunk)]
    rng.shuffle(options)
    return QuizQuestion(
        kind="which_article",
        prompt=f"Which article of {instrument_name(chunk)} provides: {quoted(clause)}?",
        options=options, answer=article_label(chunk), evidence=clause,
        citation=cite(chunk, locate(sentence)))


def multiple_choice(context: Context, sentence: Sentence, clause: str, rng: random.Random,
                    ) -> QuizQuestion | None:
    chunk = sentence.chunk
    if len(clause) > MAX_OPTION:
        return None
    distractors: list[str] = []
    candidates = _other_articles(context.assistant, chunk)
    rng.shuffle(candidates)
    own = re.compile(rf"\barticle\s+{re.escape(chunk.article or '')}\b", re.IGNORECASE)
    for other in candidates:
        option = _first_clause(other)
        if option and normalise(option) not in normalise(chunk.text) and (
                comparable(option, clause) and STATES_RULE.search(option)
                and not own.search(option)):
            distractors.append(option)
        if len(distractors) == 3:
            break
    if len(distractors) < 3:
        return None
    options = [*distractors, clause]
    rng.shuffle(options)
    return QuizQuestion(
        kind="multiple_choice",
        prompt=f"Which of these is provided by {article_label(chunk)} of "
               f"{instrument_name(chunk)}?",
        options=options, answer=clause, evidence=clause, citation=cite(chunk, locate(sentence)))


def comparable(option: str, answer: str) -> bool:
    """Options of comparable length: the right one must not stand out by its size."""
    return max(len(option), len(answer)) <= MAX_LENGTH_RATIO * min(len(option), len(answer))


def fill_blank(context: Context, sentence: Sentence, clause: str, rng: random.Random,
               ) -> QuizQuestion | None:
    chunk = sentence.chunk
    term = _key_term(clause, context.focus)
    if term is None:
        return None
    start = clause.find(term)
    blanked = clause[:start] + BLANK + clause[start + len(term):]
    return QuizQuestion(
        kind="fill_blank",
        prompt=f"Fill in the blank ({locate(sentence)} of {instrument_name(chunk)}): "
               f"{quoted(blanked)}",
        answer=term, statement=clause, evidence=clause, citation=cite(chunk, locate(sentence)))


def _key_term(clause: str, focus: tuple[str, ...] = ()) -> str | None:
    """The word a definition turns on: the topic's own word, a number, else the term
    defined."""
    if not (DEFINES_RE.search(clause) or re.search(r"shall include", clause)):
        return None
    for pattern in focus:
        if found := re.search(pattern, clause, re.IGNORECASE):
            return found.group(0)
    for word in NUMBER_WORDS:
        if found := re.search(rf"\b{word}\b", clause):
            return found.group(0)
    if found := DEFINED_TERM_RE.search(clause):
        return defined_term(found).strip()
    return None


MAKERS = {"true_false": true_false, "which_article": which_article,
          "multiple_choice": multiple_choice, "fill_blank": fill_blank}


def _other_articles(assistant, chunk: Chunk) -> list[Chunk]:
    """One chunk per other substantive article of the same instrument, in article order."""
    seen: dict[str, Chunk] = {}
    for other in assistant.retriever.chunks:
        same = other.instrument == chunk.instrument and other.article != chunk.article
        if (same and other.article and other.article not in seen
                and not PROCEDURAL.search(other.article_title or "")):
            seen[other.article] = other
    return sorted(seen.values(), key=lambda c: (int(c.article) if c.article.isdigit() else 999,
                                                c.article))


def _first_clause(chunk: Chunk) -> str | None:
    for line in chunk.text.split("\n"):
        text = MARKER.sub("", " ".join(line.split()))
        text = re.sub(r"(?:;|,)?\s*(?:and|or)?\s*$", "", text).rstrip(" ;,")
        if MIN_CLAUSE <= len(text) <= MAX_OPTION and not text.endswith(":"):
            return text
    return None


# Checks
def answer_supported(question: QuizQuestion, chunk: Chunk) -> bool:
    """Whether the cited passage states the answer of the question."""
    if chunk.id != question.citation.chunk_id:
        return False
    passage = normalise(chunk.text)
    if normalise(question.evidence) not in passage:
        return False
    if question.kind == "true_false":
        statement = normalise(question.statement or "")
        if question.answer == "True":
            return statement == normalise(question.evidence)
        return (question.answer == "False" and bool(statement) and statement not in passage
                and changed_element(question.evidence, question.statement or "") is not None)
    if question.kind == "which_article":
        return (question.answer == article_label(chunk)
                and question.options.count(question.answer) == 1)
    if question.kind == "multiple_choice":
        wrong = [o for o in question.options if o != question.answer]
        return (normalise(question.answer) in passage and len(wrong) == 3
                and all(normalise(o) not in passage for o in wrong))
    if question.kind == "fill_blank":
        statement = question.statement or ""
        blanked = statement.replace(question.answer, BLANK, 1)
        return (normalise(question.answer) in passage and normalise(statement) in passage
                and quoted(blanked) in question.prompt)
    return False
