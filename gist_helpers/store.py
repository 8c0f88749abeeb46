"""Your own documents in a LanceDB table: read with reasons, chunk, ingest by content hash. Notebook 10.

What LanceDB and semchunk lack for this: reading a folder or CSV that names every file it
could not use and why; a table that records which model (id, revision, weights, token limit,
dimension) and which chunking made its vectors, and refuses another; an ingest that encodes
only documents whose content changed, and that a killed writer cannot leave half-done (a
document's new chunks are committed before its old ones are deleted, so a rerun finishes
the job without duplicates); a document search that explains an empty table, an empty query
or a filter on a missing column instead of returning nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from sentence_transformers import SentenceTransformer

from . import validation as check
from .encoding import encode
from .fingerprint import fingerprint
from .model import embedding_dimension, model_info

__all__ = ["chunk_table", "ingest", "read_documents", "search_documents"]

TEXT_SUFFIXES = (".txt", ".md")
STAMP_KEY = b"gist_helpers.store"  # the table's schema metadata: which model made the vectors
DOCUMENT_COLUMNS = ["id", "source", "title", "text", "modified"]


def read_documents(
    source: str | os.PathLike,
    *,
    text_column: str = "text",
    id_column: str | None = None,
    title_column: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows ``id, source, title, text, modified`` from a folder of .txt/.md files or a CSV.

    A folder is read recursively; a file's id is its path under the folder without suffix, its
    title its first non-empty line. A CSV gives one row per line (``id_column`` or the line
    number, ``text_column``, ``title_column``). Returns ``(documents, skipped)``: ``skipped``
    names every file or row not used (``source``, ``reason``): unreadable, not UTF-8, empty,
    another kind of file, a CSV without the named column, a duplicate id. Notebook 10.
    """
    root = check.path(source, "source")
    text_column = check.text(text_column, "text_column")
    if id_column is not None:
        id_column = check.text(id_column, "id_column")
    if title_column is not None:
        title_column = check.text(title_column, "title_column")
    if not root.exists():
        raise FileNotFoundError(f"source {root} does not exist; pass a folder or a .csv file.")
    rows: list[dict] = []
    skipped: list[dict] = []
    files = sorted(p for p in root.rglob("*") if not p.is_dir()) if root.is_dir() else [root]
    for path in files:
        shown = path.relative_to(root).as_posix() if root.is_dir() else path.name
        content, problem = _read_text(path)
        if problem:
            skipped.append({"source": shown, "reason": problem})
        elif path.suffix.lower() == ".csv":
            found, bad = _csv_rows(content, shown, text_column, id_column, title_column)
            rows += found
            skipped += bad
        elif path.suffix.lower() not in TEXT_SUFFIXES:
            skipped.append(
                {
                    "source": shown,
                    "reason": f"not a .txt, .md or .csv file ({path.suffix or 'no suffix'})",
                }
            )
        elif not content.strip():
            skipped.append({"source": shown, "reason": "empty (no text)"})
        else:
            title = next(line for line in content.splitlines() if line.strip())
            rows.append(
                {
                    "id": Path(shown).with_suffix("").as_posix(),
                    "source": shown,
                    "title": title.strip().lstrip("#").strip(),
                    "text": content,
                    "modified": datetime.fromtimestamp(path.stat().st_mtime, timezone.utc),
                }
            )
    documents = pd.DataFrame(rows, columns=DOCUMENT_COLUMNS)
    twice = documents.id.duplicated()
    skipped += [
        {"source": s, "reason": f"duplicate id {i!r} (an earlier row has it)"}
        for s, i in zip(documents.source[twice], documents.id[twice])
    ]
    documents = documents[~twice].reset_index(drop=True)
    documents["modified"] = pd.to_datetime(documents["modified"], utc=True)
    return documents, pd.DataFrame(skipped, columns=["source", "reason"])


