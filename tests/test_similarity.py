"""Unit tests of gist_helpers.similarity (notebook 03), run against the real (stand-in) model."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

import gist_helpers as gh

TEXTS = [
    "The cat sat on the mat.",
    "A cat was sitting on a rug.",
    "Stock markets fell sharply on Monday.",
    "Shares dropped steeply at the start of the week.",
    "How do I bake sourdough bread at home?",
]


pytestmark = pytest.mark.usefixtures("shared_cache")


@pytest.fixture
def no_show(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("helpers must not call plt.show()")

    monkeypatch.setattr(plt, "show", refuse)
    yield
    plt.close("all")


def model_id(model) -> str:
    return gh.model_info(model).model_id


# --- similarity_matrix ------------------------------------------------------------------


def test_similarity_matrix_is_cosine(model):
    emb = gh.encode(model, TEXTS, normalize=False)
    sims = gh.similarity_matrix(emb)
    unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    assert sims.shape == (5, 5) and sims.dtype == np.float32
    np.testing.assert_allclose(sims, unit @ unit.T, atol=1e-5)
    np.testing.assert_allclose(np.diag(sims), 1.0, atol=1e-5)
    np.testing.assert_allclose(sims, sims.T, atol=1e-6)


def test_similarity_matrix_two_sets_and_single_vector(model):
    emb = gh.encode(model, TEXTS)
    assert gh.similarity_matrix(emb[:2], emb).shape == (2, 5)
    one = gh.similarity_matrix(emb[0], emb)
    assert one.shape == (1, 5)
    assert one[0, 0] == pytest.approx(1.0, abs=1e-5)


def test_similarity_matrix_accepts_tensors(model):
    emb = gh.encode(model, TEXTS)
    np.testing.assert_allclose(
        gh.similarity_matrix(torch.from_numpy(emb)), gh.similarity_matrix(emb)
    )


@pytest.mark.parametrize(
    "a, b, error, match",
    [
        (np.zeros((0, 4)), None, ValueError, "empty"),
        (np.ones((2, 4)), np.ones((2, 3)), ValueError, "4-dimensional"),
        (np.array([[1.0, np.nan], [1.0, 0.0]]), None, ValueError, "row 0"),
        (np.array([["a", "b"]]), None, TypeError, "numeric"),
        (np.ones((2, 2, 2)), None, ValueError, "2-D"),
    ],
)
def test_similarity_matrix_bad_input(a, b, error, match):
    with pytest.raises(error, match=match):
        gh.similarity_matrix(a, b)


# --- similarity_table (the model card's example) ---------------------------------------


def test_similarity_table_reproduces_model_card(model):
    labels = ["REaLTabFormer", "GeoFormer", "workforce"]
    table = gh.similarity_table(model, gh.MODEL_CARD_TEXTS, labels=labels)
    # The model card's own code, verbatim in substance.
    embeddings = model.encode(gh.MODEL_CARD_TEXTS, convert_to_tensor=True)
    card = (
        F.cosine_similarity(embeddings.unsqueeze(1), embeddings.unsqueeze(0), dim=-1).cpu().numpy()
    )
    assert list(table.index) == labels and list(table.columns) == labels
    np.testing.assert_allclose(table.to_numpy(), card, atol=1e-4)
    assert table.attrs["model"] == model_id(model)
    assert model_id(model) in table.columns.name
    assert (table.to_numpy() == table.to_numpy().round(4)).all()


def test_similarity_table_default_labels_are_short(model):
    table = gh.similarity_table(model, gh.MODEL_CARD_TEXTS)
    assert all(len(label) <= 40 for label in table.index)


@pytest.mark.parametrize(
    "texts, labels, error, match",
    [
        ([], None, ValueError, "empty"),
        (TEXTS[:2], ["only one"], ValueError, "1 labels for 2 texts"),
        (["fine", None], None, TypeError, "position 1"),
        ("a single string is one text", ["x", "y"], ValueError, "2 labels for 1 texts"),
    ],
)
def test_similarity_table_bad_input(model, texts, labels, error, match):
    with pytest.raises(error, match=match):
        gh.similarity_table(model, texts, labels=labels)


# --- top_k ------------------------------------------------------------------------------


def test_top_k_matches_brute_force(model):
    hits = gh.top_k(model, "A kitten resting on a carpet.", TEXTS, k=3)
    sims = gh.similarity_matrix(
        gh.encode(model, ["A kitten resting on a carpet."]), gh.encode(model, TEXTS)
    )[0]
    expected = np.argsort(-sims, kind="stable")[:3]
    assert list(hits["corpus id"]) == list(expected)
    assert list(hits["rank"]) == [1, 2, 3]
    np.testing.assert_allclose(hits["cosine"], np.round(sims[expected], 4), atol=1e-4)
    assert list(hits["text"]) == [TEXTS[i] for i in expected]
    assert set(hits["model"]) == {model_id(model)}


def test_top_k_exact_duplicate_ranks_first(model):
    hits = gh.top_k(model, [TEXTS[2], TEXTS[4]], TEXTS, k=2)
    assert len(hits) == 4
    first = hits[hits["rank"] == 1]
    assert list(first["corpus id"]) == [2, 4]
    assert first["cosine"].tolist() == pytest.approx([1.0, 1.0], abs=1e-4)


def test_top_k_is_deterministic(model):
    pd.testing.assert_frame_equal(
        gh.top_k(model, "markets", TEXTS, k=5), gh.top_k(model, "markets", TEXTS, k=5)
    )


@pytest.mark.parametrize(
    "queries, corpus, k, match",
    [
        ("q", TEXTS, 6, "k=6 is larger than the corpus \\(5 texts\\)"),
        ("q", [], 1, "corpus is empty"),
        ([], TEXTS, 1, "queries is empty"),
        ("q", TEXTS, 0, "positive integer"),
        ("q", TEXTS, 2.5, "positive integer"),
    ],
)
def test_top_k_bad_input(model, queries, corpus, k, match):
    with pytest.raises(ValueError, match=match):
        gh.top_k(model, queries, corpus, k=k)


# --- mine_paraphrases -----------------------------------------------------------------


def test_mine_paraphrases_matches_brute_force(model):
    pairs = gh.mine_paraphrases(model, TEXTS, top_n=4)
    sims = gh.similarity_matrix(gh.encode(model, TEXTS))
    upper = [(float(sims[i, j]), i, j) for i in range(5) for j in range(i + 1, 5)]
    expected = sorted(upper, key=lambda t: -t[0])[:4]
    assert [(i, j) for _, i, j in expected] == list(zip(pairs["i"], pairs["j"]))
    np.testing.assert_allclose(pairs["cosine"], [round(s, 4) for s, _, _ in expected], atol=1e-4)
    assert (pairs["i"] < pairs["j"]).all()
    assert list(pairs["text a"]) == [TEXTS[i] for i in pairs["i"]]
    assert set(pairs["model"]) == {model_id(model)}


def test_mine_paraphrases_finds_the_paraphrases_first(model):
    pairs = gh.mine_paraphrases(model, TEXTS, top_n=2)
    assert {(int(i), int(j)) for i, j in zip(pairs["i"], pairs["j"])} == {(0, 1), (2, 3)}


def test_mine_paraphrases_min_score_and_determinism(model):
    everything = gh.mine_paraphrases(model, TEXTS, top_n=10)
    assert len(everything) == 10  # all 5·4/2 pairs
    strong = gh.mine_paraphrases(model, TEXTS, top_n=10, min_score=0.5)
    assert (strong["cosine"] >= 0.5 - 1e-4).all()
    assert len(strong) == int((everything["cosine"] >= 0.5).sum())
    pd.testing.assert_frame_equal(everything, gh.mine_paraphrases(model, TEXTS, top_n=10))


@pytest.mark.parametrize(
    "texts, kwargs, match",
    [
        (["just one"], {}, "at least 2 texts"),
        ([], {}, "at least 2 texts"),
        (TEXTS, {"top_n": 0}, "top_n"),
        (TEXTS, {"min_score": 1.5}, "min_score"),
    ],
)
def test_mine_paraphrases_bad_input(model, texts, kwargs, match):
    with pytest.raises(ValueError, match=match):
        gh.mine_paraphrases(model, texts, **kwargs)


# --- cosine_vs_dot ------------------------------------------------------------------------


def test_cosine_equals_dot_for_unit_vectors(model):
    table = gh.cosine_vs_dot(model, TEXTS[:3], labels=["a", "b", "c"])
    assert list(zip(table["a"], table["b"])) == [("a", "b"), ("a", "c"), ("b", "c")]
    np.testing.assert_allclose(table["length a"], 1.0)
    np.testing.assert_allclose(table["cosine"], table["dot product"], atol=1e-4)
    assert set(table["model"]) == {model_id(model)}


def test_dot_follows_length_cosine_does_not(model):
    unit = gh.cosine_vs_dot(model, TEXTS[:3])
    scaled = gh.cosine_vs_dot(model, TEXTS[:3], lengths=[1.0, 2.0, 0.5])
    np.testing.assert_allclose(scaled["cosine"], unit["cosine"], atol=1e-4)
    np.testing.assert_allclose(
        scaled["dot product"], unit["cosine"] * scaled["length a"] * scaled["length b"], atol=2e-4
    )


@pytest.mark.parametrize(
    "texts, kwargs, match",
    [
        (TEXTS[:1], {}, "at least 2 texts"),
        (TEXTS[:3], {"lengths": [1.0, 2.0]}, "2 value\\(s\\) for 3 texts"),
        (TEXTS[:3], {"lengths": [1.0, -2.0, 1.0]}, "lengths\\[1\\]"),
        (TEXTS[:3], {"labels": ["a"]}, "1 labels for 3 texts"),
    ],
)
def test_cosine_vs_dot_bad_input(model, texts, kwargs, match):
    with pytest.raises(ValueError, match=match):
        gh.cosine_vs_dot(model, texts, **kwargs)


# --- plot_similarity_heatmap --------------------------------------------------------------


def test_heatmap_from_table(model, no_show):
    table = gh.similarity_table(model, gh.MODEL_CARD_TEXTS, labels=["x", "y", "z"])
    ax = gh.plot_similarity_heatmap(table, title="Model card")
    assert isinstance(ax, plt.Axes)
    assert "Model card" in ax.get_title() and model_id(model) in ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y", "z"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y", "z"]
    assert len(ax.texts) == 9  # annotated cells
    assert ax.figure.axes[-1].get_ylabel() == "cosine similarity"


def test_heatmap_from_array_on_given_axes(no_show):
    _, ax = plt.subplots()
    out = gh.plot_similarity_heatmap(np.eye(14), labels=[f"t{i}" for i in range(14)], ax=ax)
    assert out is ax
    assert len(ax.texts) == 0  # too big to annotate by default


@pytest.mark.parametrize(
    "matrix, labels, match",
    [
        (np.eye(3), ["a", "b"], "2 labels for a 3×3"),
        (np.array([[1.0, np.nan], [np.nan, 1.0]]), None, "NaN"),
        (np.zeros((0, 0)), None, "non-empty"),
    ],
)
def test_heatmap_bad_input(matrix, labels, match, no_show):
    with pytest.raises(ValueError, match=match):
        gh.plot_similarity_heatmap(matrix, labels=labels)
