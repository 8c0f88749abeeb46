"""`make run`'s report: a failed notebook is named, its error is readable and linked, all are listed."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import run_notebooks  # noqa: E402

BANNER = "print('[model] org/some-model · revision abc · source: stand-in · device: cpu')"
# An error whose message carries ANSI colour codes, as IPython's tracebacks do.
RAISES = (
    "raise FileNotFoundError('\\x1b[31mmodel_qint8_avx2.onnx\\x1b[39m is missing\\nsecond line')"
)


@pytest.fixture
def build(tmp_path, monkeypatch):
    monkeypatch.setattr(run_notebooks, "BUILD", tmp_path / "build")
    (tmp_path / "build").mkdir()
    return tmp_path / "build"


def _notebook(folder: Path, name: str, *sources: str) -> Path:
    cells = [nbformat.v4.new_code_cell(s, id=f"c{i}") for i, s in enumerate(sources)]
    path = folder / name
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_a_failure_is_reported_readably_and_every_notebook_is_listed(tmp_path, build):
    good = _notebook(tmp_path, "01_good.ipynb", BANNER, "1 + 1")
    bad = _notebook(tmp_path, "02_bad.ipynb", BANNER, "x = 1", RAISES, "print('never runs')")
    rows = [
        run_notebooks.run_one(good, {"title": "Good one", "goal": "works"}),
        run_notebooks.run_one(bad, {"title": "Bad one", "goal": "fails"}),
    ]
    assert rows[0]["status"] == "ok" and rows[0]["model"] == "org/some-model (stand-in)"
    status = rows[1]["status"]
    assert status == "FAILED in cell 2: FileNotFoundError: model_qint8_avx2.onnx is missing"
    assert rows[1]["link"] == "02_bad.html#cell-id=c2"
    assert 'id="cell-id=c2"' in (build / "02_bad.html").read_text()  # the link's target exists
    run_notebooks.write_index(rows)
    page = (build / "index.html").read_text()
    assert "Good one" in page and "Bad one" in page and "\x1b" not in page
    assert "<tr class=failed>" in page and "href='02_bad.html#cell-id=c2'" in page
