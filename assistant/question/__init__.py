"""Reading a question: the query built from it once (language, translation, glossary,
parts), its follow-up, and the places and periods it is about."""
