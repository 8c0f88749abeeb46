"""The notebooks teach the libraries: each calls its subject's library functions in code a reader
can copy, before any helper that wraps the same job; the helpers they use are few and public;
every notebook asserts what it teaches; every public helper is tested."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

import gist_helpers as gh

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

# notebook: (library calls it must make, [(library call, helper call it must come before)])
SUBJECTS = {
    "01_load_the_model": (
        [
            'SentenceTransformer("avsolatorio/GIST-small-Embedding-v0", revision=revision)',
            "model.encode(texts, convert_to_tensor=True)",
            "F.cosine_similarity(embeddings.unsqueeze(1), embeddings.unsqueeze(0), dim=-1)",
            "model.similarity(",
            "util.cos_sim(",
            "SentenceTransformer(model_id, revision=revision",
            "local_files_only=True",
            "model.save(",
            "model.device",
        ],
        # the model card's first step, shown (offline it cannot run) before the helper runs it
        [('SentenceTransformer("avsolatorio/GIST-small-Embedding-v0"', "gh.load_model(")],
    ),
    "02_encode_texts": (
        [
            "model.encode(",
            "normalize_embeddings=True",
            "batch_size=",
            "model.tokenizer",
            "model.max_seq_length",
        ],
        [("model.encode(", "gh.encode(")],
    ),
    "03_similarity": (
        [
            "model.similarity(",
            "util.cos_sim(",
            "util.semantic_search(",
            "util.paraphrase_mining(",
            "EmbeddingSimilarityEvaluator(",
            "spearmanr(",
        ],
        [("model.similarity(", "gh.encode(")],
    ),
    "04_clustering": (
        [
            "KMeans(n_clusters=k, n_init=10, random_state=0)",
            "AgglomerativeClustering(",
            "HDBSCAN(",
            "v_measure_score(",
            "adjusted_rand_score(",
            "silhouette_score(",
            "PCA(",
            "TSNE(",
            "MiniBatchKMeans(",
            "model.encode(",
            "CountVectorizer(",
        ],
        [
            ("model.encode(", "gh.encode("),
            ("KMeans(", "gh.mteb_clustering("),
            ("PCA(n_components=2", "gh.plot_clusters_2d("),
            ("CountVectorizer(", "gh.name_clusters("),
        ],
    ),
    "05_retrieval_evaluation": (
        [
            "model.encode(",
            "util.semantic_search(",
            "pytrec_eval.RelevanceEvaluator(",
            "model.tokenizer(",
            "model.max_seq_length",
            "bm25s.BM25(",
            "KFold(",
            "faiss.IndexFlatIP(",
            "faiss.IndexHNSWFlat(",
        ],
        [
            ("model.encode(", "gh.encode("),
            ("pytrec_eval.RelevanceEvaluator(", "gh.mteb_retrieval("),
            ("stats.bootstrap(", "gh.paired_bootstrap("),
        ],
    ),
    "06_faster_on_cpu": (
        [
            'backend="onnx"',
            "export_dynamic_quantized_onnx_model(",
            'model_kwargs={"file_name"',
            "quantize_embeddings(",
            "semantic_search_faiss(",
            "pytrec_eval.RelevanceEvaluator(",
        ],
        [('backend="onnx"', "gh.load_model(backend=")],
    ),
    "08_embedding_at_scale": (
        [
            "ray.init(",
            "ray.data.DataContext.get_current()",
            "ray.data.read_parquet(",
            ".map_batches(",
            "ActorPoolStrategy(size=",
            ".write_parquet(",
            "faiss.index_factory(",
            "add_with_ids(",
            "faiss.IndexFlatIP(",
        ],
        [
            ("model.encode(", "gh.measure_throughput("),
            ("faiss.index_factory(", "gh.synthetic_embeddings("),
        ],
    ),
    "07_classification": (
        [
            "model.encode(",
            "LogisticRegression(",
            "accuracy_score(",
            "f1_score(",
            "KNeighborsClassifier(",
            "TfidfVectorizer(",
            "confusion_matrix(",
        ],
        [
            ("model.encode(", "gh.encode("),
            ("LogisticRegression(random_state=42, max_iter=100)", "gh.mteb_classification("),
        ],
    ),
    "09_fine_tune_with_gistembed": (
        [
            "SentenceTransformerTrainingArguments(",
            "BatchSamplers.NO_DUPLICATES",
            "Dataset.from_pandas(",
            "losses.GISTEmbedLoss(",
            "losses.MultipleNegativesRankingLoss(",
            "EmbeddingSimilarityEvaluator(",
            "SentenceTransformerTrainer(",
            ".train()",
            "NoDuplicatesBatchSampler(",
            ".save(",
            "SentenceTransformer(str(folder)",
            "eval_dataset=validation",
            "bootstrap(",
            "local_files_only=True",
        ],
        [
            ('groupby("label")', "gh.same_intent_pairs("),
            ("masked = similarity >", "gh.false_negatives("),
        ],
    ),
}


def _code(path: Path) -> str:
    """The code of a notebook's cells after its generated header, in order."""
    cells = nbformat.read(path, as_version=4).cells
    return "\n".join(
        c.source
        for c in cells
        if c.cell_type == "code" and "header" not in c.metadata.get("tags", [])
    )


