"""Retrieval datasets in BEIR's layout, search over them, and MTEB-style evaluation. Notebook 05.

A BEIR folder holds ``corpus.jsonl`` (``_id``, ``title``, ``text``), ``queries.jsonl``
(``_id``, ``text``) and ``qrels/<split>.tsv`` (header ``query-id corpus-id score``).
:func:`load_beir` reads the bundled set, any such folder (SciFact, NFCorpus, … unzipped from
BEIR), or a BEIR dataset by name from the data cache, downloading it when online.

The evaluation follows MTEB's retrieval evaluator: documents are embedded as
``(title + " " + text).strip()``, queries as they are; documents are ranked by cosine
similarity; for ArguAna and Quora a document whose id equals the query id is dropped
(``ignore_identical_ids``); the metrics are ``trec_eval``'s (see :mod:`gist_helpers.metrics`).
MTEB keeps the top 1000 documents per query; every metric here stops at rank 100 or
earlier, so keeping the top 100 (101 when identical ids are dropped) gives the same numbers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.request
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from sentence_transformers import SentenceTransformer
from tqdm.auto import tqdm

from .data import data_dir
from .encoding import encode
from .metrics import DEFAULT_METRICS, EvaluationWarning, _parse, mean_metrics, per_query_metrics
from .model import GIST_REVISION, model_info
from .network import url_answers
from .plotting import PALETTE
from .search import SearchResults, bm25_search, exact_search, faiss_search
from .settings import cache_root, progress_enabled

__all__ = [
    "BEIR_URL",
    "RETRIEVAL_BACKENDS",
    "DatasetUnavailableError",
    "RetrievalDataset",
    "beir_folder",
    "compare_per_query",
    "evaluate_beir",
    "evaluate_retrieval",
    "load_beir",
    "plot_per_query_differences",
    "plot_retrieval_metrics",
    "published_mteb_ndcg10",
    "retrieve",
    "semantic_search",
]

BEIR_URL = "https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets/{name}.zip"
RETRIEVAL_BACKENDS = ("exact", "faiss-flat", "faiss-hnsw", "bm25")
PROBE_SECONDS = 4.0
# MTEB drops a hit whose id equals the query id for these BEIR tasks (the query is itself in the corpus).
IDENTICAL_ID_TASKS = {"arguana", "quora"}
MAX_CUTOFF = 100


class DatasetUnavailableError(FileNotFoundError):
    """A BEIR dataset is neither on disk nor downloadable; the message says what to fetch."""


@dataclass(frozen=True)
class RetrievalDataset:
    """A retrieval test collection: documents, the judged queries of one split, and their qrels.

    ``corpus``: DataFrame indexed by ``doc_id`` with ``title`` and ``text``; ``queries``: Series
    of query text indexed by ``query_id`` (only queries judged in ``split``, as BEIR does);
    ``qrels``: {query id: {doc id: relevance}}; ``problems``: one row per issue found while
    loading (unknown ids, repeated judgements). Made by :func:`load_beir`; notebook 05.
    """

    name: str
    split: str
    path: Path
    corpus: pd.DataFrame
    queries: pd.Series
    qrels: dict[str, dict[str, int]]
    problems: pd.DataFrame
    unjudged_queries: int = 0

    def __repr__(self) -> str:
        return (
            f"RetrievalDataset({self.name!r}, split={self.split!r}: {len(self.corpus)} documents, "
            f"{len(self.queries)} queries, {sum(map(len, self.qrels.values()))} judgements)"
        )

    def doc_texts(self) -> list[str]:
        """Each document as it is embedded: ``(title + " " + text).strip()`` (BEIR / MTEB)."""
        return [f"{t} {x}".strip() for t, x in zip(self.corpus["title"], self.corpus["text"])]

    def summary(self) -> pd.DataFrame:
        """One row of counts: documents, queries, judgements, relevant per query, problems."""
        relevant = [sum(1 for r in judged.values() if r > 0) for judged in self.qrels.values()]
        levels = sorted({r for judged in self.qrels.values() for r in judged.values()})
        words = self.corpus["text"].str.split().str.len()
        return pd.DataFrame(
            [
                {
                    "dataset": self.name,
                    "split": self.split,
                    "documents": len(self.corpus),
                    "queries": len(self.queries),
                    "judgements": sum(map(len, self.qrels.values())),
                    "relevance levels": ", ".join(map(str, levels)),
                    "relevant per query": round(float(np.mean(relevant)), 2),
                    "queries with no relevant doc": sum(1 for n in relevant if n == 0),
                    "median words per doc": int(words.median()),
                    "problems": len(self.problems),
                }
            ]
        )


# --- loading ------------------------------------------------------------------------------


def beir_folder(name: str) -> Path:
    """Where a BEIR dataset downloaded by name lives: ``<cache root>/beir/<name>``.

    ``cache root`` is ``GIST_CACHE_DIR`` or the user cache folder. Notebook 05 and the README.
    """
    return cache_root() / "beir" / name


def load_beir(
    source: str | os.PathLike = "bundled",
    split: str = "test",
    *,
    unknown: str = "error",
    download: bool = True,
) -> RetrievalDataset:
    """Read a retrieval dataset in BEIR layout and return a :class:`RetrievalDataset`.

    ``source``: ``"bundled"``, a folder, or a BEIR name such as ``"scifact"`` (found in
    ``GIST_DATA_DIR`` or :func:`beir_folder`, downloaded there when online). ``unknown``: qrels
    naming missing ids raise (``"error"``), stay as unretrievable relevant documents like in
    MTEB (``"keep"``), or are removed (``"drop"``). Notebook 05.
    """
    if unknown not in ("error", "keep", "drop"):
        raise ValueError(f"unknown={unknown!r}; use 'error', 'keep' or 'drop'.")
    if not isinstance(split, str) or not split or "/" in split:
        raise ValueError(f"split={split!r} is not a split name; use e.g. 'test', 'dev' or 'train'.")
    folder, name = _locate(source, download)
    return _read_folder(folder, name, split, unknown)


def _locate(source: str | os.PathLike, download: bool) -> tuple[Path, str]:
    if isinstance(source, os.PathLike) or not isinstance(source, str):
        folder = Path(source).expanduser()
        if not folder.is_dir():
            raise FileNotFoundError(
                f"{folder} is not a folder; pass a folder in BEIR layout (corpus.jsonl, …)."
            )
        return folder, folder.name
    if source == "bundled":
        return data_dir() / "retrieval", "bundled"
    as_path = Path(source).expanduser()
    if (
        as_path.is_dir()
        or any(sep in source for sep in ("/", "\\"))
        or source.startswith((".", "~"))
    ):
        if not as_path.is_dir():
            raise FileNotFoundError(
                f"{as_path} is not a folder; pass a folder in BEIR layout (corpus.jsonl, …)."
            )
        return as_path, as_path.name
    name = source.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name):
        raise ValueError(
            f"{source!r} is neither a folder nor a BEIR dataset name such as 'scifact'."
        )
    candidates = [data_dir() / name, data_dir() / "beir" / name, beir_folder(name)]
    for folder in candidates:
        if (folder / "corpus.jsonl").is_file():
            return folder, name
    url = BEIR_URL.format(name=name)
    if download and url_answers(url, PROBE_SECONDS, http_errors_count=False):
        return _download(name, url), name
    looked = "\n".join(f"    {c}" for c in candidates)
    why = (
        "downloading is switched off (download=False)"
        if not download
        else f"{url} cannot be downloaded (offline, or no BEIR dataset has that name)"
    )
    raise DatasetUnavailableError(
        f"BEIR dataset {name!r} is not on this machine and {why}. Looked in:\n{looked}\n"
        f"To use it: on a connected machine download\n    {url}\n"
        f"and unzip it into {beir_folder(name).parent} so that {beir_folder(name) / 'corpus.jsonl'} "
        f"exists (or unzip it anywhere and pass that folder: load_beir('/path/to/{name}'))."
    )


def _download(name: str, url: str) -> Path:
    root = beir_folder(name).parent
    root.mkdir(parents=True, exist_ok=True)
    partial = root / f".{name}.zip.part"
    try:
        with urllib.request.urlopen(url, timeout=60) as response, partial.open("wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                desc=f"downloading {name}",
                disable=not progress_enabled(1, threshold=1),
            ) as bar:
                for block in iter(lambda: response.read(1 << 20), b""):
                    out.write(block)
                    bar.update(len(block))
        staging = root / f".{name}.unzipping"
        shutil.rmtree(staging, ignore_errors=True)
        with zipfile.ZipFile(partial) as archive:
            for member in archive.namelist():
                target = (staging / member).resolve()
                if not str(target).startswith(str(staging.resolve())):
                    raise ValueError(
                        f"{url} contains an unsafe path {member!r}; not extracting it."
                    )
            archive.extractall(staging)
        found = next((p.parent for p in staging.rglob("corpus.jsonl")), None)
        if found is None:
            raise ValueError(f"{url} has no corpus.jsonl; is {name!r} a BEIR dataset?")
        shutil.rmtree(beir_folder(name), ignore_errors=True)
        shutil.move(str(found), beir_folder(name))
        shutil.rmtree(staging, ignore_errors=True)
    finally:
        partial.unlink(missing_ok=True)
    return beir_folder(name)


def _read_folder(folder: Path, name: str, split: str, unknown: str) -> RetrievalDataset:
    corpus_file, queries_file = folder / "corpus.jsonl", folder / "queries.jsonl"
    qrels_file = folder / "qrels" / f"{split}.tsv"
    for needed in (corpus_file, queries_file):
        if not needed.is_file():
            raise FileNotFoundError(
                f"{needed} not found; a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/<split>.tsv."
            )
    if not qrels_file.is_file():
        splits = (
            sorted(p.stem for p in (folder / "qrels").glob("*.tsv"))
            if (folder / "qrels").is_dir()
            else []
        )
        offer = f"splits found: {', '.join(splits)}" if splits else "there is no qrels/*.tsv at all"
        raise FileNotFoundError(f"{qrels_file} not found ({offer}); pass split= one of those.")

    docs = _read_jsonl(corpus_file, "document", with_title=True)
    if not docs:
        raise ValueError(f"{corpus_file} has no documents; an empty corpus cannot be searched.")
    queries = _read_jsonl(queries_file, "query", with_title=False)
    if not queries:
        raise ValueError(f"{queries_file} has no queries.")
    qrels, lines, problems = _read_qrels(qrels_file)

    unknown_docs = [(q, d) for q, judged in qrels.items() for d in judged if d not in docs]
    unknown_queries = [q for q in qrels if q not in queries]
    for q in unknown_queries:
        problems.append(
            _problem(
                "unknown query",
                qrels_file,
                lines[(q, next(iter(qrels[q])))],
                q,
                "",
                "not in queries.jsonl",
            )
        )
    for q, d in unknown_docs:
        if q not in unknown_queries:
            problems.append(
                _problem("unknown document", qrels_file, lines[(q, d)], q, d, "not in corpus.jsonl")
            )
    if unknown_docs or unknown_queries:
        message = _unknown_message(qrels_file, unknown_docs, unknown_queries, lines)
        if unknown == "error":
            raise ValueError(
                message + " Fix the files, or pass unknown='keep' (unknown documents count as "
                "relevant but can never be retrieved, as in MTEB) or unknown='drop' (remove them)."
            )
        warnings.warn(
            message
            + f" unknown={unknown!r}: "
            + (
                "unknown documents are kept (never retrievable), judgements of unknown queries dropped."
                if unknown == "keep"
                else "those judgements are dropped."
            ),
            EvaluationWarning,
            stacklevel=3,
        )
        for q in unknown_queries:
            del qrels[q]
        if unknown == "drop":
            for q, d in unknown_docs:
                if q in qrels:
                    del qrels[q][d]
                    if not qrels[q]:
                        del qrels[q]
    if not qrels:
        raise ValueError(f"{qrels_file}: no judgement is left to evaluate.")

    corpus = pd.DataFrame.from_dict(docs, orient="index", columns=["title", "text", "line"]).drop(
        columns="line"
    )
    corpus.index.name = "doc_id"
    judged = [q for q in queries if q in qrels]
    query_texts = pd.Series({q: queries[q][1] for q in judged}, name="text", dtype=object)
    query_texts.index.name = "query_id"
    table = pd.DataFrame(
        problems, columns=["problem", "file", "line", "query_id", "doc_id", "detail"]
    )
    return RetrievalDataset(
        name=name,
        split=split,
        path=folder,
        corpus=corpus,
        queries=query_texts,
        qrels=qrels,
        problems=table,
        unjudged_queries=len(queries) - len(judged),
    )


def _read_jsonl(path: Path, kind: str, *, with_title: bool) -> dict[str, tuple]:
    """{id: (title, text, line)} or {id: (text, text, line)}; errors name the file and line."""
    out: dict[str, tuple] = {}
    size = path.stat().st_size
    with (
        path.open("rb") as handle,
        tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            desc=f"reading {path.name}",
            disable=not progress_enabled(size, threshold=50_000_000),
        ) as bar,
    ):
        for number, raw in enumerate(handle, start=1):
            if number % 10_000 == 0:
                bar.update(handle.tell() - bar.n)
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError as err:
                raise ValueError(
                    f"{path}: line {number} is not UTF-8 ({err.reason}); re-save the file as UTF-8."
                ) from None
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(
                    f"{path}: line {number} is not valid JSON ({err.msg} at column {err.colno}); fix or delete that line."
                ) from None
            if not isinstance(record, dict):  # bad file content: a ValueError, like bad JSON
                raise ValueError(  # noqa: TRY004
                    f"{path}: line {number} is a JSON {type(record).__name__}, not an object with _id and text."
                )
            item_id = record.get("_id")
            if (
                item_id is None
                or isinstance(item_id, (dict, list, bool))
                or str(item_id).strip() == ""
            ):
                raise ValueError(
                    f'{path}: line {number} has no usable "_id"; every {kind} needs a unique id.'
                )
            item_id = str(item_id)
            text = record.get("text")
            if not isinstance(text, str):
                raise ValueError(  # noqa: TRY004
                    f'{path}: line {number} ({kind} {item_id!r}) has no "text" string.'
                )
            title = record.get("title") if with_title else text
            if title is None:
                title = ""
            if not isinstance(title, str):
                raise ValueError(  # noqa: TRY004
                    f'{path}: line {number} ({kind} {item_id!r}) has a "title" that is not a string.'
                )
            if item_id in out:
                raise ValueError(
                    f"{path}: {kind} id {item_id!r} appears on line {out[item_id][2]} and line {number}; "
                    "ids must be unique, so remove or rename one."
                )
            out[item_id] = (title, text, number)
        bar.update(size - bar.n)
    return out


def _read_qrels(
    path: Path,
) -> tuple[dict[str, dict[str, int]], dict[tuple[str, str], int], list[dict]]:
    qrels: dict[str, dict[str, int]] = {}
    lines: dict[tuple[str, str], int] = {}
    problems: list[dict] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            fields = line.rstrip("\n").rstrip("\r").split("\t")
            if len(fields) != 3:
                fields = line.split()
            if number == 1 and len(fields) == 3 and not re.fullmatch(r"\s*-?[0-9.]+\s*", fields[2]):
                continue  # a header line (BEIR's is "query-id corpus-id score")
            if len(fields) != 3:
                raise ValueError(
                    f"{path}: line {number} has {len(fields)} fields; expected query-id, corpus-id and score separated by tabs."
                )
            query_id, doc_id, raw = (f.strip() for f in fields)
            try:
                value = float(raw)
            except ValueError:
                value = float("nan")
            if not np.isfinite(value) or value != int(value):
                raise ValueError(
                    f"{path}: line {number} has score {raw!r}; scores must be integers (0, 1, 2, …)."
                )
            score = int(value)
            key = (query_id, doc_id)
            if key in lines:
                previous = qrels[query_id][doc_id]
                if previous != score:
                    raise ValueError(
                        f"{path}: query {query_id!r} / document {doc_id!r} is judged {previous} on line "
                        f"{lines[key]} and {score} on line {number}; keep one of the two lines."
                    )
                problems.append(
                    _problem(
                        "repeated judgement",
                        path,
                        number,
                        query_id,
                        doc_id,
                        f"same as line {lines[key]}; merged",
                    )
                )
                continue
            lines[key] = number
            qrels.setdefault(query_id, {})[doc_id] = score
    if not qrels:
        raise ValueError(
            f"{path} has no judgements; expected lines 'query-id<TAB>corpus-id<TAB>score'."
        )
    if problems:
        warnings.warn(
            f"{path}: {len(problems)} repeated judgement line(s) merged (same score); see dataset.problems.",
            EvaluationWarning,
            stacklevel=4,
        )
    return qrels, lines, problems


def _problem(kind: str, path: Path, line: int, query_id: str, doc_id: str, detail: str) -> dict:
    return {
        "problem": kind,
        "file": str(path),
        "line": line,
        "query_id": query_id,
        "doc_id": doc_id,
        "detail": detail,
    }


def _unknown_message(path: Path, docs: list, queries: list, lines: dict) -> str:
    parts = []
    if docs:
        shown = ", ".join(f"{d!r} (line {lines[(q, d)]})" for q, d in docs[:5]) + (
            " …" if len(docs) > 5 else ""
        )
        parts.append(f"{len(docs)} judgement(s) name documents missing from corpus.jsonl: {shown}")
    if queries:
        shown = ", ".join(map(repr, queries[:5])) + (" …" if len(queries) > 5 else "")
        parts.append(f"{len(queries)} judged query id(s) are missing from queries.jsonl: {shown}")
    return f"{path}: " + "; ".join(parts) + "."


# --- search and evaluation ------------------------------------------------------------------


def retrieve(
    dataset: RetrievalDataset,
    model: SentenceTransformer | None = None,
    *,
    backend: str = "exact",
    k: int | None = None,
    batch_size: int = 32,
    system: str | None = None,
    **options,
) -> SearchResults:
    """Search every judged query of ``dataset``: ``backend`` is exact, faiss-flat, faiss-hnsw or bm25.

    Returns :class:`~gist_helpers.search.SearchResults` labelled with the model's id, revision
    and source. Embeddings come from :func:`~gist_helpers.encoding.encode` (cached, with a
    progress bar); ``k=None`` keeps enough hits for every metric up to @100. Notebook 05.
    """
    if backend not in RETRIEVAL_BACKENDS:
        raise ValueError(f"backend={backend!r} is not one of {', '.join(RETRIEVAL_BACKENDS)}.")
    n_docs = len(dataset.corpus)
    depth = min(MAX_CUTOFF + (1 if _ignores_identical(dataset) else 0), n_docs) if k is None else k
    ids = {
        "query_ids": list(dataset.queries.index),
        "doc_ids": list(dataset.corpus.index),
        "k": depth,
    }
    if backend == "bm25":
        return bm25_search(
            list(dataset.queries), dataset.doc_texts(), system=system or "BM25", **ids, **options
        )
    if model is None:
        raise TypeError(
            f"backend={backend!r} needs a model: retrieve(dataset, model, backend={backend!r})."
        )
    info = model_info(model)
    label = (
        system
        or f"{info.model_id.split('/')[-1]}{' (stand-in)' if info.is_stand_in else ''} · {backend}"
    )
    doc_vectors = encode(model, dataset.doc_texts(), batch_size=batch_size)
    query_vectors = encode(model, list(dataset.queries), batch_size=batch_size)
    if backend == "exact":
        return exact_search(
            query_vectors, doc_vectors, system=label, model_info=info, **ids, **options
        )
    kind = backend.removeprefix("faiss-")
    return faiss_search(
        query_vectors, doc_vectors, kind=kind, system=label, model_info=info, **ids, **options
    )


def evaluate_retrieval(
    dataset: RetrievalDataset,
    *results: SearchResults | Iterable[SearchResults],
    metrics: Iterable[str] = DEFAULT_METRICS,
    ignore_identical_ids: bool | None = None,
    relevance_level: int = 1,
    decimals: int | None = 4,
) -> pd.DataFrame:
    """The MTEB-style metrics of each system: one row per system, one column per metric.

    Every row also names the dataset, split, model id, revision and source of the embeddings,
    the backend, the number of queries and the index / search seconds. ``ignore_identical_ids``
    defaults to MTEB's choice for the dataset (on for ArguAna and Quora). Notebook 05.
    """
    runs = _flatten(results)
    specs = _parse(metrics)
    ignore = (
        _ignores_identical(dataset) if ignore_identical_ids is None else bool(ignore_identical_ids)
    )
    deepest = max(m.k for m in specs)
    rows = []
    for run in runs:
        if run.k < min(deepest, len(dataset.corpus)):
            warnings.warn(
                f"{run.system!r} kept only the top {run.k} documents, but {deepest} are needed for @{deepest} "
                "metrics; those are computed on the shorter list (search again with a larger k).",
                EvaluationWarning,
                stacklevel=2,
            )
        scores = mean_metrics(
            dataset.qrels,
            run,
            [m.name for m in specs],
            relevance_level=relevance_level,
            ignore_identical_ids=ignore,
        )
        if decimals is not None:
            scores = {name: round(value, decimals) for name, value in scores.items()}
        rows.append(
            {
                "system": run.system,
                **scores,
                "model": run.model_id,
                "revision": run.revision,
                "source": run.source,
                "backend": run.backend,
                "dataset": f"{dataset.name} ({dataset.split})",
                "queries": sum(1 for q in run if q in dataset.qrels),
                "index s": round(run.index_seconds, 3),
                "search s": round(run.search_seconds, 3),
            }
        )
    return pd.DataFrame(rows)


def compare_per_query(
    dataset: RetrievalDataset,
    first: SearchResults,
    second: SearchResults,
    *,
    metric: str = "nDCG@10",
    ignore_identical_ids: bool | None = None,
) -> pd.DataFrame:
    """Per-query ``metric`` of two systems side by side, sorted from ``second``'s biggest win.

    Columns: query_id, query, both systems' values, ``difference`` (first − second), ``winner``,
    each system's rank of its first relevant hit, and ``word overlap`` (share of the query's
    words found in its relevant documents; high overlap favours BM25). Notebook 05.
    """
    ignore = (
        _ignores_identical(dataset) if ignore_identical_ids is None else bool(ignore_identical_ids)
    )
    if first.system == second.system:
        second = second.with_system(second.system + " (2)")
    values = {}
    for run in (first, second):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EvaluationWarning)
            values[run.system] = per_query_metrics(
                dataset.qrels, run, [metric], ignore_identical_ids=ignore
            )[metric]
    table = pd.DataFrame(values).reindex(dataset.queries.index).fillna(0.0)
    table.insert(0, "query", dataset.queries)
    table["difference"] = table[first.system] - table[second.system]
    table["winner"] = np.select(
        [table["difference"] > 0, table["difference"] < 0],
        [first.system, second.system],
        default="tie",
    )
    for run in (first, second):
        table[f"1st relevant rank: {run.system}"] = pd.array(
            [
                _first_relevant(dataset.qrels.get(q, {}), run.get(q, []), q if ignore else None)
                for q in table.index
            ],
            dtype="Int64",
        )
    table["word overlap"] = [_word_overlap(dataset, q) for q in table.index]
    table = (
        table.reset_index()
        .sort_values(["difference", "query_id"], kind="stable")
        .reset_index(drop=True)
    )
    for column in (first.system, second.system, "difference", "word overlap"):
        table[column] = table[column].round(4)
    table.attrs = {
        "metric": metric,
        "systems": (first.system, second.system),
        "dataset": dataset.name,
    }
    return table


def semantic_search(
    model: SentenceTransformer,
    query: str | Sequence[str],
    dataset: RetrievalDataset,
    *,
    k: int = 5,
    width: int = 120,
) -> pd.DataFrame:
    """The top ``k`` documents of ``dataset`` for a query by cosine similarity, as a table.

    Columns: (query,) rank, score (4 decimals), doc_id, title and the text's first ``width``
    characters. Notebook 05's search demo.
    """
    texts = [query] if isinstance(query, str) else list(query)
    if not texts or not all(isinstance(t, str) and t.strip() for t in texts):
        raise ValueError("query must be a non-empty string (or a list of them).")
    doc_vectors = encode(model, dataset.doc_texts())
    found = exact_search(
        encode(model, texts),
        doc_vectors,
        query_ids=[f"q{i}" for i in range(len(texts))],
        doc_ids=list(dataset.corpus.index),
        k=k,
        show_progress=False,
    )
    rows = []
    for i, text in enumerate(texts):
        for rank, (doc_id, score) in enumerate(found[f"q{i}"], start=1):
            doc = dataset.corpus.loc[doc_id]
            snippet = (
                doc["text"]
                if len(doc["text"]) <= width
                else doc["text"][: width - 1].rstrip() + "…"
            )
            rows.append(
                {
                    "query": text,
                    "rank": rank,
                    "score": round(score, 4),
                    "doc_id": doc_id,
                    "title": doc["title"],
                    "text": snippet,
                }
            )
    table = pd.DataFrame(rows)
    return table if len(texts) > 1 else table.drop(columns="query")


def evaluate_beir(
    source: str | os.PathLike = "bundled",
    model: SentenceTransformer | None = None,
    *,
    split: str = "test",
    backends: Sequence[str] = ("exact", "bm25"),
    unknown: str = "error",
) -> pd.DataFrame:
    """Load a BEIR dataset, search it with each backend and return :func:`evaluate_retrieval`'s table.

    End to end with progress bars; ``model`` defaults to :func:`~gist_helpers.model.load_model`.
    The README's "Evaluating on a real BEIR dataset" runs this; notebook 05 does it step by step.
    """
    from .model import load_model

    dataset = load_beir(source, split, unknown=unknown)
    needs_model = any(b != "bm25" for b in backends)
    model = (model or load_model()) if needs_model else None
    runs = [retrieve(dataset, model, backend=b) for b in backends]
    return evaluate_retrieval(dataset, runs)


# --- published numbers and plots ----------------------------------------------------------

_PUBLISHED = {
    # dataset: (GIST-small, bge-small-en-v1.5, all-MiniLM-L6-v2), nDCG@10 × 100, test split
    "SciFact": (70.86, 71.27, 64.51),
    "NFCorpus": (34.69, 34.26, 31.59),
    "ArguAna": (59.12, 60.35, 50.17),
    "SCIDOCS": (21.89, 20.52, 21.64),
}


def published_mteb_ndcg10() -> pd.DataFrame:
    """Published MTEB nDCG@10 (× 100, test split) of GIST-small, bge-small-en-v1.5 and all-MiniLM-L6-v2.

    One row per BEIR dataset, with a ``source`` column citing MTEB's results repository and
    GIST's evaluated revision. Notebook 05 sets your own numbers beside these.
    """
    source = (
        "MTEB results repository, github.com/embeddings-benchmark/results "
        f"(main score ndcg_at_10, test split; GIST-small at revision {GIST_REVISION[:12]})"
    )
    rows = [
        {
            "dataset": name,
            "GIST-small-Embedding-v0": g,
            "bge-small-en-v1.5": b,
            "all-MiniLM-L6-v2": m,
            "BEIR name": name.lower(),
            "source": source,
        }
        for name, (g, b, m) in _PUBLISHED.items()
    ]
    return pd.DataFrame(rows)


def plot_retrieval_metrics(
    table: pd.DataFrame,
    metrics: Sequence[str] = ("nDCG@10", "MRR@10", "Recall@10", "Recall@100"),
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Grouped bars of the chosen metrics, one colour per system, from :func:`evaluate_retrieval`.

    Returns the Axes (never calls ``plt.show()``). Notebook 05.
    """
    missing = ({"system", "dataset"} | set(metrics)) - set(table.columns)
    if missing:
        raise ValueError(
            f"table lacks column(s) {sorted(missing)}; pass evaluate_retrieval's table."
        )
    long = table.melt(
        id_vars="system", value_vars=list(metrics), var_name="metric", value_name="value"
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.8))
    sns.barplot(data=long, x="metric", y="value", hue="system", palette=PALETTE, ax=ax)
    for container in ax.containers:
        ax.bar_label(container, fmt="%.2f", fontsize=7, padding=1)
    ax.set_ylim(0, 1.08)
    ax.set_xlabel("metric (computed as trec_eval / MTEB do)")
    ax.set_ylabel("mean over queries")
    datasets = ", ".join(table["dataset"].unique())
    ax.set_title(f"Retrieval quality on {datasets}, by system", fontsize=10)
    ax.legend(
        title="system", fontsize=8, title_fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0)
    )
    return ax


