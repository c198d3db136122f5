"""The analyst's path: JupyterLab, started as `make lab` starts it, driven in headless
Chromium. Open the national pension notebook, set the scope to Okinawa in the
parameters cell, run all cells, and find the charts and Okinawa's figures in the
narrative, with no error. Also: every notebook run from `notebooks/` (JupyterLab's
working directory) gives the committed outputs."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from helpers.core.paths import project_root
from helpers.data.plan import load_plan
from helpers.data.snapshot import load_snapshot
from helpers.engine.kpi import KpiEngine
from helpers.notebook.execute import notebook_paths, run_notebook, strip_run_metadata

pytestmark = pytest.mark.heavy  # a long module: scheduled first (conftest.py)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


_PROMPTS_JS = "[...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(e => e.textContent)"


def _make_lab_options() -> list[str]:
    """The JupyterLab options `make lab` passes (LAB_OPTIONS in the Makefile)."""
    text = (project_root() / "Makefile").read_text(encoding="utf-8")
    block = text.split("LAB_OPTIONS := ", 1)[1].split("\n\n", 1)[0]
    return block.replace("\\\n", " ").split()


def test_make_lab_keeps_authentication_on():
    text = (project_root() / "Makefile").read_text(encoding="utf-8")
    options = " ".join(_make_lab_options())
    assert "token=" not in text and "password_required" not in text
    assert "--allow-root" not in options  # added only when running as root
    assert '[ "$$(id -u)" = 0 ] && echo --allow-root' in text


def test_lab_refuses_requests_without_the_token(lab):
    url, _, _ = lab
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{url}/api/contents", timeout=5)
    assert refused.value.code == 403


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def lab(tmp_path):
    """JupyterLab on a copy of the project (so the browser's edits touch no committed file)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError("chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    root = tmp_path / "project"
    for name in ("notebooks", "params", "data"):
        shutil.copytree(project_root() / name, root / name)
    shutil.copy(project_root() / "pyproject.toml", root / "pyproject.toml")
    # render every cell (JupyterLab 4 otherwise draws only the cells in view), so the
    # whole notebook can be read from the page
    settings = tmp_path / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}', encoding="utf-8")
    port = _free_port()
    token = secrets.token_hex(24)
    venv_share = Path(sys.prefix) / "share" / "jupyter"
    env = dict(os.environ, WORKBOOK_ROOT=str(root), JUPYTER_PATH=str(venv_share),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"), JUPYTER_TOKEN=token)
    # the options of `make lab` (read from the Makefile), plus a port, a known token and
    # no browser of its own
    options = [o.replace("root_dir=notebooks", f"root_dir={root / 'notebooks'}") for o in _make_lab_options()]
    root_flag = ["--allow-root"] if os.geteuid() == 0 else []
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", f"--ServerApp.port={port}",
         *options, *root_flag],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"JupyterLab did not start: {proc.stderr.read()[-2000:]}")
    yield url, root, token
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _save_from_menu(page, timeout: float = 60) -> None:
    """File > Save Notebook. A menu shows whether a command is enabled as it opens, and
    on a loaded machine Save stays disabled until the notebook's context is ready: open
    the menu again until it is."""
    deadline = time.monotonic() + timeout
    enabled = "li[data-command='docmanager:save']:not(.lm-mod-disabled)"
    while True:
        page.click("text=File", timeout=10_000)
        if page.locator(enabled).count():
            page.click(enabled, timeout=10_000)
            return
        page.keyboard.press("Escape")
        if time.monotonic() > deadline:
            raise AssertionError(f"File > Save Notebook stayed disabled for {timeout} s")
        time.sleep(0.5)


