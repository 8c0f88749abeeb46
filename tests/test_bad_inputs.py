"""Every public function refuses bad input the same way: ``TypeError`` for a wrong type,
``ValueError`` for a wrong value, a message that names the argument and the offending item
(position, row label, id, file and line) and says what to pass instead. One row per case."""

from __future__ import annotations

import inspect
import math
import re
import typing
from collections.abc import Callable

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
BIG = X.astype(np.float64)
BIG[1, 1] = 1e300  # finite as float64, infinite as float32


def _table(model, tmp, name: str = "chunks"):
    """An empty chunk table of the stand-in in a LanceDB folder under tmp (notebook 10)."""
    import lancedb

    return gh.chunk_table(lancedb.connect(tmp / "db"), name, model)


def _documents(**changes) -> pd.DataFrame:
    row = {"id": "a", "source": "a.txt", "title": "A", "text": "Some text.", "modified": None}
    return pd.DataFrame([row | changes])


def _sts_file(tmp, content: bytes, name: str = "pairs.csv"):
    path = tmp / name
    path.write_bytes(content)
    return path


CASES = [
    # --- load_model / model_info / banner / describe ------------------------------------
    ("load_model(name): empty", lambda m, t: gh.load_model(""), ValueError, r"name is empty"),
    ("load_model(name): blank", lambda m, t: gh.load_model("   "), ValueError, r"name is empty"),
    (
        "load_model(name): a number",
        lambda m, t: gh.load_model(42),
        TypeError,
        r"name must be a hub id or a folder path, got int 42",
    ),
    (
        "load_model(name): a list",
        lambda m, t: gh.load_model(["a/b"]),
        TypeError,
        r"name must be a hub id",
    ),
    (
        "load_model(name): not a folder nor hub id",
        lambda m, t: gh.load_model("no such thing!"),
        gh.ModelUnavailableError,
        r"'no such thing!' is neither an existing folder nor a hub id",
    ),
    (
        "load_model(name): folder without weights",
        lambda m, t: gh.load_model(t),
        gh.ModelUnavailableError,
        r"has no \.safetensors weights",
    ),
    (
        "load_model(name): unknown hub id offline",
        lambda m, t: gh.load_model("someone/not-cached"),
        gh.ModelUnavailableError,
        r"'someone/not-cached' is not in the local Hugging Face cache",
    ),
    (
        "load_model(backend): unknown",
        lambda m, t: gh.load_model(backend="tensorrt"),
        ValueError,
        r"backend='tensorrt' is not one of",
    ),
    (
        "load_model(backend): not a string",
        lambda m, t: gh.load_model(backend=["onnx"]),
        TypeError,
        r"backend must be one of .*got list",
    ),
    (
        "load_model(strict): a string",
        lambda m, t: gh.load_model(strict="yes"),
        TypeError,
        r"strict must be True or False, got str 'yes'",
    ),
    (
        "load_model(strict): 1",
        lambda m, t: gh.load_model(strict=1),
        TypeError,
        r"strict must be True or False, got int 1",
    ),
    (
        "load_model(revision): empty",
        lambda m, t: gh.load_model(revision=""),
        TypeError,
        r"revision must be a non-empty string",
    ),
    (
        "load_model(revision): a number",
        lambda m, t: gh.load_model(revision=123),
        TypeError,
        r"revision must be a non-empty string .*got int 123",
    ),
    (
        "load_model(device): unknown",
        lambda m, t: gh.load_model(device="tpu"),
        ValueError,
        r"unknown device 'tpu'",
    ),
    (
        "load_model(device): a number",
        lambda m, t: gh.load_model(device=0),
        TypeError,
        r"device must be a string such as 'cpu'",
    ),
    (
        "load_model(backend): fp16 on a CPU",
        lambda m, t: gh.load_model(backend="torch-fp16", device="cpu"),
        ValueError,
        r"torch-fp16' needs a CUDA GPU",
    ),
    (
        "model_info(model): not a model",
        lambda m, t: gh.model_info("model"),
        TypeError,
        r"model must be a SentenceTransformer .*got str 'model'",
    ),
    (
        "model_info(model): None",
        lambda m, t: gh.model_info(None),
        TypeError,
        r"model must be a SentenceTransformer .*got None",
    ),
    (
        "banner(model): not a model",
        lambda m, t: gh.banner(3.5),
        TypeError,
        r"model must be a SentenceTransformer .*float 3.5",
    ),
    (
        "describe(model): not a model",
        lambda m, t: gh.describe({}),
        TypeError,
        r"model must be a SentenceTransformer .*dict",
    ),
    (
        "load_model(name): a folder without weights, as a str",
        lambda m, t: gh.load_model(str(t)),
        gh.ModelUnavailableError,
        r"has no \.safetensors weights",
    ),
    ("banner(model): None", lambda m, t: gh.banner(None), TypeError, r"model must be a Sentence"),
    # --- encode -------------------------------------------------------------------------
    (
        "encode(texts): None",
        lambda m, t: gh.encode(m, None),
        TypeError,
        r"texts is None; pass a list",
    ),
    (
        "encode(texts): bytes",
        lambda m, t: gh.encode(m, b"abc"),
        TypeError,
        r"texts is bytes; decode it first",
    ),
    (
        "encode(texts): bytearray",
        lambda m, t: gh.encode(m, bytearray(b"abc")),
        TypeError,
        r"texts is bytearray",
    ),
    (
        "encode(texts): a number",
        lambda m, t: gh.encode(m, 42),
        TypeError,
        r"texts must be a list of strings, got int",
    ),
    (
        "encode(texts): a set",
        lambda m, t: gh.encode(m, {"a", "b"}),
        TypeError,
        r"texts is a set, which has no fixed order",
    ),
    ("encode(texts): a dict", lambda m, t: gh.encode(m, {"a": 1}), TypeError, r"texts is a dict"),
    (
        "encode(texts): None in list",
        lambda m, t: gh.encode(m, ["ok", None]),
        TypeError,
        r"text at position 1 is None",
    ),
    (
        "encode(texts): int in list",
        lambda m, t: gh.encode(m, ["ok", "fine", 7]),
        TypeError,
        r"text at position 2 is int 7",
    ),
    (
        "encode(texts): bytes in list",
        lambda m, t: gh.encode(m, [b"x"]),
        TypeError,
        r"text at position 0 is bytes",
    ),
    (
        "encode(texts): NaN in list",
        lambda m, t: gh.encode(m, ["ok", math.nan]),
        TypeError,
        r"text at position 1 is NaN",
    ),
    (
        "encode(texts): list in list",
        lambda m, t: gh.encode(m, [["nested"]]),
        TypeError,
        r"text at position 0 is list",
    ),
    (
        "encode(texts): NaN in Series",
        lambda m, t: gh.encode(m, pd.Series(["a", None], index=["x", "y"])),
        ValueError,
        r"missing value\(s\) .* row\(s\) 'y'",
    ),
    (
        "encode(texts): int in Series",
        lambda m, t: gh.encode(m, pd.Series(["a", 5], index=["r1", "r2"])),
        TypeError,
        r"text at row 'r2' is int 5",
    ),
    (
        "encode(texts): lone surrogate",
        lambda m, t: gh.encode(m, ["ok", "\ud800"]),
        ValueError,
        r"text at position 1 has an unencodable character U\+D800 .* at character 0",
    ),
    (
        "encode(texts): surrogate mid-text",
        lambda m, t: gh.encode(m, ["abc\udfffdef"]),
        ValueError,
        r"position 0 .*U\+DFFF .* character 3",
    ),
    (
        "encode(texts): surrogate alone",
        lambda m, t: gh.encode(m, "\ud83d"),
        ValueError,
        r"unencodable character U\+D83D",
    ),
    (
        "encode(texts): surrogate in Series",
        lambda m, t: gh.encode(m, pd.Series(["\ud800"], index=["row7"], dtype=object)),
        ValueError,
        r"text at row 'row7' has an unencodable",
    ),
    (
        "encode(texts): surrogate with cache off",
        lambda m, t: gh.encode(m, ["\ud800"], cache=False),
        ValueError,
        r"unencodable",
    ),
    (
        "encode(batch_size): 0",
        lambda m, t: gh.encode(m, ["a"], batch_size=0),
        ValueError,
        r"batch_size must be at least 1, got 0",
    ),
    (
        "encode(batch_size): negative",
        lambda m, t: gh.encode(m, ["a"], batch_size=-3),
        ValueError,
        r"batch_size must be at least 1",
    ),
    (
        "encode(batch_size): 2.5",
        lambda m, t: gh.encode(m, ["a"], batch_size=2.5),
        TypeError,
        r"batch_size must be an integer, got float 2.5",
    ),
    (
        "encode(batch_size): True",
        lambda m, t: gh.encode(m, ["a"], batch_size=True),
        TypeError,
        r"batch_size must be an integer, got bool",
    ),
    (
        "encode(batch_size): string",
        lambda m, t: gh.encode(m, ["a"], batch_size="32"),
        TypeError,
        r"batch_size must be an integer, got str",
    ),
    (
        "encode(normalize): 'no'",
        lambda m, t: gh.encode(m, ["a"], normalize="no"),
        TypeError,
        r"normalize must be True or False, got str 'no'",
    ),
    (
        "encode(normalize): 0",
        lambda m, t: gh.encode(m, ["a"], normalize=0),
        TypeError,
        r"normalize must be True or False, got int 0",
    ),
    (
        "encode(cache): 'off'",
        lambda m, t: gh.encode(m, ["a"], cache="off"),
        TypeError,
        r"cache must be True or False",
    ),
    (
        "encode(show_progress): 1",
        lambda m, t: gh.encode(m, ["a"], show_progress=1),
        TypeError,
        r"show_progress must be True or False",
    ),
    (
        "encode(model): a string",
        lambda m, t: gh.encode("model", ["a"]),
        TypeError,
        r"model must be a SentenceTransformer",
    ),
    (
        "encode(texts): a DataFrame",
        lambda m, t: gh.encode(m, pd.DataFrame({"text": ["a", "b"]})),
        TypeError,
        r"texts is a DataFrame \(columns 'text'\); pass its column of texts, e\.g\. df\[\"text\"\]",
    ),
    # --- measure_throughput ---------------------------------------------------------------
    (
        "measure_throughput(texts): no texts",
        lambda m, t: gh.measure_throughput(m, []),
        ValueError,
        r"texts is empty",
    ),
    (
        "measure_throughput(texts): None text",
        lambda m, t: gh.measure_throughput(m, ["a", None]),
        TypeError,
        r"position 1 is None",
    ),
    (
        "measure_throughput(batch_size): batch 0",
        lambda m, t: gh.measure_throughput(m, ["a"], batch_size=0),
        ValueError,
        r"batch_size must be at least 1",
    ),
    (
        "measure_throughput(warmup): -1",
        lambda m, t: gh.measure_throughput(m, ["a"], warmup=-1),
        ValueError,
        r"warmup must be at least 0",
    ),
    (
        "measure_throughput(warmup): 1.5",
        lambda m, t: gh.measure_throughput(m, ["a"], warmup=1.5),
        TypeError,
        r"warmup must be an integer",
    ),
    (
        "measure_throughput(model): not a model",
        lambda m, t: gh.measure_throughput("all-MiniLM-L6-v2", ["a"]),
        TypeError,
        r"model must be a SentenceTransformer .*got str",
    ),
    (
        "measure_throughput(texts): a DataFrame",
        lambda m, t: gh.measure_throughput(m, pd.DataFrame({"text": ["a"]})),
        TypeError,
        r"texts is a DataFrame",
    ),
    # --- data loaders ----------------------------------------------------------------------
    (
        "load_banking77(split): unknown split",
        lambda m, t: gh.load_banking77("dev"),
        ValueError,
        r"split='dev' is not one of 'train', 'test'",
    ),
    (
        "load_banking77(split): split a number",
        lambda m, t: gh.load_banking77(1),
        TypeError,
        r"split must be one of",
    ),
    (
        "published_scores(task): unknown task",
        lambda m, t: gh.published_scores("NQ"),
        ValueError,
        r"task='NQ' is not one of",
    ),
    (
        "published_scores(task): a list",
        lambda m, t: gh.published_scores(["SciFact"]),
        TypeError,
        r"task must be one of .*got list",
    ),
    (
        "load_sts_file(path): None",
        lambda m, t: gh.load_sts_file(None),
        TypeError,
        r"path must be a file or folder path \(a str or pathlib.Path\), got None",
    ),
    (
        "load_sts_file(path): a number",
        lambda m, t: gh.load_sts_file(3),
        TypeError,
        r"path must be a file or folder path .*got int 3",
    ),
    (
        "load_sts_file(path): missing file",
        lambda m, t: gh.load_sts_file(t / "nope.csv"),
        FileNotFoundError,
        r"nope.csv does not exist",
    ),
    (
        "load_sts_file(path): a folder",
        lambda m, t: gh.load_sts_file(t),
        FileNotFoundError,
        r"does not exist or is not a file",
    ),
    (
        "load_sts_file(layout): unknown",
        lambda m, t: gh.load_sts_file(
            _sts_file(t, b"sentence1,sentence2,score\na,b,1\n"), layout="xml"
        ),
        ValueError,
        r"layout='xml' is not one of",
    ),
    (
        "load_sts_file(path): latin-1 bytes",
        lambda m, t: gh.load_sts_file(
            _sts_file(t, "sentence1,sentence2,score\nniño,b,1\n".encode("latin-1"))
        ),
        ValueError,
        r"pairs.csv is not UTF-8: byte 0xf1 on line 2",
    ),
    (
        "load_sts_file(path): UTF-16 file",
        lambda m, t: gh.load_sts_file(_sts_file(t, "sentence1,sentence2,score\n".encode("utf-16"))),
        ValueError,
        r"is not UTF-8",
    ),
    (
        "load_sts_file(path): empty",
        lambda m, t: gh.load_sts_file(_sts_file(t, b"\n\n")),
        ValueError,
        r"pairs.csv is empty",
    ),
    (
        "load_sts_file(path): header only",
        lambda m, t: gh.load_sts_file(_sts_file(t, b"sentence1,sentence2,score\n")),
        ValueError,
        r"has a header but no pairs",
    ),
    (
        "load_sts_file(path): no score column",
        lambda m, t: gh.load_sts_file(
            _sts_file(t, b"sentence1,sentence2,label\na,b,1\n"), layout="table"
        ),
        ValueError,
        r"no column\(s\) \['score'\]",
    ),
    (
        "load_sts_file(path): score not a number",
        lambda m, t: gh.load_sts_file(_sts_file(t, b"sentence1,sentence2,score\na,b,high\n")),
        ValueError,
        r"line 2: score 'high' is not a number",
    ),
    (
        "load_sts_file(path): score missing",
        lambda m, t: gh.load_sts_file(_sts_file(t, b"sentence1,sentence2,score\na,b,\n")),
        ValueError,
        r"line 2: score '' is not a number",
    ),
    (
        "load_sts_file(path): empty sentence",
        lambda m, t: gh.load_sts_file(_sts_file(t, b"sentence1,sentence2,score\n,b,1\n")),
        ValueError,
        r"sentence1 is empty on line\(s\) 2",
    ),
    (
        "load_sts_file(path): short STS-B line",
        lambda m, t: gh.load_sts_file(
            _sts_file(t, b"g\tf\ty\ti\t1.0\ta\tb\ng\tf\ty\ti\t1.0\ta\n"), layout="stsb"
        ),
        ValueError,
        r"line 2 has 6 tab-separated fields",
    ),
    (
        "load_sts_file(layout): unknown layout auto",
        lambda m, t: gh.load_sts_file(_sts_file(t, b"text,label\na,b\n")),
        ValueError,
        r"neither has a header with sentence1, sentence2, score",
    ),
    (
        "load_beir(source): None",
        lambda m, t: gh.load_beir(None),
        TypeError,
        r"source must be a dataset name or a folder, got None",
    ),
    (
        "load_beir(source): a number",
        lambda m, t: gh.load_beir(7),
        TypeError,
        r"source must be a dataset name or a folder, got int 7",
    ),
    ("load_beir(source): empty", lambda m, t: gh.load_beir(""), ValueError, r"source is empty"),
    (
        "load_beir(source): bad name",
        lambda m, t: gh.load_beir("Sci Fact!", download=False),
        ValueError,
        r"'Sci Fact!' is neither a folder nor a BEIR dataset name",
    ),
    (
        "load_beir(source): missing folder",
        lambda m, t: gh.load_beir(t / "absent"),
        FileNotFoundError,
        r"absent is not a folder",
    ),
    (
        "load_beir(source): empty folder",
        lambda m, t: gh.load_beir(t),
        FileNotFoundError,
        r"corpus.jsonl not found",
    ),
    (
        "load_beir(split): empty",
        lambda m, t: gh.load_beir("bundled", split=""),
        ValueError,
        r"split='' is not a split name",
    ),
    (
        "load_beir(split): with a slash",
        lambda m, t: gh.load_beir("bundled", split="../x"),
        ValueError,
        r"is not a split name",
    ),
    (
        "load_beir(split): missing",
        lambda m, t: gh.load_beir("bundled", split="dev"),
        FileNotFoundError,
        r"dev.tsv not found \(splits found: test\)",
    ),
    (
        "load_beir(download): not a bool",
        lambda m, t: gh.load_beir("bundled", download="no"),
        TypeError,
        r"download must be True or False",
    ),
    (
        "load_beir(source): not downloadable offline",
        lambda m, t: gh.load_beir("nfcorpus", download=False),
        gh.DatasetUnavailableError,
        r"(?s)'nfcorpus' is not on this machine .*nfcorpus.zip",
    ),
    (
        "RetrievalDataset.sample(n_queries): 0",
        lambda m, t: gh.load_beir("bundled").sample(0, 10),
        ValueError,
        r"n_queries must be at least 1",
    ),
    (
        "RetrievalDataset.sample(n_docs): a float",
        lambda m, t: gh.load_beir("bundled").sample(5, 10.5),
        TypeError,
        r"n_docs must be an integer",
    ),
    (
        "load_banking77(split): None",
        lambda m, t: gh.load_banking77(None),
        TypeError,
        r"split must be one of 'train', 'test'; got None",
    ),
    (
        "published_scores(task): empty",
        lambda m, t: gh.published_scores(""),
        ValueError,
        r"task='' is not one of",
    ),
    (
        "load_sts_file(path): a missing file given as a str",
        lambda m, t: gh.load_sts_file(str(t / "nope.csv")),
        FileNotFoundError,
        r"nope.csv does not exist",
    ),
    (
        "load_sts_file(path): an empty str",
        lambda m, t: gh.load_sts_file(""),
        ValueError,
        r"path is empty",
    ),
    (
        "load_sts_file(path): bytes",
        lambda m, t: gh.load_sts_file(b"pairs.csv"),
        TypeError,
        r"path must be a file or folder path \(a str or pathlib.Path\), got bytes",
    ),
    (
        "load_sts_file(path): NUL in a str",
        lambda m, t: gh.load_sts_file("pairs\0.csv"),
        ValueError,
        r"path 'pairs\\x00.csv' contains a NUL character",
    ),
    (
        "load_sts_file(path): one unquoted comma too many",
        lambda m, t: gh.load_sts_file(
            _sts_file(t, b"sentence1,sentence2,score\nhello,world,there,3\nx,y,1\n")
        ),
        ValueError,
        r"line 2 has 4 comma-separated fields but the header has 3 .*put quotes around",
    ),
    (
        "load_sts_file(path): a row one field short",
        lambda m, t: gh.load_sts_file(_sts_file(t, b"sentence1,sentence2,score\na,b,1\n\nc,2\n")),
        ValueError,
        r"line 4 has 2 comma-separated fields but the header has 3",
    ),
    (
        "load_sts_file(path): a TSV row with a tab too many",
        lambda m, t: gh.load_sts_file(
            _sts_file(t, b"sentence1\tsentence2\tscore\na\tb\t1\tx\n", "pairs.tsv")
        ),
        ValueError,
        r"line 2 has 4 tab-separated fields but the header has 3",
    ),
    (
        "load_sts_file(path): a quote left open",
        lambda m, t: gh.load_sts_file(_sts_file(t, b'sentence1,sentence2,score\n"a,b,1\nc,d,2\n')),
        ValueError,
        r"line 3 is not valid CSV .*check its quotes",
    ),
    (
        "load_sts_file(path): a column named twice",
        lambda m, t: gh.load_sts_file(_sts_file(t, b"sentence1,sentence2,score,score\na,b,1,2\n")),
        ValueError,
        r"the header names column\(s\) \['score'\] more than once",
    ),
    (
        "load_sts_file(path): a blank sentence",
        lambda m, t: gh.load_sts_file(_sts_file(t, b"sentence1,sentence2,score\na,b,1\nc,  ,2\n")),
        ValueError,
        r"sentence2 is empty on line\(s\) 3",
    ),
    (
        "load_sts_file(path): STS-B line number after a U+2028 in a sentence",
        lambda m, t: gh.load_sts_file(
            _sts_file(
                t,
                "g\tf\ty\ti\t1.0\ta\u2028b\tc\ng\tf\ty\ti\t2.0\td\x0ce\n".encode(),
                "sts.tsv",
            ),
            layout="stsb",
        ),
        ValueError,
        r"line 2 has 6 tab-separated fields",
    ),
    (
        "load_sts_file(layout): a number",
        lambda m, t: gh.load_sts_file(
            _sts_file(t, b"sentence1,sentence2,score\na,b,1\n"), layout=1
        ),
        TypeError,
        r"layout must be one of 'auto', 'stsb', 'table'; got int 1",
    ),
    (
        "load_beir(source): a missing folder given as a str",
        lambda m, t: gh.load_beir(str(t / "absent")),
        FileNotFoundError,
        r"absent is not a folder",
    ),
    (
        "load_beir(source): a file, not a folder",
        lambda m, t: gh.load_beir(_sts_file(t, b"{}", "corpus.jsonl")),
        FileNotFoundError,
        r"corpus.jsonl is not a folder",
    ),
    (
        "load_beir(split): a number",
        lambda m, t: gh.load_beir("bundled", split=3),
        TypeError,
        r"split must be a split name such as 'test', got int 3",
    ),
    (
        "load_beir(download): 1",
        lambda m, t: gh.load_beir("bundled", download=1),
        TypeError,
        r"download must be True or False, got int 1",
    ),
    (
        "RetrievalDataset.sample(seed): negative",
        lambda m, t: gh.load_beir("bundled").sample(5, 10, seed=-1),
        ValueError,
        r"seed must be at least 0, got -1",
    ),
    (
        "RetrievalDataset.sample(seed): a string",
        lambda m, t: gh.load_beir("bundled").sample(5, 10, seed="0"),
        TypeError,
        r"seed must be an integer, got str '0'",
    ),
    # --- MTEB protocols ----------------------------------------------------------------------
    (
        "mteb_retrieval(qrels): None",
        lambda m, t: gh.mteb_retrieval(None, RUN),
        TypeError,
        r"qrels must be a non-empty dict .*got None",
    ),
    (
        "mteb_retrieval(qrels): empty",
        lambda m, t: gh.mteb_retrieval({}, RUN),
        TypeError,
        r"qrels must be a non-empty dict",
    ),
    (
        "mteb_retrieval(qrels): entry a list",
        lambda m, t: gh.mteb_retrieval({"q1": ["d1"]}, RUN),
        TypeError,
        r"qrels\['q1'\] must be a dict",
    ),
    (
        "mteb_retrieval(qrels): grade a float",
        lambda m, t: gh.mteb_retrieval({"q1": {"d1": 0.5}}, RUN),
        TypeError,
        r"qrels\['q1'\]\['d1'\] must be an integer grade, got float 0.5",
    ),
    (
        "mteb_retrieval(qrels): grade a string",
        lambda m, t: gh.mteb_retrieval({"q1": {"d1": "1"}}, RUN),
        TypeError,
        r"qrels\['q1'\]\['d1'\] must be an integer grade, got str",
    ),
    (
        "mteb_retrieval(run): a list",
        lambda m, t: gh.mteb_retrieval(QRELS, [("q1", "d1")]),
        TypeError,
        r"run must be a dict",
    ),
    (
        "mteb_retrieval(run): entry a list",
        lambda m, t: gh.mteb_retrieval(QRELS, {"q1": ["d1"]}),
        TypeError,
        r"run\['q1'\] must be a dict",
    ),
    (
        "mteb_retrieval(run): NaN score",
        lambda m, t: gh.mteb_retrieval(QRELS, {"q1": {"d1": math.nan}}),
        ValueError,
        r"run\['q1'\]\['d1'\] must be a finite number, got nan",
    ),
    (
        "mteb_retrieval(run): infinite score",
        lambda m, t: gh.mteb_retrieval(QRELS, {"q1": {"d1": math.inf}}),
        ValueError,
        r"run\['q1'\]\['d1'\] must be a finite number",
    ),
    (
        "mteb_retrieval(run): score a string",
        lambda m, t: gh.mteb_retrieval(QRELS, {"q1": {"d1": "0.9"}}),
        TypeError,
        r"run\['q1'\]\['d1'\] must be a number, got str",
    ),
    (
        "mteb_retrieval(run): no judged query",
        lambda m, t: gh.mteb_retrieval(QRELS, {"other": {"d1": 1.0}}),
        ValueError,
        r"no query of the run is judged",
    ),
    (
        "mteb_retrieval(k_values): k 0",
        lambda m, t: gh.mteb_retrieval(QRELS, RUN, k_values=(0, 10)),
        ValueError,
        r"k_values\[0\] must be at least 1, got 0",
    ),
    (
        "mteb_retrieval(k_values): k a float",
        lambda m, t: gh.mteb_retrieval(QRELS, RUN, k_values=(2.5,)),
        TypeError,
        r"k_values\[0\] must be an integer",
    ),
    (
        "mteb_retrieval(k_values): no k",
        lambda m, t: gh.mteb_retrieval(QRELS, RUN, k_values=()),
        ValueError,
        r"k_values is empty",
    ),
    (
        "mteb_retrieval(ignore_identical_ids): ignore ids 'yes'",
        lambda m, t: gh.mteb_retrieval(QRELS, RUN, ignore_identical_ids="yes"),
        TypeError,
        r"ignore_identical_ids must be True or False",
    ),
    (
        "mteb_classification(train_embeddings): NaN row",
        lambda m, t: gh.mteb_classification(NAN_ROW, LABELS, X, LABELS),
        ValueError,
        r"train_embeddings row\(s\) 2 contain NaN or inf",
    ),
    (
        "mteb_classification(train_embeddings): 1-D embeddings",
        lambda m, t: gh.mteb_classification(X[0], LABELS, X, LABELS),
        ValueError,
        r"train_embeddings must be 2-D",
    ),
    (
        "mteb_classification(train_embeddings): text embeddings",
        lambda m, t: gh.mteb_classification([["a", "b"]], LABELS, X, LABELS),
        TypeError,
        r"train_embeddings must be a numeric array",
    ),
    (
        "mteb_classification(train_embeddings): empty",
        lambda m, t: gh.mteb_classification(np.zeros((0, 8)), [], X, LABELS),
        ValueError,
        r"train_embeddings is empty",
    ),
    (
        "mteb_classification(test_embeddings): widths differ",
        lambda m, t: gh.mteb_classification(X, LABELS, X[:, :4], LABELS),
        ValueError,
        r"test_embeddings has 4 columns, expected 8",
    ),
    (
        "mteb_classification(train_labels): too few labels",
        lambda m, t: gh.mteb_classification(X, LABELS[:3], X, LABELS),
        ValueError,
        r"train_labels has 3 entries for 4 rows",
    ),
    (
        "mteb_classification(train_labels): missing label",
        lambda m, t: gh.mteb_classification(X, ["a", None, "a", "b"], X, LABELS),
        ValueError,
        r"train_labels at position 1 is missing",
    ),
    (
        "mteb_classification(train_labels): NaN label",
        lambda m, t: gh.mteb_classification(X, ["a", "b", math.nan, "b"], X, LABELS),
        ValueError,
        r"train_labels at position 2 is missing",
    ),
    (
        "mteb_classification(train_labels): unhashable label",
        lambda m, t: gh.mteb_classification(X, ["a", ["b"], "a", "b"], X, LABELS),
        TypeError,
        r"train_labels at position 1 is list",
    ),
    (
        "mteb_classification(train_labels): labels a string",
        lambda m, t: gh.mteb_classification(X, "abab", X, LABELS),
        TypeError,
        r"train_labels must be a sequence with one label per row",
    ),
    (
        "mteb_classification(train_labels): one class",
        lambda m, t: gh.mteb_classification(X, ["a"] * 4, X, LABELS),
        ValueError,
        r"train_labels has a single class",
    ),
    (
        "mteb_classification(n_experiments): experiments 0",
        lambda m, t: gh.mteb_classification(X, LABELS, X, LABELS, n_experiments=0),
        ValueError,
        r"n_experiments must be at least 1",
    ),
    (
        "mteb_classification(samples_per_label): samples 2.0",
        lambda m, t: gh.mteb_classification(X, LABELS, X, LABELS, samples_per_label=2.0),
        TypeError,
        r"samples_per_label must be an integer",
    ),
    (
        "mteb_classification(seed): -1",
        lambda m, t: gh.mteb_classification(X, LABELS, X, LABELS, seed=-1),
        ValueError,
        r"seed must be at least 0",
    ),
    (
        "mteb_clustering(embeddings): NaN row",
        lambda m, t: gh.mteb_clustering(NAN_ROW, LABELS),
        ValueError,
        r"embeddings row\(s\) 2 contain NaN",
    ),
    (
        "mteb_clustering(labels): too short",
        lambda m, t: gh.mteb_clustering(X, LABELS[:2]),
        ValueError,
        r"labels has 2 entries for 4 rows",
    ),
    (
        "mteb_clustering(labels): one class",
        lambda m, t: gh.mteb_clustering(X, ["a"] * 4),
        ValueError,
        r"labels has a single class",
    ),
    (
        "mteb_clustering(batch_size): batch 0",
        lambda m, t: gh.mteb_clustering(X, LABELS, batch_size=0),
        ValueError,
        r"batch_size must be at least 1",
    ),
    (
        "mteb_retrieval(k_values): one integer",
        lambda m, t: gh.mteb_retrieval(QRELS, RUN, k_values=10),
        TypeError,
        r"k_values must be a sequence of cut-offs .* write \(10,\)\. Got int 10",
    ),
    (
        "mteb_retrieval(k_values): a string",
        lambda m, t: gh.mteb_retrieval(QRELS, RUN, k_values="10"),
        TypeError,
        r"k_values must be a sequence of cut-offs .*Got str '10'",
    ),
    (
        "mteb_retrieval(k_values): None",
        lambda m, t: gh.mteb_retrieval(QRELS, RUN, k_values=None),
        TypeError,
        r"k_values must be a sequence of cut-offs .*Got None",
    ),
    (
        "mteb_retrieval(k_values): a cut-off twice",
        lambda m, t: gh.mteb_retrieval(QRELS, RUN, k_values=(1, 10, 10)),
        ValueError,
        r"k_values lists 10 more than once",
    ),
    (
        "mteb_classification(train_labels): pd.NA",
        lambda m, t: gh.mteb_classification(X, ["a", "b", pd.NA, "b"], X, LABELS),
        ValueError,
        r"train_labels at position 2 is missing \(<NA>\)",
    ),
    (
        "mteb_classification(train_labels): pd.NaT",
        lambda m, t: gh.mteb_classification(X, ["a", pd.NaT, "a", "b"], X, LABELS),
        ValueError,
        r"train_labels at position 1 is missing \(NaT\)",
    ),
    (
        "mteb_classification(train_labels): a float32 NaN",
        lambda m, t: gh.mteb_classification(X, [1.0, 2.0, np.float32("nan"), 2.0], X, LABELS),
        ValueError,
        r"train_labels at position 2 is missing \(NaN\)",
    ),
    (
        "mteb_classification(train_labels): a number",
        lambda m, t: gh.mteb_classification(X, 4, X, LABELS),
        TypeError,
        r"train_labels must be a sequence with one label per row, got int 4",
    ),
    (
        "mteb_classification(train_embeddings): beyond float32's range",
        lambda m, t: gh.mteb_classification(BIG, LABELS, X, LABELS),
        ValueError,
        r"train_embeddings row\(s\) 1 hold values beyond float32's range",
    ),
    (
        "mteb_classification(train_embeddings): complex numbers",
        lambda m, t: gh.mteb_classification(X + 1j, LABELS, X, LABELS),
        TypeError,
        r"train_embeddings must be a numeric array of real numbers, got dtype complex",
    ),
    (
        "mteb_classification(test_embeddings): a NaN row",
        lambda m, t: gh.mteb_classification(X, LABELS, NAN_ROW, LABELS),
        ValueError,
        r"test_embeddings row\(s\) 2 contain NaN",
    ),
    (
        "mteb_classification(test_labels): too few",
        lambda m, t: gh.mteb_classification(X, LABELS, X, LABELS[:2]),
        ValueError,
        r"test_labels has 2 entries for 4 rows",
    ),
    (
        "mteb_classification(test_labels): pd.NA in a Series",
        lambda m, t: gh.mteb_classification(
            X, LABELS, X, pd.Series(["a", pd.NA, "a", "b"], dtype="string")
        ),
        ValueError,
        r"test_labels at position 1 is missing \(<NA>\)",
    ),
    (
        "mteb_classification(seed): past numpy's limit",
        lambda m, t: gh.mteb_classification(X, LABELS, X, LABELS, seed=2**32),
        ValueError,
        r"seed must be at most 4294967295",
    ),
    (
        "mteb_clustering(embeddings): beyond float32's range",
        lambda m, t: gh.mteb_clustering(BIG, LABELS),
        ValueError,
        r"embeddings row\(s\) 1 hold values beyond float32's range",
    ),
    (
        "mteb_clustering(labels): pd.NA",
        lambda m, t: gh.mteb_clustering(X, ["a", pd.NA, "a", "b"]),
        ValueError,
        r"labels at position 1 is missing \(<NA>\)",
    ),
    (
        "mteb_clustering(labels): a DataFrame",
        lambda m, t: gh.mteb_clustering(X, pd.DataFrame({"label": LABELS})),
        TypeError,
        r"labels must be a sequence with one label per row, got DataFrame",
    ),
    (
        "mteb_clustering(batch_size): a float",
        lambda m, t: gh.mteb_clustering(X, LABELS, batch_size=2.0),
        TypeError,
        r"batch_size must be an integer, got float 2.0",
    ),
    (
        "mteb_clustering(seed): negative",
        lambda m, t: gh.mteb_clustering(X, LABELS, seed=-1),
        ValueError,
        r"seed must be at least 0, got -1",
    ),
    (
        "mteb_clustering(seed): a string",
        lambda m, t: gh.mteb_clustering(X, LABELS, seed="42"),
        TypeError,
        r"seed must be an integer, got str '42'",
    ),
    # --- naming clusters, plots, tables, synthetic vectors, settings ----------------------------
    (
        "name_clusters(texts): fewer texts than rows",
        lambda m, t: gh.name_clusters(["a", "b"], X, [0, 1, 0, 1]),
        ValueError,
        r"2 texts but 4 embeddings",
    ),
    (
        "name_clusters(clusters): cluster labels text",
        lambda m, t: gh.name_clusters(["a b", "c d", "e f", "g h"], X, ["x", "y", "x", "y"]),
        TypeError,
        r"clusters must be integer labels",
    ),
    (
        "name_clusters(clusters): too few clusters",
        lambda m, t: gh.name_clusters(["a b", "c d", "e f", "g h"], X, [0, 1]),
        ValueError,
        r"clusters has 2 labels for 4 rows",
    ),
    (
        "name_clusters(top_n): 0",
        lambda m, t: gh.name_clusters(["apple", "pear", "plum", "fig"], X, [0, 1, 0, 1], top_n=0),
        ValueError,
        r"top_n must be at least 1",
    ),
    (
        "name_clusters(texts): only stop words",
        lambda m, t: gh.name_clusters(["the", "and", "of", "is"], X, [0, 1, 0, 1]),
        ValueError,
        r"no words besides English stop words",
    ),
    (
        "name_clusters(texts): None text",
        lambda m, t: gh.name_clusters(["a", None, "c", "d"], X, [0, 1, 0, 1]),
        TypeError,
        r"text at position 1 is None",
    ),
    (
        "plot_clusters_2d(coords): coords 3-D",
        lambda m, t: gh.plot_clusters_2d(X[:, :3], [0, 1, 0, 1]),
        ValueError,
        r"coords has 3 columns, expected 2",
    ),
    (
        "plot_clusters_2d(true_labels): labels too short",
        lambda m, t: gh.plot_clusters_2d(X[:, :2], [0, 1, 0, 1], ["a"]),
        ValueError,
        r"true_labels has 1 entries for 4 rows",
    ),
    (
        "plot_clusters_2d(coords): NaN coordinate",
        lambda m, t: gh.plot_clusters_2d(NAN_ROW[:, 2:4], [0, 1, 0, 1]),
        ValueError,
        r"coords row\(s\) 2 contain NaN",
    ),
    (
        "show(table): not a DataFrame",
        lambda m, t: gh.show([1, 2]),
        TypeError,
        r"table must be a pandas DataFrame, got list",
    ),
    (
        "show(decimals): negative",
        lambda m, t: gh.show(FRAME, decimals=-1),
        ValueError,
        r"decimals must be at least 0",
    ),
    (
        "show(model): a number",
        lambda m, t: gh.show(FRAME, 5),
        TypeError,
        r"model must be a SentenceTransformer, a string or None, got int 5",
    ),
    (
        "synthetic_embeddings(n): 0",
        lambda m, t: gh.synthetic_embeddings(X, 0),
        ValueError,
        r"n must be at least 1, got 0",
    ),
    (
        "synthetic_embeddings(noise): negative noise",
        lambda m, t: gh.synthetic_embeddings(X, 10, noise=-1),
        ValueError,
        r"noise must lie between 0 and 1e\+06, got -1",
    ),
    (
        "synthetic_embeddings(around): NaN source",
        lambda m, t: gh.synthetic_embeddings(NAN_ROW, 10),
        ValueError,
        r"around row\(s\) 2 contain NaN",
    ),
    (
        "synthetic_embeddings(chunk): 1.5",
        lambda m, t: gh.synthetic_embeddings(X, 10, chunk=1.5),
        TypeError,
        r"chunk must be an integer",
    ),
    (
        "scaled(full): not an integer",
        lambda m, t: gh.scaled(1.5, 1),
        TypeError,
        r"full must be an integer",
    ),
    (
        "scaled(quick): negative",
        lambda m, t: gh.scaled(10, -1),
        ValueError,
        r"quick must be at least 0",
    ),
    (
        "name_clusters(embeddings): a NaN row",
        lambda m, t: gh.name_clusters(["a", "b", "c", "d"], NAN_ROW, [0, 1, 0, 1]),
        ValueError,
        r"embeddings row\(s\) 2 contain NaN",
    ),
    (
        "name_clusters(clusters): None",
        lambda m, t: gh.name_clusters(["a", "b", "c", "d"], X, None),
        TypeError,
        r"clusters must be a sequence of integer labels, one per row, got None",
    ),
    (
        "name_clusters(true_labels): pd.NA",
        lambda m, t: gh.name_clusters(
            ["ab", "cd", "ef", "gh"], X, [0, 1, 0, 1], ["x", pd.NA, "x", "y"]
        ),
        ValueError,
        r"true_labels at position 1 is missing \(<NA>\)",
    ),
    (
        "plot_clusters_2d(clusters): floats",
        lambda m, t: gh.plot_clusters_2d(X[:, :2], [0.0, 1.0, 0.0, 1.0]),
        TypeError,
        r"clusters must be integer labels",
    ),
    (
        "plot_clusters_2d(true_labels): None inside",
        lambda m, t: gh.plot_clusters_2d(X[:, :2], [0, 1, 0, 1], ["a", None, "a", "b"]),
        ValueError,
        r"true_labels at position 1 is missing \(None\)",
    ),
    (
        "plot_clusters_2d(projection): a number",
        lambda m, t: gh.plot_clusters_2d(X[:, :2], [0, 1, 0, 1], projection=2),
        TypeError,
        r"projection must be a string, got int 2",
    ),
    (
        "plot_clusters_2d(projection): empty",
        lambda m, t: gh.plot_clusters_2d(X[:, :2], [0, 1, 0, 1], projection=" "),
        ValueError,
        r"projection is empty",
    ),
    (
        "plot_clusters_2d(method): None",
        lambda m, t: gh.plot_clusters_2d(X[:, :2], [0, 1, 0, 1], method=None),
        TypeError,
        r"method must be a string, got None",
    ),
    (
        "show(table): a Series",
        lambda m, t: gh.show(FRAME["score"]),
        TypeError,
        r"table must be a pandas DataFrame, got Series",
    ),
    (
        "show(table): a column named twice",
        lambda m, t: gh.show(pd.DataFrame([[1, 2]], columns=["a", "a"])),
        ValueError,
        r"table has column\(s\) \['a'\] more than once",
    ),
    (
        "show(model): a list",
        lambda m, t: gh.show(FRAME, ["model"]),
        TypeError,
        r"model must be a SentenceTransformer, a string or None, got list",
    ),
    (
        "show(caption): a number",
        lambda m, t: gh.show(FRAME, caption=5),
        TypeError,
        r"caption must be a string, got int 5",
    ),
    (
        "show(caption): a list",
        lambda m, t: gh.show(FRAME, caption=["SciFact"]),
        TypeError,
        r"caption must be a string, got list",
    ),
    (
        "show(decimals): a float",
        lambda m, t: gh.show(FRAME, decimals=2.0),
        TypeError,
        r"decimals must be an integer, got float 2.0",
    ),
    (
        "synthetic_embeddings(around): an all-zero row",
        lambda m, t: gh.synthetic_embeddings(np.vstack([X, np.zeros((1, 8))]), 10),
        ValueError,
        r"around row\(s\) 4 are all zeros",
    ),
    (
        "synthetic_embeddings(around): beyond float32's range",
        lambda m, t: gh.synthetic_embeddings(BIG, 10),
        ValueError,
        r"around row\(s\) 1 hold values beyond float32's range",
    ),
    (
        "synthetic_embeddings(n): a float",
        lambda m, t: gh.synthetic_embeddings(X, 1e6),
        TypeError,
        r"n must be an integer, got float",
    ),
    (
        "synthetic_embeddings(noise): NaN",
        lambda m, t: gh.synthetic_embeddings(X, 10, noise=math.nan),
        ValueError,
        r"noise must be a finite number",
    ),
    (
        "synthetic_embeddings(noise): so large it overflows float32",
        lambda m, t: gh.synthetic_embeddings(X, 10, noise=1e30),
        ValueError,
        r"noise must lie between 0 and 1e\+06, got 1e\+30",
    ),
    (
        "synthetic_embeddings(seed): negative",
        lambda m, t: gh.synthetic_embeddings(X, 10, seed=-1),
        ValueError,
        r"seed must be at least 0",
    ),
    (
        "synthetic_embeddings(seed): a float",
        lambda m, t: gh.synthetic_embeddings(X, 10, seed=0.5),
        TypeError,
        r"seed must be an integer, got float 0.5",
    ),
    (
        "synthetic_embeddings(chunk): 0",
        lambda m, t: gh.synthetic_embeddings(X, 10, chunk=0),
        ValueError,
        r"chunk must be at least 1",
    ),
    (
        "scaled(quick): True",
        lambda m, t: gh.scaled(10, True),
        TypeError,
        r"quick must be an integer, got bool",
    ),
    (
        "cache_size(root): a number",
        lambda m, t: gh.cache_size(5),
        TypeError,
        r"root must be a .*path.*got int 5",
    ),
    (
        "clear_cache(root): a number",
        lambda m, t: gh.clear_cache(5),
        TypeError,
        r"root must be a .*path.*got int 5",
    ),
    # --- same_intent_pairs / false_negatives (notebook 09) ---------------------------------
    (
        "same_intent_pairs(texts): None",
        lambda m, t: gh.same_intent_pairs(None, []),
        TypeError,
        r"texts is None",
    ),
    (
        "same_intent_pairs(texts): empty",
        lambda m, t: gh.same_intent_pairs([], []),
        ValueError,
        r"texts is empty",
    ),
    (
        "same_intent_pairs(texts): a number among them",
        lambda m, t: gh.same_intent_pairs(["a", 3], ["x", "x"]),
        TypeError,
        r"texts: the text at position 1 is int 3",
    ),
    (
        "same_intent_pairs(labels): None",
        lambda m, t: gh.same_intent_pairs(["a", "b"], None),
        TypeError,
        r"labels must be a sequence",
    ),
    (
        "same_intent_pairs(labels): too short",
        lambda m, t: gh.same_intent_pairs(["a", "b", "c"], ["x", "x"]),
        ValueError,
        r"labels has 2 entries for 3 rows",
    ),
    (
        "same_intent_pairs(labels): one missing",
        lambda m, t: gh.same_intent_pairs(["a", "b"], ["x", None]),
        ValueError,
        r"labels at position 1 is missing",
    ),
    (
        "same_intent_pairs(labels): no label with two texts",
        lambda m, t: gh.same_intent_pairs(["a", "b"], ["x", "y"]),
        ValueError,
        r"no label has two different texts",
    ),
    (
        "same_intent_pairs(seed): negative",
        lambda m, t: gh.same_intent_pairs(["a", "b"], ["x", "x"], seed=-1),
        ValueError,
        r"seed must be at least 0",
    ),
    (
        "same_intent_pairs(seed): a float",
        lambda m, t: gh.same_intent_pairs(["a", "b"], ["x", "x"], seed=0.5),
        TypeError,
        r"seed must be an integer",
    ),
    (
        "false_negatives(batches): None",
        lambda m, t: gh.false_negatives(None, LABELS, X, X),
        TypeError,
        r"batches must be a list of batches",
    ),
    (
        "false_negatives(batches): empty",
        lambda m, t: gh.false_negatives([], LABELS, X, X),
        ValueError,
        r"batches is empty",
    ),
    (
        "false_negatives(batches): a batch is a number",
        lambda m, t: gh.false_negatives([3], LABELS, X, X),
        TypeError,
        r"batches\[0\] must be a list of row positions, got int 3",
    ),
    (
        "false_negatives(batches): an empty batch",
        lambda m, t: gh.false_negatives([[0, 1], []], LABELS, X, X),
        ValueError,
        r"batches\[1\] is empty",
    ),
    (
        "false_negatives(batches): a row past the end",
        lambda m, t: gh.false_negatives([[0, 4]], LABELS, X, X),
        ValueError,
        r"batches\[0\]\[1\] must be at most 3, got 4",
    ),
    (
        "false_negatives(batches): a row that is not an integer",
        lambda m, t: gh.false_negatives([[0, 1.0]], LABELS, X, X),
        TypeError,
        r"batches\[0\]\[1\] must be an integer",
    ),
    (
        "false_negatives(batches): a row twice in a batch",
        lambda m, t: gh.false_negatives([[0, 1, 0]], LABELS, X, X),
        ValueError,
        r"batches\[0\] repeats row\(s\) 0",
    ),
    (
        "false_negatives(labels): None",
        lambda m, t: gh.false_negatives([[0, 1]], None, X, X),
        TypeError,
        r"labels must be a sequence",
    ),
    (
        "false_negatives(labels): empty",
        lambda m, t: gh.false_negatives([[0, 1]], [], X, X),
        ValueError,
        r"labels is empty",
    ),
    (
        "false_negatives(labels): one missing",
        lambda m, t: gh.false_negatives([[0, 1]], ["a", None, "a", "b"], X, X),
        ValueError,
        r"labels at position 1 is missing",
    ),
    (
        "false_negatives(anchor_vectors): 1-D",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X[0], X),
        ValueError,
        r"anchor_vectors must be 2-D",
    ),
    (
        "false_negatives(anchor_vectors): NaN",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, NAN_ROW, X),
        ValueError,
        r"anchor_vectors row\(s\) 2 contain NaN",
    ),
    (
        "false_negatives(anchor_vectors): a row short",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X[:3], X[:3]),
        ValueError,
        r"anchor_vectors has 3 rows for 4 labels",
    ),
    (
        "false_negatives(positive_vectors): another width",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X, X[:, :4]),
        ValueError,
        r"positive_vectors has 4 columns, expected 8",
    ),
    (
        "false_negatives(positive_vectors): text",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X, "vectors"),
        TypeError,
        r"positive_vectors must be a numeric array",
    ),
    (
        "false_negatives(anchor_vectors): a zero vector",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X, X * np.array([[1], [0], [1], [1]])),
        ValueError,
        r"vector row\(s\) 1 are all zeros",
    ),
    (
        "false_negatives(margin): NaN",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X, X, margin=math.nan),
        ValueError,
        r"margin must be a finite number",
    ),
    (
        "false_negatives(margin): text",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X, X, margin="0.1"),
        TypeError,
        r"margin must be a number",
    ),
    (
        "false_negatives(margin_strategy): unknown",
        lambda m, t: gh.false_negatives([[0, 1]], LABELS, X, X, margin_strategy="hard"),
        ValueError,
        r"margin_strategy='hard' is not one of 'absolute', 'relative'",
    ),
    # --- paired_bootstrap / speed_ratio ---------------------------------------------------
    (
        "paired_bootstrap(first): None",
        lambda m, t: gh.paired_bootstrap(None, [0.1, 0.2]),
        TypeError,
        r"first must be a one-dimensional list.*got None",
    ),
    (
        "paired_bootstrap(first): a text among the scores",
        lambda m, t: gh.paired_bootstrap([0.1, "0.2"], [0.1, 0.2]),
        TypeError,
        r"first holds str '0.2' at position 1; pass numbers only",
    ),
    (
        "paired_bootstrap(first): a missing score",
        lambda m, t: gh.paired_bootstrap(pd.Series([0.1, np.nan], index=["q1", "q2"]), [0.1, 0.2]),
        ValueError,
        r"first has 1 missing or infinite score\(s\) at item\(s\) 'q2'",
    ),
    (
        "paired_bootstrap(first): a repeated item id",
        lambda m, t: gh.paired_bootstrap(
            pd.Series([0.1, 0.2], index=["q1", "q1"]), pd.Series([0.1, 0.2], index=["q1", "q2"])
        ),
        ValueError,
        r"first has repeated item id\(s\) 'q1'",
    ),
    (
        "paired_bootstrap(second): a 2-d array",
        lambda m, t: gh.paired_bootstrap([0.1, 0.2], np.zeros((2, 2))),
        TypeError,
        r"second must be a one-dimensional",
    ),
    (
        "paired_bootstrap(second): other items than first",
        lambda m, t: gh.paired_bootstrap(
            pd.Series([0.1, 0.2], index=["q1", "q2"]), pd.Series([0.1, 0.2], index=["q1", "q3"])
        ),
        ValueError,
        r"must score the same items; only in first: 'q2'; only in second: 'q3'",
    ),
    (
        "paired_bootstrap(second): another length",
        lambda m, t: gh.paired_bootstrap([0.1, 0.2, 0.3], [0.1, 0.2]),
        ValueError,
        r"first has 3 scores and second 2",
    ),
    (
        "paired_bootstrap(second): one item only",
        lambda m, t: gh.paired_bootstrap([0.1], [0.2]),
        ValueError,
        r"hold 1 item\(s\); an interval needs at least 2",
    ),
    (
        "paired_bootstrap(confidence): 95 meant as percent",
        lambda m, t: gh.paired_bootstrap([0.1, 0.2], [0.2, 0.1], confidence=95),
        ValueError,
        r"confidence must lie between 0.5 and 0.999, got 95",
    ),
    (
        "paired_bootstrap(confidence): a text",
        lambda m, t: gh.paired_bootstrap([0.1, 0.2], [0.2, 0.1], confidence="95%"),
        TypeError,
        r"confidence must be a number",
    ),
    (
        "paired_bootstrap(resamples): too few",
        lambda m, t: gh.paired_bootstrap([0.1, 0.2], [0.2, 0.1], resamples=10),
        ValueError,
        r"resamples must be at least 100, got 10",
    ),
    (
        "paired_bootstrap(resamples): a float",
        lambda m, t: gh.paired_bootstrap([0.1, 0.2], [0.2, 0.1], resamples=1e4),
        TypeError,
        r"resamples must be an integer",
    ),
    (
        "paired_bootstrap(seed): negative",
        lambda m, t: gh.paired_bootstrap([0.1, 0.2], [0.2, 0.1], seed=-1),
        ValueError,
        r"seed must be at least 0",
    ),
    (
        "speed_ratio(first_seconds): empty",
        lambda m, t: gh.speed_ratio([], [1.0]),
        ValueError,
        r"first_seconds is empty; pass the seconds of at least one run",
    ),
    (
        "speed_ratio(first_seconds): a zero time",
        lambda m, t: gh.speed_ratio([1.0, 0.0], [1.0]),
        ValueError,
        r"first_seconds has a time of 0 s at position 1",
    ),
    (
        "speed_ratio(second_seconds): one number, not a list",
        lambda m, t: gh.speed_ratio([1.0], 2.5),
        TypeError,
        r"second_seconds must be a one-dimensional",
    ),
    (
        "speed_ratio(second_seconds): infinite",
        lambda m, t: gh.speed_ratio([1.0], [float("inf")]),
        ValueError,
        r"second_seconds has 1 missing or infinite",
    ),
    # --- your documents in a vector database (notebook 10) -------------------------------
    (
        "read_documents(source): None",
        lambda m, t: gh.read_documents(None),
        TypeError,
        r"source must be a file or folder path",
    ),
    (
        "read_documents(source): missing",
        lambda m, t: gh.read_documents(t / "nowhere"),
        FileNotFoundError,
        r"source .*nowhere does not exist; pass a folder or a \.csv file",
    ),
    (
        "read_documents(text_column): a number",
        lambda m, t: gh.read_documents(t, text_column=3),
        TypeError,
        r"text_column must be a string, got int 3",
    ),
    (
        "read_documents(id_column): empty",
        lambda m, t: gh.read_documents(t, id_column=" "),
        ValueError,
        r"id_column is empty",
    ),
    (
        "read_documents(title_column): a list",
        lambda m, t: gh.read_documents(t, title_column=["title"]),
        TypeError,
        r"title_column must be a string",
    ),
    (
        "chunk_table(db): a folder name",
        lambda m, t: gh.chunk_table(str(t), "chunks", m),
        TypeError,
        r"db must be a LanceDB connection \(lancedb.connect\(folder\)\), got str",
    ),
    (
        "chunk_table(name): empty",
        lambda m, t: _table(m, t, name=""),
        ValueError,
        r"name is empty",
    ),
    (
        "chunk_table(model): a string",
        lambda m, t: _table("all-MiniLM-L6-v2", t),
        TypeError,
        r"model must be a SentenceTransformer",
    ),
    (
        "chunk_table(chunk_tokens): over the model's limit",
        lambda m, t: gh.chunk_table(
            __import__("lancedb").connect(t / "db"), "c", m, chunk_tokens=512
        ),
        ValueError,
        r"chunk_tokens must be at most 254, got 512",
    ),
    (
        "chunk_table(overlap): over a half",
        lambda m, t: gh.chunk_table(__import__("lancedb").connect(t / "db"), "c", m, overlap=0.9),
        ValueError,
        r"overlap must lie between 0 and 0\.5, got 0\.9",
    ),
    (
        "ingest(table): a path",
        lambda m, t: gh.ingest(str(t), _documents(), m),
        TypeError,
        r"table must be a LanceDB table \(from chunk_table\), got str",
    ),
    (
        "ingest(documents): a list of texts",
        lambda m, t: gh.ingest(_table(m, t), ["text"], m),
        TypeError,
        r"documents must be the DataFrame read_documents returns, got list",
    ),
    (
        "ingest(documents): no text column",
        lambda m, t: gh.ingest(_table(m, t), _documents().drop(columns="text"), m),
        ValueError,
        r"documents has no column 'text'",
    ),
    (
        "ingest(documents): a repeated id",
        lambda m, t: gh.ingest(_table(m, t), pd.concat([_documents(), _documents()]), m),
        ValueError,
        r"documents repeats the id\(s\) 'a'",
    ),
    (
        "ingest(model): None",
        lambda m, t: gh.ingest(_table(m, t), _documents(), None),
        TypeError,
        r"model must be a SentenceTransformer",
    ),
    (
        "ingest(batch_size): zero",
        lambda m, t: gh.ingest(_table(m, t), _documents(), m, batch_size=0),
        ValueError,
        r"batch_size must be at least 1, got 0",
    ),
    (
        "search_documents(table): None",
        lambda m, t: gh.search_documents(None, m, "coffee"),
        TypeError,
        r"table must be a LanceDB table \(from chunk_table\), got None",
    ),
    (
        "search_documents(model): a model name",
        lambda m, t: gh.search_documents(_table(m, t), "all-MiniLM-L6-v2", "coffee"),
        TypeError,
        r"model must be a SentenceTransformer",
    ),
    (
        "search_documents(query): blank",
        lambda m, t: gh.search_documents(_table(m, t), m, "  "),
        ValueError,
        r"query is empty; type a few words",
    ),
    (
        "search_documents(query): bytes",
        lambda m, t: gh.search_documents(_table(m, t), m, b"coffee"),
        TypeError,
        r"query must be a string",
    ),
    (
        "search_documents(k): zero",
        lambda m, t: gh.search_documents(_table(m, t), m, "coffee", k=0),
        ValueError,
        r"k must be at least 1, got 0",
    ),
    (
        "search_documents(where): a missing column",
        lambda m, t: gh.search_documents(_table(m, t), m, "coffee", where="year > 2010"),
        ValueError,
        r"where='year > 2010' names 'year', which table 'chunks' has no column for",
    ),
    (
        "search_documents(where): a number",
        lambda m, t: gh.search_documents(_table(m, t), m, "coffee", where=2010),
        TypeError,
        r"where must be a string",
    ),
    (
        "search_documents(hybrid): text",
        lambda m, t: gh.search_documents(_table(m, t), m, "coffee", hybrid="yes"),
        TypeError,
        r"hybrid must be",
    ),
    (
        "search_documents(query): an empty table",
        lambda m, t: gh.search_documents(_table(m, t), m, "coffee"),
        ValueError,
        r"table 'chunks' is empty: nothing is stored yet; ingest documents first",
    ),
]


