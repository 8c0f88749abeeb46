"""Notebooks 08 and 10 on a real Ray cluster: a head node started with ``ray start`` on a free port, the
notebook run against it through ``RAY_ADDRESS``, its vectors checked against ``model.encode``,
and the node stopped afterwards, also when the run fails.

Opt-in, since it starts Ray's processes and takes a few minutes: ``make test-ray-cluster``
(CI runs it). The head node uses token authentication, as ``ray start`` does by default
since Ray 2.5x; the notebook's kernel gets only the address and the token's file, as a user
connecting to that cluster would.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "08_embedding_at_scale.ipynb"
RAY = Path(sys.executable).with_name("ray")
STARTUP_TIMEOUT = 180

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("GIST_RAY_CLUSTER_TEST") != "1",
        reason="opt-in: `make test-ray-cluster` starts a Ray head node",
    ),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

# Appended to the notebook: which cluster it ran on, and its vectors against model.encode's.
CHECK = """\
print("connected to", context.address_info["gcs_address"])
again = model.encode(corpus.text.tolist(), batch_size=64, normalize_embeddings=True)
assert np.allclose(X, again, atol=1e-5), np.abs(X - again).max()
print(f"{len(X):,} vectors from the cluster equal model.encode's")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def processes_under(folder: Path) -> list[int]:
    """Ids of the processes whose command line names ``folder`` (the head node's temp dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if str(folder).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def stop(process: subprocess.Popen, folder: Path) -> list[int]:
    """Stop the head node: its process group, then any of its processes left; return those."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            continue
        deadline = time.monotonic() + 30
        while processes_under(folder) and time.monotonic() < deadline:
            time.sleep(1)
        if not processes_under(folder):
            return []
    left = processes_under(folder)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


@pytest.fixture
def head_node(tmp_path):
    """A Ray head node on a free local port, with token authentication; stopped afterwards."""
    token = tmp_path / "auth_token"
    token.write_text(secrets.token_hex(32))
    port = free_port()
    # Short, so Ray's socket paths stay under the 107-character limit.
    folder = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))
    log = tmp_path / "ray-start.log"
    command = [
        str(RAY),
        "start",
        "--head",
        "--block",
        "--node-ip-address=127.0.0.1",
        f"--port={port}",
        "--num-cpus=2",
        f"--object-store-memory={1 << 30}",
        f"--temp-dir={folder}",
        "--include-dashboard=false",
        "--disable-usage-stats",
    ]
    env = os.environ | {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token)}
    with log.open("w") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while "Ray runtime started" not in log.read_text():
            assert process.poll() is None, f"ray start exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no head node after {STARTUP_TIMEOUT} s"
            time.sleep(1)
        yield f"127.0.0.1:{port}", token
    finally:
        left = stop(process, folder)
        subprocess.run(["rm", "-rf", str(folder)], check=False)
    assert not left, f"processes of the head node survived SIGTERM and SIGKILL: {left}"


@pytest.fixture
def on_head_node(head_node, monkeypatch):
    """The environment a user on the cluster has: its address and token, quick mode; the address."""
    address, token = head_node
    monkeypatch.setenv("RAY_ADDRESS", address)
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(token))  # the cluster's token, as a user has it
    monkeypatch.delenv("RAY_AUTH_MODE", raising=False)  # the notebook chooses token mode itself
    monkeypatch.setenv("GIST_QUICK", "1")
    return address


def execute(notebook: nbformat.NotebookNode, folder: Path, tmp_path: Path) -> str:
    """Run a notebook in a fresh kernel with the caller's environment; its stream text."""
    kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path / "kernel"))
    try:
        NotebookClient(
            notebook, km=kernel, timeout=900, resources={"metadata": {"path": str(folder)}}
        ).execute()
    finally:
        if kernel.has_kernel:
            kernel.shutdown_kernel(now=True)
    return "\n".join(
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )


def test_notebook_08_runs_on_a_ray_head_node(on_head_node, tmp_path):
    address = on_head_node
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    end = next(i for i, c in enumerate(notebook.cells) if "ray.shutdown()" in c.source)
    notebook.cells.insert(end, nbformat.v4.new_code_cell(CHECK))
    start = time.monotonic()
    text = execute(notebook, NOTEBOOK.parent, tmp_path)
    assert f"engine: Ray cluster at {address}" in text
    port = address.rsplit(":", 1)[1]  # the head may report another of its addresses
    assert re.search(rf"connected to \S+:{port}\n", text), "the notebook ran on another cluster"
    assert "vectors from the cluster equal model.encode's" in text
    print(f"notebook 08 on the head node at {address}: {time.monotonic() - start:.0f} s")


NOTEBOOK_10 = ROOT / "notebooks" / "10_your_documents_in_a_vector_database.ipynb"


def test_notebook_10_writes_lance_from_a_ray_head_node(on_head_node, tmp_path):
    pytest.importorskip("lancedb")
    address = on_head_node
    start = time.monotonic()
    text = execute(nbformat.read(NOTEBOOK_10, as_version=4), NOTEBOOK_10.parent, tmp_path)
    assert f"engine: Ray cluster at {address}" in text
    # the cell asserts the vectors the cluster's actors wrote equal the table's
    assert re.search(r"\d+ chunks written by \d Ray actor\(s\) into from_ray\.lance", text)
    print(f"notebook 10 on the head node at {address}: {time.monotonic() - start:.0f} s")
