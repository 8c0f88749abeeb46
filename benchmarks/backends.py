"""Backends benchmark: speed, peak memory and quality kept, in one run on the same texts.

    python benchmarks/backends.py                 # 1,000 texts, batch 32, every CPU backend
    python benchmarks/backends.py --texts 200     # a quicker look

Speed is timed for GIST-small's architecture: GIST itself when its weights are available,
else a random-weight model of exactly its shape (bge-small-en-v1.5's configuration). Each
backend is timed in a fresh process, so its peak memory is its own. Quality (agreement with
torch fp32, nDCG@10 on the bundled retrieval set, Spearman on the bundled STS pairs) comes
from the model `load_model()` gives here; the table names both models. Writes
benchmarks/results/backends.{csv,md,png}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
import torch  # noqa: E402
from gist_shape import benchmark_texts, build_gist_architecture, fp32_token_ceiling  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402
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


def machine() -> dict:
    import onnxruntime
    import sentence_transformers

    cpu = gh.cpu_facts()
    return {
        "cpu": cpu["cpu"],
        "cores": cpu["cores"],
        "torch threads": torch.get_num_threads(),
        "int8 kernels": cpu["int8 kernels"],
        "python": platform.python_version(),
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
        "sentence-transformers": sentence_transformers.__version__,
        "date": time.strftime("%Y-%m-%d"),
    }


def run(n_texts: int, batch_size: int, backends: list[str]) -> tuple[pd.DataFrame, dict]:
    info = machine()
    model_path, speed_label = speed_model()
    # Export every backend once before timing, so no timed process pays for an export.
    for backend in backends:
        gh.load_model(model_path, backend=backend, device="cpu")
    rows = []
    for backend in backends:
        print(f"timing {backend} …", flush=True)
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
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    speed = pd.DataFrame(rows)[["backend", "texts", "tokens", "texts/s", "tokens/s", "peak MB"]]
    speed.insert(0, "speed model", speed_label)
    speed["× torch"] = (speed["texts/s"] / speed["texts/s"].iloc[0]).round(2)
    mean_tokens = speed["tokens"].iloc[0] / speed["texts"].iloc[0]
    ceiling = fp32_token_ceiling(seq_len=int(mean_tokens))
    speed["% of fp32 ceiling"] = (100 * speed["tokens/s"] / ceiling).round(1)
    info["fp32 ceiling tokens/s"] = round(ceiling)

    print("measuring quality …", flush=True)
    quality = pd.DataFrame([quality_of(backend, benchmark_texts(n_texts)) for backend in backends])
    for column in ("nDCG@10", "Spearman"):
        quality[f"{column} kept"] = (quality[column] / quality[column].iloc[0]).round(4)
    return speed.merge(quality, on="backend"), info


def quality_of(backend: str, texts: list[str]) -> dict:
    """Agreement with torch fp32 and the quality kept, for the model load_model() gives."""
    reference = gh.load_model(device="cpu")
    model = gh.load_model(backend=backend, device="cpu")
    cosine = (gh.encode(model, texts) * gh.encode(reference, texts)).sum(axis=1)
    dataset = gh.load_beir("bundled")
    hits = util.semantic_search(
        _tensor(model, list(dataset.queries)), _tensor(model, dataset.doc_texts()), top_k=100
    )
    doc_ids = list(dataset.corpus.index)
    run = {
        q: {doc_ids[h["corpus_id"]]: h["score"] for h in found}
        for q, found in zip(dataset.queries.index, hits)
    }
    pairs = gh.load_sts_pairs()
    a, b = gh.encode(model, pairs.sentence1), gh.encode(model, pairs.sentence2)
    return {
        "backend": gh.model_info(model).backend,
        "quality model": gh.model_info(model).model_id,
        "min cosine vs torch": round(float(cosine.min()), 4),
        "mean cosine vs torch": round(float(cosine.mean()), 4),
        "nDCG@10": gh.mteb_retrieval(dataset.qrels, run)["ndcg_at_10"],
        "Spearman": round(float(spearmanr(pairs.score, (a * b).sum(axis=1)).statistic), 4),
    }


def _tensor(model, texts):
    return torch.from_numpy(gh.encode(model, texts))


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
    "Spearman kept",
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
    kept = table.melt(
        id_vars="backend",
        value_vars=["nDCG@10 kept", "Spearman kept"],
        var_name="measure",
        value_name="fraction of torch fp32",
    )
    sns.barplot(
        data=kept,
        x="backend",
        y="fraction of torch fp32",
        hue="measure",
        palette=colors[3:5],
        ax=right,
    )
    right.axhline(0.99, color="grey", linestyle="--", linewidth=1, label="99%")
    right.set_ylim(0.9, 1.01)
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
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--update-readme", action="store_true", help="put the table into README.md")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        model, backend, n, batch = args.worker
        print(json.dumps(speed_worker(model, backend, int(n), int(batch))))
        return
    backends = args.backends.split(",")
    if backends[0] != "torch":
        sys.exit("the first backend must be torch: it is the reference of every ratio")
    table, info = run(args.texts, args.batch_size, backends)
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
