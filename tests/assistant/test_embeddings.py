"""The embedder: plain encodes, sentence vectors pooled from a chunk's own forward pass, and the
exported backends (ONNX Runtime fp32 and int8)."""

import copy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from assistant.embeddings import Embedder, ExportedModel, export_name, exported_model
from assistant.settings import Settings


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


TEXT = ("Smuggling of Migrants Protocol | Article 6 Criminalization\n"
        "Each State Party shall establish as criminal offences the smuggling of migrants. "
        "Vessels flying the flag of another State may be boarded and searched.")


def test_pooled_spans_come_from_the_same_pass_as_the_text_vector(assistant):
    embedder = assistant.embedder
    assert embedder.can_pool_spans()
    first = TEXT.index("Each State")
    second = TEXT.index("Vessels")
    spans = [(first, second - 1), (second, len(TEXT)), (0, len(TEXT))]
    vectors, pooled = embedder.encode_with_spans([TEXT, "short"], [spans, []])
    assert np.allclose(vectors, embedder.encode([TEXT, "short"]), atol=1e-4)
    criminal, vessels, whole = pooled[0]
    assert pooled[1] == []
    for vector in (criminal, vessels, whole):
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    assert _cos(whole, vectors[0]) > 0.95
    # each pooled sentence is nearer its own meaning than the other sentence's
    own = embedder.encode([TEXT[first:second - 1], TEXT[second:]])
    assert _cos(criminal, own[0]) > _cos(criminal, own[1])
    assert _cos(vessels, own[1]) > _cos(vessels, own[0])


def test_a_span_past_the_models_window_is_left_to_encode_apart(assistant):
    embedder = assistant.embedder
    long_text = "The State Party shall cooperate. " * 120  # far beyond 256 tokens
    tail = (len(long_text) - 40, len(long_text) - 1)
    _, pooled = embedder.encode_with_spans([long_text], [[(0, 32), tail]])
    assert pooled[0][0] is not None and pooled[0][1] is None


def test_a_model_with_a_layer_after_pooling_gets_its_sentences_encoded_apart(assistant):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import Dense

    model = assistant.embedder.model
    dense = SentenceTransformer(modules=[model[0], model[1], Dense(384, 384)], device="cpu")
    embedder = copy.copy(assistant.embedder)
    embedder.model = dense  # pooled token vectors would miss the Dense layer's projection
    assert not embedder.can_pool_spans()


# The exported backends: ONNX Runtime (fp32, int8) on a copy of the model exported once.

SENTENCES = [
    "Each State Party shall adopt such legislative and other measures as may be necessary to "
    "establish as criminal offences the conduct set forth in article 3 of this Protocol.",
    "The consent of a victim of trafficking in persons to the intended exploitation shall be "
    "irrelevant where any of the means set forth in subparagraph (a) have been used.",
    "What must a State do when it boards a vessel suspected of smuggling migrants?",
    "Trafficking in persons",
]


@pytest.fixture(scope="module")
def exported_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data folder whose fp32 and int8 exports the tests of this module share."""
    return tmp_path_factory.mktemp("exported")


@pytest.fixture(scope="module")
def torch_embedder(exported_dir: Path) -> Embedder:
    return Embedder(Settings(data_dir=exported_dir, embedding_backend="torch"))


def test_the_setting_selects_the_backend(exported_dir, torch_embedder):
    from sentence_transformers import SentenceTransformer

    assert isinstance(torch_embedder.model, SentenceTransformer)
    onnx = Embedder(Settings(data_dir=exported_dir, embedding_backend="onnx"))
    assert isinstance(onnx.model, ExportedModel)
    assert onnx.model.folder == exported_dir / "models" / onnx.model.folder.parent.name / "fp32"
    assert onnx.dimension == torch_embedder.dimension == 384
    with pytest.raises(ValidationError):
        Settings(embedding_backend="tensorflow")


def test_each_backend_has_its_own_index_and_torch_keeps_the_old_name():
    names = {b: Settings(embedding_backend=b).collection_name()
             for b in ("torch", "onnx", "onnx-int8", "openvino")}
    assert len(set(names.values())) == 4
    assert "embedding_backend" not in Settings(embedding_backend="torch").index_fingerprint()
    assert Settings(embedding_backend="onnx-int8").index_fingerprint()["embedding_backend"] == \
        "onnx-int8"


def test_onnx_fp32_gives_the_vectors_of_torch_and_int8_nearly(exported_dir, torch_embedder):
    expected = torch_embedder.encode(SENTENCES)
    for backend, least in (("onnx", 0.999), ("onnx-int8", 0.97)):
        embedder = Embedder(Settings(data_dir=exported_dir, embedding_backend=backend))
        got = embedder.encode(SENTENCES)
        cosines = np.sum(expected * got, axis=1)
        assert cosines.min() > least, (backend, cosines)
        assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
        assert np.sum(embedder.encode_queries(SENTENCES[2:3])[0] * expected[2]) > least
    onnx = Embedder(Settings(data_dir=exported_dir, embedding_backend="onnx"))
    assert onnx.can_pool_spans()
    spans = [(0, TEXT.index("Vessels") - 1), (TEXT.index("Vessels"), len(TEXT))]
    vectors, pooled = onnx.encode_with_spans([TEXT], [spans])
    torch_vectors, torch_pooled = torch_embedder.encode_with_spans([TEXT], [spans])
    assert _cos(vectors[0], torch_vectors[0]) > 0.999
    for mine, theirs in zip(pooled[0], torch_pooled[0], strict=True):
        assert _cos(mine, theirs) > 0.999


def test_the_export_is_cached_and_a_second_load_reuses_it(exported_dir):
    settings = Settings(data_dir=exported_dir, embedding_backend="onnx")
    folder = exported_model(settings)
    before = (folder / "model.onnx").stat()
    again = Embedder(settings)
    after = (folder / "model.onnx").stat()
    assert again.model.folder == folder
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not list(folder.parent.glob(".*.partial-*"))


def test_an_interrupted_export_is_cleared_and_done_again(tmp_path):
    settings = Settings(data_dir=tmp_path, embedding_backend="onnx")
    root = settings.exported_models_dir / export_name(settings)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    partial = root / f".fp32.partial-{dead.pid}"
    partial.mkdir(parents=True)
    (partial / "model.onnx").write_bytes(b"half a model")  # the export stopped mid-write
    folder = exported_model(settings, progress=False)
    assert not partial.exists() and folder == root / "fp32"
    assert (folder / "model.onnx").stat().st_size > 1_000_000
    vector = Embedder(settings).encode(SENTENCES[:1])[0]
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
