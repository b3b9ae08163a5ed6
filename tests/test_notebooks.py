"""The notebooks' structure: each .ipynb is the exact twin of its .py, exercises follow
the stub -> solution -> check pattern, and student versions drop the solutions."""

from pathlib import Path

import jupytext
import nbformat
import pytest
from jupytext.compare import compare_notebooks

from ibcourse.student import build, student_version

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.py"))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_ipynb_is_twin_of_py(source):
    twin = source.with_suffix(".ipynb")
    assert twin.exists(), f"run: jupytext --to ipynb {source}"
    committed = nbformat.read(twin, as_version=4)
    compare_notebooks(committed, jupytext.read(source), fmt="py:percent")
    for cell in committed.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, "commit notebooks with outputs stripped"


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercise_pattern(source):
    cells = jupytext.read(source).cells
    tags = [c.metadata.get("tags", []) for c in cells]
    exercises = [i for i, t in enumerate(tags) if "exercise" in t]
    for i in exercises:
        assert "NotImplementedError" in cells[i].source
        assert "solution" in tags[i + 1], f"cell {i}: an exercise must be followed by its solution"
        assert cells[i + 1].metadata.get("jupyter", {}).get("source_hidden") is True
        assert "check." in cells[i + 2].source, f"cell {i}: the solution must be followed by its check"
    assert sum("solution" in t for t in tags) == len(exercises)


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_section_has_enough_exercises_and_think_questions(source):
    """COURSE-DESIGN.md: at least four coding exercises and two think questions with collapsed answers."""
    cells = jupytext.read(source).cells
    tags = [c.metadata.get("tags", []) for c in cells]
    answers = [c for c, t in zip(cells, tags) if "answer" in t]
    for cell in answers:
        assert cell.cell_type == "markdown", "a think question's worked answer is a markdown cell"
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, "answers are collapsed"
    assert sum("exercise" in t for t in tags) >= 4
    assert len(answers) >= 2


def test_student_version_drops_solutions(tmp_path):
    written = build(NOTEBOOKS[0].parent, tmp_path)
    assert [p.stem for p in written] == [p.stem for p in NOTEBOOKS]
    for path in written:
        nb = nbformat.read(path, as_version=4)
        assert not any({"solution", "answer"} & set(c.metadata.get("tags", [])) for c in nb.cells)
        assert any("exercise" in c.metadata.get("tags", []) for c in nb.cells)


def test_orphan_solution_is_rejected():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"]})])
    with pytest.raises(ValueError, match="exercise"):
        student_version(nb)
