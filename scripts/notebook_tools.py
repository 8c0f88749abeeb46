"""Keep the notebooks uniform: headers from one template, README table, clean outputs.

    python scripts/notebook_tools.py sync    # write headers and the README table
    python scripts/notebook_tools.py check   # exit 1 if a notebook or the README drifted
    python scripts/notebook_tools.py clean   # strip outputs and execution counts

The repository URL comes from pyproject's [project.urls] Repository and the git ref that
Colab installs from from [tool.gist-notebooks] colab-ref, so a fork changes one line.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
TABLE_START, TABLE_END = "<!-- notebooks:start -->", "<!-- notebooks:end -->"

SETUP = """# Setup: on Colab, install the helpers pinned to {ref}; elsewhere there is nothing to install.
import sys

if "google.colab" in sys.modules:
    %pip install -q "gist-notebooks[{extras}] @ git+{repo}@{ref}"

import gist_helpers as gh
"""
# Every notebook but the first loads the model in its setup cell and prints the banner;
# notebook 01 teaches loading, so it shows the plain call first and loads in its body.
LOAD = """
model = gh.load_model()
print(gh.banner(model))"""


def project() -> dict:
    """Repository URL, Colab ref and the notebook catalogue."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    catalog = tomllib.loads((NOTEBOOKS / "catalog.toml").read_text())["notebook"]
    return {
        "repo": meta["project"]["urls"]["Repository"].rstrip("/"),
        "ref": meta["tool"]["gist-notebooks"]["colab-ref"],
        "notebooks": catalog,
    }


def colab_url(repo: str, ref: str, file: str) -> str:
    path = repo.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{path}/blob/{ref}/notebooks/{file}"


def badge(repo: str, ref: str, file: str) -> str:
    image = "https://colab.research.google.com/assets/colab-badge.svg"
    return f"[![Open In Colab]({image})]({colab_url(repo, ref, file)})"


def header_cells(entry: dict, repo: str, ref: str) -> list:
    """The two cells every notebook starts with."""
    markdown = f"# {entry['title']}\n\n{entry['goal'].strip()}\n\n{badge(repo, ref, entry['file'])}"
    intro = nbformat.v4.new_markdown_cell(markdown, id="header")
    extras = entry.get("extras", "offline")
    source = SETUP.format(repo=repo, ref=ref, extras=extras) + (
        LOAD if entry.get("load", True) else ""
    )
    setup = nbformat.v4.new_code_cell(source.rstrip("\n"), id="setup")
    for cell in (intro, setup):
        cell.metadata["tags"] = ["header"]
    return [intro, setup]


def readme_table(info: dict) -> str:
    rows = ["| notebook | what you learn | Colab |", "| --- | --- | --- |"]
    for entry in info["notebooks"]:
        link = f"[{entry['title']}](notebooks/{entry['file']})"
        rows.append(
            f"| {link} | {entry['learn']} | {badge(info['repo'], info['ref'], entry['file'])} |"
        )
    return "\n".join(rows)


def problems() -> list[str]:
    """Everything that differs from the template or is not committed clean."""
    info, found = project(), []
    listed = {entry["file"] for entry in info["notebooks"]}
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        if path.name not in listed:
            found.append(f"{path.name}: not listed in notebooks/catalog.toml")
    for entry in info["notebooks"]:
        path = NOTEBOOKS / entry["file"]
        if not path.exists():
            found.append(f"{entry['file']}: listed in the catalogue but missing")
            continue
        if not re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name):
            found.append(f"{path.name}: name is not NN_lowercase_slug.ipynb")
        nb = nbformat.read(path, as_version=4)
        expected = header_cells(entry, info["repo"], info["ref"])
        if [c.source for c in nb.cells[:2]] != [c.source for c in expected]:
            found.append(f"{path.name}: header differs from the template (run `make headers`)")
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
                found.append(f"{path.name}: cell {index} has outputs (run `make clean-notebooks`)")
        if not any("gist_helpers" in c.source for c in nb.cells if c.cell_type == "code"):
            found.append(f"{path.name}: does not import gist_helpers")
    text = README.read_text() if README.exists() else ""
    if f"{TABLE_START}\n{readme_table(info)}\n{TABLE_END}" not in text:
        found.append("README.md: notebook table differs from the catalogue (run `make headers`)")
    return found


def sync() -> None:
    info = project()
    for entry in info["notebooks"]:
        path = NOTEBOOKS / entry["file"]
        if not path.exists():
            print(f"{entry['file']}: listed in the catalogue but missing; skipped")
            continue
        nb = nbformat.read(path, as_version=4)
        body = [c for c in nb.cells if "header" not in c.metadata.get("tags", [])]
        nb.cells = header_cells(entry, info["repo"], info["ref"]) + body
        nbformat.write(_cleaned(nb), path)
    text = README.read_text()
    pattern = re.compile(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), re.DOTALL)
    README.write_text(
        pattern.sub(lambda _: f"{TABLE_START}\n{readme_table(info)}\n{TABLE_END}", text)
    )


def clean() -> None:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nbformat.write(_cleaned(nbformat.read(path, as_version=4)), path)


def _cleaned(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "sync":
        sync()
    elif command == "clean":
        clean()
    elif command == "check":
        issues = problems()
        print("\n".join(issues) or "notebooks are clean and match the template")
        sys.exit(1 if issues else 0)
    else:
        sys.exit(f"unknown command {command!r}; use sync, check or clean")
