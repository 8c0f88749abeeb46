"""Unit tests of gist_helpers.sts (notebook 03): loaders, MTEB-equal scoring, tables, plot."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics.pairwise import paired_cosine_distances

import gist_helpers as gh

# Lines in the STS Benchmark layout: genre, file, year, id, score, sentence1, sentence2 —
# tab-separated, no header, quoting off; some real lines carry extra trailing fields.
STSB_ROWS = [
    ("main-captions", "MSRvid", "2012test", "0001", "5.000",
     "A man is playing a flute.", "A man plays the flute."),
    ("main-news", "headlines", "2015", "0002", "1.200",
     'He said "no" to the offer.', '"Stop," she said, "not now."'),
    ("main-forums", "deft-forum", "2014", "0003", "0.400",
     "The cat sleeps on the sofa.", "Prices rose again in March.", "source-a", "source-b"),
    ("main-news", "headlines", "2016", "0004", "3.800",
     "Shares fell sharply on Monday.", "Stocks dropped steeply at the start of the week."),
    ("main-captions", "images", "2015", "0005", "2.600",
     "A dog runs in a field.", "A dog is lying in the grass."),
]  # fmt: skip
STSB_LINES = ["\t".join(row) for row in STSB_ROWS]


pytestmark = pytest.mark.usefixtures("shared_cache")


@pytest.fixture
def stsb_file(tmp_path):
    path = tmp_path / "sts-test.csv"
    path.write_text("\n".join(STSB_LINES) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bundled():
    return gh.load_sts_pairs()


@pytest.fixture(scope="module")
def scored(model, bundled, module_cache_dir):
    return gh.score_sts_pairs(model, bundled)


@pytest.fixture(scope="module")
def subset(bundled):
    """100 bundled pairs (every other one) for comparisons with MTEB's computation."""
    return bundled.iloc[::2].head(100)


@pytest.fixture(scope="module")
def subset_mteb_cosines(model, subset, module_cache_dir):
    return mteb_cosines(model, subset["sentence1"], subset["sentence2"])


def mteb_cosines(model, sentences1, sentences2) -> np.ndarray:
    """What MTEB's STS evaluator computes: the model's encode, then 1 - paired cosine distance."""
    e1 = np.asarray(model.encode(list(sentences1), batch_size=32))
    e2 = np.asarray(model.encode(list(sentences2), batch_size=32))
    return 1 - paired_cosine_distances(e1, e2)


# --- the STS Benchmark layout -----------------------------------------------------------


def test_load_stsb_layout(stsb_file):
    pairs = gh.load_sts_file(stsb_file)
    assert list(pairs.columns[:3]) == ["sentence1", "sentence2", "score"]
    assert {"genre", "file", "year", "id"} <= set(pairs.columns)
    assert len(pairs) == 5
    assert pairs["score"].tolist() == [5.0, 1.2, 0.4, 3.8, 2.6]
    assert pairs["score"].dtype == np.float64
    # Quoting off: quote characters are part of the sentences, verbatim.
    assert pairs.loc[1, "sentence1"] == 'He said "no" to the offer.'
    assert pairs.loc[1, "sentence2"] == '"Stop," she said, "not now."'
    # Extra trailing fields are ignored, not glued onto sentence2.
    assert pairs.loc[2, "sentence2"] == "Prices rose again in March."
    assert pairs.loc[0, "id"] == "0001" and pairs.loc[0, "genre"] == "main-captions"
    assert pairs.attrs["name"] == "sts-test.csv"
    pd.testing.assert_frame_equal(pairs, gh.load_sts_file(stsb_file, layout="stsb"))


def test_load_stsb_tolerates_crlf_and_blank_lines(tmp_path):
    path = tmp_path / "sts-dev.csv"
    path.write_bytes(("\r\n".join(STSB_LINES[:2]) + "\r\n\r\n").encode("utf-8"))
    pairs = gh.load_sts_file(path)
    assert len(pairs) == 2 and pairs.loc[0, "sentence2"] == "A man plays the flute."


