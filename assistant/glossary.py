"""Practitioners' words for what the instruments call by their legal terms.

A prosecutor asks whether a victim "agreed" to be exploited; the Protocol speaks of "consent".
The keyword search only finds what is spelled the same, so the question is expanded with the
legal terms of the phrases it uses. The glossary is general vocabulary of the field, not a
list of answers.
"""

from __future__ import annotations

import re

GLOSSARY: tuple[tuple[str, str], ...] = (
    (r"\bagree[ds]?\b|\bwilling\w*|\bvoluntar\w*|\bwent along", "consent"),
    (r"\bmoney for (?:the )?harm|\bdamages\b|\breparation|\bpaid back|\bcompensat\w*",
     "compensation restitution damage suffered"),
    (r"\bsend\w* (?:them |people |victims )?(?:back|home)|\btake\w* back|\bdeport\w*|"
     r"\bcome home|\breturn\w*\b", "return repatriation facilitate accept"),
    (r"\broot causes?|\bpoverty|\bunderdevelop\w*|\black of opportunit\w*",
     "factors vulnerable poverty underdevelopment lack of equal opportunity"),
    (r"\bpaid (?:a|the) smuggler|\bmigrants? themselves|\bperson who (?:was|were) smuggled|"
     r"\bsomeone who (?:paid|was smuggled)", "smuggled migrants object conduct liable "
                                              "criminal prosecution"),
    (r"\bfake\b|\bforged?\b|\bforger\w*|\bfalse (?:papers|documents?|passports?)|"
     r"\bcounterfeit\w*", "fraudulent travel identity document"),
    (r"\bpassports?\b|\bvisas?\b|\bid cards?\b|\bpapers\b", "travel identity documents"),
    (r"\bconsulate|\bembass\w*|\bconsular\b", "consular officers notification Vienna Convention"),
    (r"\bcompan(?:y|ies)|\bcorporat\w*|\bbusiness\w*|\bfirms?\b", "legal persons liability"),
    (r"\bwitness\w*", "witnesses testimony obstruction of justice protection"),
    (r"\bbrib\w*|\bthreaten\w*|\bintimidat\w*", "undue advantage threats intimidation "
                                                "obstruction"),
    (r"\blight(?:er)? sentences?|\breduced sentences?|\blenien\w*|\bdeal with prosecutors",
     "mitigating punishment cooperation"),
    (r"\bmoney[- ]launder\w*|\blaunder\w*", "laundering proceeds of crime conversion transfer "
                                            "property"),
    (r"\bboats?\b|\bships?\b|\bat sea\b", "vessel sea"),
    (r"\binterdict\w*|\bstop(?:ping)? (?:a |the )?(?:boat|ship|vessel)|\bboard(?:ing)?\b",
     "boarding searching vessel warships military aircraft"),
    (r"\bminors?\b|\bunder 18\b|\bunder eighteen|\bkids?\b|\bchildren\b",
     "child under eighteen years of age"),
    (r"\borgans?\b|\bkidneys?\b", "removal of organs"),
    (r"\bshare\w* (?:information|intelligence|data)|\bintelligence\b",
     "exchange information"),
    (r"\bhand(?:ed|ing)? over\b|\bsurrender\w*", "extradition"),
    (r"\bset up\b|\bcreated?\b|\bestablish\w*", "established created"),
    (r"\bjoin\w*\b|\bsign up\b|\bratif\w*", "party ratification accession"),
    (r"\bkeep\w* (?:their |the )?(?:identity|names?) (?:secret|private|out)|\banonym\w*|"
     r"\bprivacy\b", "privacy identity confidential"),
    (r"\bshelters?\b|\bcounsel\w*|\bhousing\b|\bmedical\b", "physical psychological social "
                                                            "recovery housing counselling"),
    (r"\bcrossing borders?\b|\bborder checks?\b|\bborder controls?\b", "border measures"),
    (r"\bdefin\w*|\bwhat (?:is|are|counts as)\b|\bmeaning\b", "shall mean use of terms"),
)

_COMPILED = tuple((re.compile(pattern, re.IGNORECASE), terms) for pattern, terms in GLOSSARY)


def expand(question: str) -> str:
    """The question followed by the legal terms of the everyday phrases it uses."""
    extra = [terms for pattern, terms in _COMPILED if pattern.search(question)]
    return f"{question} {' '.join(extra)}" if extra else question
