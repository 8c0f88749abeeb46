"""Training helpers: same-intent pairs, and the guide's mask replayed exactly as GISTEmbedLoss
applies it (the loss rebuilt from the mask equals the library's loss), so the false-negative
counts of notebook 09 describe what the loss really does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sentence_transformers.sentence_transformer import losses

import gist_helpers as gh
from gist_helpers.training import TERMS, guide_masks

# Two intents, three queries each, in the style of Banking77.
TEXTS = [
    "My card has not arrived yet.",
    "How do I top up my account?",
    "When will my new card get here?",
    "Can I add money with a bank transfer?",
    "The card I ordered still hasn't come.",
    "What ways are there to top up?",
]
LABELS = ["card_arrival", "top_up", "card_arrival", "top_up", "card_arrival", "top_up"]
# A positive of the same intent for each, none of them among the anchors (a text both anchor
# and positive would tie similarities exactly, and a tie flips on rounding).
POSITIVES = [
    "Is my card still on its way?",
    "I want to put money on my card.",
    "My card is late, where is it?",
    "How can I fund my account?",
    "I am still waiting for the card.",
    "Top up with Apple Pay, is that possible?",
]


# --- same_intent_pairs ----------------------------------------------------------------------


def test_pairs_share_a_label_and_differ_in_wording():
    pairs = gh.same_intent_pairs(TEXTS, LABELS, seed=0)
    assert list(pairs.columns) == ["anchor", "positive", "label"]
    assert pairs.anchor.tolist() == TEXTS  # one pair per text, in order
    label_of = dict(zip(TEXTS, LABELS))
    assert all(label_of[p] == lab for p, lab in zip(pairs.positive, pairs.label))
    assert (pairs.anchor != pairs.positive).all()


def test_pairs_are_reproducible_and_depend_on_the_seed():
    texts = [f"query {i} about intent {i % 3}" for i in range(60)]
    labels = [i % 3 for i in range(60)]
    first = gh.same_intent_pairs(texts, labels, seed=1)
    pd.testing.assert_frame_equal(first, gh.same_intent_pairs(pd.Series(texts), labels, seed=1))
    assert not first.equals(gh.same_intent_pairs(texts, labels, seed=2))
    # Every other text of the label can be drawn: over the seeds, all of them are.
    drawn = {gh.same_intent_pairs(texts, labels, seed=s).positive[0] for s in range(200)}
    assert drawn == {t for t, lab in zip(texts, labels) if lab == 0 and t != texts[0]}


def test_a_label_with_one_text_or_one_wording_gives_no_pair():
    pairs = gh.same_intent_pairs(
        ["alone", "twin", "twin", "a", "b"], ["x", "y", "y", "z", "z"], seed=0
    )
    assert pairs.anchor.tolist() == ["a", "b"] and pairs.positive.tolist() == ["b", "a"]


def test_pairs_on_real_banking77_queries():
    train = gh.load_banking77("train")
    pairs = gh.same_intent_pairs(train.text, train.label)
    assert len(pairs) == len(train) and pairs.label.tolist() == train.label.tolist()
    label_of = dict(zip(train.text, train.label))
    assert (pairs.positive.map(label_of) == pairs.label).all()


def _pairs_by_definition(texts, labels, seed):
    """The drawing same_intent_pairs promises, written the plain quadratic way: for each text in
    order, one rng.integers draw among the other texts of its label with another wording."""
    rng = np.random.default_rng(seed)
    rows = []
    for text, label in zip(texts, labels):
        others = [t for t, lab in zip(texts, labels) if lab == label and t != text]
        if others:
            rows.append((text, others[rng.integers(len(others))], label))
    return pd.DataFrame(rows, columns=["anchor", "positive", "label"])


def test_pairs_are_drawn_as_defined_with_repeated_texts():
    rng = np.random.default_rng(7)
    texts = [f"query {i}" for i in rng.integers(0, 40, size=300)]  # many repeats
    labels = [int(t.split()[1]) % 4 for t in texts]
    for seed in (0, 3):
        pd.testing.assert_frame_equal(
            gh.same_intent_pairs(texts, labels, seed=seed),
            _pairs_by_definition(texts, labels, seed),
        )


class _CountedText(str):
    """A text that counts how often it is compared (to tell linear from quadratic work)."""

    compared = 0
    __hash__ = str.__hash__

    def __eq__(self, other):
        _CountedText.compared += 1
        return str.__eq__(self, other)

    def __ne__(self, other):
        _CountedText.compared += 1
        return str.__ne__(self, other)


def test_pairs_take_linear_work():
    """80,000 texts of 2 labels took 94 s when every text was compared with its whole label;
    the work is counted here (comparisons per text), not timed."""
    n = 3000
    texts = [_CountedText(f"query number {i // 2}") for i in range(n)]  # every text twice
    labels = [i % 2 for i in range(n)]
    _CountedText.compared = 0
    pairs = gh.same_intent_pairs(texts, labels, seed=0)
    assert len(pairs) == n
    assert _CountedText.compared <= 4 * n, f"{_CountedText.compared:,} comparisons for {n:,} texts"


# --- false_negatives: counts ------------------------------------------------------------------


def _vectors(seed: int, n: int, width: int = 8) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, width)).astype(np.float32)


def test_counts_same_label_pairs_per_batch_and_term():
    labels = ["a", "b", "a", "c", "a", "b"]
    anchors, positives = _vectors(0, 6), _vectors(1, 6)
    table = gh.false_negatives([[0, 1, 2, 3], [4, 5], [1]], labels, anchors, positives)
    assert list(table.columns) == [
        "batch",
        "term",
        "size",
        "negatives",
        "false_negatives",
        "masked",
        "masked_false_negatives",
    ]
    assert table.term.tolist() == list(TERMS) * 3
    first, second, last = (table[table.batch == b] for b in range(3))
    # batch 0: rows 0 and 2 share "a": two ordered pairs out of 4 * 3 candidates, in each term
    assert (first.negatives == 12).all() and (first.false_negatives == 2).all()
    assert (second.negatives == 2).all() and (second.false_negatives == 0).all()
    # a last batch of one row (samplers leave one) has no negatives at all
    assert (last[["negatives", "false_negatives", "masked"]] == 0).all().all()
    assert (table.masked_false_negatives <= table[["masked", "false_negatives"]].min(axis=1)).all()


def test_a_guide_that_sees_the_labels_masks_exactly_the_false_negatives():
    labels = np.array([0, 1, 0, 2, 1, 0])
    centres = np.eye(3, 8, dtype=np.float32)
    rng = np.random.default_rng(0)
    anchors = centres[labels] + 0.05 * rng.normal(size=(6, 8)).astype(np.float32)
    positives = centres[labels] + 0.05 * rng.normal(size=(6, 8)).astype(np.float32)
    table = gh.false_negatives([list(range(6))], labels, anchors, positives, margin=0.2)
    assert (table.masked == table.false_negatives).all()
    assert (table.masked_false_negatives == table.false_negatives).all()
    # with a margin far below -1 nothing can pass the threshold
    none = gh.false_negatives([list(range(6))], labels, anchors, positives, margin=-3.0)
    assert (none.masked == 0).all()


def test_relative_and_absolute_margins_agree_at_zero():
    anchors, positives, labels = _vectors(2, 10), _vectors(3, 10), [i % 3 for i in range(10)]
    batches = [list(range(10))]
    absolute = gh.false_negatives(batches, labels, anchors, positives)
    relative = gh.false_negatives(batches, labels, anchors, positives, margin_strategy="relative")
    pd.testing.assert_frame_equal(absolute, relative)
    wider = gh.false_negatives(batches, labels, anchors, positives, margin=0.5)
    assert (wider.masked >= absolute.masked).all() and wider.masked.sum() > absolute.masked.sum()


def test_vectors_need_not_be_unit_length():
    anchors, positives, labels = _vectors(4, 8), _vectors(5, 8), [i % 2 for i in range(8)]
    batches = [[0, 1, 2, 3], [4, 5, 6, 7]]
    pd.testing.assert_frame_equal(
        gh.false_negatives(batches, labels, anchors, positives),
        gh.false_negatives(batches, labels, 3 * anchors, 0.5 * positives),
    )


# --- the mask is GISTEmbedLoss's own ----------------------------------------------------------


def _features(model, texts):
    features = model.preprocess(texts)
    return {k: v.to(model.device) if torch.is_tensor(v) else v for k, v in features.items()}


def _rebuilt_loss(anchors, positives, masks, temperature):
    """Cross-entropy over the three terms, with the masked candidates (and self pairs) dropped."""
    scores = []
    for term, (left, right) in zip(
        TERMS, ((anchors, positives), (anchors, anchors), (positives, positives))
    ):
        similarity = torch.nn.functional.cosine_similarity(left[:, None], right[None], dim=-1)
        drop = torch.from_numpy(masks[term])
        if term != "anchor-positive":
            drop = drop | torch.eye(len(left), dtype=torch.bool)
        scores.append(similarity.masked_fill(drop, -torch.inf))
    logits = torch.cat(scores, dim=1) / temperature
    return torch.nn.functional.cross_entropy(logits, torch.arange(len(anchors))).item()


@pytest.mark.parametrize(("margin", "strategy"), [(0.0, "absolute"), (0.1, "relative")])
def test_the_mask_rebuilds_gistembedloss_exactly(model, margin, strategy):
    anchors, positives = TEXTS, POSITIVES
    loss = losses.GISTEmbedLoss(
        model, model, temperature=0.05, margin=margin, margin_strategy=strategy
    )
    model.eval()
    with torch.no_grad():
        library = loss([_features(model, anchors), _features(model, positives)], None).item()
        a = model(_features(model, anchors))["sentence_embedding"].cpu()
        p = model(_features(model, positives))["sentence_embedding"].cpu()
    unit = [torch.nn.functional.normalize(x, dim=-1).numpy() for x in (a, p)]
    masks = guide_masks(*unit, margin, strategy)
    assert sum(m.sum() for m in masks.values()) > 0  # the batch has something to mask
    assert _rebuilt_loss(a, p, masks, 0.05) == pytest.approx(library, rel=1e-4)
    nothing = {t: np.zeros_like(m) for t, m in masks.items()}
    assert _rebuilt_loss(a, p, nothing, 0.05) != pytest.approx(library, rel=1e-2)
    # and the counts agree with the same masks
    table = gh.false_negatives(
        [list(range(6))], LABELS, *unit, margin=margin, margin_strategy=strategy
    )
    assert table.masked.tolist() == [int(masks[t].sum()) for t in TERMS]


def test_without_a_guide_the_same_terms_are_multiple_negatives_ranking_loss(model):
    """MNRL with GIST's three terms and scale = 1 / temperature is GISTEmbedLoss with nothing
    masked: in notebook 09 the guide is the only difference between the two losses."""
    anchors, positives = TEXTS, POSITIVES
    mnrl = losses.MultipleNegativesRankingLoss(
        model, scale=1 / 0.05, directions=("query_to_doc", "query_to_query", "doc_to_doc")
    )
    model.eval()
    with torch.no_grad():
        library = mnrl([_features(model, anchors), _features(model, positives)], None).item()
        a = model(_features(model, anchors))["sentence_embedding"].cpu()
        p = model(_features(model, positives))["sentence_embedding"].cpu()
    nothing = {t: np.zeros((6, 6), dtype=bool) for t in TERMS}
    assert _rebuilt_loss(a, p, nothing, 0.05) == pytest.approx(library, rel=1e-4)


class _Recorder(torch.nn.Module):
    """Stands in for the loss's cross-entropy: keeps the scores it is given (masked: -inf)."""

    def forward(self, scores, target):
        self.scores = scores
        return scores.sum()