def _read_text(path: Path) -> tuple[str, str | None]:
    """The file's text, or the reason it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as err:
        return "", f"unreadable ({err.strerror or err})"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as err:
        return "", f"not UTF-8 (byte {err.start} is 0x{data[err.start]:02x}); save it as UTF-8"


def _csv_rows(content, shown, text_column, id_column, title_column):
    reader = csv.DictReader(io.StringIO(content))
    header = reader.fieldnames or []
    missing = [c for c in (text_column, id_column, title_column) if c and c not in header]
    if missing:
        return [], [
            {
                "source": shown,
                "reason": f"no column {check.shown(missing)} (it has {check.shown(header)})",
            }
        ]
    rows, skipped = [], []
    for number, record in enumerate(reader, start=2):  # line 1 is the header
        where = f"{shown}:{number}"
        text = record.get(text_column) or ""
        if not text.strip():
            skipped.append({"source": where, "reason": f"empty {text_column!r}"})
            continue
        rows.append(
            {
                "id": str(record[id_column]) if id_column else f"{Path(shown).stem}:{number}",
                "source": where,
                "title": (record.get(title_column) or "") if title_column else "",
                "text": text,
                "modified": None,
            }
        )
    return rows, skipped


def model_stamp(model: SentenceTransformer, chunk_tokens: int, overlap: float) -> dict:
    """What made a table's vectors: the model, its state, its token limit, the chunking."""
    info = model_info(model)
    state = fingerprint(model)
    return {
        "model_id": info.model_id,
        "revision": info.revision,
        "weights": state["weights"],
        "modules": hashlib.sha256(state["modules"].encode()).hexdigest()[:16],
        "max_seq_length": int(model.max_seq_length),
        "dimension": embedding_dimension(model),
        "chunk_tokens": int(chunk_tokens),
        "overlap": float(overlap),
    }


def _stamp_of(table) -> dict | None:
    raw = (table.schema.metadata or {}).get(STAMP_KEY)
    return json.loads(raw) if raw else None


def chunk_table(
    db,
    name: str,
    model: SentenceTransformer,
    *,
    chunk_tokens: int | None = None,
    overlap: float = 0.25,
):
    """Open LanceDB table ``name`` of ``db``, or create it empty, for ``model``'s chunks.

    One row per chunk: ``doc_id, chunk, start, end, text, title, source, modified, hash,
    vector``. The schema records the model (id, revision, weights, ``max_seq_length``,
    dimension) and the chunking (``chunk_tokens``, default the model's limit less its special
    tokens; ``overlap``, a share of it); opening it with anything else is refused, naming
    what built it. Notebook 10.
    """
    import lancedb
    import pyarrow as pa

    if not isinstance(db, lancedb.DBConnection):
        raise TypeError(
            f"db must be a LanceDB connection (lancedb.connect(folder)), got {check.describe(db)}."
        )
    name = check.text(name, "name")
    info = model_info(model)
    special = len(model.tokenizer("", verbose=False)["input_ids"])
    limit = int(model.max_seq_length) - special
    if chunk_tokens is None:
        chunk_tokens = limit
    chunk_tokens = check.integer(chunk_tokens, "chunk_tokens", minimum=8, maximum=limit)
    overlap = check.number(overlap, "overlap", low=0.0, high=0.5)
    wanted = model_stamp(model, chunk_tokens, overlap)
    if name not in _table_names(db):
        schema = pa.schema(
            [
                pa.field("doc_id", pa.string()),
                pa.field("chunk", pa.int32()),
                pa.field("start", pa.int32()),
                pa.field("end", pa.int32()),
                pa.field("text", pa.string()),
                pa.field("title", pa.string()),
                pa.field("source", pa.string()),
                pa.field("modified", pa.timestamp("us", tz="UTC")),
                pa.field("hash", pa.string()),
                pa.field("vector", pa.list_(pa.float32(), info.dimension)),
            ],
            metadata={STAMP_KEY: json.dumps(wanted).encode()},
        )
        return db.create_table(name, schema=schema)
    table = db.open_table(name)
    _check_stamp(table, name, wanted)
    return table


def _table_names(db) -> set[str]:
    return set(db.list_tables().tables)


