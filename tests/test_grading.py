"""The grader: real submissions of notebook 01 (correct, partly wrong, broken, not a notebook, looping)
run in kernels, graded by the exercises' own checks; and the layout it accepts."""

import csv
import shutil
from pathlib import Path

import jupytext
import nbformat
import numpy as np
import pytest

from ibcourse.exercises import check, exercises_of
from ibcourse.grading import COMPLETED, find_submissions, grade, main
from ibcourse.student import student_version

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
IDS = [e.id for e in exercises_of("01_ib_principle")]

# plausible wrong answers: natural logarithm; 1 / s_2 instead of 1 / s_2^2
WRONG_ENTROPY = '''def entropy(p):
    """Entropy of p (zeros allowed)."""
    nz = p[p > 0]
    return -np.sum(nz * np.log(nz))
'''
WRONG_CRITICAL_BETA = '''def critical_beta(pxy):
    px, py = pxy.sum(axis=1), pxy.sum(axis=0)
    return 1.0 / np.linalg.svd(pxy / np.sqrt(np.outer(px, py)), compute_uv=False)[1]
'''


def _filled(**answers: str) -> nbformat.NotebookNode:
    """The student version of notebook 01 as a learner hands it in: each exercise cell holds the
    reference solution's code, or the code given for that function's name."""
    notebook = jupytext.read(NOTEBOOKS / "01_ib_principle.py")
    for i, cell in enumerate(notebook.cells):
        if "exercise" in cell.metadata.get("tags", []):
            name = cell.source.split("def ", 1)[1].split("(", 1)[0]
            cell.source = answers.get(name, notebook.cells[i + 1].source)
    return student_version(notebook)


def _defined(source: str):
    namespace = {"np": np}
    exec(source, namespace)
    return namespace[source.split("def ", 1)[1].split("(", 1)[0]]


def _read_grades(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Four students' notebook 01, graded once (quick mode, two at a time): the graded rows and the out folder."""
    submissions, out = tmp_path_factory.mktemp("submissions"), tmp_path_factory.mktemp("grades")
    for student in ("ada", "ben", "cy", "dee"):
        (submissions / student).mkdir()
    shutil.copy(NOTEBOOKS / "01_ib_principle.ipynb", submissions / "ada")  # the full notebook, solutions in
    nbformat.write(_filled(entropy=WRONG_ENTROPY, critical_beta=WRONG_CRITICAL_BETA),
                   submissions / "ben" / "01_ib_principle.ipynb")
    nbformat.write(_filled(mutual_information="def mutual_information(pxy):\n    return pxy.sum() +\n"),
                   submissions / "cy" / "01_ib_principle.ipynb")
    (submissions / "dee" / "01_ib_principle.ipynb").write_text('{"cells": [')  # a truncated upload
    with pytest.MonkeyPatch.context() as env:
        env.setenv("IBCOURSE_QUICK", "1")
        env.setenv("IBCOURSE_STRICT", "1")  # the grader must switch it off, or a wrong answer stops the run
        grade(submissions, out, timeout=300, jobs=2)
    return _read_grades(out), out


def test_correct_submission_passes_every_check(graded):
    rows, out = graded
    assert rows["ada"]["notebook 01"] == COMPLETED
    assert [rows["ada"][i] for i in IDS] == ["pass"] * 5
    assert (rows["ada"]["passed"], rows["ada"]["exercises"]) == ("5", "5")
    executed = nbformat.read(out / "executed" / "ada" / "01_ib_principle.ipynb", as_version=4)
    assert all(c.execution_count for c in executed.cells if c.cell_type == "code")


def test_wrong_answers_fail_with_the_checks_message_and_the_rest_pass(graded):
    rows, out = graded
    ben = rows["ben"]
    assert ben["notebook 01"] == COMPLETED
    assert ben["1.1 entropy"] == "fail: " + check.entropy.diagnose(_defined(WRONG_ENTROPY))
    assert "natural logarithm" in ben["1.1 entropy"]
    assert ben["1.4 the critical beta"] == "fail: " + check.critical_beta.diagnose(_defined(WRONG_CRITICAL_BETA))
    assert "1 / s_2 squared" in ben["1.4 the critical beta"]
    assert [ben[i] for i in IDS if i not in ("1.1 entropy", "1.4 the critical beta")] == ["pass"] * 3
    assert (ben["passed"], ben["exercises"]) == ("3", "5")
    feedback = (out / "feedback" / "ben.md").read_text()
    assert "3 of 5 exercises passed" in feedback
    assert "natural logarithm" in feedback and check.critical_beta.hint in feedback


def test_a_cell_that_raises_stops_the_run_and_the_row_says_where(graded):
    rows, out = graded
    cy = rows["cy"]
    assert cy["notebook 01"].startswith("stopped in cell") and "SyntaxError" in cy["notebook 01"]
    assert cy["1.1 entropy"] == "pass"
    assert cy["1.2 mutual information"].startswith("error: before this check") and "SyntaxError" in cy["1.2 mutual information"]
    assert [cy[i] for i in IDS[2:]] == ["not reached"] * 3
    assert cy["passed"] == "1"
    assert "SyntaxError" in (out / "feedback" / "cy.md").read_text()


def test_a_file_that_is_not_a_notebook_is_graded_as_an_error(graded):
    rows, out = graded
    dee = rows["dee"]
    assert dee["notebook 01"].startswith("not a notebook")
    assert [dee[i] for i in IDS] == ["error: the file is not a readable notebook"] * 5
    assert dee["passed"] == "0"
    assert (out / "feedback" / "dee.md").exists()


def test_a_submission_that_loops_is_stopped_at_the_time_limit(tmp_path, capsys):
    (tmp_path / "in" / "fay").mkdir(parents=True)
    looping = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("while True:\n    pass")])
    nbformat.write(looping, tmp_path / "in" / "fay" / "01_ib_principle.ipynb")
    assert main([str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--timeout", "2"]) == 0
    fay = _read_grades(tmp_path / "out")["fay"]
    assert fay["notebook 01"] == "timed out after 2 s in cell 1 (while True:)"
    assert fay["1.1 entropy"] == "error: before this check, the notebook timed out after 2 s in cell 1 (while True:)"
    assert [fay[i] for i in IDS[1:]] == ["not reached"] * 4
    assert "timed out" in capsys.readouterr().out


def test_a_notebook_without_its_checks_is_not_reached(tmp_path):
    (tmp_path / "in" / "gus").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]),
                   tmp_path / "in" / "gus" / "01_mine.ipynb")
    (result,) = grade(tmp_path / "in", tmp_path / "out", timeout=60)
    assert result.run == COMPLETED
    assert [v.status for v in result.verdicts] == ["not reached"] * 5
    assert "check cell removed" in result.verdicts[0].message


