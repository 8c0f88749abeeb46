"""Embedding quantisation: encode(precision=...) and quantize()."""

from __future__ import annotations

import numpy as np
import pytest

import gist_helpers as gh

TEXTS = ["a cat on a mat", "stock markets fell", "a kitten on a rug", "rain is expected"]


@pytest.mark.parametrize(
    ("precision", "dtype", "width"),
    [("float32", np.float32, 384), ("int8", np.int8, 384), ("uint8", np.uint8, 384),
     ("binary", np.int8, 48), ("ubinary", np.uint8, 48)],
)
def test_shapes_and_types(model, precision, dtype, width):
    out = gh.encode(model, TEXTS, precision=precision)
    assert out.shape == (4, width) and out.dtype == dtype
    assert gh.encode(model, [], precision=precision).shape == (0, width)


def test_ubinary_is_the_sign_bits_packed(model):
    dense = gh.encode(model, TEXTS)
    np.testing.assert_array_equal(gh.encode(model, TEXTS, precision="ubinary"), np.packbits(dense > 0, axis=1))


def test_int8_keeps_the_ranking(model):
    dense = gh.encode(model, TEXTS)
    small = gh.encode(model, TEXTS, precision="int8").astype(np.float32)
    assert np.argsort(-(dense @ dense[0]))[1] == np.argsort(-(small @ small[0]))[1]


def test_quantised_encodes_reuse_the_float_cache(model, monkeypatch):
    gh.encode(model, TEXTS)
    seen = []
    original = model.encode
    monkeypatch.setattr(model, "encode", lambda t, **kw: seen.extend(t) or original(t, **kw))
    gh.encode(model, TEXTS, precision="int8")
    assert seen == []


def test_calibration_sets_the_ranges(model):
    corpus = gh.encode(model, TEXTS)
    one = gh.encode(model, TEXTS[:1], precision="int8", calibration=corpus)
    np.testing.assert_array_equal(one, gh.quantize(corpus, "int8", calibration=corpus)[:1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"precision": "int4"}, "not one of float32"),
        ({"precision": "int8", "calibration": np.zeros((1, 384), np.float32)}, "at least two"),
    ],
)
def test_bad_precision_arguments(model, kwargs, message):
    with pytest.raises(ValueError, match=message):
        gh.encode(model, TEXTS, **kwargs)


def test_a_single_text_needs_calibration_for_int8(model):
    with pytest.raises(ValueError, match="pass calibration="):
        gh.encode(model, TEXTS[:1], precision="int8")
