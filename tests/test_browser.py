"""Lessons as a student meets them: JupyterLab (configured as `make lab` does) in a real Chromium.

For a sample of lessons, student and solution versions: Run All reaches the end, every figure
renders, a slider redraws its figure, interactive figures survive save and reopen, and nbgrader's
Validate button gives the verdict the version deserves. Playwright drives the distribution's
Chromium (`make test` installs Debian's package when it is missing). A failing test leaves a
screenshot of the page in test-artifacts/browser/.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest

from autograder import lessons
from tests.notebook_tools import cell_errors, is_exercise_or_test

pytestmark = pytest.mark.slow
playwright = pytest.importorskip("playwright.sync_api", reason="Playwright comes with the test extra: make install")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
SAMPLE = ["01_retina", "05_hippocampus"]
VERDICTS = {"solution": ["Success! Your notebook passes all the tests."],
            "student": ["The following cell failed", "this exercise is not written yet"]}
RUN_ALL_TIMEOUT_MS = 300_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, mnist_dir):
    """A JupyterLab server on a folder holding the sample lessons in both versions; stopped after the module."""
    root = tmp_path_factory.mktemp("lab")
    for version, folder in (("student", lessons.LESSONS), ("solution", lessons.SOLUTIONS)):
        (root / version).mkdir()
        for name in SAMPLE:
            shutil.copyfile(folder / f"{name}.ipynb", root / version / f"{name}.ipynb")
    home = tmp_path_factory.mktemp("home")
    port = free_port()
    environment = dict(os.environ, JUPYTER_CONFIG_PATH=str(ROOT / "student_lab"), NEUROKIT_DATA=str(mnist_dir), HOME=str(home),
                       JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}", "--ServerApp.port_retries=0",
               "--IdentityProvider.token=", "--ServerApp.password=", "--LabApp.expose_app_in_browser=True", f"--ServerApp.root_dir={root}"]
    log = (root.parent / "jupyterlab.log").open("w")
    server = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"JupyterLab did not start; its log: {Path(log.name).read_text()[-3000:]}")
            time.sleep(0.5)
    yield {"url": url, "root": root}
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"No Chromium at {CHROMIUM}: install the distribution's package (apt-get install chromium); `make test` does it as root.")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Browser:
    """One browser context; each notebook opens in a page of its own, on an empty JupyterLab workspace."""

    def __init__(self, chromium, url: str):
        self.context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        self.context.set_default_timeout(60_000)
        self.url = url
        self.page = None

    def open(self, path: str):
        if self.page is not None:
            self.page.close()  # without beforeunload: the notebook is saved
        self.page = self.context.new_page()
        self.page.on("dialog", lambda dialog: dialog.dismiss())
        self.page.goto(f"{self.url}/lab/workspaces/{uuid.uuid4().hex}/tree/{path}")  # a new workspace: no tabs restored from an earlier page
        self.page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
        return self.page


@pytest.fixture
def browser(chromium, lab, request):
    """A fresh browser context; when the test fails, a screenshot of its page goes to test-artifacts/browser/."""
    browser = Browser(chromium, lab["url"])
    failures_before = request.session.testsfailed
    yield browser
    if request.session.testsfailed > failures_before and browser.page is not None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), timeout=30_000)
    browser.context.close()


KERNEL_READY = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext && panel.sessionContext.session && panel.sessionContext.session.kernel;
    return kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""


def run_all(page):
    """Run All once the kernel is connected (JupyterLab shows 'idle' before it is); wait until the run ends, at the end or at an error."""
    page.wait_for_function(KERNEL_READY, timeout=120_000, polling=500)
    page.evaluate("""() => { window.runAllEnded = false;
        window.jupyterapp.commands.execute('notebook:run-all-cells').finally(() => { window.runAllEnded = true; }); }""")
    page.wait_for_function("""() => {
        const panel = window.jupyterapp.shell.currentWidget;
        const cells = Array.from({length: panel.content.model.cells.length}, (_, i) => panel.content.model.cells.get(i));
        const queued = cells.some(cell => cell.type === 'code' && cell.executionState === 'running');
        return window.runAllEnded && !queued && panel.sessionContext.session.kernel.status === 'idle';
    }""", timeout=RUN_ALL_TIMEOUT_MS, polling=1000)
    try:  # the kernel can be idle for a moment between two cells: give the last ones time to start
        page.wait_for_function(ALL_CODE_CELLS_RAN, timeout=30_000, polling=500)
    except playwright.TimeoutError:
        pass  # Run All stopped early: the test's checks of the saved notebook say where


ALL_CODE_CELLS_RAN = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const cells = Array.from({length: panel.content.model.cells.length}, (_, i) => panel.content.model.cells.get(i));
    const code = cells.filter(cell => cell.type === 'code' && cell.sharedModel.getSource().trim());
    return panel.sessionContext.session.kernel.status === 'idle' && code.every(cell => cell.executionCount);
}"""


