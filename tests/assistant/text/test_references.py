"""Instrument names come from a data file that covers every catalogued instrument."""

from assistant.text.references import (
    DISPLAY_NAMES,
    INSTRUMENT_ALIASES,
    instruments_named,
    read_together,
)
from corpus import load_catalogue


def test_every_catalogued_instrument_has_names_and_a_display_name():
    catalogued = {doc.instrument for doc in load_catalogue() if doc.instrument}
    assert catalogued <= set(INSTRUMENT_ALIASES) == set(DISPLAY_NAMES)
    assert all(INSTRUMENT_ALIASES[name] for name in catalogued)


def test_usual_names_of_the_crc_protocol_are_recognised():
    for text in ("what does the CRC optional protocol require", "under the CRC Protocol",
                 "the Optional Protocol to the Convention on the Rights of the Child"):
        assert instruments_named(text) == ["CRC OPSC"], text


def test_a_broad_phrase_names_an_instrument_only_beside_an_article():
    assert instruments_named("victims of trafficking in persons") == []
    assert instruments_named("victims of trafficking in persons", strong_only=False) == [
        "TIP Protocol"]


def test_a_protocol_is_read_with_its_convention_and_not_with_its_sister_protocols():
    assert read_together(["TIP Protocol"]) == {"TIP Protocol", "UNTOC"}
    assert read_together(["UNTOC"]) == {"UNTOC", "TIP Protocol", "SOM Protocol",
                                        "Firearms Protocol"}
    assert read_together(["CRC OPSC"]) == {"CRC OPSC"}