def plot_per_query_differences(comparison: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """One bar per query: first system's metric minus the second's, from :func:`compare_per_query`.

    Bars above zero are queries the first system wins. Returns the Axes. Notebook 05.
    """
    systems = comparison.attrs.get("systems")
    metric = comparison.attrs.get("metric", "metric")
    if not systems or "difference" not in comparison.columns:
        raise ValueError("pass the table returned by compare_per_query (it names the two systems).")
    first, second = systems
    diff = comparison["difference"].sort_values(ascending=False, kind="stable").to_numpy()
    colours = sns.color_palette(PALETTE)
    bar_colours = [colours[0] if d > 0 else colours[1] if d < 0 else colours[7] for d in diff]
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.5))
    ax.bar(np.arange(len(diff)), diff, width=1.0, color=bar_colours, edgecolor="none")
    ax.axhline(0, color="black", linewidth=0.8)
    wins, losses = int((diff > 0).sum()), int((diff < 0).sum())
    ax.set_xlabel(f"queries, sorted by difference ({len(diff)} in all)")
    ax.set_ylabel(f"{metric} difference")
    ax.set_title(
        f"Per-query {metric}: {first} minus {second}\n"
        f"{first} better on {wins} queries, {second} on {losses}, "
        f"tied on {len(diff) - wins - losses}",
        fontsize=9,
    )
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[i]) for i in (0, 1)]
    ax.legend(handles, [f"{first} better", f"{second} better"], fontsize=8, loc="upper right")
    ax.set_xlim(-0.5, len(diff) - 0.5)
    return ax


