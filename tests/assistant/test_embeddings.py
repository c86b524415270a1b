"""The embedder: plain encodes, and sentence vectors pooled from a chunk's own forward pass."""

import copy

import numpy as np


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
