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
        """Unit-length float32 vectors of passages (with the model's passage prefix, if it
        needs one), so a dot product is the cosine similarity."""
        return self._encode(with_prefix(self.settings.passage_prefix, texts), progress)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors of questions, with the model's query prefix ("query: " for e5 models)."""
        return self._encode(with_prefix(self.settings.query_prefix, texts))

    def _encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.model.encode(
            texts, batch_size=self.settings.embed_batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=progress,
        ).astype(np.float32)

    def can_pool_spans(self) -> bool:
        """Span vectors pooled from token vectors live in the model's space only when the model
        is a transformer, mean pooling and at most a normalisation (MiniLM is)."""
        modules = list(self.model)
        tokenizer = getattr(self.model, "tokenizer", None)
        if not 2 <= len(modules) <= 3 or not getattr(tokenizer, "is_fast", False):
            return False  # offsets of characters come only from a fast tokenizer
        pooling = modules[1].get_config_dict()
        mean = (pooling.get("pooling_mode") == "mean"
                or pooling.get("pooling_mode_mean_tokens") is True)
        return mean and all(type(m).__name__ == "Normalize" for m in modules[2:])

    def encode_with_spans(self, texts: list[str], spans: list[list[tuple[int, int]]],
                          ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        """One forward pass per text gives its vector and, by mean pooling its token vectors
        over each character span, a unit vector for each span: the sentences of a chunk cost
        no pass of their own ("late chunking"). A span that runs past the model's window of
        tokens, or one the tokens do not cover, gets None."""
        if self.settings.passage_prefix:  # offsets would shift: pooling needs the bare text
            return self.encode(texts), [[None] * len(s) for s in spans]
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        pooled: list[list[np.ndarray | None]] = [[None] * len(s) for s in spans]
        size = self.settings.embed_batch_size
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        for start in range(0, len(order), size):
            batch = order[start:start + size]
            outputs = self.model.encode([texts[i] for i in batch], batch_size=size,
                                        output_value=None)
            offsets = self.model.tokenizer(
                [texts[i] for i in batch], truncation=True, max_length=self.model.max_seq_length,
                return_offsets_mapping=True)["offset_mapping"]
            for i, output, text_offsets in zip(batch, outputs, offsets, strict=True):
                vectors[i] = output["sentence_embedding"].float().numpy()
                tokens = int(output["attention_mask"].sum())
                if tokens != len(text_offsets):
                    continue  # our tokenisation is not the model's: leave the spans to encode
                token_vectors = output["token_embeddings"][:tokens].float().numpy()
                pooled[i] = _pool_spans(token_vectors, text_offsets, spans[i])
        return vectors, pooled

    @property
    def dimension(self) -> int:
        model = self.model
        size = getattr(model, "get_embedding_dimension", None) or (
            model.get_sentence_embedding_dimension)
        return int(size())


def with_prefix(prefix: str, texts: list[str]) -> list[str]:
    return [f"{prefix}{text}" for text in texts] if prefix else list(texts)


def _pool_spans(token_vectors: np.ndarray, offsets: list[tuple[int, int]],
                spans: list[tuple[int, int]]) -> list[np.ndarray | None]:
    """Mean of the vectors of the tokens inside each span, unit length; special tokens (empty
    offsets) excluded. A span ending after the last token kept by truncation gets None."""
    ends = np.array([end for _, end in offsets])
    starts = np.array([begin for begin, _ in offsets])
    real = ends > starts
    window_end = int(ends[real].max()) if real.any() else 0
    out: list[np.ndarray | None] = []
    for begin, end in spans:
        inside = real & (starts < end) & (ends > begin)
        if end > window_end or not inside.any():
            out.append(None)
            continue
        mean = token_vectors[inside].mean(axis=0)
        out.append((mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32))
    return out
