"""`make e2e`: every notebook, full and student version, run in JupyterLab in headless Chromium.

For each notebook: open it in JupyterLab, Run > Run All Cells, wait until every cell has
finished, save it there, and fail on an error output, on output on stderr, on a cell that
never finishes, on a widget that does not render, or on an explorer whose slider does not
change the output it drives. A screenshot of each notebook goes to build/e2e/screenshots/,
and a line per notebook (cells, time, sliders moved) to build/e2e/report.txt.

Both versions run in quick mode (IBCOURSE_QUICK=1: smaller grids and fewer epochs, the
same code paths): this test is about JupyterLab, its widgets and its outputs. The full
notebooks at their default sizes, with every claim checked (IBCOURSE_STRICT=1), run under
nbval in `make notebooks`, which also saves the executions the book shows.

The file is not named test_*.py, so that `pytest tests` (make unit) leaves it out: it runs
every notebook, which takes minutes; make e2e names it. Chromium is Debian's
chromium-headless-shell, driven by Playwright through ``executable_path``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from notebook_outputs import interactive_widgets, problems
from playwright.sync_api import Browser, Locator, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[2]
E2E = ROOT / "build" / "e2e"
SCREENSHOTS = E2E / "screenshots"
#: where each version of the notebooks comes from, and the kernel's environment for it
VERSIONS = {"full": (ROOT / "notebooks", {"IBCOURSE_QUICK": "1"}),
            "student": (ROOT / "build" / "student", {"IBCOURSE_QUICK": "1"})}
NOTEBOOKS = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
RUN_TIMEOUT_S = 900  # Run All of one notebook (the slowest took about 90 s under nbval on 2 cores)
WIDGET_TIMEOUT_S = 120  # one redraw of an explorer after its slider moved
#: the network is closed: nothing in the browser may try to reach it
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"]
INSTALL = "sudo apt-get install chromium-headless-shell"
KERNEL_IDLE = ".jp-Notebook-ExecutionIndicator[data-status='idle']"
#: Run All has finished: some prompt shows an execution count, none a '*' (running or queued)
RUN_FINISHED = """() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent);
    return prompts.some(p => /[0-9]/.test(p)) && !prompts.some(p => p.includes('*'));
}"""
#: the first cell still running (numbered from 1, as JupyterLab's status bar does) and its first line
RUNNING_CELL = """() => {
    const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
    const i = cells.findIndex(c => (c.querySelector('.jp-InputPrompt')?.textContent ?? '').includes('*'));
    return i < 0 ? null : [i + 1, cells[i].querySelector('.cm-line')?.textContent ?? ''];
}"""
#: what JupyterLab shows instead of a widget it cannot draw
NOT_RENDERED = re.compile("Loading widget|Error displaying widget")
#: what an output area shows: its text and its images (a redrawn figure is a new image)
SHOWN = "out => out.innerText + [...out.querySelectorAll('img')].map(img => img.src).join()"
STDERR_VIEW = "[data-mime-type='application/vnd.jupyter.stderr']"  # JupyterLab shows errors this way too


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Lab:
    """A JupyterLab server on a free loopback port, with a token, serving a scratch copy
    (build/e2e/<version>/) of one version of the notebooks, so the repository's stay untouched."""

    def __init__(self, version: str):
        source, kernel_env = VERSIONS[version]
        self.version, self.root, jupyter = version, E2E / version, E2E / f"{version}-jupyter"
        for folder in (self.root, jupyter):
            shutil.rmtree(folder, ignore_errors=True)
        self.root.mkdir(parents=True)
        for path in source.glob("*.ipynb"):
            shutil.copy(path, self.root)
        self.token = secrets.token_hex(16)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        # the kernel inherits this environment; a fresh Jupyter config and data dir keep a
        # developer's own settings, kernels and saved workspaces out (the course's
        # overrides.json, in the environment's share/jupyter/lab/settings/, still applies)
        env = {k: v for k, v in os.environ.items() if not k.startswith("IBCOURSE_")} | kernel_env
        env |= {"JUPYTER_CONFIG_DIR": str(jupyter / "config"), "JUPYTER_DATA_DIR": str(jupyter / "data")}
        self.log = E2E / f"{version}-server.log"
        self.log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={self.root}", "--ServerApp.allow_root=True"],
            env=env, stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            try:
                self.api("GET", "/api/status")
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"JupyterLab did not start; its log:\n{self.log.read_text()[-3000:]}") from None
                time.sleep(0.5)

    def api(self, method: str, path: str):
        request = urllib.request.Request(self.url + path, method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def wait_for_kernel(self, name: str, timeout_s: float = 120) -> None:
        """Until the notebook ``name`` has a kernel, idle: Run All before that asks to pick one."""
        deadline = time.monotonic() + timeout_s
        while not any(s["path"] == name and s["kernel"]["execution_state"] == "idle" for s in self.api("GET", "/api/sessions")):
            assert time.monotonic() < deadline, f"no kernel started for {name} within {timeout_s:.0f} s"
            time.sleep(0.5)

    def shut_down_kernels(self) -> None:
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log_file.close()


@dataclass
class Visit:
    """What the browser saw in one notebook."""

    name: str
    cells: int = 0
    run_s: float = 0.0
    moved: list[str] = field(default_factory=list)  # one line per slider moved
    screenshot: Path | None = None
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        moved = "; ".join(self.moved) or "no widget"
        shot = self.screenshot.relative_to(ROOT) if self.screenshot else "no screenshot"
        found = f"; {len(self.problems)} problem(s): " + " | ".join(self.problems) if self.problems else ""
        return f"{self.name}: {self.cells} cells, Run All {self.run_s:.0f} s, {moved}, {shot}{found}"


def run_all(page: Page, seen: Visit, timeout_s: float) -> None:
    """Run > Run All Cells, then wait until no cell is running or queued."""
    page.locator("#jp-menu-panel").get_by_text("Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    start = time.monotonic()
    try:
        page.wait_for_function(RUN_FINISHED, timeout=timeout_s * 1000, polling=500)
    except PlaywrightTimeout:
        index, first = page.evaluate(RUNNING_CELL) or (0, "")
        seen.problems.append(f"cell {index} (`{first[:60]}`) never finished within {timeout_s:.0f} s")
    seen.run_s = time.monotonic() - start


def save(page: Page, path: Path) -> None:
    """File > Save (Ctrl+S) in JupyterLab, then wait for the file on disk to change."""
    before = path.stat().st_mtime_ns
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 60
    while path.stat().st_mtime_ns == before:
        assert time.monotonic() < deadline, f"JupyterLab did not save {path.name} within 60 s"
        time.sleep(0.2)


def move_slider(page: Page, explorer: Locator, seen: Visit, timeout_s: float) -> None:
    """Move the explorer's first slider one step (keyboard, as a learner may) and check that
    its output is redrawn, differently, without an error or stderr."""
    handle = explorer.locator(".noUi-handle").first  # ipywidgets 8 draws sliders with noUiSlider
    readout, output = explorer.locator(".widget-readout").first, explorer.locator(".widget-output").first
    label = explorer.locator(".widget-label").first.text_content()
    explorer.scroll_into_view_if_needed()
    value, before = readout.text_content(), output.evaluate(SHOWN)
    at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    handle.focus()
    page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
    step = f"slider '{label}' {value} -> {readout.text_content()}"
    try:
        page.wait_for_function(f"([out, before]) => ({SHOWN})(out) !== before && out.querySelector('.jp-OutputArea-output')",
                               arg=[output.element_handle(), before], timeout=timeout_s * 1000)
        page.wait_for_selector(KERNEL_IDLE, timeout=timeout_s * 1000)
    except PlaywrightTimeout:
        seen.problems.append(f"{step}: its output did not change within {timeout_s:.0f} s")
        return
    if output.locator(STDERR_VIEW).count():
        seen.problems.append(f"{step}: its output shows an error or stderr: {output.inner_text()[:300]!r}")
        return
    seen.moved.append(step)


def check_widgets(page: Page, notebook: nbformat.NotebookNode, seen: Visit, timeout_s: float) -> None:
    """Every widget renders; every interactive explorer renders and responds to its slider."""
    not_rendered = page.locator(".jp-OutputArea-output").filter(has_text=NOT_RENDERED)
    deadline = time.monotonic() + timeout_s  # a widget's view may take a moment after its cell finished
    while not_rendered.count() and time.monotonic() < deadline:
        time.sleep(0.5)
    if not_rendered.count():
        seen.problems.append(f"{not_rendered.count()} widget(s) did not render: {not_rendered.first.inner_text()!r}")
    expected, explorers = interactive_widgets(notebook), page.locator(".jp-Notebook .widget-interact")
    if explorers.count() != expected:
        seen.problems.append(f"{explorers.count()} of the {expected} interactive widgets rendered")
    for i in range(explorers.count()):
        move_slider(page, explorers.nth(i), seen, timeout_s)


def covering(page: Page, seen: Visit) -> None:
    """A dialog or a notification (the first-run news question) must not cover the notebook."""
    for selector in (".jp-Dialog", ".Toastify__toast"):
        for text in page.locator(selector).all_inner_texts():
            seen.problems.append(f"a {selector[1:]} covers the page: {' '.join(text.split())[:200]!r}")


def visit(browser: Browser, lab: Lab, name: str, run_timeout_s: float = RUN_TIMEOUT_S,
          widget_timeout_s: float = WIDGET_TIMEOUT_S) -> Visit:
    """Open ``name`` (in the lab's root) in a new page, run all, save, check; always screenshot."""
    seen, path = Visit(f"{lab.version}/{Path(name).stem}"), lab.root / name
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("pageerror", lambda error: seen.problems.append(f"JavaScript error in the page: {error}"))
    try:
        # the single-document view, without the file browser; reset: no notebook of a previous visit
        page.goto(f"{lab.url}/doc/tree/{name}?reset&token={lab.token}")
        lab.wait_for_kernel(name)
        page.wait_for_selector(KERNEL_IDLE, timeout=120_000)
        run_all(page, seen, run_timeout_s)
        save(page, path)
        executed = nbformat.read(path, as_version=4)
        seen.cells = len(executed.cells)
        seen.problems += problems(executed)
        check_widgets(page, executed, seen, widget_timeout_s)
        covering(page, seen)
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        seen.screenshot = SCREENSHOTS / f"{lab.version}-{path.stem}.png"
        page.screenshot(path=seen.screenshot)
        page.close()
        lab.shut_down_kernels()
    return seen


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium-headless-shell")
    if executable is None:
        message = f"make e2e runs the notebooks in Debian's chromium-headless-shell, not installed here: {INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def lab():
    """``lab(version)``: the server for that version of the notebooks; one runs at a time."""
    running: dict[str, Lab] = {}

    def get(version: str) -> Lab:
        if version not in running:
            for server in running.values():
                server.stop()
            running.clear()
            running[version] = Lab(version)
        return running[version]

    yield get
    for server in running.values():
        server.stop()


@pytest.fixture(scope="module")
def report(pytestconfig):
    """Collects the visits; prints them at the end and writes build/e2e/report.txt."""
    visits: list[Visit] = []
    yield visits
    lines = [v.line() for v in visits]
    (E2E / "report.txt").write_text("".join(line + "\n" for line in lines))
    terminal = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    with pytestconfig.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
        terminal.write_sep("-", "what the browser saw")
        for line in lines:
            terminal.write_line(line)


#: scratch notebooks that must fail, with the problems each must be reported for
BROKEN = {
    "error_stderr": (["import sys\nsys.stderr.write('a warning\\n')", "1 / 0", "print('not reached')"],
                     ["wrote to stderr: 'a warning'", "raised ZeroDivisionError", "1 code cell(s) did not run"]),
    "widgets": (["import ipywidgets as w\nfrom IPython.display import display",
                 # a widget whose model does not exist, and an explorer whose output never changes
                 "display({'application/vnd.jupyter.widget-view+json': {'model_id': 'nowhere', 'version_major': 2,"
                 " 'version_minor': 0}, 'text/plain': 'interactive(lost)'}, raw=True)",
                 "w.interactive(lambda i: print('the same'), i=w.IntSlider())"],
                ["1 widget(s) did not render: 'Error displaying widget: model not found'",
                 "1 of the 2 interactive widgets rendered", "slider 'i' 0 -> 1: its output did not change within 5 s"]),
    "hang": (["import time\ntime.sleep(3600)"], ["cell 1 (`import time`) never finished within 5 s"]),
}


@pytest.mark.parametrize("case", BROKEN)
def test_checks_catch_broken_notebooks(browser, lab, report, case):
    cells, expected = BROKEN[case]
    server = lab("full")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}})
    nbformat.write(notebook, server.root / f"broken_{case}.ipynb")
    seen = visit(browser, server, f"broken_{case}.ipynb", run_timeout_s=5, widget_timeout_s=5)
    report.append(seen)
    for problem in expected:
        assert any(problem in found for found in seen.problems), (problem, seen.problems)


@pytest.mark.parametrize(("version", "name"), [(v, n) for v in VERSIONS for n in NOTEBOOKS],
                         ids=lambda value: value if value in VERSIONS else Path(value).stem)
def test_notebook_runs_in_jupyterlab(browser, lab, report, version, name):
    server = lab(version)
    assert (server.root / name).exists(), f"no {version} version of {name}: run make student"
    seen = visit(browser, server, name)
    report.append(seen)
    assert not seen.problems, "\n".join(seen.problems)
