"""Every notebook, opened in a real JupyterLab in headless Chromium, runs to the end through
the Run menu, as a reader runs it; and the rendered site reads well at 1280 px.

    make test-browser      # GIST_BROWSER_TESTS=1 pytest tests/browser

Needs Debian's chromium (/usr/bin/chromium; CHROMIUM overrides) and the `browser` extra
(Playwright drives the system browser: nothing is downloaded). Per notebook: a copy is opened in
JupyterLab, Run > Run All Cells is clicked, and the test waits until no cell shows [*] and the
kernel is idle; then it reads the result from the notebook model (window.jupyterapp, exposed by
--expose-app-in-browser) and cross-checks the saved .ipynb, because in the page a traceback and a
harmless warning look alike. It fails on an error output, a cell still running after
BROWSER_TIMEOUT seconds (default 600), a kernel that died, a cell that never ran, or a progress
bar that did not render as a widget. Probe notebooks check that each of those is detected.
Screenshots go to build/screenshots/ (1280 px wide).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
LAB_VENV = Path(
    sys.prefix
)  # the project's environment: its jupyter serves, its python runs the kernels
SOURCE = ROOT / "notebooks"
TIMEOUT = float(os.environ.get("BROWSER_TIMEOUT", "600"))
OUT = ROOT / "build" / "screenshots"
SITE = ROOT / "build" / "site"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "browser-test"
WIDTH = 1280

NOTEBOOKS = sorted(p.name for p in SOURCE.glob("[0-9][0-9]_*.ipynb"))

# Lab settings: all cells attached to the DOM (so DOM queries see every output), no news pop-up.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "scrollPastEnd": False,
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

# ---------------------------------------------------------------- detector probe notebooks
GO_FILE = "zz_probe_dies.go"  # created next to the probe (the kernel's working folder)
_KERNELSPEC = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
PROBES = {
    # a warning and a stderr line are NOT errors; the ValueError is; the last cell never runs
    "zz_probe_raises.ipynb": [
        new_markdown_cell("# probe: raises"),
        new_code_cell("import sys\nprint(sys.executable)"),
        new_code_cell(
            "import warnings, sys\nwarnings.warn('just a warning')\nprint('to stderr', file=sys.stderr)"
        ),
        new_code_cell("raise ValueError('deliberate failure')"),
        new_code_cell("print('never runs')"),
    ],
    # a cell that never finishes within the (short) timeout the probe test uses
    "zz_probe_hangs.ipynb": [
        new_code_cell("x = 1"),
        new_code_cell("import time\ntime.sleep(3600)"),
        new_code_cell("print('queued behind the sleeping cell')"),
    ],
    # the kernel process dies mid-run (a segfault in a native library looks the same). It dies
    # only once the test has seen the first cell's count in the page and created GO_FILE: a
    # kernel that exits at once can take the first cell's unsent reply with it.
    "zz_probe_dies.ipynb": [
        new_code_cell("x = 1"),
        new_code_cell(
            "import os, pathlib, time\n"
            f"go = pathlib.Path({GO_FILE!r})\n"
            "deadline = time.monotonic() + 120\n"
            "while not go.exists() and time.monotonic() < deadline:\n"
            "    time.sleep(0.05)\n"
            "os._exit(1)"
        ),
        new_code_cell("print('after the crash')"),
    ],
    # a tqdm.auto bar, which must render as an ipywidgets progress bar
    "zz_probe_widget.ipynb": [
        new_code_cell(
            "from tqdm.auto import tqdm\nimport time\nfor _ in tqdm(range(5), desc='probe bar'):\n    time.sleep(0.05)"
        ),
    ],
}

# ---------------------------------------------------------------- JS snippets
JS_APP_READY = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!(k && k.status === 'idle' && w.content.widgets.length > 0); }"""

# finished = nothing queued or running ([*]) and the toolbar's kernel indicator says idle
JS_FINISHED = """() => { const panel = window.jupyterapp.shell.currentWidget;
  const busy = Array.from(panel.node.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt'))
                    .some(e => e.textContent.trim() === '[*]:');
  const ind = panel.node.querySelector('.jp-Notebook-ExecutionIndicator');
  return !busy && !!ind && ind.getAttribute('data-status') === 'idle'; }"""