def _check_stamp(table, name: str, wanted: dict) -> None:
    built = _stamp_of(table)
    if built is None:
        raise ValueError(
            f"table {name!r} records no model (it was not made by chunk_table); its vectors "
            "cannot be checked against this model. Ingest into a new table."
        )
    differ = [k for k in wanted if built.get(k) != wanted[k]]
    if differ:
        what = ", ".join(f"{k} {built.get(k)!r} (this model: {wanted[k]!r})" for k in differ)
        raise ValueError(
            f"table {name!r} was built by {built['model_id']} at revision {built['revision']} "
            f"(max_seq_length {built['max_seq_length']}, dimension {built['dimension']}); it differs "
            f"in {what}. Load that model to search it, or ingest into a new table."
        )


def _quoted(values) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def ingest(
    table, documents: pd.DataFrame, model: SentenceTransformer, *, batch_size: int = 256
) -> dict:
    """Chunk, embed and store the documents whose content is new or changed; return counts.

    A document's content hash decides: unchanged documents are not encoded again; a changed
    one gets its new chunks written, then its old ones deleted, ``batch_size`` documents per
    commit, so a killed run leaves the table at a complete version and a rerun completes it.
    Chunking: semchunk with the model's tokenizer at the table's ``chunk_tokens`` and
    ``overlap``. Returns ``documents``, ``unchanged``, ``encoded`` (documents), ``chunks``,
    ``replaced``. Notebook 10.
    """
    import pyarrow as pa
    import semchunk

    name = getattr(table, "name", "table")
    stamp = _table_stamp(table)
    documents = _check_documents(documents)
    batch_size = check.integer(batch_size, "batch_size")
    _check_stamp(
        table, name, model_stamp(model, stamp.get("chunk_tokens", 0), stamp.get("overlap", 0))
    )
    hashes = [
        hashlib.sha256(f"{t}\0{x}".encode()).hexdigest()
        for t, x in zip(documents.title, documents.text)
    ]
    stored = table.to_lance().to_table(columns=["doc_id", "hash"]).to_pandas().drop_duplicates()
    have = set(zip(stored.doc_id, stored.hash))
    todo = [i for i, (d, h) in enumerate(zip(documents.id, hashes)) if (d, h) not in have]
    stale = set(stored.doc_id) & set(documents.id)
    chunker = semchunk.chunkerify(lambda text: token_count(model, text), stamp["chunk_tokens"])
    counts = {
        "documents": len(documents),
        "unchanged": len(documents) - len(todo),
        "encoded": 0,
        "chunks": 0,
        "replaced": 0,
    }
    for first in range(0, len(todo), batch_size):
        part = documents.iloc[todo[first : first + batch_size]]
        part_hashes = [hashes[i] for i in todo[first : first + batch_size]]
        chunks, spans = chunker(part.text.tolist(), offsets=True, overlap=stamp["overlap"] or None)
        rows = [
            {
                "doc_id": doc.id,
                "chunk": n,
                "start": s,
                "end": e,
                "text": piece,
                "title": doc.title,
                "source": doc.source,
                "modified": doc.modified if pd.notna(doc.modified) else None,
                "hash": h,
            }
            for doc, h, pieces, offsets in zip(part.itertuples(), part_hashes, chunks, spans)
            for n, (piece, (s, e)) in enumerate(zip(pieces, offsets))
        ]
        vectors = encode(model, [r["text"] for r in rows])
        table.add(
            pa.Table.from_pylist(
                [r | {"vector": v} for r, v in zip(rows, vectors)], schema=table.schema
            )
        )
        replaced = [d for d in part.id if d in stale]
        if replaced:  # after the new chunks are committed: a crash here leaves both, never neither
            table.delete(
                f"doc_id IN ({_quoted(replaced)}) AND hash NOT IN ({_quoted(part_hashes)})"
            )
        counts["encoded"] += len(part)
        counts["chunks"] += len(rows)
        counts["replaced"] += len(replaced)
    return counts


def token_count(model: SentenceTransformer, text: str) -> int:
    """Tokens of ``text`` without the special ones, as semchunk counts them (and no warning
    from the tokenizer about texts longer than the model reads)."""
    return len(model.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])


