"""The sentence-transformers model, loaded once per process and only when needed."""

from __future__ import annotations

import os

import numpy as np
from threadpoolctl import threadpool_limits

from assistant.settings import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class Embedder:
    def __init__(self, settings: Settings) -> None:
        from sentence_transformers import SentenceTransformer

        self.settings = settings
        self.model = SentenceTransformer(settings.model_path(), device=settings.embedding_device)
        # After each encode torch's OpenMP threads keep spinning for a while; numpy's BLAS
        # threads then fight them for the cores and a 5 ms matrix product takes 50 ms. The
        # products that follow an encode are small: one BLAS thread is faster.
        threadpool_limits(limits=1, user_api="blas")

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, so a dot product is the cosine similarity."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.model.encode(
            texts, batch_size=self.settings.embed_batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=progress,
        ).astype(np.float32)

    @property
    def dimension(self) -> int:
        model = self.model
        size = getattr(model, "get_embedding_dimension", None) or (
            model.get_sentence_embedding_dimension)
        return int(size())
