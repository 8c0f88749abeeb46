"""Build the rendered site from the executed notebooks in build/: mkdocs-material + mkdocs-jupyter.

    python scripts/build_site.py          # after scripts/run_notebooks.py (make run does both)

Reads build/results.json and build/NN_*.ipynb; writes build/site-src/ (pages and mkdocs.yml)
and build/site/ (static HTML: open build/site/index.html, or serve the folder for search).
A rebuild deletes only the files the previous build wrote (each folder lists them in
.gist-notebooks-written): a file you put in build/site/ or build/site-src/ stays.
The index page lists every notebook in reading order with its goal, run time, the model that
produced its numbers, and its status; a failed notebook is shown in red with a link to the
cell that raised. Each page opens with the same facts. Nothing is fetched at build or view
time: system fonts, no MathJax, a local Colab badge image, widget outputs removed (a finished
progress bar needs a widget manager from a CDN and teaches nothing on a static page).
"""

from __future__ import annotations

import contextlib
import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebook_tools import ROOT, project

BUILD = ROOT / "build"
SOURCE = BUILD / "site-src"
SITE = BUILD / "site"
WRITTEN = ".gist-notebooks-written"  # in SOURCE and SITE: the files the last build wrote
WIDGET = "application/vnd.jupyter.widget-view+json"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"

CSS = """
.md-typeset .status-ok { color: #1b7f3b; font-weight: 600; }
.md-typeset .status-failed, .md-typeset .status-failed a { color: #b00020; font-weight: 700; }
.md-typeset tr.failed td { background: #fdecea; }
.md-grid { max-width: 1440px; }
/* wide tables and long lines scroll inside their output instead of being cut off */
.jupyter-wrapper .jp-OutputArea-output { overflow-x: auto; }
.jupyter-wrapper .jp-RenderedHTMLCommon table { font-size: .72rem; }
.jupyter-wrapper .jp-RenderedHTMLCommon td { text-align: left; }
/* nbconvert shows cell tags ("header") as chips: noise for a reader */
.jupyter-wrapper .celltoolbar { display: none !important; }
"""

BADGE = """<svg xmlns="http://www.w3.org/2000/svg" width="117" height="20" role="img" aria-label="Open in Colab">
<rect width="117" height="20" rx="3" fill="#f9ab00"/>
<text x="58.5" y="14" fill="#000" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">Open in Colab</text></svg>
"""


def facts_line(row: dict) -> str:
    """One line of what a page ran on: model, mode, time, date, status."""
    mode = "quick test mode (GIST_QUICK=1: samples)" if row["mode"] == "quick" else "full data"
    return (
        f"Executed {row['date']} on {row['model']}, {mode}, in {row['seconds']:.0f} s; status: "
        + ("ok" if row["status"] == "ok" else row["status"])
    )


def page(row: dict) -> nbformat.NotebookNode:
    """The executed notebook as a site page: facts first, widgets out, a local badge image."""
    nb = nbformat.read(BUILD / row["notebook"], as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if WIDGET not in o.get("data", {})]
        elif COLAB_BADGE in cell.source:
            cell.source = cell.source.replace(COLAB_BADGE, "../assets/colab-badge.svg")
    nb.metadata.pop("widgets", None)
    kind = "failure" if row["status"] != "ok" else "info"
    link = (
        f' (<a href="#{row["anchor"]}">the cell that failed</a>)' if row["status"] != "ok" else ""
    )
    note = (
        f'<div class="admonition {kind}"><p class="admonition-title">What this page ran on</p>'
        f"<p>{html.escape(facts_line(row))}{link}</p></div>"
    )
    title = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), -1) + 1
    nb.cells.insert(title, nbformat.v4.new_markdown_cell(note))
    return nb


def index(rows: list[dict], repo: str) -> str:
    lines = [
        "# GIST notebooks",
        "",
        "Notebooks that teach the GIST small text-embedding model with sentence-transformers, "
        "scikit-learn, FAISS, pytrec_eval and Ray, in reading order. Each page is the notebook "
        f"with its outputs, as `make run` executed it. How to run them yourself: the [README]({repo}#readme).",
        "",
        "<table>",  # no class attribute: Material styles plain tables only
        "<thead><tr><th>#</th><th>notebook</th><th>what you learn</th><th>run time</th>"
        "<th>data</th><th>model</th><th>status</th></tr></thead><tbody>",
    ]
    for number, row in enumerate(rows, start=1):
        slug = Path(row["notebook"]).stem
        ok = row["status"] == "ok"
        row_class = "" if ok else ' class="failed"'
        status = (
            '<span class="status-ok">ok</span>'
            if ok
            else f'<span class="status-failed"><a href="{slug}/#{row["anchor"]}">{html.escape(row["status"])}</a></span>'
        )
        lines.append(
            f"<tr{row_class}><td>{number}</td>"
            f'<td><a href="{slug}/">{html.escape(row["title"])}</a></td><td>{code_spans(row["learn"])}</td>'
            f"<td>{row['seconds']:.0f}&nbsp;s</td><td>{row['mode']}</td>"
            f"<td>{html.escape(row['model'])}</td><td>{status}</td></tr>"
        )
    lines += ["</tbody></table>", ""]
    return "\n".join(lines)