CASE_NAME = re.compile(r"(?P<function>[A-Za-z_][\w.]*)\((?P<argument>\w+)\): \S.*")


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "inside").mkdir()
    return tmp_path / "inside"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_input_is_refused_clearly(model, folder, call, error, message):
    with pytest.raises(error, match=message):
        call(model, folder)


def public_callables() -> dict[str, Callable]:
    """Every public function of ``gist_helpers.__all__``, and the public methods of the classes
    of ``gist_helpers`` they return (``load_beir(...).sample``), by the name cases use."""
    found: dict[str, Callable] = {}
    for name in gh.__all__:
        obj = getattr(gh, name)
        if isinstance(obj, type) or not callable(obj):
            continue  # constants, exception and warning classes
        found[name] = obj
        returned = typing.get_type_hints(obj).get("return")
        if isinstance(returned, type) and returned.__module__.startswith("gist_helpers"):
            for attr, value in vars(returned).items():
                if not attr.startswith("_") and inspect.isfunction(value):
                    found[f"{returned.__name__}.{attr}"] = value
    return found


def arguments(function: Callable) -> list[str]:
    return [a for a in inspect.signature(function).parameters if a not in ("self", "cls")]


def covered() -> set[tuple[str, str]]:
    """(function, argument) of every case, from names like ``"encode(texts): None"``."""
    names = [case[0] for case in CASES]
    assert len(names) == len(set(names)), "two cases share a name"
    malformed = [n for n in names if not CASE_NAME.fullmatch(n)]
    assert not malformed, f"name cases 'function(argument): what is wrong': {malformed}"
    return {(m["function"], m["argument"]) for m in map(CASE_NAME.fullmatch, names)}


def uncovered() -> list[tuple[str, str]]:
    """(function, argument) pairs of the public API that no case exercises."""
    wanted = {
        (name, arg) for name, function in public_callables().items() for arg in arguments(function)
    }
    return sorted(wanted - covered())


def test_every_argument_of_every_public_function_has_a_bad_input_case():
    """To cover a new function, add one case per argument named ``"function(argument): what"``."""
    assert not uncovered(), f"arguments without a bad-input case: {uncovered()}"
    api = public_callables()
    assert "RetrievalDataset.sample" in api and "load_model" in api  # the walk finds both kinds
    known = {(name, arg) for name, function in api.items() for arg in arguments(function)}
    assert covered() <= known, f"cases name arguments no public function has: {covered() - known}"


def test_the_coverage_check_notices_a_new_function(monkeypatch):
    def fine_tune(model, texts, *, epochs: int = 1) -> None:
        """A public helper the table knows nothing of yet."""

    monkeypatch.setattr(gh, "fine_tune", fine_tune, raising=False)
    monkeypatch.setattr(gh, "__all__", [*gh.__all__, "fine_tune"])
    assert uncovered() == [("fine_tune", "epochs"), ("fine_tune", "model"), ("fine_tune", "texts")]