def _saved_notebook(path: Path, before: int, timeout: float = 30) -> dict:
    """The notebook once JupyterLab's save has replaced it and it reads as whole JSON."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if path.stat().st_mtime_ns != before:
                return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            pass  # caught mid-write: read again
        if time.monotonic() > deadline:
            raise AssertionError(f"JupyterLab did not save {path.name} within {timeout} s")
        time.sleep(0.1)


def test_analyst_changes_scope_to_okinawa_and_reruns(lab):
    from playwright.sync_api import sync_playwright

    url, root, token = lab
    engine = KpiEngine(load_snapshot("sample-2023-09-30"), load_plan())
    okinawa_rate = f'{engine.evaluate("NP04", area="47").value:.1f}%'  # a rate to 0.1, as the plan states it
    national_rate = f'{engine.evaluate("NP04", area="00").value:.1f}%'
    assert okinawa_rate != national_rate
    started = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/lab/tree/01_national_pension.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
        # Opening a committed notebook changes nothing in it: no metadata is filled in
        # or upgraded once the kernel has answered. Saved straight away, the notebook
        # is the committed one. (The tab's modified mark is not read: on a loaded
        # machine it can flicker while the kernel's reply is applied.)
        notebook = root / "notebooks" / "01_national_pension.ipynb"
        committed = json.loads(notebook.read_text(encoding="utf-8"))
        before = notebook.stat().st_mtime_ns
        _save_from_menu(page)  # the menu saves even a notebook with no change
        # the tab was never marked modified, so its mark says nothing of the save: wait
        # for the file itself (the server writes it in place, so it can be read half-written)
        saved = _saved_notebook(notebook, before)
        editor = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text('snapshot = "sample-2023-09-30"\nplan_file = "params/plan_fy2023.yaml"\n'
                                  'scope = "47"\nfiscal_year = 2023')
        # Clear the committed outputs first: their execution counts would otherwise
        # satisfy the wait below before the run has even started.
        page.click("text=Edit", timeout=10_000)
        page.click("text=Clear Outputs of All Cells", timeout=10_000)
        page.wait_for_function(f"() => {_PROMPTS_JS}.every(t => !/[0-9]/.test(t))", timeout=30_000)
        page.click("text=Run", timeout=10_000)
        page.click("text=Run All Cells", timeout=10_000)
        # Done when every code cell carries an execution count and the kernel is idle,
        # however long a busy machine takes (no fixed sleep).
        page.wait_for_function(
            f"() => {{ const p = {_PROMPTS_JS};"
            " const idle = document.querySelector(\".jp-Notebook-ExecutionIndicator[data-status='idle']\");"
            " return idle !== null && p.length > 0 && p.every(t => /\\[[0-9]+\\]/.test(t)); }",
            timeout=180_000)
        text = page.inner_text(".jp-Notebook")
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()
        images = page.eval_on_selector_all(".jp-OutputArea-output img",
                                           "els => els.map(e => e.naturalWidth)")
        page.screenshot(path=str(root / "lab.png"))
        browser.close()
    assert saved["metadata"] == committed["metadata"] and saved["cells"] == committed["cells"]
    assert errors == 0
    assert "範囲: 沖縄県（都道府県、コード 47）" in text
    assert "<strong>" not in text and "**" not in text  # markdown is rendered, not shown raw
    assert f"現年度納付率は{okinawa_rate}" in text
    assert len(images) >= 7 and all(w > 300 for w in images)
    print(f"browser test: {time.monotonic() - started:.1f}s")


# nbval re-executes every committed notebook; this runs one (the quickest) through
# papermill from the notebooks folder, as JupyterLab does, to catch path assumptions.
@pytest.mark.parametrize("notebook", [p for p in notebook_paths() if p.stem == "04_records"], ids=lambda p: p.stem)
def test_notebook_run_from_notebooks_folder_gives_committed_outputs(tmp_path, notebook, monkeypatch):
    monkeypatch.chdir(notebook.parent)  # as JupyterLab runs it
    ran = strip_run_metadata(run_notebook(notebook, tmp_path / notebook.name, cwd=notebook.parent))
    committed = nbformat.read(notebook, as_version=4)
    want = [c.get("outputs") for c in committed.cells if c.cell_type == "code"]
    got = [c.get("outputs") for c in ran.cells if c.cell_type == "code"]
    assert got == want
