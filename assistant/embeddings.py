"""The sentence-transformers model, loaded once per process and only when needed; or the same
weights run by ONNX Runtime (fp32, or int8 by dynamic quantisation) or OpenVINO, from a copy
exported once into the data folder (`Settings.embedding_backend`)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from assistant.settings import Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# transformers' "Loading weights" bar on every model load (read when transformers is imported).
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

EXPORT_VERSION = "2"  # bump when the export code changes what it writes
PARTIAL = ".partial-"  # an export being written: `.<variant>.partial-<pid>` beside the variant
CHECK_SENTENCES = ["Each State Party shall establish as criminal offences the smuggling of "
                   "migrants.", "Trafficking in persons", "What does Article 6 require?"]


class EmbeddingBackendError(RuntimeError):
    pass


class Embedder:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.model = load_model(settings)
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
        if not getattr(getattr(self.model, "tokenizer", None), "is_fast", False):
            return False  # offsets of characters come only from a fast tokenizer
        return isinstance(self.model, ExportedModel) or mean_pooled(self.model)

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
                vectors[i] = _numpy(output["sentence_embedding"])
                tokens = int(output["attention_mask"].sum())
                if tokens != len(text_offsets):
                    continue  # our tokenisation is not the model's: leave the spans to encode
                token_vectors = _numpy(output["token_embeddings"][:tokens])
                pooled[i] = _pool_spans(token_vectors, text_offsets, spans[i])
        return vectors, pooled

    @property
    def dimension(self) -> int:
        model = self.model
        size = getattr(model, "get_embedding_dimension", None) or (
            model.get_sentence_embedding_dimension)
        return int(size())


def mean_pooled(model: SentenceTransformer) -> bool:
    """A transformer, mean pooling and at most a normalisation: the models whose sentence
    vector is the mean of its token vectors (MiniLM is)."""
    modules = list(model)
    if not 2 <= len(modules) <= 3 or not hasattr(modules[0], "auto_model"):
        return False
    pooling = modules[1].get_config_dict()
    mean = (pooling.get("pooling_mode") == "mean"
            or pooling.get("pooling_mode_mean_tokens") is True)
    return mean and all(type(m).__name__ == "Normalize" for m in modules[2:])


def _numpy(value: Any) -> np.ndarray:
    """A torch tensor (the torch backend) or an array (the exported ones) as float32."""
    if hasattr(value, "float"):
        return value.float().numpy()
    return np.asarray(value, dtype=np.float32)


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


def load_model(settings: Settings) -> SentenceTransformer | ExportedModel:
    """The model the backend runs; an exported backend's copy is exported on first use."""
    if settings.embedding_backend == "torch":
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(settings.model_path(), device=settings.embedding_device)
    return ExportedModel(exported_model(settings), settings.embedding_backend)


