"""Shared helpers for the GIST notebooks: load the model, encode, compare, cluster, retrieve.

Every notebook starts with ``import gist_helpers as gh``; each helper's docstring names
the notebook that teaches it. Each module lists its public names in ``__all__``.
"""

from .backend_report import *  # noqa: F403
from .backends import *  # noqa: F403
from .cache import *  # noqa: F403
from .clustering import *  # noqa: F403
from .data import *  # noqa: F403
from .encoding import *  # noqa: F403
from .metrics import *  # noqa: F403
from .model import *  # noqa: F403
from .plotting import *  # noqa: F403
from .quantization import *  # noqa: F403
from .retrieval import *  # noqa: F403
from .search import *  # noqa: F403
from .settings import *  # noqa: F403
from .similarity import *  # noqa: F403
from .speed import *  # noqa: F403
from .sts import *  # noqa: F403