# --- internals ----------------------------------------------------------------------------


def _ignores_identical(dataset: RetrievalDataset) -> bool:
    return dataset.name.lower() in IDENTICAL_ID_TASKS


def _flatten(results) -> list[SearchResults]:
    runs: list[SearchResults] = []
    for item in results:
        if isinstance(item, SearchResults):
            runs.append(item)
        elif isinstance(item, Iterable) and not isinstance(item, (str, dict)):
            runs.extend(_flatten(item))
        else:
            raise TypeError(f"expected SearchResults (from retrieve), got {type(item).__name__}.")
    if not runs:
        raise ValueError("no results to evaluate; pass one or more SearchResults from retrieve().")
    names = [r.system for r in runs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(
            f"system name(s) {repeated} appear twice; relabel with results.with_system('…')."
        )
    return runs


def _first_relevant(judged: dict, hits, skip: str | None) -> int | None:
    rank = 0
    for doc_id, _ in hits:
        if doc_id == skip:
            continue
        rank += 1
        if judged.get(doc_id, 0) > 0:
            return rank
    return None


_WORD = re.compile(r"(?u)\b\w\w+\b")


def _words(text: str) -> set[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return set(_WORD.findall(text.lower())) - set(STOPWORDS_EN)


def _word_overlap(dataset: RetrievalDataset, query_id: str) -> float:
    query = _words(dataset.queries.get(query_id, ""))
    relevant = [
        d for d, r in dataset.qrels.get(query_id, {}).items() if r > 0 and d in dataset.corpus.index
    ]
    if not query or not relevant:
        return np.nan
    found = set().union(
        *(
            _words(f"{dataset.corpus.at[d, 'title']} {dataset.corpus.at[d, 'text']}")
            for d in relevant
        )
    )
    return len(query & found) / len(query)
