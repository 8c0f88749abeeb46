"""Test-wide settings: quiet progress bars and scaled-down slow steps, also inside notebook kernels."""

import os

os.environ.setdefault("GIST_PROGRESS", "0")
os.environ.setdefault("GIST_QUICK", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
