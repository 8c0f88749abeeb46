"""gh.without_ray_restart_note: Ray's one C++ note is dropped, every other line written to fd 2 kept."""

import subprocess
import sys
import textwrap

import gist_helpers as gh
from gist_helpers.ray_output import RAY_RESTART_NOTE

NOTE = (
    "[2026-12-04 14:37:11,053 E 5979 5979] core_worker.cc:2465: Actor with class name: "
    "'MapWorker(MapBatches(Embedder))' and ID: '0a' " + RAY_RESTART_NOTE + ". It's recommended"
)


def run(body: str) -> subprocess.CompletedProcess:
    """Run body in a fresh interpreter (a C++ library writes to descriptor 2 as os.write does)."""
    script = "import os, sys\nimport gist_helpers as gh\n" + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )


def test_the_note_is_dropped_and_every_other_line_kept_in_order():
    done = run(
        f"""
        with gh.without_ray_restart_note():
            os.write(2, b"first real error\\n")
            os.write(2, {NOTE!r}.encode() + b"\\n")
            os.write(2, b"second real error\\n")
            print("python stdout untouched")
        print("after the block", file=sys.stderr)
        """
    )
    assert done.returncode == 0, done.stderr
    assert RAY_RESTART_NOTE not in done.stderr
    assert done.stderr.splitlines() == ["first real error", "second real error", "after the block"]
    assert done.stdout == "python stdout untouched\n"


def test_descriptor_2_comes_back_and_lines_are_kept_when_the_block_raises():
    done = run(
        f"""
        try:
            with gh.without_ray_restart_note():
                os.write(2, {NOTE!r}.encode() + b"\\n" + b"the real cause\\n")
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        os.write(2, b"descriptor 2 is the terminal again\\n")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == ["the real cause", "descriptor 2 is the terminal again"]


def test_nothing_written_means_nothing_printed(capfd):
    with gh.without_ray_restart_note():
        pass
    assert capfd.readouterr().err == ""
