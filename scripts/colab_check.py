"""Colab dry run: a notebook's setup cell installs this project and leaves Colab's torch and numpy alone.

    python scripts/colab_check.py            # make test-colab; exit 1 on any problem

1. Copy this checkout's files (tracked, and untracked but not ignored) to a temporary folder, so
   pip's build never writes into the checkout.
2. A fresh virtual environment like Colab's: torch (pinned, CPU build) and numpy at Colab's version.
3. For each distinct install line of the notebooks' setup cells (one per set of extras), swap the
   git URL for the copy and run it with `pip install --dry-run --report`: it fails if pip would
   install torch, numpy or CUDA packages (nvidia-*, triton), i.e. replace what Colab provides.
4. Run notebook 01's setup cell, unchanged but for the URL, in a kernel of that environment with
   a fake `google.colab` module, so its `%pip install` really runs as on Colab; then the next
   code cells. Any error fails the check; so does a changed torch or numpy.

Writes build/colab/report.json and the executed notebook beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PROTECTED = {"torch", "numpy"}
CUDA_HINT = re.compile(r"^(nvidia-.*|triton)$")
PIP_LINE = re.compile(r'^\s*%pip install (?P<args>.*?)"(?P<spec>[^"]+)"\s*$', re.M)
GIT_URL = re.compile(r"git\+https://\S+?@[\w.\-/]+$")
FAKE_COLAB = "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')"

timings: dict[str, float] = {}


def timed(label):
    class _T:
        def __enter__(self):
            self.t = time.perf_counter()

        def __exit__(self, *exc):
            timings[label] = round(time.perf_counter() - self.t, 1)
            print(f"  {label}: {timings[label]} s", flush=True)

    return _T()


def sh(*cmd, **kw) -> subprocess.CompletedProcess:
    print("$", " ".join(map(str, cmd)), flush=True)
    return subprocess.run(list(map(str, cmd)), check=True, text=True, **kw)


def copy_checkout(src: Path, dst: Path) -> None:
    files = (
        subprocess.run(
            ["git", "-C", src, "ls-files", "-z", "-co", "--exclude-standard"],
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, files):
        s = src / rel
        if s.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(s, dst / rel)


def versions(py: Path) -> dict:
    out = subprocess.run(
        [py, "-m", "pip", "list", "--format=json"], check=True, capture_output=True, text=True
    ).stdout
    return {p["name"].lower(): p["version"] for p in json.loads(out)}


def setup_spec(nb) -> tuple[str, str]:
    """(pip options, requirement) from the %pip line of the setup cell."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "google.colab" in cell.source:
            m = PIP_LINE.search(cell.source)
            if m:
                return m.group("args").strip(), m.group("spec")
    raise SystemExit("no guarded %pip install line found in the setup cell")


