"""Build the rendered site from the executed notebooks in build/: mkdocs-material + mkdocs-jupyter.

    python scripts/build_site.py          # after scripts/run_notebooks.py (make run does both)

Reads build/results.json and build/NN_*.ipynb; writes build/site-src/ (pages and mkdocs.yml)
and build/site/ (static HTML: open build/site/index.html, or serve the folder for search).
The index page lists every notebook in reading order with its goal, run time, the model that
produced its numbers, and its status; a failed notebook is shown in red with a link to the
cell that raised. Each page opens with the same facts. Nothing is fetched at build or view
time: system fonts, no MathJax, a local Colab badge image, widget outputs removed (a finished
progress bar needs a widget manager from a CDN and teaches nothing on a static page).
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebook_tools import ROOT, project

BUILD = ROOT / "build"
SOURCE = BUILD / "site-src"
SITE = BUILD / "site"
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
    shutil.rmtree(SOURCE, ignore_errors=True)
    docs = SOURCE / "docs"
    (docs / "assets").mkdir(parents=True)
    for row in rows:
        nbformat.write(page(row), docs / row["notebook"])
    (docs / "index.md").write_text(index(rows, info["repo"]), encoding="utf-8")
    (docs / "assets" / "extra.css").write_text(CSS, encoding="utf-8")
    (docs / "assets" / "colab-badge.svg").write_text(BADGE, encoding="utf-8")
    (docs / "assets" / "no-mathjax.js").write_text(
        "/* the notebooks have no mathematics */\n", encoding="utf-8"
    )
    (SOURCE / "mkdocs.yml").write_text(config(rows), encoding="utf-8")
    if importlib.util.find_spec("mkdocs") is None:
        raise RuntimeError(
            "the site is built with mkdocs: pip install -e '.[site]' (make installs it)"
        )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--clean",
            "--quiet",
            "-f",
            str(SOURCE / "mkdocs.yml"),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"mkdocs build failed:\n{done.stdout}{done.stderr}")
    return SITE / "index.html"


if __name__ == "__main__":
    print(f"site: {build()}")