def test_load_stsb_short_line_names_the_line(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text(STSB_LINES[0] + "\nmain-news\theadlines\t2015\t0002\t1.2\tonly one sentence\n")
    with pytest.raises(ValueError, match="line 2 has 6 tab-separated fields"):
        gh.load_sts_file(path, layout="stsb")


def test_load_stsb_bad_score_names_the_line(tmp_path):
    path = tmp_path / "bad-score.csv"
    path.write_text(STSB_LINES[0] + "\n" + STSB_LINES[1].replace("1.200", "high") + "\n")
    with pytest.raises(ValueError, match="line 2: score 'high' is not a number"):
        gh.load_sts_file(path)


# --- tables with a header --------------------------------------------------------------


def test_load_csv_with_header(tmp_path):
    path = tmp_path / "pairs.csv"
    frame = pd.DataFrame(
        {
            "sentence1": ['He said "yes".', "A, B and C."],
            "sentence2": ["He agreed.", "Three letters."],
            "score": [4.5, 3.0],
            "note": ["x", "y"],
        }
    )
    frame.to_csv(path, index=False)
    pairs = gh.load_sts_file(path)
    pd.testing.assert_frame_equal(pairs[["sentence1", "sentence2", "score", "note"]], frame)


def test_load_tsv_with_header_quoting_off(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text(
        'score\tsentence1\tsentence2\n4.0\t"Quoted" start.\tA plain one.\n1.0\tx y\tz w\n'
    )
    pairs = gh.load_sts_file(path)
    assert list(pairs.columns) == ["sentence1", "sentence2", "score"]
    assert pairs.loc[0, "sentence1"] == '"Quoted" start.'
    assert pairs["score"].tolist() == [4.0, 1.0]


def test_bundled_csv_reads_like_the_bundled_loader(bundled, tmp_path):
    path = tmp_path / "copy.csv"
    bundled.to_csv(path, index=False)
    pd.testing.assert_frame_equal(gh.load_sts_file(path), bundled[gh.load_sts_file(path).columns])


@pytest.mark.parametrize(
    "content, layout, error, match",
    [
        ("text,label\na,b\n", "auto", ValueError, "neither has a header"),
        ("sentence1,score\na,1\n", "table", ValueError, "no column\\(s\\) \\['sentence2'\\]"),
        ("sentence1,sentence2,score\na,b,\nc,d,2\n", "auto", ValueError, "NaN or not a number"),
        (
            "sentence1,sentence2,score\na,b,high\n",
            "auto",
            ValueError,
            "'high' at row 0 is not a number",
        ),
        (
            "sentence1,sentence2,score\n,b,1\nc,d,2\n",
            "auto",
            ValueError,
            "sentence1 at row\\(s\\) 0",
        ),
        ("\n\n", "auto", ValueError, "is empty"),
        ("sentence1,sentence2,score\n", "auto", ValueError, "no pairs"),
        ("a\tb\n", "wrong", ValueError, "layout='wrong'"),
    ],
)
def test_load_sts_file_bad_input(tmp_path, content, layout, error, match):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(error, match=match):
        gh.load_sts_file(path, layout=layout)


def test_load_sts_file_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        gh.load_sts_file(tmp_path / "nope.csv")


# --- correlations: exactly scipy's ---------------------------------------------------------


def test_sts_correlations_equal_scipy():
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 6, size=50).astype(float)  # ties, as in real STS data
    predicted = gold / 5 + rng.normal(0, 0.3, size=50)
    result = gh.sts_correlations(predicted, gold)
    assert result["spearman"] == spearmanr(gold, predicted).statistic
    assert result["pearson"] == pearsonr(gold, predicted).statistic
    assert set(result) == {"spearman", "pearson"}


@pytest.mark.parametrize(
    "predicted, gold, match",
    [
        ([0.1, 0.2, 0.3], [1.0, 2.0], "predicted has 3 values but gold has 2"),
        ([0.1, np.nan, 0.3], [1.0, 2.0, 3.0], "predicted has NaN .* position\\(s\\) 1"),
        ([0.1, 0.2, 0.3], [1.0, 2.0, float("nan")], "gold has NaN .* position\\(s\\) 2"),
        ([0.1, 0.2], [1.0, 2.0], "at least 3 pairs"),
        ([0.1, 0.2, 0.3], [2.0, 2.0, 2.0], "all gold values are equal"),
        ([0.5, 0.5, 0.5], [1.0, 2.0, 3.0], "all predicted values are equal"),
    ],
)
def test_sts_correlations_bad_input(predicted, gold, match):
    with pytest.raises(ValueError, match=match):
        gh.sts_correlations(predicted, gold)


# --- scoring with the model: equal to MTEB's computation ------------------------------------


def test_paired_cosine_equals_mteb(model, subset, subset_mteb_cosines):
    ours = gh.paired_cosine(model, subset["sentence1"], subset["sentence2"])
    assert ours.shape == (len(subset),)
    np.testing.assert_allclose(ours, subset_mteb_cosines, atol=1e-6)


def test_evaluate_sts_equals_scipy_on_mteb_cosines(model, subset, subset_mteb_cosines):
    row = gh.evaluate_sts(model, subset, name="bundled")
    cosines = subset_mteb_cosines
    assert row.loc[0, "spearman"] == round(spearmanr(subset["score"], cosines).statistic, 4)
    assert row.loc[0, "pearson"] == round(pearsonr(subset["score"], cosines).statistic, 4)
    assert row.loc[0, "spearman ×100"] == pytest.approx(100 * row.loc[0, "spearman"], abs=0.01)
    assert row.loc[0, "model"] == gh.model_info(model).model_id
    assert row.loc[0, "pairs"] == len(subset) and row.loc[0, "dataset"] == "bundled"


def test_evaluate_sts_on_an_stsb_file(model, stsb_file):
    pairs = gh.load_sts_file(stsb_file)
    row = gh.evaluate_sts(model, pairs)
    cosines = mteb_cosines(model, pairs["sentence1"], pairs["sentence2"])
    assert row.loc[0, "dataset"] == "sts-test.csv"
    assert row.loc[0, "spearman"] == round(spearmanr(pairs["score"], cosines).statistic, 4)


def test_evaluate_sts_is_deterministic(model, bundled):
    pd.testing.assert_frame_equal(gh.evaluate_sts(model, bundled), gh.evaluate_sts(model, bundled))


def test_score_sts_pairs_adds_cosine_and_model(scored, bundled, model):
    assert len(scored) == len(bundled)
    assert {"cosine", "model"} <= set(scored.columns)
    assert scored["cosine"].between(-1.0001, 1.0001).all()
    assert set(scored["model"]) == {gh.model_info(model).model_id}
    assert "cosine" not in bundled.columns  # the input is not modified


@pytest.mark.parametrize(
    "s1, s2, match",
    [
        (["a", "b", "c"], ["x", "y"], "sentences1 has 3 texts but sentences2 has 2"),
        ([], [], "no pairs"),
    ],
)
def test_paired_cosine_bad_input(model, s1, s2, match):
    with pytest.raises(ValueError, match=match):
        gh.paired_cosine(model, s1, s2)


def test_paired_cosine_rejects_none(model):
    with pytest.raises(TypeError, match="position 1"):
        gh.paired_cosine(model, ["a", None], ["x", "y"])


@pytest.mark.parametrize(
    "frame, error, match",
    [
        (
            pd.DataFrame(
                {"sentence1": ["a", "b"], "sentence2": ["c", "d"], "score": [1.0, np.nan]}
            ),
            ValueError,
            "row\\(s\\) 1 is NaN",
        ),
        (
            pd.DataFrame({"sentence1": ["a"], "sentence2": ["c"]}),
            ValueError,
            "no column\\(s\\) \\['score'\\]",
        ),
        (
            pd.DataFrame({"sentence1": ["a", None], "sentence2": ["c", "d"], "score": [1.0, 2.0]}),
            ValueError,
            "sentence1 at row\\(s\\) 1",
        ),
        (pd.DataFrame({"sentence1": [], "sentence2": [], "score": []}), ValueError, "no pairs"),
        ([("a", "b", 1.0)], TypeError, "DataFrame"),
    ],
)
def test_score_sts_pairs_bad_input(model, frame, error, match):
    with pytest.raises(error, match=match):
        gh.score_sts_pairs(model, frame)
    if isinstance(frame, pd.DataFrame):
        with pytest.raises(error, match=match):
            gh.evaluate_sts(model, frame)


# --- disagreements and groups ---------------------------------------------------------------


def test_sts_disagreements(scored):
    worst = gh.sts_disagreements(scored, n=7)
    assert len(worst) == 7
    gaps = worst["gap"].abs().tolist()
    assert gaps == sorted(gaps, reverse=True)
    expected_gap = 100 * (scored["cosine"].rank(pct=True) - scored["score"].rank(pct=True))
    assert worst["gap"].abs().max() == pytest.approx(expected_gap.abs().max(), abs=0.2)
    assert {
        "sentence1",
        "sentence2",
        "phenomenon",
        "score",
        "cosine",
        "human rank",
        "model rank",
        "model",
    } <= set(worst.columns)
    over = gh.sts_disagreements(scored, n=5, direction="over")
    under = gh.sts_disagreements(scored, n=5, direction="under")
    assert (over["gap"] > 0).all() and (under["gap"] < 0).all()


@pytest.mark.parametrize(
    "kwargs, match", [({"direction": "sideways"}, "direction"), ({"n": 0}, "positive integer")]
)
def test_sts_disagreements_bad_input(scored, kwargs, match):
    with pytest.raises(ValueError, match=match):
        gh.sts_disagreements(scored, **kwargs)


def test_sts_tables_need_scored_input(bundled):
    with pytest.raises(ValueError, match="score_sts_pairs"):
        gh.sts_disagreements(bundled)
    with pytest.raises(ValueError, match="score_sts_pairs"):
        gh.sts_by_group(bundled)


def test_sts_by_group(scored):
    groups = gh.sts_by_group(scored)
    assert set(groups["phenomenon"]) == set(scored["phenomenon"])
    assert groups["pairs"].sum() == len(scored)
    assert groups["mean gap"].tolist() == sorted(groups["mean gap"], reverse=True)
    negation = scored[scored["phenomenon"] == "negation"]
    row = groups.set_index("phenomenon").loc["negation"]
    assert row["mean cosine"] == round(negation["cosine"].mean(), 4)
    assert row["spearman"] == round(spearmanr(negation["score"], negation["cosine"]).statistic, 4)
    by_domain = gh.sts_by_group(scored, by="domain")
    assert set(by_domain["domain"]) == set(scored["domain"])
    with pytest.raises(ValueError, match="no column 'genre'"):
        gh.sts_by_group(scored, by="genre")


# --- plot -----------------------------------------------------------------------------------


def test_plot_sts_scatter(scored, monkeypatch):
    monkeypatch.setattr(
        plt, "show", lambda *a, **k: pytest.fail("helpers must not call plt.show()")
    )
    ax = gh.plot_sts_scatter(scored)
    assert isinstance(ax, plt.Axes)
    assert "human" in ax.get_xlabel() and "cosine" in ax.get_ylabel()
    title = ax.get_title()
    result = gh.sts_correlations(scored["cosine"], scored["score"])
    assert f"Spearman {result['spearman']:.3f}" in title and scored["model"].iloc[0] in title
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(legend) == set(scored["phenomenon"])
    plain = gh.plot_sts_scatter(scored, hue=None)
    assert plain.get_legend() is None
    with pytest.raises(ValueError, match="no column 'colour'"):
        gh.plot_sts_scatter(scored, hue="colour")
    plt.close("all")
