"""Backends benchmark: speed, peak memory and quality kept, in one run on the same texts.

    python benchmarks/backends.py                 # 1,000 texts, batch 32, every CPU backend
    python benchmarks/backends.py --texts 200     # a quicker look

Speed is timed for GIST-small's architecture: GIST itself when its weights are available,
else a random-weight model of exactly its shape (bge-small-en-v1.5's configuration). Each
backend is timed in a fresh process, so its peak memory is its own, in interleaved rounds
(three by default), keeping each backend's best. Quality comes from the
model `load_model()` gives here: agreement with torch fp32 on the timed texts, and nDCG@10 on
SciFact's test split (300 queries, 5,183 documents) with a 95% paired-bootstrap interval of
its difference from torch fp32 over the queries, the test notebook 06 teaches. The table names
both models. Writes benchmarks/results/backends.{csv,md,png}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytrec_eval  # noqa: E402
import seaborn as sns  # noqa: E402
import torch  # noqa: E402
from gist_shape import benchmark_texts, build_gist_architecture, fp32_token_ceiling  # noqa: E402
from machine import machine  # noqa: E402
from sentence_transformers import util  # noqa: E402

import gist_helpers as gh  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BACKENDS = ("torch", "onnx", "onnx-int8")


def speed_worker(model: str, backend: str, n_texts: int, batch_size: int) -> dict:
    """Run in a fresh process: load, warm up, time; report throughput and peak memory."""
    loaded = gh.load_model(model, backend=backend, device="cpu")
    texts = benchmark_texts(n_texts)
    row = gh.measure_throughput(loaded, texts, batch_size=batch_size)
    row["peak MB"] = peak_memory_mb()
    row["backend"] = gh.model_info(loaded).backend
    return row


def peak_memory_mb() -> float:
    """This process's peak resident memory (Linux VmHWM; ru_maxrss elsewhere, which on Linux
    would include the parent's peak inherited across fork and exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / scale / 1e6)


def speed_model() -> tuple[str, str]:
    """GIST if its weights are here, else a random-weight model of its architecture."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gist = gh.load_model(strict=True, device="cpu")
        return gh.model_info(gist).path, f"{gh.GIST_ID} (real weights)"
    except gh.ModelUnavailableError:
        folder = Path(tempfile.mkdtemp(prefix="gist-architecture-"))
        return str(build_gist_architecture(folder)), "random weights, GIST-small architecture"


def run(
    n_texts: int, batch_size: int, backends: list[str], rounds: int = 3
) -> tuple[pd.DataFrame, dict]:
    info = machine("onnxruntime", "sentence-transformers")
    model_path, speed_label = speed_model()
    # Export every backend once before timing, so no timed process pays for an export.
    for backend in backends:
        gh.load_model(model_path, backend=backend, device="cpu")
    # Rounds interleave the backends, and each keeps its best round: on a shared machine the
    # load changes from minute to minute, and the best round is the one least disturbed.
    timed: dict[str, list[dict]] = {backend: [] for backend in backends}
    for number in range(1, rounds + 1):
        for backend in backends:
            print(f"round {number}/{rounds}: timing {backend} …", flush=True)
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    model_path,
                    backend,
                    str(n_texts),
                    str(batch_size),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            timed[backend].append(json.loads(done.stdout.strip().splitlines()[-1]))
    rows = [max(runs, key=lambda row: row["texts/s"]) for runs in timed.values()]
    info["rounds"] = rounds
    speed = pd.DataFrame(rows)[["backend", "texts", "tokens", "texts/s", "tokens/s", "peak MB"]]
    speed.insert(0, "speed model", speed_label)
    speed["× torch"] = (speed["texts/s"] / speed["texts/s"].iloc[0]).round(2)
    mean_tokens = speed["tokens"].iloc[0] / speed["texts"].iloc[0]
    ceiling = fp32_token_ceiling(seq_len=int(mean_tokens))
    speed["% of fp32 ceiling"] = (100 * speed["tokens/s"] / ceiling).round(1)
    info["fp32 ceiling tokens/s"] = round(ceiling)

    print("measuring quality …", flush=True)
    dataset = gh.load_beir("scifact")
    rows, per_query = [], {}
    for backend in backends:
        row, per_query[backend] = quality_of(backend, benchmark_texts(n_texts), dataset)
        rows.append(row)
    quality = pd.DataFrame(rows)
    reference = per_query[backends[0]]
    bar = -0.01 * float(np.mean(reference))
    quality["nDCG@10 kept"] = (quality["nDCG@10"] / quality["nDCG@10"].iloc[0]).round(4)
    intervals = [paired_interval(per_query[b], reference) for b in backends]
    quality["95% interval of the difference"] = [f"{lo:+.4f} to {hi:+.4f}" for lo, hi in intervals]
    quality["99% bar"] = [verdict(lo, hi, bar) for lo, hi in intervals]
    quality.loc[0, "99% bar"] = "reference"
    return speed.merge(quality, on="backend"), info


def quality_of(backend: str, texts: list[str], dataset) -> tuple[dict, np.ndarray]:
    """Agreement with torch fp32 and SciFact's nDCG@10 (mean, and per query in query order)."""
    reference = gh.load_model(device="cpu")
    model = gh.load_model(backend=backend, device="cpu")
    cosine = (gh.encode(model, texts) * gh.encode(reference, texts)).sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gh.TruncationWarning)  # the same cut for every backend
        queries = torch.from_numpy(gh.encode(model, dataset.queries.tolist()))
        documents = torch.from_numpy(gh.encode(model, dataset.doc_texts()))
    hits = util.semantic_search(queries, documents, top_k=100)
    doc_ids = list(dataset.corpus.index)
    run = {
        q: {doc_ids[h["corpus_id"]]: h["score"] for h in found}
        for q, found in zip(dataset.queries.index, hits)
    }
    scores = pytrec_eval.RelevanceEvaluator(dataset.qrels, {"ndcg_cut.10"}).evaluate(run)
    per_query = np.array([scores[q]["ndcg_cut_10"] for q in sorted(scores)])
    row = {
        "backend": gh.model_info(model).backend,
        "quality model": gh.model_info(model).model_id,
        "min cosine vs torch": round(float(cosine.min()), 4),
        "mean cosine vs torch": round(float(cosine.mean()), 4),
        "nDCG@10": gh.mteb_retrieval(dataset.qrels, run)["ndcg_at_10"],
    }
    return row, per_query


