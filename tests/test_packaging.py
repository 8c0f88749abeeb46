"""Packaging: a wheel builds without setuptools warnings and installs every bundled data file."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DATA = "gist_helpers/bundled_data"


def _listed_data_files() -> set[str]:
    """The files of data/README.md's checksum table, and the README itself."""
    table = re.findall(
        r"^\| `([^`]+)` \| `[0-9a-f]{64}` \|", (ROOT / "data" / "README.md").read_text(), re.M
    )
    assert len(table) >= 10, "data/README.md's checksum table was not found"
    return set(table) | {"README.md"}


def test_wheel_builds_quietly_and_installs_every_data_file(tmp_path):
    # Build from a copy: an in-tree build would write build/lib into make run's build/ folder.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for name in ("gist_helpers", "data"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    built = subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", tmp_path / "dist", source],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    noise = [line for line in built.stderr.splitlines() if "Location" not in line]  # pip config
    assert "absent from the `packages`" not in built.stdout + built.stderr
    assert not [line for line in noise if "Warning" in line or "!!" in line], built.stderr

    wheel = next((tmp_path / "dist").glob("gist_notebooks-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        shipped = {
            name.removeprefix(PACKAGE_DATA + "/")
            for name in archive.namelist()
            if name.startswith(PACKAGE_DATA + "/")
        }
    on_disk = {
        str(p.relative_to(ROOT / "data"))
        for p in (ROOT / "data").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert _listed_data_files() <= on_disk, "data/README.md lists a file that data/ lacks"
    assert shipped == on_disk, (
        f"the wheel misses {sorted(on_disk - shipped)} and adds {sorted(shipped - on_disk)}: "
        "list each data/ folder in pyproject.toml's [tool.setuptools] packages and package-data"
    )

    target = tmp_path / "site"
    installed = subprocess.run(
        [*pip, "install", "--no-deps", "--no-index", "--target", target, wheel],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    folder = target / PACKAGE_DATA
    assert {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} == on_disk