def _table_stamp(table) -> dict:
    if not hasattr(table, "schema") or not hasattr(table, "search"):
        raise TypeError(
            f"table must be a LanceDB table (from chunk_table), got {check.describe(table)}."
        )
    stamp = _stamp_of(table)
    if stamp is None:
        raise ValueError(
            f"table {getattr(table, 'name', '')!r} records no model (it was not made by "
            "chunk_table); open or create it with chunk_table(db, name, model)."
        )
    return stamp


def _check_documents(documents) -> pd.DataFrame:
    if not isinstance(documents, pd.DataFrame):
        raise TypeError(
            f"documents must be the DataFrame read_documents returns, got {check.describe(documents)}."
        )
    missing = [c for c in DOCUMENT_COLUMNS if c not in documents.columns]
    if missing:
        raise ValueError(
            f"documents has no column {check.shown(missing)}; read them with read_documents, "
            f"or give the DataFrame the columns {check.shown(DOCUMENT_COLUMNS)}."
        )
    twice = documents.id[documents.id.duplicated()].tolist()
    if twice:
        raise ValueError(f"documents repeats the id(s) {check.shown(twice)}; ids must be unique.")
    check.texts(documents.text, "documents.text")
    return documents


def search_documents(
    table,
    model: SentenceTransformer,
    query: str,
    *,
    k: int = 10,
    where: str | None = None,
    hybrid: bool = False,
) -> pd.DataFrame:
    """The ``k`` best documents for ``query``: one row each, its best chunk as the highlight.

    Searches the chunks (vectors; with ``hybrid=True`` vectors and the full-text index, fused
    by LanceDB's ``RRFReranker``), filtered by the SQL ``where`` inside the query, and keeps each
    document's best chunk. Columns: ``doc_id, title, score, chunk, highlight``. Refuses an
    empty table, an empty query and a filter naming a missing column. Notebook 10.
    """
    stamp = _table_stamp(table)
    name = getattr(table, "name", "table")
    _check_stamp(table, name, model_stamp(model, stamp["chunk_tokens"], stamp["overlap"]))
    query = check.text(query, "query", empty=True)
    if not query.strip():
        raise ValueError("query is empty; type a few words to search for.")
    k = check.integer(k, "k")
    hybrid = check.boolean(hybrid, "hybrid")
    if where is not None:
        where = check.text(where, "where")
        columns = set(table.schema.names)
        named = {w.strip('`"') for w in _identifiers(where)}
        unknown = sorted(named - columns)
        if unknown:
            raise ValueError(
                f"where={where!r} names {check.shown(unknown)}, which table {name!r} has no column "
                f"for; its columns are {check.shown(sorted(columns - {'vector'}))}."
            )
    if table.count_rows() == 0:
        raise ValueError(f"table {name!r} is empty: nothing is stored yet; ingest documents first.")
    vector = model.encode(query, normalize_embeddings=True)
    if hybrid:
        from lancedb.rerankers import RRFReranker

        search = table.search(query_type="hybrid").vector(vector).text(query).rerank(RRFReranker())
        score = "_relevance_score"
    else:
        search = table.search(vector).distance_type("cosine")
        score = "_distance"
    if where is not None:
        search = search.where(where, prefilter=True)
    found = search.limit(k * 5).to_pandas()
    if score == "_distance":
        found["score"] = 1.0 - found.pop("_distance")
    else:
        found["score"] = found.pop("_relevance_score")
    best = found.sort_values("score", ascending=False, kind="stable").drop_duplicates("doc_id")
    best = best.rename(columns={"text": "highlight"}).head(k).reset_index(drop=True)
    return best[["doc_id", "title", "score", "chunk", "highlight"]]


_SQL_WORDS = {
    "and",
    "or",
    "not",
    "in",
    "is",
    "null",
    "like",
    "between",
    "true",
    "false",
    "timestamp",
    "date",
    "cast",
    "as",
    "lower",
    "upper",
    "regexp_match",
    "array_has",
    "array_contains",
}


def _identifiers(where: str) -> list[str]:
    """Bare words of a SQL filter outside quotes that are not keywords, numbers or functions."""
    import re

    without_strings = re.sub(r"'(?:[^']|'')*'", " ", where)
    words = re.findall(r"`[^`]+`|\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_.]*(?!\s*\()", without_strings)
    return [w for w in words if w.lower() not in _SQL_WORDS]