def code_spans(text: str) -> str:
    """Escape ``text`` for HTML and turn its `code` spans into <code> elements."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def config(rows: list[dict]) -> str:
    nav = "\n".join(
        ["  - Overview: index.md"]
        + [f"  - {json.dumps(r['title'])}: {r['notebook']}" for r in rows]
    )
    return f"""site_name: GIST notebooks
site_description: Notebooks that teach the GIST small text-embedding model
docs_dir: {SOURCE / "docs"}
site_dir: {SITE}
use_directory_urls: true
theme:
  name: material
  font: false
  features: [navigation.footer, toc.integrate, navigation.top, search.highlight, content.code.copy]
  palette:
    primary: indigo
plugins:
  - search
  - mkdocs-jupyter:
      include_source: false
      ignore_h1_titles: true
      execute: false
      allow_errors: true
      include_requirejs: false
      custom_mathjax_url: "../assets/no-mathjax.js"
markdown_extensions: [tables, attr_list, md_in_html, admonition]
extra_css: [assets/extra.css]
nav:
{nav}
"""


def build(rows: list[dict] | None = None) -> Path:
    """Write the pages and build the site; return the path of its index page."""
    if rows is None:
        rows = json.loads((BUILD / "results.json").read_text(encoding="utf-8"))
    info = project()
    learn = {e["file"]: e["learn"] for e in info["notebooks"]}
    order = [e["file"] for e in info["notebooks"]]
    rows = sorted(
        (
            r | {"learn": learn.get(r["notebook"], r.get("goal", ""))}
            for r in rows
            if (BUILD / r["notebook"]).is_file()
        ),
        key=lambda r: order.index(r["notebook"]) if r["notebook"] in order else len(order),
    )
    forget_written(SOURCE)
    docs = SOURCE / "docs"
    (docs / "assets").mkdir(parents=True, exist_ok=True)
    pages = {f"docs/{row['notebook']}": page(row) for row in rows}
    for name, notebook in pages.items():
        nbformat.write(notebook, SOURCE / name)
    texts = {
        "docs/index.md": index(rows, info["repo"]),
        "docs/assets/extra.css": CSS,
        "docs/assets/colab-badge.svg": BADGE,
        "docs/assets/no-mathjax.js": "/* the notebooks have no mathematics */\n",
        "mkdocs.yml": config(rows),
    }
    for name, text in texts.items():
        (SOURCE / name).write_text(text, encoding="utf-8")
    record_written(SOURCE, [*pages, *texts])
    if importlib.util.find_spec("mkdocs") is None:
        raise RuntimeError(
            "the site is built with mkdocs: pip install -e '.[site]' (make installs it)"
        )
    # mkdocs empties its output folder first: build into a new folder of ours, then move the
    # pages into SITE, replacing only the files the last build wrote there.
    fresh = BUILD / f".site.{uuid.uuid4().hex}"
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "mkdocs",
                "build",
                "--quiet",
                "-f",
                str(SOURCE / "mkdocs.yml"),
                "--site-dir",
                str(fresh),
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"mkdocs build failed:\n{done.stdout}{done.stderr}")
        forget_written(SITE)
        written = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file())
        for name in written:
            (SITE / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(fresh / name, SITE / name)
        record_written(SITE, written)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)  # our own folder, empty unless mkdocs failed
    return SITE / "index.html"


def record_written(folder: Path, names: list[str]) -> None:
    """List in ``folder`` the files (relative paths) this build wrote there."""
    (folder / WRITTEN).write_text("\n".join(sorted(names)) + "\n", encoding="utf-8")


def forget_written(folder: Path) -> None:
    """Delete the files the last build listed in ``folder``, then the folders that left empty.

    Nothing else: a file of yours in the folder, or anything behind a symbolic link, stays.
    """
    try:
        names = (folder / WRITTEN).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return
    inside = folder.resolve()
    emptied = set()
    for name in filter(None, names):
        path = folder / name
        if path.is_file() and not path.is_symlink() and path.resolve().is_relative_to(inside):
            path.unlink()
            emptied.update(path.relative_to(folder).parents)
    (folder / WRITTEN).unlink()
    for relative in sorted(emptied, key=lambda p: -len(p.parts)):
        if relative.parts and not (folder / relative).is_symlink():
            with contextlib.suppress(OSError):  # not empty: it holds something of yours
                (folder / relative).rmdir()


if __name__ == "__main__":
    print(f"site: {build()}")
