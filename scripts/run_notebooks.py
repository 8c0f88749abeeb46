"""Execute the notebooks headless into build/, then build the rendered site (build/site/).

    python scripts/run_notebooks.py [NAME ...]

A NAME picks the catalogued notebooks whose file name contains it, in any case ("07",
"classification"), or names one by its path ("notebooks/07_classification.ipynb"); no NAME
runs them all. A NAME that matches nothing stops the run before it starts (exit 2), listing
the notebooks. Prints a table (notebook, seconds, model used, status) and exits 1 if any
notebook failed (a missing or unreadable notebook is reported FAILED and the run goes on)
or broke the quiet-output rules (scripts/output_rules.py: an output block over 40 lines, a
library log line) without an entry in scripts/output_rules_allow.toml; those problems are
listed under the table. A failed notebook is still written out, and its status names the
exception and the cell that raised it. build/results.json keeps one row per notebook; running
only some notebooks updates their rows and keeps the others, so the site always lists every
executed notebook.
"""

from __future__ import annotations

import argparse
import json
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_site
import output_rules
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


def unreadable(path: Path, entry: dict) -> dict | None:
    """The row of a catalogued notebook that cannot be run (missing, not a notebook), or None."""
    try:
        nbformat.read(path, as_version=4)
        return None
    except FileNotFoundError:
        problem = f"the notebook is missing ({path})"
    except (OSError, ValueError, nbformat.ValidationError) as err:
        problem = f"not a valid notebook ({type(err).__name__}: {str(err).splitlines()[0][:120]})"
    return {
        "notebook": path.name,
        "title": entry.get("title", path.stem),
        "goal": entry.get("goal", "").strip(),
        "seconds": 0.0,
        "model": "?",
        "status": f"FAILED: {problem}",
        "anchor": "",
        "mode": "",
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "output_problems": [],
    }


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
    nbformat.write(nb, BUILD / path.name)
    failure = first_error(nb)
    allowed = output_rules.allowed()
    known = output_rules.explained().get(path.name, [])
    loud = output_rules.notebook_problems(nb, path.name, cells=False, known_lines=known)
    return {
        "notebook": path.name,
        "title": entry["title"],
        "goal": entry["goal"].strip(),
        "seconds": round(seconds, 1),
        "model": model_used(nb),
        "status": "ok"
        if failure is None
        else f"FAILED in cell {failure['cell']}: {failure['error']}",
        "anchor": "" if failure is None else failure["anchor"],
        "mode": "quick"
        if os.environ.get("GIST_QUICK", "").strip().lower() in {"1", "true", "yes", "on"}
        else "full",
        "date": time.strftime("%Y-%m-%d %H:%M"),
        # each broken quiet-output rule, with the allow-list's reason where it has one
        "output_problems": [
            {"problem": str(p), "allowed": allowed.get((p.notebook, p.rule), "")} for p in loud
        ],
    }


def merge_results(rows: list[dict]) -> list[dict]:
    """build/results.json with these rows replacing their notebooks' earlier ones."""
    file = BUILD / "results.json"
    try:
        earlier = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        earlier = []
    fresh = {r["notebook"] for r in rows}
    merged = [r for r in earlier if isinstance(r, dict) and r.get("notebook") not in fresh] + rows
    file.write_text(json.dumps(merged, indent=1), encoding="utf-8")
    return merged


def pick(catalog: list[dict], names: list[str]) -> tuple[list[dict], list[str]]:
    """The catalogued notebooks the names pick, in catalogue order, and the names that pick
    none. A name matches a file name it is part of, in any case; a path matches by its file."""
    picked, unmatched = set(), []
    for name in names:
        fragment = Path(name.strip()).name.lower() if name.strip() else ""
        found = {e["file"] for e in catalog if fragment and fragment in e["file"].lower()}
        if not found:
            unmatched.append(name)
        picked |= found
    return [e for e in catalog if not names or e["file"] in picked], unmatched


def main(names: list[str]) -> int:
    catalog = project()["notebooks"]
    parser = argparse.ArgumentParser(
        prog="run_notebooks.py",
        description="Execute the notebooks headless into build/ and build the site build/site/.",
        epilog="notebooks: " + ", ".join(Path(e["file"]).stem for e in catalog),
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help='part of a notebook\'s file name ("07", "classification") or its path; none: all',
    )
    names = parser.parse_args(names).names
    entries, unmatched = pick(catalog, names)
    if unmatched:
        print(
            f"no notebook matches {', '.join(map(_shown, unmatched))}; the notebooks are: "
            + ", ".join(Path(e["file"]).stem for e in catalog),
            file=sys.stderr,
        )
        return 2
    BUILD.mkdir(exist_ok=True)
    os.environ.setdefault("GIST_PROGRESS", "0")
    rows = []
    for entry in entries:
        path = NOTEBOOKS / entry["file"]
        print(f"running {entry['file']} …", flush=True)
        rows.append(unreadable(path, entry) or run_one(path, entry))
    site = build_site.build(merge_results(rows))
    red, plain = ("\x1b[31m", "\x1b[0m") if sys.stdout.isatty() else ("", "")
    width = max(len(r["notebook"]) for r in rows)
    print(f"\n{'notebook':<{width}}  {'seconds':>8}  model used / status")
    for r in rows:
        colour = red if r["status"] != "ok" else ""
        print(
            f"{colour}{r['notebook']:<{width}}  {r['seconds']:8.1f}  {r['model']}  {r['status']}{plain if colour else ''}"
        )
        if r["status"] != "ok" and r["anchor"]:  # a notebook that ran: its page shows the cell
            link = build_site.SITE / Path(r["notebook"]).stem / f"index.html#{r['anchor']}"
            print(f"{colour}{'':<{width}}  {'':>8}  see {link}{plain if colour else ''}")
    print(f"\ntotal {sum(r['seconds'] for r in rows):.1f} s · the site: {site}")
    loud = [p for r in rows for p in r["output_problems"] if not p["allowed"]]
    noted = [p for r in rows for p in r["output_problems"] if p["allowed"]]
    if noted:
        print(f"\nquiet outputs, allowed for now ({output_rules.ALLOW_FILE.name}):")
        print("\n".join(f"  {p['problem']}" for p in noted))
    if loud:
        print(f"\n{red}quiet outputs: {len(loud)} problem(s) a reader would scroll past{plain}")
        print("\n".join(f"{red}  {p['problem']}{plain}" for p in loud))
    return 0 if all(r["status"] == "ok" for r in rows) and not loud else 1


def _shown(name: str) -> str:
    """A name as typed, quoted when it is blank (an empty RUN word)."""
    return name if name.strip() else repr(name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