def test_layout_is_validated_before_anything_runs(tmp_path, capsys):
    (tmp_path / "stray.ipynb").write_text("{}")
    for student in ("ann", "bo", "cal", "dan"):
        (tmp_path / student).mkdir()
    (tmp_path / "ann" / "homework.ipynb").write_text("{}")
    (tmp_path / "bo" / "01_ib_principle.ipynb").write_text("{}")
    (tmp_path / "bo" / "01_ib_principle_v2.ipynb").write_text("{}")
    (tmp_path / "cal" / "07_not_written.ipynb").write_text("{}")
    (tmp_path / "cal" / ".ipynb_checkpoints").mkdir()  # hidden: ignored
    (tmp_path / "dan" / "notes.txt").write_text("")
    (tmp_path / "eli").mkdir()
    with pytest.raises(ValueError) as err:
        find_submissions(tmp_path)
    message = str(err.value)
    for expected in ("stray.ipynb: a file beside the student folders", "notes.txt: not a notebook file NN_slug.ipynb",
                     "homework.ipynb' is not named like a course notebook",
                     "01_ib_principle_v2.ipynb: a second file for notebook 01",
                     "no exercises for notebook 07", "eli: no notebooks"):
        assert expected in message
    assert main([str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "homework.ipynb" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_submissions_are_found_in_order(tmp_path):
    for student, name in (("bo", "02_information_plane.ipynb"), ("bo", "01_mine.ipynb"), ("al", "01_ib_principle.ipynb")):
        (tmp_path / student).mkdir(exist_ok=True)
        (tmp_path / student / name).write_text("{}")
    found = find_submissions(tmp_path)
    assert [(s.student, s.notebook, s.path.name) for s in found] == [
        ("al", "01", "01_ib_principle.ipynb"), ("bo", "01", "01_mine.ipynb"), ("bo", "02", "02_information_plane.ipynb")]


@pytest.mark.parametrize("kwargs, message", [({"timeout": 0}, "timeout"), ({"timeout": float("nan")}, "timeout"),
                                             ({"jobs": 0}, "jobs"), ({"jobs": 1.5}, "jobs")])
def test_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        grade(tmp_path, tmp_path / "out", **kwargs)


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        find_submissions(tmp_path / "nowhere")
