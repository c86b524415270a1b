"""Errors a user can act on; the message says what to do."""


class AssistantError(Exception):
    pass


class QuestionError(AssistantError, ValueError):
    """The question is empty or too long."""


class EmptyIndexError(AssistantError):
    """Nothing has been ingested into the configured index."""

    def __init__(self, collection: str) -> None:
        super().__init__(
            f"The index '{collection}' is empty. Ingest documents first: "
            "`python -m ingest --corpus-dir PATH` (or set UNODC_CORPUS_DIR and run `make run`)."
        )