def _notebook(stem: str) -> Path:
    return NOTEBOOKS / f"{stem}.ipynb"


@pytest.mark.parametrize("stem", sorted(SUBJECTS))
def test_each_notebook_calls_the_library_of_its_subject_first(stem):
    code = _code(_notebook(stem))
    calls, order = SUBJECTS[stem]
    missing = [call for call in calls if call not in code]
    assert not missing, f"{stem} never calls {missing}"
    for library_call, helper_call in order:
        assert helper_call in code, f"{stem} no longer uses {helper_call}: update SUBJECTS"
        assert code.index(library_call) < code.index(helper_call), (
            f"{stem}: {helper_call} comes before {library_call}"
        )


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_notebook_asserts_what_it_teaches(path):
    assert re.search(r"^\s*assert ", _code(path), re.MULTILINE), f"{path.name} asserts nothing"


def _tables_never_shown(source: str) -> list[int]:
    """Lines of a cell where `gh.show(...)` stands as a statement other than the cell's last:
    Jupyter displays only the last expression, so that table is built and never seen."""
    magic = re.compile(r"^(\s*)[%!].*$", re.MULTILINE)  # IPython magics: a no-op for the parser
    tree = ast.parse(magic.sub(r"\1pass", source))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and ast.unparse(node.value.func) == "gh.show"
        and node is not tree.body[-1]
    ]


def test_a_table_that_is_never_shown_is_found():
    assert _tables_never_shown("x = 1\ngh.show(t, model)") == []
    assert _tables_never_shown("gh.show(t, model)\nprint(x)") == [1]
    assert _tables_never_shown("for t in ts:\n    gh.show(t)") == [2]


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_table_a_cell_makes_with_show_is_displayed(path):
    hidden = [
        (cell.get("id"), line)
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code"
        for line in _tables_never_shown(cell.source)
    ]
    assert not hidden, f"{path.name}: gh.show(...) is not the cell's last expression: {hidden}"


def test_notebooks_use_few_helpers_all_public():
    used = set()
    for path in NOTEBOOKS.glob("*.ipynb"):
        used |= set(
            re.findall(
                r"\bgh\.(\w+)", "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
            )
        )
    assert used <= set(gh.__all__), (
        f"notebooks reach past the public API: {sorted(used - set(gh.__all__))}"
    )
    # 35 through notebook 09; the two that put an interval on every verdict (paired_bootstrap,
    # speed_ratio) and notebook 10's store (read_documents, chunk_table, ingest,
    # search_documents: what LanceDB and semchunk lack, not wrappers of their calls) make 41;
    # without_ray_restart_note (the one C++ line of Ray that notebooks 08 and 10 drop) makes 42
    assert len(used) <= 42 and len(gh.__all__) <= 42, (len(used), len(gh.__all__))


def test_every_public_helper_is_tested():
    tests = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (ROOT / "tests").glob("test_*.py")
        if p.name != Path(__file__).name
    )
    untested = [name for name in gh.__all__ if not re.search(rf"\bgh\.{name}\b", tests)]
    assert not untested, f"no test calls {untested}"


def test_the_package_names_its_public_api_explicitly():
    init = (ROOT / "gist_helpers" / "__init__.py").read_text(encoding="utf-8")
    assert "import *" not in init and "__all__" in init
