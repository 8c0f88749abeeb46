"""Test-wide settings: quiet progress bars and scaled-down slow steps, also inside notebook kernels.

And a check on every notebook cell nbval runs: its outputs must keep the quiet-output rules
(scripts/output_rules.py: no output block over 40 lines, no library log lines). A notebook
named in scripts/output_rules_allow.toml for a rule has that rule's problems listed at the end
of the run instead of failing its cell.
"""

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("GIST_PROGRESS", "0")
os.environ.setdefault("GIST_QUICK", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

sys.path.insert(0, str(Path(__file__).resolve().parent / "scripts"))
import output_rules  # noqa: E402

_ALLOWED = output_rules.allowed()
_EXPLAINED = output_rules.explained()
_allowed_seen: list = []  # problems that the allow-list turned into a note
_notebooks_run: set = set()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield  # a cell that raised has failed already
    outputs = getattr(item, "test_outputs", None)
    if type(item).__name__ != "IPyNbCell" or outputs is None:
        return result
    notebook = Path(str(item.fspath)).name
    _notebooks_run.add(notebook)
    known = _EXPLAINED.get(notebook, [])
    problems = output_rules.output_problems(outputs, notebook, item.name, known)
    failing = [p for p in problems if (notebook, p.rule) not in _ALLOWED]
    _allowed_seen.extend(p for p in problems if p not in failing)
    if failing:
        item.raise_cell_error(
            "Cell outputs break the quiet-output rules (STYLE.md 12; scripts/output_rules.py)",
            "\n".join(str(p) for p in failing),
        )
    return result


def pytest_terminal_summary(terminalreporter):
    if not _notebooks_run:
        return
    write = terminalreporter.write_line
    if _allowed_seen:
        terminalreporter.section("quiet outputs: allowed for now (scripts/output_rules_allow.toml)")
        for problem in _allowed_seen:
            write(str(problem))
    seen = {(p.notebook, p.rule) for p in _allowed_seen}
    unused = [
        key
        for key in _ALLOWED
        if key[0] in _notebooks_run and key[1] != "long-cell" and key not in seen
    ]
    if unused:
        terminalreporter.section("quiet outputs: allow-list entries this run did not need")
        for notebook, rule in unused:
            write(f"{notebook}: {rule} (check `make run`'s full-data run too, then remove it)")