JS_CELLS = """() => { const nb = window.jupyterapp.shell.currentWidget.content;
  return nb.widgets.map((c, i) => {
    const outs = c.model.type === 'code' ? c.model.outputs.toJSON() : [];
    return {index: i, type: c.model.type,
      execution_count: c.model.type === 'code' ? (c.model.executionCount ?? null) : null,
      prompt: (c.node.querySelector('.jp-InputArea-prompt') || {textContent: ''}).textContent.trim(),
      source: c.model.sharedModel.getSource().slice(0, 120),
      errors: outs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue),
      stdout: outs.filter(o => o.output_type === 'stream' && o.name === 'stdout')
                  .map(o => (Array.isArray(o.text) ? o.text.join('') : o.text)).join('').slice(0, 300),
      stderr: outs.filter(o => o.output_type === 'stream' && o.name === 'stderr')
                  .map(o => (Array.isArray(o.text) ? o.text.join('') : o.text).slice(0, 300)),
      widget_outputs: outs.filter(o => o.data && o.data['application/vnd.jupyter.widget-view+json']).length,
    }; }); }"""

# the first code cell has its execution count: the kernel's reply reached the page
JS_FIRST_CELL_COUNTED = """() => { const code = window.jupyterapp.shell.currentWidget.content.widgets
  .filter(c => c.model.type === 'code');
  return code.length > 0 && code[0].model.executionCount != null; }"""

# DOM: rendered widgets vs the three ways a widget can fail to show
JS_WIDGETS = """() => { const root = window.jupyterapp.shell.currentWidget.node;
  const txt = Array.from(root.querySelectorAll('.jp-OutputArea-output')).map(e => e.textContent);
  return {
    widget_views: root.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets').length,
    progress_bars: root.querySelectorAll('.jupyter-widgets.widget-hprogress .progress-bar').length,
    loading: txt.filter(t => t.includes('Loading widget...')).length,
    error_displaying: txt.filter(t => t.includes('Error displaying widget')).length,
    text_fallback: txt.filter(t => /(HBox|FloatProgress|IntProgress)\\(/.test(t)).length,
  }; }"""


@dataclass
class Result:
    notebook: str
    open_s: float = 0.0  # page load + kernel start
    run_s: float = 0.0  # Run All clicked -> finished
    finished: bool = False
    code_cells: int = 0
    executed: int = 0
    errors: list = field(default_factory=list)  # [(cell index, "Ename: evalue")]
    stderr_cells: list = field(
        default_factory=list
    )  # cells with stderr output that is not an error
    unfinished: list = field(default_factory=list)  # [(cell index, source head)] still [*]
    not_run: list = field(default_factory=list)  # code cells without an execution count
    first_stdout: str = ""  # stdout of the first code cell (the probe prints sys.executable)
    widgets: dict = field(default_factory=dict)
    widget_outputs_in_model: int = 0
    saved_errors: list = field(default_factory=list)  # from the .ipynb saved by the UI
    dialogs: list = field(
        default_factory=list
    )  # e.g. "Kernel Restarting: ... appears to have died"
    kernel_status: str = ""  # toolbar indicator after the run: idle / busy / restarting / dead ...
    screenshot: str = ""


