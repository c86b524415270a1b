"""Named benchmark configurations and `--set key=value` overrides of Settings.

`default` is the product as configured. `baseline` is the pipeline a newcomer builds with
LangChain: RecursiveCharacterTextSplitter(1000, 200) on the raw page texts, dense-only search,
the top passage texts as the "answer", no refusal. The other names are the retrieval
ablations: each switches parts of the default retrieval off.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path

from pydantic import ValidationError

from assistant.settings import Settings

NO_EXTRAS = {"rerank": False, "article_lookup": False, "glossary": False}

CONFIGS: dict[str, dict[str, object]] = {
    "default": {},
    "baseline": {
        "chunking": "baseline", "chunk_size": 1000, "chunk_overlap": 200,
        "retrieval_mode": "dense", "rerank": False, "article_lookup": False, "glossary": False,
        "answer_mode": "passages", "refusal": False,
    },
    "dense": {"retrieval_mode": "dense", **NO_EXTRAS},
    "bm25": {"retrieval_mode": "bm25", **NO_EXTRAS},
    "fused": {"retrieval_mode": "hybrid", **NO_EXTRAS},
    "fused-rerank": {"retrieval_mode": "hybrid", "rerank": True, "article_lookup": False,
                     "glossary": False},
    "no-glossary": {"glossary": False},
    "pooled": {"sentence_vectors": "pooled"},
    "onnx": {"embedding_backend": "onnx"},
    "onnx-int8": {"embedding_backend": "onnx-int8"},
}

CONFIG_DESCRIPTIONS = {
    "default": "the product: hybrid retrieval, rerank, article lookup, extractive answers",
    "baseline": "naive LangChain pipeline: 1000/200 character chunks, dense only, top "
                "passages as the answer, no refusal",
    "dense": "dense retrieval only (no BM25, no rerank, no article lookup, no glossary)",
    "bm25": "BM25 only (no dense, no rerank, no article lookup, no glossary)",
    "fused": "dense + BM25 fused by reciprocal rank (no rerank, no lookup, no glossary)",
    "fused-rerank": "fused + rerank (no article lookup, no glossary)",
    "no-glossary": "the product without the glossary's query expansion",
    "pooled": "the product with sentence vectors pooled from their chunk's forward pass "
              "(late chunking) instead of one encode per sentence: a faster ingest",
    "onnx": "the product with the same model run by ONNX Runtime (fp32; its own index)",
    "onnx-int8": "the product with the model run by ONNX Runtime, int8 weights (its own index)",
}

NONE_WORDS = {"none", "null", ""}


class ConfigError(ValueError):
    """An unknown config name or a bad `--set` override."""


def config_names() -> list[str]:
    return list(CONFIGS)


def parse_overrides(items: list[str] | None) -> dict[str, str | None]:
    """`["rerank=false", "k=20"]` -> {"rerank": "false", "k": "20"}; keys must be fields."""
    fields = Settings.model_fields
    parsed: dict[str, str | None] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise ConfigError(f"--set {item!r} is not key=value")
        if key not in fields:
            raise ConfigError(f"--set {key!r}: unknown setting; known settings: "
                              f"{', '.join(sorted(fields))}")
        value = value.strip()
        parsed[key] = None if value.lower() in NONE_WORDS and _allows_none(key) else value
    return parsed


def _allows_none(key: str) -> bool:
    annotation = Settings.model_fields[key].annotation
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(
        None) in typing.get_args(annotation)


def build_settings(name: str = "default", overrides: list[str] | None = None,
                   base: Settings | None = None) -> Settings:
    """The Settings of a named config, with `--set` overrides coerced and validated."""
    if name not in CONFIGS:
        raise ConfigError(f"unknown config {name!r}; choose one of {', '.join(CONFIGS)}")
    base = base or Settings()
    updates = {**CONFIGS[name], **parse_overrides(overrides)}
    data = base.model_dump()
    data.update(updates)
    try:
        return Settings(**data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
            for e in error.errors())
        raise ConfigError(f"config {name!r} with {updates}: {problems}") from error


def default_corpus_dirs(settings: Settings) -> list[Path]:
    """settings.corpus_dirs, else the shared reference corpus next to the repo if present."""
    if settings.corpus_dirs:
        return list(settings.corpus_dirs)
    shared = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "raw"
    return [shared.resolve()] if shared.is_dir() else []
