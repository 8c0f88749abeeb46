"""encode(): shapes, normalisation, agreement with sentence-transformers, bad input, truncation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import gist_helpers as gh
from gist_helpers.encoding import token_counts

TEXTS = ["A cat sits on the mat.", "Stocks fell sharply on Monday.", "The kitten rests on a rug."]


def test_shape_dtype_and_unit_norm(model):
    out = gh.encode(model, TEXTS)
    assert out.shape == (3, 384) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)


def test_agrees_with_sentence_transformers(model):
    reference = model.encode(TEXTS, normalize_embeddings=True)
    np.testing.assert_allclose(gh.encode(model, TEXTS), reference, atol=1e-5)
    raw = model.encode(TEXTS, normalize_embeddings=False)
    np.testing.assert_allclose(gh.encode(model, TEXTS, normalize=False), raw, atol=1e-5)


def test_meaning_shows_in_the_geometry(model):
    cat, stocks, kitten = gh.encode(model, TEXTS)
    assert cat @ kitten > cat @ stocks + 0.2


def test_empty_input_gives_an_empty_matrix(model):
    assert gh.encode(model, []).shape == (0, 384)
    assert gh.encode(model, pd.Series([], dtype=object)).shape == (0, 384)


def test_single_string_and_generators_and_series(model):
    assert gh.encode(model, "one text").shape == (1, 384)
    from_generator = gh.encode(model, (t for t in TEXTS))
    from_series = gh.encode(model, pd.Series(TEXTS, index=[10, 20, 30]))
    np.testing.assert_allclose(from_generator, from_series, atol=1e-6)


def test_duplicates_keep_their_positions(model):
    out = gh.encode(model, [TEXTS[0], TEXTS[1], TEXTS[0]])
    np.testing.assert_array_equal(out[0], out[2])
    assert not np.array_equal(out[0], out[1])


@pytest.mark.parametrize(
    ("texts", "error", "message"),
    [
        (None, TypeError, "texts is None"),
        (42, TypeError, "got int"),
        ({"a", "b"}, TypeError, "no fixed order"),
        (["fine", None, "fine"], TypeError, "position 1 is None"),
        (["fine", 3], TypeError, "position 1 is int"),
        (["fine", b"bytes"], TypeError, "position 1 is bytes"),
        (["fine", float("nan")], TypeError, "position 1 is NaN"),
        (b"abc", TypeError, "texts is bytes; decode it first"),
        (["ok", "\ud800"], ValueError, "position 1 has an unencodable character U\\+D800"),
        (np.array("abc"), TypeError, "texts is a 0-d numpy array"),
    ],
)
def test_bad_items_are_named(model, texts, error, message):
    with pytest.raises(error, match=message):
        gh.encode(model, texts)


def test_missing_values_in_a_series_name_the_rows(model):
    column = pd.Series(["a", np.nan, "c", None], index=["r1", "r2", "r3", "r4"])
    with pytest.raises(ValueError, match=r"2 missing value\(s\).*'r2', 'r4'"):
        gh.encode(model, column)


def test_non_string_in_a_series_names_the_row(model):
    with pytest.raises(TypeError, match="row 'b' is int"):
        gh.encode(model, pd.Series(["a", 5], index=["a", "b"]))


def test_bad_batch_size(model):
    with pytest.raises(ValueError, match="batch_size"):
        gh.encode(model, TEXTS, batch_size=0)
    with pytest.raises(TypeError, match="batch_size must be an integer, got float 2.5"):
        gh.encode(model, TEXTS, batch_size=2.5)


def test_empty_strings_and_nul_characters_are_accepted(model):
    out = gh.encode(model, ["", "a\x00b", "ab"], cache=False)
    assert out.shape == (3, 384) and np.isfinite(out).all()


def test_long_texts_are_cut_counted_and_reported_once(model):
    long_text = "embedding models read a limited number of tokens " * 80
    texts = [long_text, "short", long_text + " a different ending"]
    assert int((token_counts(model, texts) > model.max_seq_length).sum()) == 2
    with pytest.warns(gh.TruncationWarning) as caught:
        out = gh.encode(model, texts)
    assert len(caught) == 1
    assert str(caught[0].message).startswith("2 of 3 texts were cut to 256 tokens")
    np.testing.assert_allclose(out[0], out[2], atol=1e-6)  # the ending is never seen


def test_no_warning_when_nothing_is_cut(model):
    with warnings.catch_warnings():
        warnings.simplefilter("error", gh.TruncationWarning)
        gh.encode(model, TEXTS)


def test_token_counts_include_special_tokens(model):
    counts = token_counts(model, ["hello", "hello world"])
    assert counts.tolist() == [3, 4]
    assert token_counts(model, []).shape == (0,)