class ExportedModel:
    """The transformer exported to ONNX, run by ONNX Runtime or OpenVINO, with the mean pooling
    and the normalisation of the model it came from: the part of SentenceTransformer's
    interface the Embedder uses. Importing torch is not needed to run it."""

    def __init__(self, folder: Path, backend: str) -> None:
        from transformers import AutoTokenizer

        meta = json.loads((folder / "export.json").read_text(encoding="utf-8"))
        self.folder = folder
        self.max_seq_length: int = meta["max_seq_length"]
        self.inputs: list[str] = meta["inputs"]
        self._dimension: int = meta["dimension"]
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        run_graph = _openvino_runner if backend == "openvino" else _onnxruntime_runner
        self._run = run_graph(folder / "model.onnx")

    def get_embedding_dimension(self) -> int:
        return self._dimension

    def token_embeddings(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The last hidden state of the texts (batch × tokens × dimension) and their mask."""
        encoded = self.tokenizer(texts, padding=True, truncation=True,
                                 max_length=self.max_seq_length, return_tensors="np")
        feeds = {name: np.asarray(encoded[name], dtype=np.int64) for name in self.inputs}
        return self._run(feeds), feeds["attention_mask"]

    def encode(self, texts: list[str], batch_size: int = 32, show_progress_bar: bool = False,
               output_value: str | None = "sentence_embedding",
               **_options: object) -> np.ndarray | list[dict[str, np.ndarray]]:
        """Unit-length sentence vectors (every exported model ends in a normalisation, so the
        options SentenceTransformer.encode takes for that change nothing), or with
        `output_value=None` one dict per text with its token vectors and mask as well."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        outputs: list[dict[str, np.ndarray]] = [{} for _ in texts]
        for start in tqdm(range(0, len(order), batch_size), desc="Batches",
                          disable=not show_progress_bar):
            batch = order[start:start + batch_size]
            tokens, mask = self.token_embeddings([texts[i] for i in batch])
            weights = mask[:, :, None].astype(np.float32)
            means = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
            for row, i in enumerate(batch):
                vectors[i] = means[row]
                outputs[i] = {"sentence_embedding": means[row], "token_embeddings": tokens[row],
                              "attention_mask": mask[row]}
        return outputs if output_value is None else vectors


Runner = Callable[[dict[str, np.ndarray]], np.ndarray]


def _onnxruntime_runner(path: Path) -> Runner:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # no warnings about unused initialisers on every start
    # Every batch has another shape: the memory arena would keep growing by the largest, and
    # an ingest's process grew to 2.6 GB (with torch, 0.9 GB)
    options.enable_cpu_mem_arena = False
    options.enable_mem_pattern = False
    session = onnxruntime.InferenceSession(str(path), options,
                                           providers=["CPUExecutionProvider"])
    return lambda feeds: session.run(["token_embeddings"], feeds)[0]


def _openvino_runner(path: Path) -> Runner:
    try:
        import openvino
    except ImportError as error:
        raise EmbeddingBackendError("the openvino backend needs the openvino package "
                                    "(pip install openvino)") from error
    compiled = openvino.Core().compile_model(str(path), "CPU")
    output = compiled.output(0)
    return lambda feeds: compiled(feeds)[output]


def exported_model(settings: Settings, progress: bool = True) -> Path:
    """The folder of the backend's exported model, exported now if it is not there yet. Each
    variant is written into a temporary folder and renamed into place when complete, so an
    interrupted export leaves no half model, only a partial folder that the next one clears."""
    root = settings.exported_models_dir / export_name(settings)
    fp32, int8 = root / "fp32", root / "int8"
    wanted = int8 if settings.embedding_backend == "onnx-int8" else fp32
    steps = [step for step in dict.fromkeys([fp32, wanted]) if not step.is_dir()]
    if not steps:
        return wanted
    root.mkdir(parents=True, exist_ok=True)
    clear_partial_exports(root)
    with tqdm(total=len(steps), desc=f"Exporting the embedding model for "
              f"{settings.embedding_backend} (once)", disable=not progress, unit="step") as bar:
        for step in steps:
            bar.set_postfix_str(f"{step.name} → {step}")
            if step == fp32:
                _publish(fp32, lambda folder: _export_fp32(settings, folder))
            else:
                _publish(int8, lambda folder: _quantize(fp32, folder))
            bar.update()
    return wanted


def export_name(settings: Settings) -> str:
    """One folder per model and export code: another model never loads a stale export."""
    source = settings.model_path()
    key = hashlib.sha256(f"{source}|{EXPORT_VERSION}".encode()).hexdigest()[:10]
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", settings.embedding_model.rstrip("/").split("/")[-1])
    return f"{stem}-{key}"


def clear_partial_exports(root: Path) -> list[Path]:
    """Remove the partial folders left by exports whose process is gone."""
    cleared = []
    for folder in root.glob(f".*{PARTIAL}*"):
        pid = folder.name.rpartition(PARTIAL)[2]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue  # another process is exporting right now
        shutil.rmtree(folder, ignore_errors=True)
        cleared.append(folder)
    return cleared


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _publish(final: Path, build: Callable[[Path], None]) -> None:
    partial = final.parent / f".{final.name}{PARTIAL}{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    build(partial)
    try:
        partial.rename(final)  # atomic: the variant exists whole or not at all
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        if not final.is_dir():
            raise
        # another process published the same export first: keep theirs


def _export_fp32(settings: Settings, folder: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    # eager attention exports as plain operators, which ONNX Runtime's optimizer fuses into its
    # Attention kernel (SDPA's graph it does not recognise: 2.2 GB peak for a batch, not 1 GB)
    model = SentenceTransformer(settings.model_path(), device="cpu",
                                model_kwargs={"attn_implementation": "eager"})
    if not mean_pooled(model) or not getattr(model.tokenizer, "is_fast", False):
        raise EmbeddingBackendError(
            f"the {settings.embedding_backend} backend runs transformer + mean pooling models "
            f"with a fast tokenizer; {settings.embedding_model} is not one: use the torch backend")
    sample = model.tokenizer(CHECK_SENTENCES, padding=True, return_tensors="pt")
    names = [name for name in ("input_ids", "attention_mask", "token_type_ids") if name in sample]
    transformer = model[0].auto_model.eval()

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.transformer(**dict(zip(names, inputs, strict=True))).last_hidden_state

    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "token_embeddings"]}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
        torch.onnx.export(TokenEmbeddings(), tuple(sample[name] for name in names),
                          str(folder / "model.onnx"), input_names=names,
                          output_names=["token_embeddings"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    _fuse(folder / "model.onnx", transformer.config)
    model.tokenizer.save_pretrained(str(folder))
    dimension = model.get_embedding_dimension() if hasattr(
        model, "get_embedding_dimension") else model.get_sentence_embedding_dimension()
    meta = {"source": settings.model_path(), "export_version": EXPORT_VERSION,
            "max_seq_length": model.max_seq_length, "dimension": int(dimension),
            "inputs": names}
    (folder / "export.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    expected = model.encode(CHECK_SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
    got = ExportedModel(folder, "onnx").encode(CHECK_SENTENCES)
    worst = float(np.min(np.sum(expected * got, axis=1)))
    if worst < 0.999:
        raise EmbeddingBackendError(f"the exported model disagrees with torch (cosine {worst:.4f})")


def _fuse(path: Path, config: Any) -> None:
    """ONNX Runtime's transformer optimizer (what optimum's O2 level does): attention, layer
    norms and GELU fused into single kernels; about 15 % faster, half the memory. BERT-like
    encoders only; another architecture keeps its plain graph."""
    if config.model_type != "bert":
        return
    from onnxruntime.transformers.optimizer import optimize_model

    fused = optimize_model(str(path), model_type="bert", num_heads=config.num_attention_heads,
                           hidden_size=config.hidden_size)
    fused.save_model_to_file(str(path))


def _quantize(fp32: Path, folder: Path) -> None:
    """int8 weights by dynamic quantisation (activations quantised at run time: no calibration
    data), per output channel; a 7-bit weight range, since on x86 CPUs without VNNI the int8
    products can saturate (ONNX Runtime's advice)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    for path in fp32.iterdir():
        if path.name != "model.onnx":
            shutil.copy2(path, folder / path.name)
    # the fused operators are of ONNX Runtime's own domain, whose outputs shape inference
    # cannot type: they are float
    quantize_dynamic(fp32 / "model.onnx", folder / "model.onnx", per_channel=True,
                     reduce_range=True, weight_type=QuantType.QInt8,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