# ---------------------------------------------------------------- fixtures
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout} s")


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab from LAB_VENV on a free port, serving copies of the notebooks + probes."""
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    root.mkdir()
    for name in NOTEBOOKS:
        shutil.copy(SOURCE / name, root / name)
    for name, cells in PROBES.items():
        nbformat.write(new_notebook(cells=cells, metadata=_KERNELSPEC), root / name)
    settings = base / "settings"
    for rel, value in LAB_SETTINGS.items():
        (settings / rel).parent.mkdir(parents=True, exist_ok=True)
        (settings / rel).write_text(json.dumps(value))
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(base / "config"),  # isolate from ~/.jupyter
        JUPYTER_DATA_DIR=str(base / "data"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        GIST_QUICK="1",
        GIST_PROGRESS="1",
        HF_HUB_OFFLINE="1",
        # a fresh embedding cache, so encoding shows its progress bars
        GIST_CACHE_DIR=os.environ.get("GIST_CACHE_DIR", str(base / "cache")),
    )
    port = _free_port()
    cmd = [
        str(LAB_VENV / "bin" / "jupyter"),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}",
        "--expose-app-in-browser",  # window.jupyterapp
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
        "--ServerApp.open_browser=False",
        "--LanguageServerManager.autodetect=False",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(base / "lab.log", "wb")
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{url}/api/status?token={TOKEN}", 60)
        yield {"url": url, "root": root, "log": base / "lab.log"}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server and the kernels it started
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def results():
    OUT.mkdir(parents=True, exist_ok=True)
    collected: dict[str, dict] = {}
    yield collected
    (OUT / "results.json").write_text(json.dumps(collected, indent=2))


# ---------------------------------------------------------------- the runner
def _api(lab, method: str, path: str):
    req = urllib.request.Request(f"{lab['url']}{path}?token={TOKEN}", method=method)
    with urllib.request.urlopen(req, timeout=10) as r:
        body = r.read()
        return json.loads(body) if body else None


def _shutdown_kernel_for(lab, name: str) -> None:
    for s in _api(lab, "GET", "/api/sessions"):
        if s["path"].endswith(name):
            _api(lab, "DELETE", f"/api/sessions/{s['id']}")


def _screenshot_whole_notebook(page, path: Path) -> None:
    """Collapse the side bar, grow the viewport to the notebook's height, screenshot at 1280 px."""
    page.evaluate(
        "() => { window.jupyterapp.shell.collapseLeft(); window.jupyterapp.shell.collapseRight(); }"
    )
    page.wait_for_timeout(300)
    inner = page.evaluate("""() => { const s = window.jupyterapp.shell.currentWidget.node
        .querySelector('.jp-WindowedPanel-outer'); return s ? s.scrollHeight : 0; }""")
    chrome = 200  # menu bar, tab bar, toolbar, status bar
    height = max(800, min(inner + chrome, 30000))
    page.set_viewport_size({"width": WIDTH, "height": height})
    page.wait_for_timeout(500)
    page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.node.querySelector('.jp-WindowedPanel-outer').scrollTo(0, 0)"
    )
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": WIDTH, "height": 900})


def _saved_counts(path: Path) -> list:
    try:
        saved = nbformat.read(path, as_version=4)
    except (OSError, ValueError):  # the server is still writing it
        return []
    return [c.get("execution_count") for c in saved.cells if c.cell_type == "code"]


def _wait_until_saved(path: Path, counts: list, timeout: float = 60) -> None:
    """Wait until the file on disk holds the execution counts the page shows (the save landed)."""
    deadline = time.monotonic() + timeout
    while _saved_counts(path) != counts and time.monotonic() < deadline:
        time.sleep(0.25)


def run_in_lab(
    lab, browser, name: str, timeout: float = TIMEOUT, after_run_all=None, when_finished=None
) -> Result:
    """Open `name`, click Run All, wait until it finishes (or `timeout` seconds), read the result.

    `after_run_all(page)`, if given, runs right after the click, before the timeout starts: the
    probes use it to wait for a state the page must reach first. `when_finished(page)`, if
    given, runs once every cell has run (a person using the notebook's widgets)."""
    res = Result(notebook=name)
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    try:
        t0 = time.perf_counter()
        page.goto(f"{lab['url']}/lab/tree/{name}?token={TOKEN}&reset")
        page.wait_for_function(JS_APP_READY, timeout=120_000, polling=250)
        res.open_s = time.perf_counter() - t0

        # What a person does: Run menu > Run All Cells.
        page.click(".lm-MenuBar-item:has-text('Run')")
        page.click("li.lm-Menu-item[data-command='runmenu:run-all']")
        t1 = time.perf_counter()
        if after_run_all is not None:
            after_run_all(page)
        try:
            # two consecutive 'finished' polls, 500 ms apart, so a gap between cells is not 'done'
            page.wait_for_function(
                f"(() => {{ const f = ({JS_FINISHED})(); window.__fin = f ? (window.__fin || 0) + 1 : 0;"
                " return window.__fin >= 2; })",
                timeout=timeout * 1000,
                polling=500,
            )
            res.finished = True
        except Exception:  # playwright TimeoutError
            res.finished = False
        res.run_s = time.perf_counter() - t1

        res.kernel_status = page.evaluate("""() => window.jupyterapp.shell.currentWidget.node
            .querySelector('.jp-Notebook-ExecutionIndicator').getAttribute('data-status')""")
        res.dialogs = page.evaluate("""() => Array.from(document.querySelectorAll('.jp-Dialog'))
            .map(d => d.querySelector('.jp-Dialog-header').textContent.trim() + ': '
                      + d.querySelector('.jp-Dialog-body').textContent.trim())""")
        cells = page.evaluate(JS_CELLS)
        code = [c for c in cells if c["type"] == "code"]
        res.code_cells = len(code)
        res.executed = sum(c["execution_count"] is not None for c in code)
        res.errors = [(c["index"], e) for c in code for e in c["errors"]]
        res.stderr_cells = [
            (c["index"], c["stderr"][0][:200]) for c in code if c["stderr"] and not c["errors"]
        ]
        res.unfinished = [(c["index"], c["source"]) for c in code if c["prompt"] == "[*]:"]
        res.not_run = [c["index"] for c in code if c["execution_count"] is None]
        res.first_stdout = code[0]["stdout"] if code else ""
        res.widget_outputs_in_model = sum(c["widget_outputs"] for c in code)
        try:  # widget views render after their model arrives: let "Loading widget..." settle
            page.wait_for_function(
                f"() => ({JS_WIDGETS})().loading === 0", timeout=30_000, polling=250
            )
        except Exception:  # playwright TimeoutError: the assertion on res.widgets reports it
            pass
        res.widgets = page.evaluate(JS_WIDGETS)
        if res.finished and when_finished is not None:
            when_finished(page)

        shot = OUT / (Path(name).stem + ".png")
        _screenshot_whole_notebook(page, shot)
        res.screenshot = str(shot)

        if not res.finished:  # stop the running cell so the kernel can be shut down cleanly
            page.evaluate("() => window.jupyterapp.commands.execute('kernelmenu:interrupt')")
        else:  # cross-check with what the UI saves to disk
            page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
            _wait_until_saved(lab["root"] / name, [c["execution_count"] for c in code])
            saved = nbformat.read(lab["root"] / name, as_version=4)
            res.saved_errors = [
                (i, f"{o.ename}: {o.evalue}")
                for i, c in enumerate(saved.cells)
                if c.cell_type == "code"
                for o in c.outputs
                if o.output_type == "error"
            ]
    finally:
        page.close()
        try:
            _shutdown_kernel_for(lab, name)
        except OSError:
            pass
    return res


