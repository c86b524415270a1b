"""Text rules shared by ingest, retrieval and answers: search tokens, sentence ends, the
language of a text and its terms in English, the instruments and provisions a text names, and
the definitions it asks about or gives."""
