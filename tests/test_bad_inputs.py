"""Every public function refuses bad input the same way: ``TypeError`` for a wrong type,
``ValueError`` for a wrong value, a message that names the argument and the offending item
(position, row label, id, file and line) and says what to pass instead. One row per case."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import gist_helpers as gh

X = np.eye(4, 8, dtype=np.float32) + 0.1
LABELS = ["a", "b", "a", "b"]
NAN_ROW = X.copy()
NAN_ROW[2, 3] = np.nan
QRELS = {"q1": {"d1": 1, "d2": 0}}
RUN = {"q1": {"d1": 0.9, "d2": 0.1}}
FRAME = pd.DataFrame({"system": ["x"], "score": [0.5]})


def _sts_file(tmp, content: bytes, name: str = "pairs.csv"):
    path = tmp / name
    path.write_bytes(content)
    return path


CASES = [
    # --- load_model / model_info / banner / describe ------------------------------------
    ("load_model: empty name", lambda m, t: gh.load_model(""), ValueError, r"name is empty"),
    ("load_model: blank name", lambda m, t: gh.load_model("   "), ValueError, r"name is empty"),
    (
        "load_model: name is a number",
        lambda m, t: gh.load_model(42),
        TypeError,
        r"name must be a hub id or a folder path, got int 42",
    ),
    (
        "load_model: name is a list",
        lambda m, t: gh.load_model(["a/b"]),
        TypeError,
        r"name must be a hub id",
    ),
    (
        "load_model: not a folder nor hub id",
        lambda m, t: gh.load_model("no such thing!"),
        gh.ModelUnavailableError,
        r"'no such thing!' is neither an existing folder nor a hub id",
    ),
    (
        "load_model: folder without weights",
        lambda m, t: gh.load_model(t),
        gh.ModelUnavailableError,
        r"has no \.safetensors weights",
    ),
    (
        "load_model: unknown hub id offline",
        lambda m, t: gh.load_model("someone/not-cached"),
        gh.ModelUnavailableError,
        r"'someone/not-cached' is not in the local Hugging Face cache",
    ),
    (
        "load_model: backend unknown",
        lambda m, t: gh.load_model(backend="tensorrt"),
        ValueError,
        r"backend='tensorrt' is not one of",
    ),
    (
        "load_model: backend not a string",
        lambda m, t: gh.load_model(backend=["onnx"]),
        TypeError,
        r"backend must be one of .*got list",
    ),
    (
        "load_model: strict is a string",
        lambda m, t: gh.load_model(strict="yes"),
        TypeError,
        r"strict must be True or False, got str 'yes'",
    ),
    (
        "load_model: strict is 1",
        lambda m, t: gh.load_model(strict=1),
        TypeError,
        r"strict must be True or False, got int 1",
    ),
    (
        "load_model: revision empty",
        lambda m, t: gh.load_model(revision=""),
        TypeError,
        r"revision must be a non-empty string",
    ),
    (
        "load_model: revision a number",
        lambda m, t: gh.load_model(revision=123),
        TypeError,
        r"revision must be a non-empty string .*got int 123",
    ),
    (
        "load_model: device unknown",
        lambda m, t: gh.load_model(device="tpu"),
        ValueError,
        r"unknown device 'tpu'",
    ),
    (
        "load_model: device a number",
        lambda m, t: gh.load_model(device=0),
        TypeError,
        r"device must be a string such as 'cpu'",
    ),
    (
        "load_model: fp16 on a CPU",
        lambda m, t: gh.load_model(backend="torch-fp16", device="cpu"),
        ValueError,
        r"torch-fp16' needs a CUDA GPU",
    ),
    (
        "model_info: not a model",
        lambda m, t: gh.model_info("model"),
        TypeError,
        r"model must be a SentenceTransformer .*got str 'model'",
    ),
    (
        "model_info: None",
        lambda m, t: gh.model_info(None),
        TypeError,
        r"model must be a SentenceTransformer .*got None",
    ),
    (
        "banner: not a model",
        lambda m, t: gh.banner(3.5),
        TypeError,
        r"model must be a SentenceTransformer .*float 3.5",
    ),
    (
        "describe: not a model",
        lambda m, t: gh.describe({}),
        TypeError,
        r"model must be a SentenceTransformer .*dict",
    ),
    # --- encode -------------------------------------------------------------------------
    (
        "encode: texts None",
        lambda m, t: gh.encode(m, None),
        TypeError,
        r"texts is None; pass a list",
    ),
    (
        "encode: texts bytes",
        lambda m, t: gh.encode(m, b"abc"),
        TypeError,
        r"texts is bytes; decode it first",
    ),
    (
        "encode: texts bytearray",
        lambda m, t: gh.encode(m, bytearray(b"abc")),
        TypeError,
        r"texts is bytearray",
    ),
    (
        "encode: texts a number",
        lambda m, t: gh.encode(m, 42),
        TypeError,
        r"texts must be a list of strings, got int",
    ),
    (
        "encode: texts a set",
        lambda m, t: gh.encode(m, {"a", "b"}),
        TypeError,
        r"texts is a set, which has no fixed order",
    ),
    ("encode: texts a dict", lambda m, t: gh.encode(m, {"a": 1}), TypeError, r"texts is a dict"),
    (
        "encode: None in list",
        lambda m, t: gh.encode(m, ["ok", None]),
        TypeError,
        r"text at position 1 is None",
    ),
    (
        "encode: int in list",
        lambda m, t: gh.encode(m, ["ok", "fine", 7]),
        TypeError,
        r"text at position 2 is int 7",
    ),
    (
        "encode: bytes in list",
        lambda m, t: gh.encode(m, [b"x"]),
        TypeError,
        r"text at position 0 is bytes",
    ),
    (
        "encode: NaN in list",
        lambda m, t: gh.encode(m, ["ok", math.nan]),
        TypeError,
        r"text at position 1 is NaN",
    ),
    (
        "encode: list in list",
        lambda m, t: gh.encode(m, [["nested"]]),
        TypeError,
        r"text at position 0 is list",
    ),
    (
        "encode: NaN in Series",
        lambda m, t: gh.encode(m, pd.Series(["a", None], index=["x", "y"])),
        ValueError,
        r"missing value\(s\) .* row\(s\) 'y'",
    ),
    (
        "encode: int in Series",
        lambda m, t: gh.encode(m, pd.Series(["a", 5], index=["r1", "r2"])),
        TypeError,
        r"text at row 'r2' is int 5",
    ),
    (
        "encode: lone surrogate",
        lambda m, t: gh.encode(m, ["ok", "\ud800"]),
        ValueError,
        r"text at position 1 has an unencodable character U\+D800 .* at character 0",
    ),
    (
        "encode: surrogate mid-text",
        lambda m, t: gh.encode(m, ["abc\udfffdef"]),
        ValueError,
        r"position 0 .*U\+DFFF .* character 3",
    ),
    (
        "encode: surrogate alone",
        lambda m, t: gh.encode(m, "\ud83d"),
        ValueError,
        r"unencodable character U\+D83D",
    ),
    (
        "encode: surrogate in Series",
        lambda m, t: gh.encode(m, pd.Series(["\ud800"], index=["row7"], dtype=object)),
        ValueError,
        r"text at row 'row7' has an unencodable",
    ),
    (
        "encode: surrogate with cache off",
        lambda m, t: gh.encode(m, ["\ud800"], cache=False),
        ValueError,
        r"unencodable",
    ),
    (
        "encode: batch_size 0",
        lambda m, t: gh.encode(m, ["a"], batch_size=0),
        ValueError,
        r"batch_size must be at least 1, got 0",
    ),
    (
        "encode: batch_size negative",
        lambda m, t: gh.encode(m, ["a"], batch_size=-3),
        ValueError,
        r"batch_size must be at least 1",
    ),
    (
        "encode: batch_size 2.5",
        lambda m, t: gh.encode(m, ["a"], batch_size=2.5),
        TypeError,
        r"batch_size must be an integer, got float 2.5",
    ),
    (
        "encode: batch_size True",
        lambda m, t: gh.encode(m, ["a"], batch_size=True),
        TypeError,
        r"batch_size must be an integer, got bool",
    ),
    (
        "encode: batch_size string",
        lambda m, t: gh.encode(m, ["a"], batch_size="32"),
        TypeError,
        r"batch_size must be an integer, got str",
    ),
    (
        "encode: normalize 'no'",
        lambda m, t: gh.encode(m, ["a"], normalize="no"),
        TypeError,
        r"normalize must be True or False, got str 'no'",
    ),
    (
        "encode: normalize 0",
        lambda m, t: gh.encode(m, ["a"], normalize=0),
        TypeError,
        r"normalize must be True or False, got int 0",
    ),
    (
        "encode: cache 'off'",
        lambda m, t: gh.encode(m, ["a"], cache="off"),
        TypeError,
        r"cache must be True or False",
    ),
    (
        "encode: show_progress 1",
        lambda m, t: gh.encode(m, ["a"], show_progress=1),
        TypeError,
        r"show_progress must be True or False",
    ),
    (
        "encode: model is a string",
        lambda m, t: gh.encode("model", ["a"]),
        TypeError,
        r"model must be a SentenceTransformer",
    ),
    # --- measure_throughput ---------------------------------------------------------------
    (
        "measure_throughput: no texts",
        lambda m, t: gh.measure_throughput(m, []),
        ValueError,
        r"texts is empty",
    ),
    (
        "measure_throughput: None text",
        lambda m, t: gh.measure_throughput(m, ["a", None]),
        TypeError,
        r"position 1 is None",
    ),
    (
        "measure_throughput: batch 0",
        lambda m, t: gh.measure_throughput(m, ["a"], batch_size=0),
        ValueError,
        r"batch_size must be at least 1",
    ),
    (
        "measure_throughput: warmup -1",
        lambda m, t: gh.measure_throughput(m, ["a"], warmup=-1),
        ValueError,
        r"warmup must be at least 0",
    ),
    (
        "measure_throughput: warmup 1.5",
        lambda m, t: gh.measure_throughput(m, ["a"], warmup=1.5),
        TypeError,
        r"warmup must be an integer",
    ),
    # --- data loaders ----------------------------------------------------------------------
    (
        "load_banking77: unknown split",
        lambda m, t: gh.load_banking77("dev"),
        ValueError,
        r"split='dev' is not one of 'train', 'test'",
    ),
    (
        "load_banking77: split a number",
        lambda m, t: gh.load_banking77(1),
        TypeError,
        r"split must be one of",
    ),
    (
        "published_scores: unknown task",
        lambda m, t: gh.published_scores("NQ"),
        ValueError,
        r"task='NQ' is not one of",
    ),
    (
        "published_scores: task a list",
        lambda m, t: gh.published_scores(["SciFact"]),
        TypeError,
        r"task must be one of .*got list",
    ),
    (
        "load_sts_file: path None",
        lambda m, t: gh.load_sts_file(None),
        TypeError,
        r"path must be a file path, got None",
    ),
    (
        "load_sts_file: path a number",
        lambda m, t: gh.load_sts_file(3),
        TypeError,
        r"path must be a file path, got int 3",
    ),
    (
        "load_sts_file: missing file",
        lambda m, t: gh.load_sts_file(t / "nope.csv"),
        FileNotFoundError,
        r"nope.csv does not exist",
    ),
    (
        "load_sts_file: a folder",
        lambda m, t: gh.load_sts_file(t),
        FileNotFoundError,
        r"does not exist or is not a file",
    ),
    (
        "load_sts_file: layout unknown",
        lambda m, t: gh.load_sts_file(
            _sts_file(t, b"sentence1,sentence2,score\na,b,1\n"), layout="xml"
        ),
        ValueError,
        r"layout='xml' is not one of",
    ),
    (
        "load_sts_file: latin-1 bytes",
        lambda m, t: gh.load_sts_file(
            _sts_file(t, "sentence1,sentence2,score\nniño,b,1\n".encode("latin-1"))
        ),
        ValueError,
        r"pairs.csv is not UTF-8: byte 0xf1 on line 2",
    ),
    (
        "load_sts_file: UTF-16 file",
        lambda m, t: gh.load_sts_file(_sts_file(t, "sentence1,sentence2,score\n".encode("utf-16"))),
        ValueError,
        r"is not UTF-8",
    ),
    (
        "load_sts_file: empty",
        lambda m, t: gh.load_sts_file(_sts_file(t, b"\n\n")),
        ValueError,
        r"pairs.csv is empty",
    ),
    (
        "load_sts_file: header only",
        lambda m, t: gh.load_sts_file(_sts_file(t, b"sentence1,sentence2,score\n")),
        ValueError,
        r"has a header but no pairs",
    ),
    (
        "load_sts_file: no score column",
        lambda m, t: gh.load_sts_file(
            _sts_file(t, b"sentence1,sentence2,label\na,b,1\n"), layout="table"
        ),
        ValueError,
        r"no column\(s\) \['score'\]",
    ),
    (
        "load_sts_file: score not a number",
        lambda m, t: gh.load_sts_file(_sts_file(t, b"sentence1,sentence2,score\na,b,high\n")),
        ValueError,
        r"row 0: score 'high' is not a number",
    ),
    (
        "load_sts_file: score missing",
        lambda m, t: gh.load_sts_file(_sts_file(t, b"sentence1,sentence2,score\na,b,\n")),
        ValueError,
        r"row 0: score nan is not a number",
    ),
    (
        "load_sts_file: empty sentence",
        lambda m, t: gh.load_sts_file(_sts_file(t, b"sentence1,sentence2,score\n,b,1\n")),
        ValueError,
        r"sentence1 is empty at row\(s\) 0",
    ),
    (
        "load_sts_file: short STS-B line",
        lambda m, t: gh.load_sts_file(
            _sts_file(t, b"g\tf\ty\ti\t1.0\ta\tb\ng\tf\ty\ti\t1.0\ta\n"), layout="stsb"
        ),
        ValueError,
        r"line 2 has 6 tab-separated fields",
    ),
    (
        "load_sts_file: unknown layout auto",
        lambda m, t: gh.load_sts_file(_sts_file(t, b"text,label\na,b\n")),
        ValueError,
        r"neither has a header with sentence1, sentence2, score",
    ),
    (
        "load_beir: source None",
        lambda m, t: gh.load_beir(None),
        TypeError,
        r"source must be a dataset name or a folder, got None",
    ),
    (
        "load_beir: source a number",
        lambda m, t: gh.load_beir(7),
        TypeError,
        r"source must be a dataset name or a folder, got int 7",
    ),
    ("load_beir: source empty", lambda m, t: gh.load_beir(""), ValueError, r"source is empty"),
    (
        "load_beir: bad name",
        lambda m, t: gh.load_beir("Sci Fact!", download=False),
        ValueError,
        r"'Sci Fact!' is neither a folder nor a BEIR dataset name",
    ),
    (
        "load_beir: missing folder",
        lambda m, t: gh.load_beir(t / "absent"),
        FileNotFoundError,
        r"absent is not a folder",
    ),
    (
        "load_beir: empty folder",
        lambda m, t: gh.load_beir(t),
        FileNotFoundError,
        r"corpus.jsonl not found",
    ),
    (
        "load_beir: split empty",
        lambda m, t: gh.load_beir("bundled", split=""),
        ValueError,
        r"split='' is not a split name",
    ),
    (
        "load_beir: split with a slash",
        lambda m, t: gh.load_beir("bundled", split="../x"),
        ValueError,
        r"is not a split name",
    ),
    (
        "load_beir: split missing",
        lambda m, t: gh.load_beir("bundled", split="dev"),
        FileNotFoundError,
        r"dev.tsv not found \(splits found: test\)",
    ),
    (
        "load_beir: download not a bool",
        lambda m, t: gh.load_beir("bundled", download="no"),
        TypeError,
        r"download must be True or False",
    ),
    (
        "load_beir: not downloadable offline",
        lambda m, t: gh.load_beir("nfcorpus", download=False),
        gh.DatasetUnavailableError,
        r"(?s)'nfcorpus' is not on this machine .*nfcorpus.zip",
    ),
    (
        "sample: n_queries 0",
        lambda m, t: gh.load_beir("bundled").sample(0, 10),
        ValueError,
        r"n_queries must be at least 1",
    ),
    (
        "sample: n_docs a float",
        lambda m, t: gh.load_beir("bundled").sample(5, 10.5),
        TypeError,
        r"n_docs must be an integer",
    ),
    # --- MTEB protocols ----------------------------------------------------------------------
    (
        "mteb_retrieval: qrels None",
        lambda m, t: gh.mteb_retrieval(None, RUN),
        TypeError,
        r"qrels must be a non-empty dict .*got None",
    ),
    (
        "mteb_retrieval: qrels empty",
        lambda m, t: gh.mteb_retrieval({}, RUN),
        TypeError,
        r"qrels must be a non-empty dict",
    ),
    (
        "mteb_retrieval: qrels entry a list",
        lambda m, t: gh.mteb_retrieval({"q1": ["d1"]}, RUN),
        TypeError,
        r"qrels\['q1'\] must be a dict",
    ),
    (
        "mteb_retrieval: grade a float",
        lambda m, t: gh.mteb_retrieval({"q1": {"d1": 0.5}}, RUN),
        TypeError,
        r"qrels\['q1'\]\['d1'\] must be an integer grade, got float 0.5",
    ),
    (
        "mteb_retrieval: grade a string",
        lambda m, t: gh.mteb_retrieval({"q1": {"d1": "1"}}, RUN),
        TypeError,
        r"qrels\['q1'\]\['d1'\] must be an integer grade, got str",
    ),
    (
        "mteb_retrieval: run a list",
        lambda m, t: gh.mteb_retrieval(QRELS, [("q1", "d1")]),
        TypeError,
        r"run must be a dict",
    ),
    (
        "mteb_retrieval: run entry a list",
        lambda m, t: gh.mteb_retrieval(QRELS, {"q1": ["d1"]}),
        TypeError,
        r"run\['q1'\] must be a dict",
    ),
    (
        "mteb_retrieval: NaN score",
        lambda m, t: gh.mteb_retrieval(QRELS, {"q1": {"d1": math.nan}}),
        ValueError,
        r"run\['q1'\]\['d1'\] must be a finite number, got nan",
    ),
    (
        "mteb_retrieval: infinite score",
        lambda m, t: gh.mteb_retrieval(QRELS, {"q1": {"d1": math.inf}}),
        ValueError,
        r"run\['q1'\]\['d1'\] must be a finite number",
    ),
    (
        "mteb_retrieval: score a string",
        lambda m, t: gh.mteb_retrieval(QRELS, {"q1": {"d1": "0.9"}}),
        TypeError,
        r"run\['q1'\]\['d1'\] must be a number, got str",
    ),
    (
        "mteb_retrieval: no judged query",
        lambda m, t: gh.mteb_retrieval(QRELS, {"other": {"d1": 1.0}}),
        ValueError,
        r"no query of the run is judged",
    ),
    (
        "mteb_retrieval: k 0",
        lambda m, t: gh.mteb_retrieval(QRELS, RUN, k_values=(0, 10)),
        ValueError,
        r"k_values must be at least 1, got 0",
    ),
    (
        "mteb_retrieval: k a float",
        lambda m, t: gh.mteb_retrieval(QRELS, RUN, k_values=(2.5,)),
        TypeError,
        r"k_values must be an integer",
    ),
    (
        "mteb_retrieval: no k",
        lambda m, t: gh.mteb_retrieval(QRELS, RUN, k_values=()),
        ValueError,
        r"k_values is empty",
    ),
    (
        "mteb_retrieval: ignore ids 'yes'",
        lambda m, t: gh.mteb_retrieval(QRELS, RUN, ignore_identical_ids="yes"),
        TypeError,
        r"ignore_identical_ids must be True or False",
    ),
    (
        "mteb_classification: NaN row",
        lambda m, t: gh.mteb_classification(NAN_ROW, LABELS, X, LABELS),
        ValueError,
        r"train_embeddings row\(s\) 2 contain NaN or inf",
    ),
    (
        "mteb_classification: 1-D embeddings",
        lambda m, t: gh.mteb_classification(X[0], LABELS, X, LABELS),
        ValueError,
        r"train_embeddings must be 2-D",
    ),
    (
        "mteb_classification: text embeddings",
        lambda m, t: gh.mteb_classification([["a", "b"]], LABELS, X, LABELS),
        TypeError,
        r"train_embeddings must be a numeric array",
    ),
    (
        "mteb_classification: empty",
        lambda m, t: gh.mteb_classification(np.zeros((0, 8)), [], X, LABELS),
        ValueError,
        r"train_embeddings is empty",
    ),
    (
        "mteb_classification: widths differ",
        lambda m, t: gh.mteb_classification(X, LABELS, X[:, :4], LABELS),
        ValueError,
        r"test_embeddings has 4 columns, expected 8",
    ),
    (
        "mteb_classification: too few labels",
        lambda m, t: gh.mteb_classification(X, LABELS[:3], X, LABELS),
        ValueError,
        r"train_labels has 3 entries for 4 rows",
    ),
    (
        "mteb_classification: missing label",
        lambda m, t: gh.mteb_classification(X, ["a", None, "a", "b"], X, LABELS),
        ValueError,
        r"train_labels at position 1 is missing",
    ),
    (
        "mteb_classification: NaN label",
        lambda m, t: gh.mteb_classification(X, ["a", "b", math.nan, "b"], X, LABELS),
        ValueError,
        r"train_labels at position 2 is missing",
    ),
    (
        "mteb_classification: unhashable label",
        lambda m, t: gh.mteb_classification(X, ["a", ["b"], "a", "b"], X, LABELS),
        TypeError,
        r"train_labels at position 1 is list",
    ),
    (
        "mteb_classification: labels a string",
        lambda m, t: gh.mteb_classification(X, "abab", X, LABELS),
        TypeError,
        r"train_labels must be a sequence with one label per row",
    ),
    (
        "mteb_classification: one class",
        lambda m, t: gh.mteb_classification(X, ["a"] * 4, X, LABELS),
        ValueError,
        r"train_labels has a single class",
    ),
    (
        "mteb_classification: experiments 0",
        lambda m, t: gh.mteb_classification(X, LABELS, X, LABELS, n_experiments=0),
        ValueError,
        r"n_experiments must be at least 1",
    ),
    (
        "mteb_classification: samples 2.0",
        lambda m, t: gh.mteb_classification(X, LABELS, X, LABELS, samples_per_label=2.0),
        TypeError,
        r"samples_per_label must be an integer",
    ),
    (
        "mteb_classification: seed -1",
        lambda m, t: gh.mteb_classification(X, LABELS, X, LABELS, seed=-1),
        ValueError,
        r"seed must be at least 0",
    ),
    (
        "mteb_clustering: NaN row",
        lambda m, t: gh.mteb_clustering(NAN_ROW, LABELS),
        ValueError,
        r"embeddings row\(s\) 2 contain NaN",
    ),
    (
        "mteb_clustering: labels too short",
        lambda m, t: gh.mteb_clustering(X, LABELS[:2]),
        ValueError,
        r"labels has 2 entries for 4 rows",
    ),
    (
        "mteb_clustering: one class",
        lambda m, t: gh.mteb_clustering(X, ["a"] * 4),
        ValueError,
        r"labels has a single class",
    ),
    (
        "mteb_clustering: batch 0",
        lambda m, t: gh.mteb_clustering(X, LABELS, batch_size=0),
        ValueError,
        r"batch_size must be at least 1",
    ),
    # --- naming clusters, plots, tables, synthetic vectors, settings ----------------------------
    (
        "name_clusters: texts and rows differ",
        lambda m, t: gh.name_clusters(["a", "b"], X, [0, 1, 0, 1]),
        ValueError,
        r"2 texts but 4 embeddings",
    ),
    (
        "name_clusters: cluster labels text",
        lambda m, t: gh.name_clusters(["a b", "c d", "e f", "g h"], X, ["x", "y", "x", "y"]),
        TypeError,
        r"clusters must be integer labels",
    ),
    (
        "name_clusters: too few clusters",
        lambda m, t: gh.name_clusters(["a b", "c d", "e f", "g h"], X, [0, 1]),
        ValueError,
        r"clusters has 2 labels for 4 rows",
    ),
    (
        "name_clusters: top_n 0",
        lambda m, t: gh.name_clusters(["apple", "pear", "plum", "fig"], X, [0, 1, 0, 1], top_n=0),
        ValueError,
        r"top_n must be at least 1",
    ),
    (
        "name_clusters: only stop words",
        lambda m, t: gh.name_clusters(["the", "and", "of", "is"], X, [0, 1, 0, 1]),
        ValueError,
        r"no words besides English stop words",
    ),
    (
        "name_clusters: None text",
        lambda m, t: gh.name_clusters(["a", None, "c", "d"], X, [0, 1, 0, 1]),
        TypeError,
        r"text at position 1 is None",
    ),
    (
        "plot_clusters_2d: coords 3-D",
        lambda m, t: gh.plot_clusters_2d(X[:, :3], [0, 1, 0, 1]),
        ValueError,
        r"coords has 3 columns, expected 2",
    ),
    (
        "plot_clusters_2d: labels too short",
        lambda m, t: gh.plot_clusters_2d(X[:, :2], [0, 1, 0, 1], ["a"]),
        ValueError,
        r"true_labels has 1 entries for 4 rows",
    ),
    (
        "plot_clusters_2d: NaN coordinate",
        lambda m, t: gh.plot_clusters_2d(NAN_ROW[:, 2:4], [0, 1, 0, 1]),
        ValueError,
        r"coords row\(s\) 2 contain NaN",
    ),
    (
        "show: not a DataFrame",
        lambda m, t: gh.show([1, 2]),
        TypeError,
        r"table must be a pandas DataFrame, got list",
    ),
    (
        "show: decimals negative",
        lambda m, t: gh.show(FRAME, decimals=-1),
        ValueError,
        r"decimals must be at least 0",
    ),
    (
        "show: model a number",
        lambda m, t: gh.show(FRAME, 5),
        TypeError,
        r"model must be a SentenceTransformer, a string or None, got int 5",
    ),
    (
        "synthetic_embeddings: n 0",
        lambda m, t: gh.synthetic_embeddings(X, 0),
        ValueError,
        r"n must be at least 1, got 0",
    ),
    (
        "synthetic_embeddings: negative noise",
        lambda m, t: gh.synthetic_embeddings(X, 10, noise=-1),
        ValueError,
        r"noise must lie between 0.0 and None, got -1",
    ),
    (
        "synthetic_embeddings: NaN source",
        lambda m, t: gh.synthetic_embeddings(NAN_ROW, 10),
        ValueError,
        r"around row\(s\) 2 contain NaN",
    ),
    (
        "synthetic_embeddings: chunk 1.5",
        lambda m, t: gh.synthetic_embeddings(X, 10, chunk=1.5),
        TypeError,
        r"chunk must be an integer",
    ),
    (
        "scaled: full not an integer",
        lambda m, t: gh.scaled(1.5, 1),
        TypeError,
        r"full must be an integer",
    ),
    (
        "scaled: quick negative",
        lambda m, t: gh.scaled(10, -1),
        ValueError,
        r"quick must be at least 0",
    ),
    # --- same_intent_pairs / false_negatives (notebook 09) ---------------------------------
    (
        "same_intent_pairs: texts None",
        lambda m, t: gh.same_intent_pairs(None, []),
        TypeError,
        r"texts is None",
    ),
    (
        "same_intent_pairs: texts empty",
        lambda m, t: gh.same_intent_pairs([], []),
        ValueError,
        r"texts is empty",
    ),
    (
        "same_intent_pairs: a text is a number",
        lambda m, t: gh.same_intent_pairs(["a", 3], ["x", "x"]),
        TypeError,
        r"texts: the text at position 1 is int 3",
    ),
    (
        "same_intent_pairs: labels None",
        lambda m, t: gh.same_intent_pairs(["a", "b"], None),
        TypeError,
        r"labels must be a sequence",
    ),
    (
        "same_intent_pairs: labels too short",
        lambda m, t: gh.same_intent_pairs(["a", "b", "c"], ["x", "x"]),
        ValueError,
        r"labels has 2 entries for 3 rows",
    ),
    (
        "same_intent_pairs: a label missing",
        lambda m, t: gh.same_intent_pairs(["a", "b"], ["x", None]),
        ValueError,
        r"labels at position 1 is missing",
    ),
    (
        "same_intent_pairs: no label with two texts",
        lambda m, t: gh.same_intent_pairs(["a", "b"], ["x", "y"]),
        ValueError,
        r"no label has two different texts",
    ),
    (
        "same_intent_pairs: seed negative",
        lambda m, t: gh.same_intent_pairs(["a", "b"], ["x", "x"], seed=-1),
        ValueError,
        r"seed must be at least 0",
    ),
    (
        "same_intent_pairs: seed a float",
        lambda m, t: gh.same_intent_pairs(["a", "b"], ["x", "x"], seed=0.5),
        TypeError,
        r"seed must be an integer",
    ),
    (
        "false_negatives: batches None",
        lambda m, t: gh.false_negatives(None, LABELS, X, X),
        TypeError,
        r"batches must be a list of batches",
    ),
    (
        "false_negatives: batches empty",
        lambda m, t: gh.false_negatives([], LABELS, X, X),
        ValueError,
        r"batches is empty",
    ),
    (
        "false_negatives: a batch is a number",
        lambda m, t: gh.false_negatives([3], LABELS, X, X),
        TypeError,
        r"batches\[0\] must be a list of row positions, got int 3",
    ),
    (
        "false_negatives: an empty batch",
        lambda m, t: gh.false_negatives([[0, 1], []], LABELS, X, X),
        ValueError,
        r"batches\[1\] is empty",
    ),
    (
        "false_negatives: a row past the end",
        lambda m, t: gh.false_negatives([[0, 4]], LABELS, X, X),
        ValueError,
        r"batches\[0\]\[1\] must be at most 3, got 4",
    ),
    (
        "false_negatives: a row that is not an integer",
        lambda m, t: gh.false_negatives([[0, 1.0]], LABELS, X, X),
        TypeError,
        r"batches\[0\]\[1\] must be an integer",
    ),
    (
        "false_negatives: a row twice in a batch",
        lambda m, t: gh.false_negatives([[0, 1, 0]], LABELS, X, X),
        ValueError,
        r"batches\[0\] repeats row\(s\) 0",
    ),
    (
        "false_negatives: labels None",
        lambda m, t: gh.false_negatives([[0, 1]], None, X, X),
        TypeError,
        r"labels must be a sequence",
    ),
    (
        "false_negatives: labels empty",
        lambda m, t: gh.false_negatives([[0, 1]], [], X, X),
        ValueError,
        r"labels is empty",
    ),
    (
        "false_negatives: a label missing",
        lambda m, t: gh.false_negatives([[0, 1]], ["a", None, "a", "b"], X, X),
        ValueError,
        r"labels at position 1 is missing",
    ),
    (
        "false_negatives: anchor_vectors 1-D",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X[0], X),
        ValueError,
        r"anchor_vectors must be 2-D",
    ),
    (
        "false_negatives: anchor_vectors with NaN",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, NAN_ROW, X),
        ValueError,
        r"anchor_vectors row\(s\) 2 contain NaN",
    ),
    (
        "false_negatives: anchor_vectors a row short",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X[:3], X[:3]),
        ValueError,
        r"anchor_vectors has 3 rows for 4 labels",
    ),
    (
        "false_negatives: positive_vectors of another width",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X, X[:, :4]),
        ValueError,
        r"positive_vectors has 4 columns, expected 8",
    ),
    (
        "false_negatives: positive_vectors text",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X, "vectors"),
        TypeError,
        r"positive_vectors must be a numeric array",
    ),
    (
        "false_negatives: a zero vector",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X, X * np.array([[1], [0], [1], [1]])),
        ValueError,
        r"vector row\(s\) 1 are all zeros",
    ),
    (
        "false_negatives: margin NaN",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X, X, margin=math.nan),
        ValueError,
        r"margin must be a finite number",
    ),
    (
        "false_negatives: margin text",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X, X, margin="0.1"),
        TypeError,
        r"margin must be a number",
    ),
    (
        "false_negatives: unknown margin_strategy",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X, X, margin_strategy="hard"),
        ValueError,
        r"margin_strategy='hard' is not one of 'absolute', 'relative'",
    ),
]


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "inside").mkdir()
    return tmp_path / "inside"


@pytest.mark.parametrize(
    ("call", "error", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_refused_clearly(model, folder, call, error, message):
    with pytest.raises(error, match=message):
        call(model, folder)


def test_the_table_is_large_and_every_public_function_is_in_it():
    assert len(CASES) >= 100
    covered = {name.split(":")[0] for name, *_ in CASES}
    callable_api = {
        n for n in gh.__all__ if callable(getattr(gh, n)) and not isinstance(getattr(gh, n), type)
    }
    without_arguments = {
        "load_sts_pairs",
        "load_topics",
        "cpu_facts",
        "quick_mode",
        "clear_cache",
        "cache_size",
    }
    assert callable_api - without_arguments <= covered, callable_api - covered - without_arguments
