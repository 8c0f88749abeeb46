"""`make run`: a failed notebook is named, its error is readable and linked, every notebook stays
listed across partial runs, and the rendered site shows all of it without fetching anything."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import build_site  # noqa: E402
import run_notebooks  # noqa: E402

BANNER = "print('[model] org/some-model · revision abc · source: stand-in · device: cpu')"
# An error whose message carries ANSI colour codes, as IPython's tracebacks do.
RAISES = (
    "raise FileNotFoundError('\\x1b[31mmodel_qint8_avx2.onnx\\x1b[39m is missing\\nsecond line')"
)


@pytest.fixture
def build(tmp_path, monkeypatch):
    folder = tmp_path / "build"
    folder.mkdir()
    monkeypatch.setattr(run_notebooks, "BUILD", folder)
    monkeypatch.setattr(build_site, "BUILD", folder)
    monkeypatch.setattr(build_site, "SOURCE", folder / "site-src")
    monkeypatch.setattr(build_site, "SITE", folder / "site")
    return folder


def _notebook(folder: Path, name: str, *sources: str) -> Path:
    cells = [nbformat.v4.new_markdown_cell(f"# {name}")]
    cells += [nbformat.v4.new_code_cell(s, id=f"c{i}") for i, s in enumerate(sources, start=1)]
    path = folder / name
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_a_failure_is_reported_readably_and_every_notebook_stays_listed(tmp_path, build):
    good = _notebook(tmp_path, "01_load_the_model.ipynb", BANNER, "1 + 1")
    bad = _notebook(
        tmp_path, "02_encode_texts.ipynb", BANNER, "x = 1", RAISES, "print('never runs')"
    )
    first = run_notebooks.run_one(good, {"title": "Good one", "goal": "works"})
    assert first["status"] == "ok" and first["model"] == "org/some-model (stand-in)"
    run_notebooks.merge_results([first])
    second = run_notebooks.run_one(bad, {"title": "Bad one", "goal": "fails"})
    assert (
        second["status"] == "FAILED in cell 3: FileNotFoundError: model_qint8_avx2.onnx is missing"
    )
    assert second["anchor"] == "cell-id=c3"
    rows = run_notebooks.merge_results([second])  # a partial run keeps the first notebook's row
    assert [r["notebook"] for r in rows] == ["01_load_the_model.ipynb", "02_encode_texts.ipynb"]

    index = build_site.build(rows)
    page = index.read_text()
    assert "Good one" in page and "Bad one" in page
    assert (
        "\x1b" not in page
        and "FAILED in cell 3: FileNotFoundError: model_qint8_avx2.onnx is missing" in page
    )
    assert 'class="failed"' in page and 'href="02_encode_texts/#cell-id=c3"' in page
    failed_page = (build / "site" / "02_encode_texts" / "index.html").read_text()
    assert 'id="cell-id=c3"' in failed_page  # the link's target exists
    assert "What this page ran on" in failed_page and "org/some-model (stand-in)" in failed_page
    assert (build / "site" / "search" / "search_index.json").is_file()
    # what a browser would load (scripts, images, stylesheets), as opposed to links a reader may follow
    fetched = re.findall(
        r'<(?:script|img|iframe|source)[^>]*\ssrc="(https?://[^"]+)"', page + failed_page
    )
    fetched += re.findall(r'<link[^>]*\shref="(https?://[^"]+)"', page + failed_page)
    assert not fetched, f"the site would fetch {fetched}"


def test_loud_outputs_are_flagged_with_the_cell_and_the_allow_lists_reason(
    tmp_path, build, monkeypatch
):
    loud = _notebook(
        tmp_path,
        "03_similarity.ipynb",
        BANNER,
        "for i in range(45):\n    print(i)",
        "import warnings\nwarnings.warn('old API', FutureWarning)",
    )
    row = run_notebooks.run_one(loud, {"title": "Loud", "goal": "chatters"})
    assert row["status"] == "ok"  # it ran; its outputs are what is wrong
    problems = [p["problem"] for p in row["output_problems"]]
    assert problems[0].startswith(
        "03_similarity.ipynb cell 2: long-output: stdout: 45 lines (at most 40)"
    )
    assert problems[1].startswith("03_similarity.ipynb cell 3: log-line: stderr: a library warning")
    assert [p["allowed"] for p in row["output_problems"]] == ["", ""]

    allow = tmp_path / "allow.toml"
    allow.write_text(
        '[[allow]]\nnotebook = "03_similarity.ipynb"\nrule = "log-line"\nreason = "r"\n'
    )
    monkeypatch.setattr(run_notebooks.output_rules, "ALLOW_FILE", allow)
    row = run_notebooks.run_one(loud, {"title": "Loud", "goal": "chatters"})
    assert [p["allowed"] for p in row["output_problems"]] == ["", "r"]


# --- round three: the runner's names, and notebooks that cannot be read ------------------------

CATALOG = [
    {"file": f"{n}.ipynb", "title": n, "goal": "g"}
    for n in ("01_load_the_model", "02_encode_texts", "07_classification")
]


@pytest.fixture
def catalog(tmp_path, build, monkeypatch):
    """A catalogue of three notebooks in tmp_path; what main runs is recorded, not executed."""
    for entry in CATALOG:
        _notebook(tmp_path, entry["file"], BANNER)
    monkeypatch.setattr(run_notebooks, "project", lambda: {"notebooks": CATALOG})
    monkeypatch.setattr(run_notebooks, "NOTEBOOKS", tmp_path)
    monkeypatch.setattr(build_site, "build", lambda rows: build / "site" / "index.html")
    ran = []

    def record(path, entry):
        ran.append(path.name)
        return {"notebook": path.name, "seconds": 0.0, "model": "m", "status": "ok",
                "anchor": "", "output_problems": []}  # fmt: skip

    monkeypatch.setattr(run_notebooks, "run_one", record)
    return ran


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ([], ["01_load_the_model.ipynb", "02_encode_texts.ipynb", "07_classification.ipynb"]),
        (["07"], ["07_classification.ipynb"]),
        (["notebooks/02_encode_texts.ipynb"], ["02_encode_texts.ipynb"]),  # a path
        (["01_LOAD"], ["01_load_the_model.ipynb"]),  # any case
        (["07", "01"], ["01_load_the_model.ipynb", "07_classification.ipynb"]),
    ],
)
def test_names_and_paths_pick_notebooks(catalog, names, expected):
    assert run_notebooks.main(names) == 0
    assert catalog == expected


@pytest.mark.parametrize(
    ("names", "bad"),
    [(["07", "zz"], "zz"), (["nothing"], "nothing"), ([""], "''"), (["  "], "'  '")],
)
def test_a_name_that_matches_nothing_stops_the_run_listing_the_names(catalog, capsys, names, bad):
    assert run_notebooks.main(names) == 2
    assert catalog == []  # nothing ran
    message = capsys.readouterr().err
    assert f"no notebook matches {bad}" in message
    assert "01_load_the_model" in message and "07_classification" in message


def test_help_describes_the_runner(catalog, capsys):
    with pytest.raises(SystemExit) as stop:
        run_notebooks.main(["--help"])
    assert stop.value.code == 0 and catalog == []
    out = capsys.readouterr().out
    assert "usage" in out and "01_load_the_model" in out


def test_a_missing_or_broken_notebook_is_reported_and_the_run_goes_on(tmp_path, build, monkeypatch):
    (tmp_path / "02_encode_texts.ipynb").write_text("{ not json", encoding="utf-8")
    _notebook(tmp_path, "07_classification.ipynb", BANNER)
    monkeypatch.setattr(run_notebooks, "project", lambda: {"notebooks": CATALOG})
    monkeypatch.setattr(run_notebooks, "NOTEBOOKS", tmp_path)
    monkeypatch.setattr(build_site, "build", lambda rows: build / "site" / "index.html")
    assert run_notebooks.main([]) == 1
    rows = {r["notebook"]: r for r in json.loads((build / "results.json").read_text())}
    assert rows["01_load_the_model.ipynb"]["status"].startswith("FAILED: the notebook is missing")
    assert rows["02_encode_texts.ipynb"]["status"].startswith("FAILED: not a valid notebook")
    assert rows["07_classification.ipynb"]["status"] == "ok"  # and the run went on
