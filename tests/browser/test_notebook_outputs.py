"""The checks make e2e applies to a notebook saved from JupyterLab, on small notebooks made here."""

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from notebook_outputs import WIDGET_VIEW, interactive_widgets, problems


def ran(source, *outputs, count=1):
    return new_code_cell(source, execution_count=count, outputs=list(outputs))


def widget(text):
    return new_output("display_data", data={WIDGET_VIEW: {"model_id": "m", "version_major": 2, "version_minor": 0},
                                            "text/plain": text})


def test_a_clean_run_has_no_problem():
    notebook = new_notebook(cells=[new_markdown_cell("# title"), ran("x = 1"), new_code_cell("  \n"),
                                   ran("print(x)", new_output("stream", name="stdout", text="1\n"), count=2)])
    assert problems(notebook) == []


def test_error_stderr_and_cells_not_run_are_reported_with_their_cell():
    notebook = new_notebook(cells=[
        new_markdown_cell("# title"),
        ran("import warnings\nwarnings.warn('careful')", new_output("stream", name="stderr", text="UserWarning: careful\n")),
        ran("1 / 0", new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[]), count=2),
        new_code_cell("print('after')"), new_code_cell("print('later')")])
    assert problems(notebook) == [
        "cell 2 (`import warnings`) wrote to stderr: 'UserWarning: careful'",
        "cell 3 (`1 / 0`) raised ZeroDivisionError: division by zero",
        "2 code cell(s) did not run, the first cell 4 (`print('after')`)",
    ]


def test_a_text_progress_bar_on_stderr_is_a_problem():
    """tqdm falls back to a text bar on stderr only where it cannot draw its widget."""
    bar = new_output("stream", name="stderr", text="train: 100%|##########| 50/50 [00:01<00:00]\n")
    assert problems(new_notebook(cells=[ran("train()", bar)])) == [
        "cell 1 (`train()`) wrote to stderr: 'train: 100%|##########| 50/50 [00:01<00:00]'"]


def test_interactive_widgets_are_counted_and_progress_bars_are_not():
    notebook = new_notebook(cells=[ran("beta_explorer(curve)", widget("interactive(children=(SelectionSlider(...),))")),
                                   ran("train()", widget("HBox(children=(HTML(value='train'), FloatProgress()))")),
                                   ran("print('interactive(')", new_output("stream", name="stdout", text="interactive(\n")),
                                   ran("bins_explorer(...)", widget("interactive(children=(SelectionSlider(...),))"))])
    assert interactive_widgets(notebook) == 2
    assert problems(notebook) == []
