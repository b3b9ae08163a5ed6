"""What a notebook run in JupyterLab and saved there left behind: the checks of `make e2e`
that need no browser, kept apart so that `make unit` tests them.

Any output on stderr is a problem, tqdm included: in JupyterLab ``tqdm.auto`` draws its
bar as an ipywidget (tqdm.notebook), which writes nothing to stderr; a text bar on stderr
there means ipywidgets could not be used, which the learner would see as broken widgets.
Warnings (``warnings.warn``, logging) also go to stderr, and a learner should not meet one.
"""

from __future__ import annotations

import nbformat

#: The MIME type of an ipywidget's view in a saved output.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _where(index: int, cell: nbformat.NotebookNode) -> str:
    """'cell 12 (`first line`)', numbered from 1 as JupyterLab's status bar does."""
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    return f"cell {index + 1} (`{first[:60]}`)"


def problems(notebook: nbformat.NotebookNode) -> list[str]:
    """One line per problem in an executed notebook: an error output, output on stderr, or
    code cells that did not run (after an error, JupyterLab's Run All stops). Empty: all well."""
    found, not_run = [], []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        if cell.execution_count is None:
            not_run.append(_where(index, cell))
        for output in cell.outputs:
            if output.output_type == "error":
                found.append(f"{_where(index, cell)} raised {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                found.append(f"{_where(index, cell)} wrote to stderr: {output.text.strip()[:300]!r}")
    if not_run:
        found.append(f"{len(not_run)} code cell(s) did not run, the first {not_run[0]}")
    return found


def interactive_widgets(notebook: nbformat.NotebookNode) -> int:
    """How many ``ipywidgets.interactive`` explorers the notebook displayed (progress bars,
    also widgets, not counted): the browser must render that many, each with a slider."""
    return sum(output.get("data", {}).get("text/plain", "").startswith("interactive(")
               for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs if WIDGET_VIEW in output.get("data", {}))