def save(page):
    """Save the notebook (widget state included) and wait until it is written."""
    page.evaluate("async () => await window.jupyterapp.shell.currentWidget.context.save()")


def expected_figures(notebook) -> list[str]:
    """Cells that draw a static figure (sliders aside): each should hold an image after Run All."""
    return [cell.id for cell in notebook.cells if cell.cell_type == "code" and "interact" not in cell.source
            and ("plt.show()" in cell.source or "display(figures." in cell.source)]


def widget_errors(page) -> list[str]:
    return page.locator("text=Error displaying widget").all_inner_texts()


@pytest.mark.parametrize("version", ["student", "solution"])
@pytest.mark.parametrize("name", SAMPLE)
def test_run_all_draws_every_figure_and_a_slider_redraws_its_own(lab, browser, name, version):
    path = f"{version}/{name}.ipynb"
    page = browser.open(path)
    run_all(page)
    save(page)

    saved = nbformat.read(lab["root"] / path, as_version=4)
    stray = {cell.id: cell_errors(cell) for cell in saved.cells if cell.cell_type == "code" and cell_errors(cell) and not is_exercise_or_test(cell)}
    assert stray == {}, "cells outside exercises raised in the browser"
    unrun = [cell.id for cell in saved.cells if cell.cell_type == "code" and cell.source.strip() and not cell.execution_count]
    assert unrun == [], f"Run All did not reach these cells: {unrun}"
    without_image = [cell_id for cell_id in expected_figures(saved)
                     if not any("image/png" in output.get("data", {}) for output in next(c for c in saved.cells if c.id == cell_id).outputs)]
    assert without_image == [], f"figures that did not render: {without_image}"
    rendered = page.locator(".jp-OutputArea-output img").count()
    assert rendered >= len(expected_figures(saved)), f"{rendered} images on the page for {len(expected_figures(saved))} figures"
    assert widget_errors(page) == []

    interactive = page.locator(".widget-interact").first
    interactive.scroll_into_view_if_needed()
    figure = interactive.locator(".widget-output img").first
    figure.wait_for(state="attached")
    before = figure.get_attribute("src")
    readout_before = interactive.locator(".widget-readout").first.inner_text()
    interactive.locator(".noUi-handle").first.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("""([before]) => {
        const img = document.querySelector('.widget-interact .widget-output img');
        return img && img.getAttribute('src') !== before;
    }""", arg=[before], timeout=60_000)
    assert interactive.locator(".widget-readout").first.inner_text() != readout_before

    save(page)
    page.evaluate("async () => await window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")  # as after a restart: no widget lives in a kernel
    page = browser.open(path)
    page.wait_for_selector(".jp-OutputArea-output img", state="attached")
    page.locator(".widget-interact .widget-output img").first.wait_for(state="attached", timeout=30_000)  # drawn from the saved widget state
    time.sleep(2)
    assert widget_errors(page) == [], "interactive figures did not survive save and reopen"


@pytest.mark.parametrize("version", ["student", "solution"])
def test_validate_gives_the_verdict_the_version_deserves(browser, version):
    page = browser.open(f"{version}/{SAMPLE[0]}.ipynb")
    page.locator(".jp-NotebookPanel-toolbar .validate-button").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=300_000)
    verdict = dialog.inner_text()
    assert all(words in verdict for words in VERDICTS[version]), verdict