def _describe(r: Result) -> str:
    return json.dumps(asdict(r), indent=1)


def _search_box_answers(page) -> None:
    """Notebook 10's search box: type a question, press Enter, and its hits must appear with
    the typed words marked in the matching chunk."""
    box = page.locator("input[placeholder='Ask the documents…']")
    box.fill("short sleep and obesity in children")
    box.press("Enter")
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('li.gist-hit mark'))
            .some(m => m.textContent.toLowerCase() === 'sleep')""",
        timeout=60_000,
        polling=250,
    )
    assert page.locator("li.gist-hit").count() == 5


# What a person does with a notebook's widgets once it has run, per notebook.
WHEN_FINISHED = {"10_your_documents_in_a_vector_database.ipynb": _search_box_answers}


# ---------------------------------------------------------------- the tests
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab(lab, browser, results, name):
    r = run_in_lab(lab, browser, name, when_finished=WHEN_FINISHED.get(name))
    results[name] = asdict(r)
    print(
        f"\n{name}: open {r.open_s:.1f} s, run {r.run_s:.1f} s, {r.executed}/{r.code_cells} cells, "
        f"widgets {r.widgets}, stderr cells {len(r.stderr_cells)}"
    )
    assert r.finished, (
        f"{name}: still running after {TIMEOUT:.0f} s at {r.unfinished[:1]}\n{_describe(r)}"
    )
    assert not r.errors, f"{name}: error output {r.errors}\n{_describe(r)}"
    assert not r.saved_errors, f"{name}: saved notebook has errors {r.saved_errors}"
    assert not r.dialogs, f"{name}: dialog shown {r.dialogs}"
    assert r.executed == r.code_cells, f"{name}: cells never ran {r.not_run}\n{_describe(r)}"
    w = r.widgets
    assert not (w["loading"] or w["error_displaying"] or w["text_fallback"]), (
        f"{name}: widget failed to render {w}"
    )
    assert w["widget_views"] >= r.widget_outputs_in_model, (
        f"{name}: widget outputs not rendered {w}"
    )


# -- the detector's own tests: each must see what it is built to see
def test_detects_error(lab, browser, results):
    r = run_in_lab(lab, browser, "zz_probe_raises.ipynb", timeout=120)
    results["zz_probe_raises.ipynb"] = asdict(r)
    assert r.finished
    assert r.errors == [(3, "ValueError: deliberate failure")], _describe(r)
    assert r.saved_errors == [(3, "ValueError: deliberate failure")]
    assert [i for i, _ in r.stderr_cells] == [2], "a warning on stderr is not an error"
    assert r.not_run == [4], "Run All stops at the failing cell"
    assert r.first_stdout.strip() == str(LAB_VENV / "bin" / "python"), (
        "kernel runs LAB_VENV's python"
    )


def _first_cell_counted(page) -> None:
    page.wait_for_function(JS_FIRST_CELL_COUNTED, timeout=120_000, polling=100)


def test_detects_cell_that_never_finishes(lab, browser, results):
    # the 10 s start once the first cell has its count, so the sleeping cell is the one running
    r = run_in_lab(
        lab, browser, "zz_probe_hangs.ipynb", timeout=10, after_run_all=_first_cell_counted
    )
    results["zz_probe_hangs.ipynb"] = asdict(r)
    assert not r.finished
    assert r.unfinished[0][0] == 1 and "sleep" in r.unfinished[0][1], _describe(
        r
    )  # first [*] = running
    assert r.not_run == [1, 2]


def test_detects_kernel_death(lab, browser, results):
    go = lab["root"] / GO_FILE
    go.unlink(missing_ok=True)

    def kill_after_first_cell(page):  # the kernel dies only after cell 0's count is in the page
        _first_cell_counted(page)
        go.touch()

    r = run_in_lab(
        lab, browser, "zz_probe_dies.ipynb", timeout=60, after_run_all=kill_after_first_cell
    )
    go.unlink(missing_ok=True)
    results["zz_probe_dies.ipynb"] = asdict(r)
    print("\nkernel death:", _describe(r))
    # no error output and no [*]: the kernel restarts, the crashed cell loses its count and Lab
    # shows a dialog. The real-notebook test catches it by "every code cell has a count".
    assert r.not_run == [1, 2] and not r.errors, _describe(r)
    assert any("appears to have died" in d for d in r.dialogs), r.dialogs


def test_detects_widget_progress_bar(lab, browser, results):
    r = run_in_lab(lab, browser, "zz_probe_widget.ipynb", timeout=120)
    results["zz_probe_widget.ipynb"] = asdict(r)
    assert r.finished and not r.errors
    assert r.widget_outputs_in_model == 1
    assert r.widgets["progress_bars"] == 1 and r.widgets["widget_views"] == 1, r.widgets


# ---------------------------------------------------------------- the rendered site
SITE_PAGES = {"index": "", "03_similarity": "03_similarity/"}


@pytest.fixture(scope="session")
def site_url():
    """build/site served on loopback (search needs HTTP); built from a quick run if missing."""
    import functools
    import http.server
    import socketserver
    import threading

    if not (SITE / "index.html").exists():
        env = dict(os.environ, GIST_QUICK="1")
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "run_notebooks.py"), "01", "03"],
            env=env,
            check=True,
        )

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = socketserver.ThreadingTCPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(SITE))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_site_pages_render_offline_at_1280_px(browser, site_url):
    context = browser.new_context(viewport={"width": WIDTH, "height": 900})
    outside, console_errors = [], []
    context.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith((site_url, "data:")) else None,
    )
    page = context.new_page()
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, path in SITE_PAGES.items():
        page.goto(site_url + path, wait_until="networkidle")
        page.screenshot(path=str(OUT / f"site_{name}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, (
            f"{name} scrolls sideways"
        )
    page.goto(site_url, wait_until="networkidle")
    rows = page.locator("table tbody tr")
    assert rows.count() >= 1
    nav = page.locator("nav.md-nav--primary .md-nav__link").all_inner_texts()
    assert any("Load the GIST model" in t for t in nav), nav
    for row in range(rows.count()):
        cells = rows.nth(row).locator("td").all_inner_texts()
        if cells[-1] != "ok":  # a failed notebook is red and links to its failing cell
            assert (
                rows.nth(row).evaluate(
                    "r => getComputedStyle(r.querySelector('.status-failed')).color"
                )
                == "rgb(176, 0, 32)"
            )
    page.locator(".md-search__input").first.click()
    page.locator(".md-search__input").first.press_sequentially("cosine", delay=50)
    try:  # the search index loads in a web worker: wait for the first result, not a fixed time
        page.locator(".md-search-result__item").first.wait_for(timeout=30_000)
    except Exception:  # playwright TimeoutError: the assertion below says what is missing
        pass
    assert page.locator(".md-search-result__item").count() > 0, "search found nothing"
    context.close()
    assert not outside, f"the site fetched from outside: {sorted(set(outside))[:5]}"
    assert not console_errors, console_errors[:5]
