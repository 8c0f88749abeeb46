"""Keep Ray's one known C++ note out of a notebook's output, and nothing else.

The first time a Ray Data job starts an actor in a process, Ray's C++ core writes a line to the
process's error stream (file descriptor 2, below Python's ``sys.stderr``)::

    E … core_worker.cc:…: Actor with class name: 'MapWorker(…)' … has constructor arguments in
    the object store and max_restarts > 0 …

It notes that a restarted actor would fail if those objects were lost; nothing is wrong (notebook
08 explains it). Ray has no option that drops this line alone: ``max_restarts=0`` turns restarts
off, and a lower C++ log level hides real errors too. :func:`without_ray_restart_note` catches
what is written to descriptor 2 while its block runs and passes every other line on.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["without_ray_restart_note"]

RAY_RESTART_NOTE = "has constructor arguments in the object store and max_restarts > 0"


@contextmanager
def without_ray_restart_note() -> Iterator[None]:
    """Run the block with file descriptor 2 caught; re-emit every line but Ray's restart note.

    The other lines are written to ``sys.stderr`` after the block, also when it raises. Python's
    own ``sys.stderr`` writes are not touched when it is not descriptor 2 (as in Jupyter).
    """
    sys.stderr.flush()
    caught, saved = tempfile.TemporaryFile(), os.dup(2)
    os.dup2(caught.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        caught.seek(0)
        text = caught.read().decode(errors="replace")
        caught.close()
        kept = [line for line in text.splitlines() if RAY_RESTART_NOTE not in line]
        if kept:
            print("\n".join(kept), file=sys.stderr, flush=True)
