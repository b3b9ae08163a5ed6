"""pytest plugin: save each notebook that nbval ran, with the outputs of this run.

Loaded by the Makefile with ``-p tests.executed_notebooks --save-executed=build/executed``.
nbval executes every code cell and keeps what the kernel sent back; this plugin writes
those outputs into a copy of the notebook, so that the book (``make book``) shows the run
that CI checked instead of executing every notebook a second time. A notebook in which a
cell failed is not saved (and an older copy is removed), so the book never shows a run
that broke.
"""

import copy
from pathlib import Path

import nbformat
import pytest

RESULTS = pytest.StashKey[dict]()


def pytest_addoption(parser):
    parser.addoption("--save-executed", metavar="DIR", default=None,
                     help="write each notebook nbval ran, with this run's outputs, into DIR")


def pytest_configure(config):
    config.stash[RESULTS] = {}


def executed_copy(notebook: nbformat.NotebookNode, outputs: dict[int, list]) -> nbformat.NotebookNode:
    """A copy of ``notebook`` whose code cells carry ``outputs`` (code-cell index -> outputs).

    Code cells are numbered in order from 0, as nbval numbers them; execution counts run
    1, 2, ... in that order. Raises ``ValueError`` when a code cell has no outputs recorded.
    """
    executed = copy.deepcopy(notebook)
    code_cells = [cell for cell in executed.cells if cell.cell_type == "code"]
    missing = sorted(set(range(len(code_cells))) - set(outputs))
    if missing:
        raise ValueError(f"outputs: no outputs recorded for code cells {missing}")
    for number, cell in enumerate(code_cells):
        cell.outputs = [nbformat.from_dict(dict(out)) for out in outputs[number]]
        cell.execution_count = number + 1
        for out in cell.outputs:
            if out.output_type == "execute_result":
                out.execution_count = number + 1
    return executed


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    folder = item.config.getoption("--save-executed")
    if folder is None or call.when == "teardown" or not hasattr(item, "test_outputs") or not hasattr(item.parent, "nb"):
        return report
    results = item.config.stash[RESULTS].setdefault(item.parent.path, {"outputs": {}, "failed": False})
    results["failed"] |= report.failed
    if call.when == "call" and item.test_outputs is not None:
        results["outputs"][item.cell_num] = item.test_outputs
    return report


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    """After a notebook's last cell: write its executed copy, or remove a stale one."""
    folder = item.config.getoption("--save-executed")
    last_cell = nextitem is None or nextitem.parent is not item.parent
    if folder is None or not last_cell or not hasattr(item.parent, "nb"):
        return
    results = item.config.stash[RESULTS].pop(item.parent.path, {"outputs": {}, "failed": True})
    target = Path(folder) / item.parent.path.name
    if results["failed"]:
        target.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(executed_copy(item.parent.nb, results["outputs"]), target)
