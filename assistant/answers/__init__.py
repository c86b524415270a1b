"""Answers from passages: quoted sentences with citations, refusals by coverage and
grounding, fact patterns against an offence's elements, and the optional language model."""
