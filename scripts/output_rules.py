"""Quiet outputs and short cells (STYLE.md rules 11-12): what a reader must not scroll past.

Three rules, each with a name an allow-list entry can give:

- ``long-output``: an output block (a cell's stdout, its stderr, or one displayed value) over
  MAX_OUTPUT_LINES lines;
- ``log-line``: a library log or warning line (Ray progress dumps, ``core_worker``, logging
  records, Python warnings of the standard categories, deprecation notices, advice meant for
  library developers). The project's own warnings (``StandInWarning``, ``TruncationWarning``…)
  are meant for the reader and are not log lines;
- ``long-cell``: a code cell over MAX_CELL_LINES lines.

`make test` applies the output rules to every cell nbval runs (conftest.py), `make run` to
every notebook it executes (scripts/run_notebooks.py), and tests/test_output_rules.py applies
the cell rule to the committed notebooks. ALLOW_FILE names the notebooks that still break a
rule, each with a reason: their problems are reported, not failed. It also lists lines a
notebook explains to its reader: one known log line (a pattern), the markdown cell that explains
it, and why it cannot be silenced. Such a line is content, not noise, in that notebook only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

__all__ = [
    "ALLOW_FILE",
    "LOG_LINES",
    "MAX_CELL_LINES",
    "MAX_OUTPUT_LINES",
    "RULES",
    "Problem",
    "allowed",
    "cell_problems",
    "explained",
    "notebook_problems",
    "output_problems",
]

MAX_OUTPUT_LINES = 40
MAX_CELL_LINES = 35
RULES = ("long-output", "log-line", "long-cell")
ALLOW_FILE = Path(__file__).resolve().parent / "output_rules_allow.toml"

# (what it is, pattern): one line matching any pattern is a log line.
LOG_LINES = [
    ("Ray Data progress", re.compile(r"Total Progress|Running Dataset|Dataset \S+ execution")),
    ("Ray core log", re.compile(r"\bcore_worker\b|\braylet\b|\bpid=\d+(?:, ip=[\d.]+)?\)")),
    (
        "a logging record",
        re.compile(
            r"\bWARNING\b|^(?:ERROR|CRITICAL|INFO|DEBUG)[: ]"
            r"|^\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d"  # timestamped log lines (Ray, absl)
            r"|^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+"  # glog (gRPC, onnxruntime)
            r"|^\[[WE]\d{4} \d\d:\d\d:\d\d"  # torch's C++ warnings
        ),
    ),
    (
        "a library warning",
        re.compile(
            r"\b(?:User|Future|Deprecation|PendingDeprecation|Runtime|Resource|Syntax|Bytes"
            r"|Unicode|Import|Encoding|Convergence|DataConversion|FitFailed|Undefined"
            r"|Efficiency|Tqdm|Experimental|Performance)Warning\b"
        ),
    ),
    (
        "a deprecation notice",
        re.compile(r"\bis deprecated\b|\bwill be removed in\b|\bhas been deprecated\b", re.I),
    ),
    (
        "advice meant for library developers",
        re.compile(
            r"is heavily recommended to avoid having to export"
            r"|Some weights of .* were not (?:initialized|used)"
            r"|You should probably TRAIN this model"
            r"|huggingface/tokenizers: The current process just got forked"
            r"|Token indices sequence length is longer than"
        ),
    ),
]

_CARRIAGE_RETURN = re.compile(r"^.*\r(?=[^\n])", re.MULTILINE)
_BACKSPACE = re.compile("[^\\n]\\x08")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class Problem:
    """One broken rule: in which notebook and cell, which rule, and what the reader would see."""

    notebook: str
    cell: str  # "cell 12" (the index among all cells, as the .ipynb stores them) or nbval's name
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.notebook} {self.cell}: {self.rule}: {self.detail}"


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _blocks(outputs: list) -> list[tuple[str, str]]:
    """(name, text) of each output block as a reader sees it: the stream outputs of one name
    merged and with carriage returns and backspaces applied (as Jupyter and nbval show them),
    and each displayed value's plain text unless it is shown as an image."""
    streams: dict[str, str] = {}
    blocks: list[tuple[str, str]] = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            name = output.get("name", "stdout")
            if name not in streams:
                blocks.append((name, ""))
            streams[name] = streams.get(name, "") + _text(output.get("text", ""))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            if not any(mime.startswith("image/") for mime in data):
                blocks.append(("displayed value", _text(data.get("text/plain", ""))))
    merged = []
    for name, text in blocks:
        if name in streams:
            text = streams[name]
            while True:
                shorter = _BACKSPACE.sub("", text)
                if shorter == text:
                    break
                text = shorter
            text = _CARRIAGE_RETURN.sub("", text)
        merged.append((name, _ANSI.sub("", text)))
    return merged


