"""Notebook 09's fine-tuning comparison over several training seeds, with per-item scores.

    python benchmarks/finetune_seeds.py            # notebook 09's full scale: 3 seeds, 150 steps
    python benchmarks/finetune_seeds.py --intents 10 --steps 30 --temperatures 0.01 --claims 0
                                                   # a scale a busy 2-core machine finishes

For each seed, the Banking77 training pairs are drawn again (``gh.same_intent_pairs``) and the
trainer's seed (batch order, dropout) changes. Every run starts from the same model and uses
notebook 09's arguments (batch 16, ``NO_DUPLICATES``, learning rate 2e-5, warmup 0.1), in this
order, so that an interrupted run keeps the most important comparisons:

1. for every seed, ``MultipleNegativesRankingLoss`` and ``GISTEmbedLoss`` (guide: a frozen copy
   of the start) at the model card's temperature 0.01;
2. for every seed, the plain loss at 0.05, then ``GISTEmbedLoss`` at 0.01 guided by that model,
   frozen: a guide that has learned Banking77 (``--no-better-guide`` leaves these out);
3. ``GISTEmbedLoss`` at 0.05 with the frozen start, if 0.05 is among ``--temperatures``.

Every model is scored with notebook 09's ``evaluate`` protocol, keeping per-item scores so that
intervals can be paired over the same items: per test query the share of MTEB's 10
classification experiments that label it right (mean: accuracy), per SciFact claim nDCG@10
(mean: MTEB's score), per STS pair the cosine (Spearman with the gold scores), and V-measure
over five k-means seeds; also how far the student moved (mean cosine distance to the start's
vectors of the test queries) and, for ``GISTEmbedLoss``, the precision and recall of the
guide's mask on the batches trained. Writes benchmarks/results/finetune_seeds.json (machine,
versions, model, settings, the command, one record per run) and finetune_seeds_items.csv (one
column per model) after every run. Notebook 09 loads both and computes the intervals.
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path

import datasets
import numpy as np
import pandas as pd
import pytrec_eval
import torch
from machine import machine
from sentence_transformers import (
    SentenceTransformerTrainer,
    SentenceTransformerTrainingArguments,
    util,
)
from sentence_transformers.sentence_transformer import losses
from sentence_transformers.sentence_transformer.training_args import BatchSamplers

import gist_helpers as gh

RESULTS = Path(__file__).resolve().parent / "results"
GIST_TERMS = ("query_to_doc", "query_to_query", "doc_to_doc")
KMEANS_SEEDS = range(5)


class Data:
    """Notebook 09's data: Banking77 (``intents`` of its 77, 0 for all), SciFact's claims on a
    sample of its abstracts (``claims`` 0 to leave SciFact out) and the bundled STS pairs."""

    def __init__(self, intents: int, claims: int, abstracts: int) -> None:
        self.train, self.test = gh.load_banking77("train"), gh.load_banking77("test")
        if intents:  # the first intents in sorted order, as notebook 09's quick mode keeps 5
            kept = sorted(self.train.label.unique())[:intents]
            self.train = self.train[self.train.label.isin(kept)].reset_index(drop=True)
            self.test = self.test[self.test.label.isin(kept)].reset_index(drop=True)
        self.scifact = (
            gh.load_beir("scifact").sample(n_queries=claims, n_docs=abstracts) if claims else None
        )
        self.sts = gh.load_sts_pairs()

    def items(self) -> pd.DataFrame:
        """One row per scored item: task, item id, and the STS gold score."""
        parts = [
            pd.DataFrame({"task": "Banking77 accuracy", "item": self.test.index.astype(str)}),
            pd.DataFrame({"task": "SciFact nDCG@10", "item": self.claims()}),
            pd.DataFrame(
                {"task": "STS Spearman", "item": self.sts.index.astype(str), "gold": self.sts.score}
            ),
        ]
        return pd.concat(parts, ignore_index=True)

    def score(self, encode) -> tuple[np.ndarray, dict]:
        """Per-item scores in the order of :meth:`items`, and the test vectors' V-measures."""
        X_train, X_test = encode(self.train.text.tolist()), encode(self.test.text.tolist())
        classified = gh.mteb_classification(X_train, self.train.label, X_test, self.test.label)
        ndcg = self.scifact_per_claim(encode) if self.scifact else []
        cosines = (encode(self.sts.sentence1.tolist()) * encode(self.sts.sentence2.tolist())).sum(1)
        per_item = np.concatenate(
            [
                classified["per_item"],
                ndcg,
                cosines,
            ]
        )
        summary = {
            "V-measure": [
                gh.mteb_clustering(X_test, self.test.label, seed=s) for s in KMEANS_SEEDS
            ],
            "test vectors": X_test,
        }
        return per_item, summary

    def claims(self) -> list[str]:
        return sorted(self.scifact.qrels) if self.scifact else []

    def scifact_per_claim(self, encode) -> list[float]:
        """nDCG@10 of each judged claim, as pytrec_eval gives it (mean: MTEB's score)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gh.TruncationWarning)  # the same cut for every model
            queries = encode(self.scifact.queries.tolist())
            docs = encode(self.scifact.doc_texts())
        hits = util.semantic_search(torch.from_numpy(queries), torch.from_numpy(docs), top_k=100)
        ids = list(self.scifact.corpus.index)
        run = {
            q: {ids[h["corpus_id"]]: h["score"] for h in found}
            for q, found in zip(self.scifact.queries.index, hits)
        }
        ndcg = pytrec_eval.RelevanceEvaluator(self.scifact.qrels, {"ndcg_cut.10"}).evaluate(run)
        return [ndcg[q]["ndcg_cut_10"] for q in self.claims()]


def trainer_for(model, dataset, loss, seed: int, steps: int, lr: float, workdir: str):
    args = SentenceTransformerTrainingArguments(
        output_dir=workdir,
        max_steps=steps,
        per_device_train_batch_size=16,
        learning_rate=lr,
        warmup_steps=round(0.1 * steps),
        batch_sampler=BatchSamplers.NO_DUPLICATES,
        seed=seed,
        save_strategy="no",
        logging_strategy="no",
        report_to="none",
        disable_tqdm=True,
        dataloader_pin_memory=torch.cuda.is_available(),
    )
    return SentenceTransformerTrainer(model=model, args=args, train_dataset=dataset, loss=loss)


def mask_quality(batches, labels, anchors, positives) -> dict:
    """The guide's mask on anchors against in-batch positives: precision, recall, counts."""
    counted = gh.false_negatives(batches, labels, anchors, positives)
    counted = counted[counted.term == "anchor-positive"]
    masked, false, both = (
        counted[c].sum() for c in ("masked", "false_negatives", "masked_false_negatives")
    )
    return {
        "masked": int(masked),
        "false negatives": int(false),
        "masked false negatives": int(both),
        "precision": float(both / masked) if masked else float("nan"),
        "recall": float(both / false) if false else float("nan"),
    }