def local_spec(spec: str, checkout: Path) -> str:
    new = GIT_URL.sub(checkout.as_uri(), spec)
    if new == spec:
        raise SystemExit(f"could not find a git URL to replace in {spec!r}")
    return new


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkout", default=str(ROOT))
    ap.add_argument("--notebook", default="01_load_the_model.ipynb")
    ap.add_argument("--cells", type=int, default=3, help="code cells to execute (0 = all)")
    ap.add_argument("--torch", default="torch==2.13.0")
    ap.add_argument("--numpy", default="numpy==2.0.2", help="Colab's numpy in 2025/26 images")
    ap.add_argument("--out", default=str(ROOT / "build" / "colab"))
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (venv, copy)")
    ap.add_argument("--dry-run-only", action="store_true", help="stop after the pip dry runs")
    args = ap.parse_args()
    if not re.fullmatch(r"torch==[\w.+]+", args.torch):
        raise SystemExit("pin torch exactly (torch==X): an unpinned torch is a multi-GB CUDA build")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="colab-dry-run-"))
    src, venv = work / "src", work / "venv"
    py = venv / "bin" / "python"
    report: dict = {"problems": []}
    t_all = time.perf_counter()
    try:
        with timed("copy checkout"):
            copy_checkout(Path(args.checkout), src)
        with timed("venv + torch + numpy + ipykernel"):
            sh(sys.executable, "-m", "venv", venv)
            sh(py, "-m", "pip", "install", "-q", args.torch, args.numpy, "ipykernel")
        before = versions(py)
        report["base"] = {k: before[k] for k in ("torch", "numpy", "pip")}
        print("  base:", report["base"])

        # 3. dry runs, one per distinct extras set in the catalogue
        catalog = tomllib.loads((src / "notebooks" / "catalog.toml").read_text())["notebook"]
        specs = {}
        for entry in catalog:
            nb = nbformat.read(src / "notebooks" / entry["file"], as_version=4)
            opts, spec = setup_spec(nb)
            specs.setdefault(local_spec(spec, src), (opts, []))[1].append(entry["file"])
        report["dry_runs"] = []
        for spec, (opts, files) in specs.items():
            rj = work / f"report-{len(report['dry_runs'])}.json"
            with timed(f"dry run {spec.split(' @ ')[0]}"):
                sh(py, "-m", "pip", "install", *opts.split(), "--dry-run", "--report", rj, spec)
            items = json.loads(rj.read_text())["install"]
            would = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in items}
            bad = {n: v for n, v in would.items() if n in PROTECTED or CUDA_HINT.match(n)}
            report["dry_runs"].append(
                {
                    "spec": spec,
                    "notebooks": files,
                    "would_install": len(would),
                    "replaced_or_cuda": bad,
                }
            )
            print(f"  {spec}: {len(would)} packages to install; protected/CUDA: {bad or 'none'}")
            for n, v in bad.items():
                report["problems"].append(
                    f"{spec}: would install {n}=={v} over {before.get(n, 'nothing')}"
                )

        if args.dry_run_only:
            return 1 if report["problems"] else 0

        # 4. really install, the Colab way: run the setup cell itself in a kernel of this venv
        sh(py, "-m", "ipykernel", "install", "--prefix", venv, "--name", "colab-sim")
        os.environ["JUPYTER_PATH"] = str(venv / "share" / "jupyter")
        nb = nbformat.read(src / "notebooks" / args.notebook, as_version=4)
        code_idx = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        keep = code_idx if args.cells == 0 else code_idx[: args.cells]
        cells = [
            c
            for i, c in enumerate(nb.cells)
            if i in keep or (i < keep[-1] and c.cell_type == "markdown")
        ]
        for c in cells:
            if c.cell_type == "code" and "google.colab" in c.source:
                spec = PIP_LINE.search(c.source).group("spec")
                c.source = c.source.replace(spec, local_spec(spec, src))
        nb.cells = [nbformat.v4.new_code_cell(FAKE_COLAB)] + cells
        env_note = {"HF_HUB_OFFLINE": "1", "GIST_QUICK": "1", "GIST_PROGRESS": "0"}
        os.environ.update(env_note)
        client = NotebookClient(
            nb, timeout=1800, kernel_name="colab-sim", resources={"metadata": {"path": str(work)}}
        )  # cwd outside src
        with timed(f"setup cell (real %pip install) + first {len(keep)} code cells"):
            client.execute()
        nbformat.write(nb, out / f"colab_{args.notebook}")
        after = versions(py)
        for name in PROTECTED:
            if before.get(name) != after.get(name):
                report["problems"].append(
                    f"after install: {name} {before.get(name)} -> {after.get(name)}"
                )
        report["after"] = {
            k: after.get(k)
            for k in ("torch", "numpy", "gist-notebooks", "sentence-transformers", "transformers")
        }
        stream = "".join(
            o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
        )
        report["banner"] = next(
            (line for line in stream.splitlines() if line.startswith("[model]")), None
        )
        report["venv_mb"] = round(
            sum(f.stat().st_size for f in venv.rglob("*") if f.is_file()) / 2**20
        )
    finally:
        timings["total"] = round(time.perf_counter() - t_all, 1)
        report["timings_s"] = timings
        (out / "report.json").write_text(json.dumps(report, indent=2))
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept", work)
    print(json.dumps(report, indent=2))
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
