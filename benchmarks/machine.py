"""The machine and the package versions a benchmark's numbers were measured with."""

from __future__ import annotations

import platform
import time
from importlib.metadata import version

import torch

import gist_helpers as gh


def machine(*packages: str) -> dict:
    """CPU, cores, torch threads, int8 kernels, GPU, Python, torch's and packages' versions, UTC time."""
    cpu = gh.cpu_facts()
    return {
        "cpu": cpu["cpu"],
        "cores": cpu["cores"],
        "torch threads": torch.get_num_threads(),
        "int8 kernels": cpu["int8 kernels"],
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else "none",
        "python": platform.python_version(),
        "torch": torch.__version__,
        **{name: version(name) for name in packages},
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