def guide_vectors(guide, pairs: pd.DataFrame, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    kwargs = {"normalize_embeddings": True, "batch_size": 64}
    return (
        guide.encode(pairs.anchor.iloc[rows].tolist(), **kwargs),
        guide.encode(pairs.positive.iloc[rows].tolist(), **kwargs),
    )


def run(args: argparse.Namespace) -> None:
    datasets.disable_progress_bars()
    warnings.filterwarnings("ignore", category=gh.StandInWarning)
    model = gh.load_model()
    info = gh.model_info(model)
    data = Data(args.intents, args.claims, args.abstracts)
    items = data.items()
    steps, lr = args.steps, args.learning_rate
    record = {
        "machine": machine("transformers", "sentence-transformers", "datasets"),
        "model": {"id": info.model_id, "revision": info.revision, "source": info.source},
        "settings": {
            "seeds": args.seeds,
            "steps": steps,
            "batch size": 16,
            "learning rate": lr,
            "temperatures": args.temperatures,
            "warmup steps": round(0.1 * steps),
            "k-means seeds": list(KMEANS_SEEDS),
            "Banking77": f"{data.train.label.nunique()} intents: {len(data.train):,} training,"
            f" {len(data.test):,} test queries",
            "SciFact": (
                f"{len(data.scifact.queries)} claims, {len(data.scifact.corpus):,} abstracts"
                if data.scifact
                else "left out"
            ),
            "STS pairs": len(data.sts),
        },
        "source": "benchmarks/finetune_seeds.py "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k != "out"),
        "runs": [],
    }
    start = time.perf_counter()
    per_item, base = data.score(lambda texts: gh.encode(model, texts))
    items["start"] = per_item
    record["runs"].append(
        {"column": "start", "loss": "before training", "guide": "–", "temperature": None}
        | {"seed": None, "seconds": None, "moved": 0.0, "V-measure": base["V-measure"]}
    )
    save(record, items, args.out)
    print(f"starting model scored in {time.perf_counter() - start:.0f} s", flush=True)
    workdir = tempfile.mkdtemp(prefix="finetune-seeds-")  # the trainer's output_dir; nothing saved
    # The headline pair first for every seed, then the guide that knows more (the plain loss at
    # 0.05, trained, then frozen to guide GISTEmbedLoss at 0.01), then GISTEmbedLoss at 0.05:
    # an interrupted run keeps the most important comparisons.
    plan = [
        (seed, temperature, loss, "start" if loss == "GISTEmbedLoss" else "–")
        for temperature in (0.01,)
        if temperature in args.temperatures
        for seed in args.seeds
        for loss in ("MultipleNegativesRankingLoss", "GISTEmbedLoss")
    ]
    if args.better_guide:
        plan += [
            step
            for seed in args.seeds
            for step in (
                (seed, 0.05, "MultipleNegativesRankingLoss", "–"),
                (seed, 0.01, "GISTEmbedLoss", "MNRL T=0.05"),
            )
        ]
    plan += [
        (seed, 0.05, loss, "start" if loss == "GISTEmbedLoss" else "–")
        for seed in args.seeds
        for loss in ("MultipleNegativesRankingLoss", "GISTEmbedLoss")
        if 0.05 in args.temperatures and not (args.better_guide and loss != "GISTEmbedLoss")
    ]
    guides = {}  # seed -> the plain loss's model at 0.05
    for seed, temperature, loss_name, guide_name in plan:
        pairs = gh.same_intent_pairs(data.train.text, data.train.label, seed=seed)
        dataset = datasets.Dataset.from_pandas(pairs[["anchor", "positive"]])
        student = copy.deepcopy(model)
        student.model_card_data.widget = [{"source_sentence": "a", "sentences": ["b"]}]
        if loss_name == "GISTEmbedLoss":
            source = model if guide_name == "start" else guides[seed]
            guide = copy.deepcopy(source).eval().requires_grad_(False)
            loss = losses.GISTEmbedLoss(student, guide, temperature=temperature)
        else:
            loss = losses.MultipleNegativesRankingLoss(
                student, scale=1 / temperature, directions=GIST_TERMS
            )
        trainer = trainer_for(student, dataset, loss, seed, steps, lr, workdir)
        batches = [list(b) for b in trainer.get_train_dataloader().batch_sampler][:steps]
        began = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - began
        student.eval()
        if (loss_name, temperature) == ("MultipleNegativesRankingLoss", 0.05):
            guides[seed] = student
        per_item, scores = data.score(
            partial(student.encode, normalize_embeddings=True, batch_size=64)
        )
        column = f"{loss_name} T={temperature} guide={guide_name} seed={seed}"
        items[column] = per_item
        moved = 1 - (scores["test vectors"] * base["test vectors"]).sum(axis=1)
        entry = {
            "column": column,
            "loss": loss_name,
            "temperature": temperature,
            "guide": guide_name,
            "seed": seed,
            "seconds": round(seconds, 1),
            "moved": float(moved.mean()),
            "V-measure": scores["V-measure"],
        }
        if loss_name == "GISTEmbedLoss":
            rows = np.unique(np.concatenate(batches))
            where = {row: n for n, row in enumerate(rows)}
            local = [[where[r] for r in b] for b in batches]
            labels = pairs.label.to_numpy()[rows]
            entry["mask"] = mask_quality(local, labels, *guide_vectors(guide, pairs, rows))
        record["runs"].append(entry)
        save(record, items, args.out)
        print(
            f"seed {seed} {loss_name} T={temperature} guide {guide_name}: "
            f"{seconds:.0f} s training, {time.perf_counter() - start:.0f} s so far",
            flush=True,
        )
    record["total seconds"] = round(time.perf_counter() - start)
    save(record, items, args.out)


def save(record: dict, items: pd.DataFrame, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "finetune_seeds.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    items.round(5).to_csv(out / "finetune_seeds_items.csv", index=False)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--temperatures", type=float, nargs="+", default=[0.01, 0.05])
    parser.add_argument("--learning-rate", type=float, default=2e-5)
    parser.add_argument(
        "--no-better-guide",
        dest="better_guide",
        action="store_false",
        help="leave out the plain loss at 0.05 and the run it guides",
    )
    parser.add_argument("--intents", type=int, default=0, help="first N intents (0: all 77)")
    parser.add_argument("--claims", type=int, default=300, help="SciFact claims (0: leave out)")
    parser.add_argument("--abstracts", type=int, default=1000, help="SciFact abstracts")
    parser.add_argument("--out", type=Path, default=RESULTS)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
