"""Retrieval and cited answers over UNODC materials."""

from assistant.settings import Settings

__all__ = ["Assistant", "Settings"]


def __getattr__(name: str):
    # Import lazily: `from assistant import Settings` must not load torch.
    if name == "Assistant":
        from assistant.core import Assistant

        return Assistant
    raise AttributeError(name)