def output_problems(
    outputs: list, notebook: str = "", cell: str = "", known_lines: list[re.Pattern] = ()
) -> list[Problem]:
    """The output rules' problems in one cell's outputs (nbformat dicts, as nbval or nbclient
    record them). A line matching one of `known_lines` (see explained()) is not a log line. Error
    outputs are not checked: a cell that raised fails anyway."""
    problems = []
    for name, text in _blocks(outputs):
        lines = text.rstrip("\n").splitlines()
        if len(lines) > MAX_OUTPUT_LINES:
            problems.append(
                Problem(
                    notebook,
                    cell,
                    "long-output",
                    f"{name}: {len(lines)} lines (at most {MAX_OUTPUT_LINES}); "
                    f"first line {lines[0].strip()[:80]!r}",
                )
            )
        found: dict[str, list[str]] = {}
        for line in lines:
            if any(known.search(line) for known in known_lines):
                continue
            for what, pattern in LOG_LINES:
                if pattern.search(line):
                    found.setdefault(what, []).append(line.strip())
                    break
        for what, hits in found.items():
            more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
            problems.append(
                Problem(notebook, cell, "log-line", f"{name}: {what}: {hits[0][:100]!r}{more}")
            )
    return problems


def cell_problems(source: str, notebook: str = "", cell: str = "") -> list[Problem]:
    """The long-cell rule for one code cell's source."""
    lines = len(source.rstrip("\n").splitlines())
    if lines <= MAX_CELL_LINES:
        return []
    return [Problem(notebook, cell, "long-cell", f"{lines} lines (at most {MAX_CELL_LINES})")]


def notebook_problems(
    nb, notebook: str, outputs: bool = True, cells: bool = True, known_lines: list[re.Pattern] = ()
) -> list[Problem]:
    """Every problem of an nbformat notebook: its code cells' lengths and, if executed, outputs
    (lines matching `known_lines` excepted)."""
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"cell {index}"
        if cells:
            problems += cell_problems(_text(cell.source), notebook, where)
        if outputs:
            problems += output_problems(cell.get("outputs", []), notebook, where, known_lines)
    return problems


def allowed(file: Path | None = None) -> dict[tuple[str, str], str]:
    """{(notebook, rule): reason} from the allow-list (default ALLOW_FILE); a malformed entry
    raises ValueError."""
    file = file or ALLOW_FILE
    if not file.exists():
        return {}
    entries = tomllib.loads(file.read_text(encoding="utf-8")).get("allow", [])
    table = {}
    for number, entry in enumerate(entries, start=1):
        notebook, rule, reason = (entry.get(k, "") for k in ("notebook", "rule", "reason"))
        if rule not in RULES or not notebook or not reason.strip():
            raise ValueError(
                f"{file}: entry {number} needs a notebook, a rule ({', '.join(RULES)}) "
                f"and a reason; got {entry}"
            )
        table[(notebook, rule)] = reason.strip()
    return table


def explained(file: Path | None = None) -> dict[str, list[re.Pattern]]:
    """{notebook: [line pattern, ...]} from the allow-list's [[explained]] entries (default
    ALLOW_FILE). Each entry needs a notebook, a line pattern that compiles, the id of the
    markdown cell that explains the line (`explained_in`) and a reason; else ValueError."""
    file = file or ALLOW_FILE
    if not file.exists():
        return {}
    entries = tomllib.loads(file.read_text(encoding="utf-8")).get("explained", [])
    table: dict[str, list[re.Pattern]] = {}
    for number, entry in enumerate(entries, start=1):
        notebook, line, cell, reason = (
            str(entry.get(k, "")) for k in ("notebook", "line", "explained_in", "reason")
        )
        if not (notebook and line and cell and reason.strip()):
            raise ValueError(
                f"{file}: explained entry {number} needs a notebook, a line pattern, "
                f"explained_in (a markdown cell id) and a reason; got {entry}"
            )
        try:
            pattern = re.compile(line)
        except re.error as err:
            raise ValueError(f"{file}: explained entry {number}: line {line!r}: {err}") from None
        table.setdefault(notebook, []).append(pattern)
    return table
