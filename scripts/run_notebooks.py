"""Execute every notebook headless into build/: executed copies, HTML and an index page.

    python scripts/run_notebooks.py [NAME_FRAGMENT ...]

Prints a table (notebook, seconds, model used, status) and exits 1 if any notebook failed.
"""

from __future__ import annotations

import html
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebook_tools import NOTEBOOKS, ROOT, project

BUILD = ROOT / "build"
BANNER = re.compile(r"\[model\] (\S+) · revision (\S+) · source: ([^·]+?) ·")
TIMEOUT_PER_CELL = 1800


def model_used(nb) -> str:
    """The model named by the notebook's banner line, with its source."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            match = BANNER.search(output.get("text", ""))
            if match:
                return f"{match.group(1)} ({match.group(3).strip()})"
    return "?"


def run_one(path: Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=TIMEOUT_PER_CELL, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    start, status = time.perf_counter(), "ok"
    try:
        client.execute()
    except CellExecutionError as err:
        status = "FAILED: " + str(err).strip().splitlines()[-1][:120]
    seconds = time.perf_counter() - start
    nbformat.write(nb, BUILD / path.name)
    body, _ = HTMLExporter().from_notebook_node(nb)
    (BUILD / path.with_suffix(".html").name).write_text(body, encoding="utf-8")
    return {"notebook": path.name, "seconds": seconds, "model": model_used(nb), "status": status}


def write_index(rows: list[dict]) -> None:
    lines = "\n".join(
        f"<tr><td><a href='{html.escape(Path(r['notebook']).with_suffix('.html').name)}'>"
        f"{html.escape(r['notebook'])}</a></td><td>{r['seconds']:.1f}</td>"
        f"<td>{html.escape(r['model'])}</td><td>{html.escape(r['status'])}</td></tr>"
        for r in rows
    )
    (BUILD / "index.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>GIST notebooks</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em 1em;text-align:left}</style>"
        f"<h1>GIST notebooks, executed {time.strftime('%Y-%m-%d %H:%M')}</h1>"
        "<table><tr><th>notebook</th><th>seconds</th><th>model used</th><th>status</th></tr>"
        f"{lines}</table>",
        encoding="utf-8",
    )


def main(fragments: list[str]) -> int:
    BUILD.mkdir(exist_ok=True)
    os.environ.setdefault("GIST_PROGRESS", "0")
    names = [e["file"] for e in project()["notebooks"]]
    names = [n for n in names if not fragments or any(f in n for f in fragments)]
    rows = []
    for name in names:
        print(f"running {name} …", flush=True)
        rows.append(run_one(NOTEBOOKS / name))
    write_index(rows)
    width = max(len(r["notebook"]) for r in rows)
    print(f"\n{'notebook':<{width}}  {'seconds':>8}  model used / status")
    for r in rows:
        print(f"{r['notebook']:<{width}}  {r['seconds']:8.1f}  {r['model']}  {r['status']}")
    print(f"\ntotal {sum(r['seconds'] for r in rows):.1f} s · open {BUILD / 'index.html'}")
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
