"""Execute every notebook headless into build/: executed copies, HTML and an index page.

    python scripts/run_notebooks.py [NAME_FRAGMENT ...]

Prints a table (notebook, seconds, model used, status) and exits 1 if any notebook failed.
A failed notebook is still written out, and its status names the exception and links to
the cell that raised it.
"""

from __future__ import annotations

import html
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebook_tools import NOTEBOOKS, ROOT, project

BUILD = ROOT / "build"
BANNER = re.compile(r"\[model\] (\S+) · revision (\S+) · source: ([^·]+?) ·")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TIMEOUT_PER_CELL = 1800


def model_used(nb) -> str:
    """The model named by the notebook's banner line, with its source."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            match = BANNER.search(output.get("text", ""))
            if match:
                return f"{match.group(1)} ({match.group(3).strip()})"
    return "?"


def first_error(nb) -> dict | None:
    """The first error output: exception name, the first line of its message, and the cell."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                message = ANSI.sub("", str(output.get("evalue", ""))).strip()
                return {
                    "error": f"{ANSI.sub('', output.get('ename', 'Error'))}: {message.splitlines()[0] if message else ''}",
                    "cell": index,
                    "anchor": f"cell-id={cell.get('id', '')}",
                }
    return None


def run_one(path: Path, entry: dict) -> dict:
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as runtime:
        # IPC transport: no "Kernel is running over TCP without encryption" warning per notebook.
        kernel = KernelManager(
            kernel_name="python3", transport="ipc", ip=str(Path(runtime) / "kernel")
        )
        client = NotebookClient(
            nb,
            km=kernel,
            timeout=TIMEOUT_PER_CELL,
            resources={"metadata": {"path": str(NOTEBOOKS)}},
        )
        start = time.perf_counter()
        try:
            client.execute()
        except CellExecutionError:
            pass  # the error is in the cell's outputs; first_error reads it from there
        finally:
            if kernel.has_kernel:  # a kernel manager we pass in is ours to shut down
                kernel.shutdown_kernel(now=True)
        seconds = time.perf_counter() - start
    html_name = path.with_suffix(".html").name
    nbformat.write(nb, BUILD / path.name)
    body, _ = HTMLExporter().from_notebook_node(nb)
    (BUILD / html_name).write_text(body, encoding="utf-8")
    failure = first_error(nb)
    return {
        "notebook": path.name,
        "title": entry["title"],
        "goal": entry["goal"].strip(),
        "html": html_name,
        "seconds": seconds,
        "model": model_used(nb),
        "status": "ok"
        if failure is None
        else f"FAILED in cell {failure['cell']}: {failure['error']}",
        "link": html_name if failure is None else f"{html_name}#{failure['anchor']}",
    }


def write_index(rows: list[dict]) -> None:
    def row(r: dict) -> str:
        failed = r["status"] != "ok"
        status = html.escape(r["status"])
        status = (
            f"<a class='failed' href='{html.escape(r['link'])}'>{status}</a>" if failed else status
        )
        return (
            f"<tr{' class=failed' if failed else ''}><td><a href='{html.escape(r['html'])}'>"
            f"{html.escape(r['title'])}</a><div class='file'>{html.escape(r['notebook'])}</div></td>"
            f"<td>{html.escape(r['goal'])}</td><td class='num'>{r['seconds']:.1f}</td>"
            f"<td>{html.escape(r['model'])}</td><td>{status}</td></tr>"
        )

    (BUILD / "index.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>GIST notebooks</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:80em}"
        "td,th{padding:.4em .8em;text-align:left;vertical-align:top}th{border-bottom:1px solid #999}"
        ".num{text-align:right}.file{color:#666;font-size:85%}"
        "tr.failed td,a.failed{color:#b00020;font-weight:bold}</style>"
        f"<h1>GIST notebooks, executed {time.strftime('%Y-%m-%d %H:%M')}</h1>"
        "<p>Read the <a href='../README.md'>README</a> for what they teach and how to run them.</p>"
        "<table><tr><th>notebook</th><th>what you learn</th><th>seconds</th><th>model used</th>"
        f"<th>status</th></tr>{''.join(row(r) for r in rows)}</table>",
        encoding="utf-8",
    )


def main(fragments: list[str]) -> int:
    BUILD.mkdir(exist_ok=True)
    os.environ.setdefault("GIST_PROGRESS", "0")
    entries = [
        e for e in project()["notebooks"] if not fragments or any(f in e["file"] for f in fragments)
    ]
    if not entries:
        print(f"no notebook matches {' '.join(fragments)}", file=sys.stderr)
        return 2
    rows = []
    for entry in entries:
        print(f"running {entry['file']} …", flush=True)
        rows.append(run_one(NOTEBOOKS / entry["file"], entry))
    write_index(rows)
    red, plain = ("\x1b[31m", "\x1b[0m") if sys.stdout.isatty() else ("", "")
    width = max(len(r["notebook"]) for r in rows)
    print(f"\n{'notebook':<{width}}  {'seconds':>8}  model used / status")
    for r in rows:
        colour = red if r["status"] != "ok" else ""
        print(
            f"{colour}{r['notebook']:<{width}}  {r['seconds']:8.1f}  {r['model']}  {r['status']}{plain if colour else ''}"
        )
        if r["status"] != "ok":
            print(
                f"{colour}{'':<{width}}  {'':>8}  see {BUILD / r['link']}{plain if colour else ''}"
            )
    print(f"\ntotal {sum(r['seconds'] for r in rows):.1f} s · open {BUILD / 'index.html'}")
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