def paired_interval(a: np.ndarray, b: np.ndarray, resamples: int = 10_000) -> tuple[float, float]:
    """95% paired-bootstrap interval of mean(a - b): the queries drawn again with replacement."""
    differences = a - b
    draws = np.random.default_rng(0).integers(0, len(differences), (resamples, len(differences)))
    low, high = np.percentile(differences[draws].mean(axis=1), [2.5, 97.5])
    return float(low), float(high)


def verdict(low: float, high: float, bar: float) -> str:
    """Against the 99% bar (``bar`` = -1% of fp32's nDCG@10): kept, lost, or too close to tell."""
    if low >= bar:
        return "keeps 99%"
    if high < bar:
        return "loses over 1%"
    return "cannot tell"


def markdown(table: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table of ``table``."""
    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + " --- |" * len(table.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


README = Path(__file__).resolve().parent.parent / "README.md"
README_COLUMNS = [
    "backend",
    "texts/s",
    "tokens/s",
    "× torch",
    "% of fp32 ceiling",
    "peak MB",
    "mean cosine vs torch",
    "nDCG@10 kept",
    "95% interval of the difference",
    "99% bar",
]


def update_readme(table: pd.DataFrame, info: dict) -> None:
    """Put the compact table, with its machine and models, between the README's markers."""
    start, end = "<!-- benchmark:start -->", "<!-- benchmark:end -->"
    text = README.read_text(encoding="utf-8")
    if start not in text or end not in text:
        raise SystemExit(f"README.md lacks the {start} / {end} markers")
    block = (
        f"Latest run ({info['date']}): {info['cpu']}, {info['cores']} cores, {info['torch threads']} torch threads, "
        f"int8 kernels {info['int8 kernels']}; torch {info['torch']}, onnxruntime {info['onnxruntime']}, "
        f"sentence-transformers {info['sentence-transformers']}; {table['texts'].iloc[0]:,} texts, batch "
        f"{info['batch size']}. Speed model: {table['speed model'].iloc[0]}. Quality model: "
        f"`{table['quality model'].iloc[0]}`. fp32 ceiling: {info['fp32 ceiling tokens/s']:,} tokens/s.\n\n"
        + markdown(table[README_COLUMNS])
    )
    before, rest = text.split(start, 1)
    README.write_text(f"{before}{start}\n{block}\n{end}{rest.split(end, 1)[1]}", encoding="utf-8")


def write(table: pd.DataFrame, info: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / "backends.csv", index=False)
    header = " · ".join(f"{k}: {v}" for k, v in info.items())
    (RESULTS / "backends.md").write_text(f"{header}\n\n{markdown(table)}\n", encoding="utf-8")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    colors = sns.color_palette("colorblind")
    sns.barplot(
        data=table,
        x="backend",
        y="texts/s",
        hue="backend",
        palette=colors[: len(table)],
        legend=False,
        ax=left,
    )
    for container, ratio in zip(left.containers, table["× torch"]):
        left.bar_label(container, labels=[f"×{ratio:.2f}"], fontsize=9)
    left.set_title(
        f"Speed: {table['speed model'].iloc[0]}\n{info['cpu']}, {info['cores']} cores", fontsize=9
    )
    left.set_ylabel("texts per second")
    sns.barplot(
        data=table,
        x="backend",
        y="nDCG@10 kept",
        hue="backend",
        palette=colors[: len(table)],
        legend=False,
        ax=right,
    )
    right.axhline(0.99, color="grey", linestyle="--", linewidth=1, label="99%")
    right.set_ylim(0.9, 1.02)
    right.set_ylabel("SciFact nDCG@10, fraction of torch fp32")
    right.set_title(f"Quality kept: {table['quality model'].iloc[0]}", fontsize=9)
    right.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(RESULTS / "backends.png", dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--texts", type=int, default=1000, help="number of texts (8-128 words each)"
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds; the best counts")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--update-readme", action="store_true", help="put the table into README.md")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        model, backend, n, batch = args.worker
        print(json.dumps(speed_worker(model, backend, int(n), int(batch))))
        return
    backends = args.backends.split(",")
    if args.rounds < 1:
        sys.exit(f"--rounds must be at least 1, got {args.rounds}")
    if backends[0] != "torch":
        sys.exit("the first backend must be torch: it is the reference of every ratio")
    table, info = run(args.texts, args.batch_size, backends, args.rounds)
    info["batch size"] = args.batch_size
    write(table, info)
    if args.update_readme:
        update_readme(table, info)
    pd.set_option("display.width", 200)
    print("\n" + " · ".join(f"{k}: {v}" for k, v in info.items()))
    print(table.to_string(index=False))
    print(f"\nwritten: {RESULTS}/backends.csv, backends.md, backends.png")


if __name__ == "__main__":
    warnings.filterwarnings("ignore", category=gh.StandInWarning)
    os.environ.setdefault("GIST_PROGRESS", "0")
    main()
