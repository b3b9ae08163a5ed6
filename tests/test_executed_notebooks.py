"""The executed-notebooks plugin writes nbval's outputs into a copy, and never a broken run."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.executed_notebooks import executed_copy

ROOT = Path(__file__).resolve().parent.parent


def notebook(*sources):
    cells = [nbformat.v4.new_markdown_cell("# title")]
    cells += [nbformat.v4.new_code_cell(source) for source in sources]
    return nbformat.v4.new_notebook(cells=cells)


def test_copy_carries_the_outputs_and_counts_and_leaves_the_original():
    original = notebook("print(1)", "2")
    outputs = {0: [{"output_type": "stream", "name": "stdout", "text": "1\n"}],
               1: [{"output_type": "execute_result", "data": {"text/plain": "2"}, "metadata": {}}]}
    executed = executed_copy(original, outputs)
    nbformat.validate(executed)
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2]
    assert code[0].outputs[0].text == "1\n" and code[1].outputs[0].execution_count == 2
    assert all(not c.outputs for c in original.cells if c.cell_type == "code")


def test_copy_refuses_missing_outputs():
    with pytest.raises(ValueError, match=r"code cells \[1\]"):
        executed_copy(notebook("1", "2"), {0: []})


def run(tmp_path, *sources):
    path = tmp_path / "nb.ipynb"
    nbformat.write(notebook(*sources), path)
    saved = tmp_path / "executed"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider",
                    "-p", "tests.executed_notebooks", f"--save-executed={saved}", str(path)],
                   capture_output=True, text=True, timeout=120, cwd=ROOT)
    return saved / "nb.ipynb"


def test_a_run_is_saved_and_a_broken_run_removes_the_old_copy(tmp_path):
    saved = run(tmp_path, "print('hello')", "6 * 7")
    code = [c for c in nbformat.read(saved, as_version=4).cells if c.cell_type == "code"]
    assert code[0].outputs[0].text == "hello\n" and code[1].outputs[0].data["text/plain"] == "42"
    assert not run(tmp_path, "print('hello')", "1 / 0").exists()