def test_the_mask_is_the_losss_own_mask_on_batches_with_repeated_texts(model):
    """GISTEmbedLoss's own mask (the candidates its forward sets to -inf), captured from the
    library, equals false_negatives' mask entry by entry, exact ties included: pairs drawn from
    texts that repeat (as Banking77's do) put identical vectors in one batch."""
    train = gh.load_banking77("train")
    kept = train[train.label.isin(sorted(train.label.unique())[:3])].head(60)
    texts = kept.text.tolist() + kept.text.tolist()[:30]  # a third of the texts twice
    labels = kept.label.tolist() + kept.label.tolist()[:30]
    pairs = gh.same_intent_pairs(texts, labels, seed=0)
    order = np.random.default_rng(0).permutation(len(pairs))
    batches = [order[i : i + 30].tolist() for i in range(0, 90, 30)]
    model.eval()
    ties = 0
    guide_outputs = []
    hook = model.register_forward_hook(
        lambda module, args, output: guide_outputs.append(output["sentence_embedding"].clone())
    )
    try:
        for margin, strategy in [(0.0, "absolute"), (0.02, "relative")]:
            loss = losses.GISTEmbedLoss(
                model, model, temperature=0.05, margin=margin, margin_strategy=strategy
            )
            loss.cross_entropy_loss = seen = _Recorder()
            for batch in batches:
                rows = pairs.iloc[batch]
                guide_outputs.clear()
                with torch.no_grad():
                    features = [_features(model, rows[c].tolist()) for c in ("anchor", "positive")]
                    loss(features, None)
                anchors, positives = (x.cpu().numpy() for x in guide_outputs[-2:])
                size = len(batch)
                library = torch.isneginf(seen.scores).numpy().reshape(size, 3, size)
                library &= ~np.eye(size, dtype=bool)[:, None, :]  # itself: never a negative
                ours = guide_masks(anchors, positives, margin, strategy)
                for number, term in enumerate(TERMS):
                    np.testing.assert_array_equal(ours[term], library[:, number], err_msg=term)
                table = gh.false_negatives(
                    [list(range(size))],
                    rows.label.tolist(),
                    anchors,
                    positives,
                    margin=margin,
                    margin_strategy=strategy,
                )
                assert table.masked.tolist() == library.sum(axis=(0, 2)).tolist()
                own = torch.nn.functional.cosine_similarity(
                    torch.from_numpy(anchors)[:, None], torch.from_numpy(positives)[None], dim=-1
                )
                ties += int((own == own.diagonal()[:, None]).sum() - size)
    finally:
        hook.remove()
    assert ties > 0  # the batches hold exact ties, where numpy and the loss used to disagree
