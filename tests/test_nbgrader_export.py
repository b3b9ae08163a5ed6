"""The nbgrader export: its cells, and nbgrader's own generate_assignment and autograde on notebook 01.

The last test needs nbgrader, which is not in the course's environment: `make nbgrader-test`
installs the `nbgrader` group of pyproject.toml into build/nbgrader-venv and runs it with
NBGRADER=build/nbgrader-venv/bin/nbgrader. Without NBGRADER it is skipped.
"""

import ast
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import numpy as np
import pytest

from ibcourse.exercises import ExerciseError, check, exercises_of
from ibcourse.nbgrader_export import POINTS, answer_source, check_source, export, main, nbgrader_source

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _strip_solutions(source: str) -> str:
    """What nbgrader's generate_assignment does to a solution region (its default code stub)."""
    lines, out, inside = source.split("\n"), [], False
    for line in lines:
        if line.strip() == "### BEGIN SOLUTION":
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError()"]
        elif line.strip() == "### END SOLUTION":
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("course")
    return out, export(NOTEBOOKS, out)


def test_one_assignment_per_notebook(exported):
    out, written = exported
    stems = [p.stem for p in sorted(NOTEBOOKS.glob("*.py"))]
    assert [p.relative_to(out).as_posix() for p in written] == [f"source/{s}/{s}.ipynb" for s in stems]
    assert "c.Execute.timeout" in (out / "nbgrader_config.py").read_text()


@pytest.mark.parametrize("stem", [p.stem for p in sorted(NOTEBOOKS.glob("*.py"))])
def test_each_exercise_is_an_answer_and_a_test_with_points(exported, stem):
    out, _ = exported
    course = jupytext.read(NOTEBOOKS / f"{stem}.py")
    notebook = nbformat.read(out / "source" / stem / f"{stem}.ipynb", as_version=4)
    nbformat.validate(notebook)
    graded = [c for c in notebook.cells if _meta(c)]
    answers = [c for c in graded if _meta(c)["solution"] and c.cell_type == "code"]
    tests = [c for c in graded if _meta(c)["grade"] and not _meta(c)["solution"]]
    think = [c for c in graded if _meta(c)["solution"] and c.cell_type == "markdown"]
    exercises = exercises_of(stem)
    assert [_meta(c)["grade_id"] for c in answers] == [f"exercise_{e.number.replace('.', '_')}" for e in exercises]
    assert [_meta(c)["grade_id"] for c in tests] == [f"check_{e.number.replace('.', '_')}" for e in exercises]
    assert len(think) == sum("answer" in c.metadata.get("tags", []) for c in course.cells) >= 2
    for cell in graded:
        meta = _meta(cell)
        assert set(meta) >= {"grade", "grade_id", "locked", "schema_version", "solution"}
        assert meta["schema_version"] == 3 and meta.get("points") == (POINTS if meta["grade"] else None)
        assert meta["locked"] == (not meta["solution"])
    assert sum(_meta(c).get("points", 0) for c in graded) == POINTS * (len(exercises) + len(think))
    # the stub cells are gone (merged into the answers), every other cell is kept in order
    assert len(notebook.cells) == len(course.cells) - len(exercises)
    for cell in answers:
        assert cell.source.count("### BEGIN SOLUTION") == cell.source.count("### END SOLUTION") == 1
        released = _strip_solutions(cell.source)
        (function,) = ast.parse(released).body  # the release still defines the function, with its docstring
        assert ast.get_docstring(function) and "raise NotImplementedError()" in released
    assert not any("solution" in c.metadata.get("tags", []) for c in notebook.cells)


def test_solution_region_is_the_body_after_the_docstring():
    stub = 'def f(x):\n    """Add one.\n\n    Twice.\n    """\n    raise NotImplementedError("Exercise 9.9: add 1")\n'
    solution = 'def f(x):\n    """Add one.\n\n    Twice.\n    """\n    y = x + 1\n\n    return y\n'
    assert answer_source(stub, solution) == (
        'def f(x):\n    """Add one.\n\n    Twice.\n    """\n    # Exercise 9.9: add 1\n    ### BEGIN SOLUTION\n'
        '    y = x + 1\n\n    return y\n    ### END SOLUTION')


@pytest.mark.parametrize("stub, solution, message", [
    ("def f(x):\n    raise NotImplementedError\n", 'def g(x):\n    """Doc."""\n    return x\n', "defines f"),
    ("def f(x):\n    raise NotImplementedError\n", "def f(x):\n    return x\n", "docstring"),
    ("def f(x):\n    raise NotImplementedError\n", 'import math\ndef f(x):\n    """Doc."""\n    return x\n', "exactly one"),
    ("def f(x):\n    raise NotImplementedError\n", 'def f(x):\n    """Doc."""\n    return x +\n', "not valid Python"),
])
def test_exercises_that_do_not_fit_are_rejected(stub, solution, message):
    with pytest.raises(ValueError, match=message):
        answer_source(stub, solution)


def _notebook(*cells):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src, metadata={"tags": tags} if tags else {})
                                           for src, tags in cells])


@pytest.mark.parametrize("notebook, message", [
    (_notebook(('def entropy(p):\n    """D."""\n    raise NotImplementedError\n', ["exercise"]),
               ('def entropy(p):\n    """D."""\n    return 0\n', ["solution"]), ("check.entropy(entropy)", [])),
     "name = check.exercise"),
    (_notebook(('def entropy(p):\n    """D."""\n    raise NotImplementedError\n', ["exercise"]),
               ('def entropy(p):\n    """D."""\n    return 0\n', ["solution"]), ("entropy = check.nothing(entropy)", [])),
     "name = check.exercise"),
    (_notebook(("x = 1", ["solution"])), "not tagged 'exercise'"),
    (_notebook(("def f(x):\n    raise NotImplementedError\n", ["exercise"])), "not followed by a solution"),
])
def test_bad_notebooks_are_rejected(notebook, message):
    with pytest.raises(ValueError, match=message):
        nbgrader_source(notebook, "99_test")


def _entropy_ln(p):
    return -np.sum(p[p > 0] * np.log(p[p > 0]))


def test_the_test_cell_raises_on_a_wrong_answer_and_leaves_the_reference(monkeypatch):
    monkeypatch.delenv("IBCOURSE_STRICT", raising=False)
    namespace = {"check": check, "entropy": _entropy_ln}
    with pytest.raises(ExerciseError, match="natural logarithm"):
        exec(check_source("entropy", "entropy"), namespace)
    assert namespace["entropy"] is check.entropy.reference

    def right(p):
        return check.entropy.reference(p)

    namespace["entropy"] = right
    exec(check_source("entropy", "entropy"), namespace)
    assert namespace["entropy"] is right


def test_command_line(tmp_path, capsys):
    assert main([str(tmp_path / "course")]) == 0
    assert "generate_assignment 01_ib_principle" in capsys.readouterr().out
    assert main([str(tmp_path / "course"), "--notebooks", str(tmp_path / "nowhere")]) == 2
    assert "not a folder of notebook sources" in capsys.readouterr().err


NBGRADER = str(Path(os.environ["NBGRADER"]).resolve()) if os.environ.get("NBGRADER") else ""


def _nbgrader(course: Path, env: dict, *args: str) -> None:
    result = subprocess.run([NBGRADER, *args], cwd=course, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and "ERROR" not in result.stderr, result.stderr[-4000:]


def _submit(course: Path, student: str, **wrong: str) -> None:
    """The released notebook 01 as a student hands it in: each answer is the solution (the region's
    markers dropped), or the source given for its grade_id; each think answer a sentence."""
    source = nbformat.read(course / "source" / "01_ib_principle" / "01_ib_principle.ipynb", as_version=4)
    solutions = {_meta(c)["grade_id"]: c.source for c in source.cells if _meta(c).get("solution")}
    notebook = nbformat.read(course / "release" / "01_ib_principle" / "01_ib_principle.ipynb", as_version=4)
    for cell in notebook.cells:
        grade_id = _meta(cell).get("grade_id", "")
        if _meta(cell).get("solution") and cell.cell_type == "code":
            cell.source = wrong.get(grade_id) or "\n".join(
                line for line in solutions[grade_id].split("\n") if line.strip() not in ("### BEGIN SOLUTION",
                                                                                       "### END SOLUTION"))
        elif _meta(cell).get("solution"):
            cell.source = "It depends on beta."
    target = course / "submitted" / student / "01_ib_principle" / "01_ib_principle.ipynb"
    target.parent.mkdir(parents=True)
    nbformat.write(notebook, target)


@pytest.mark.skipif(not NBGRADER, reason="nbgrader is not installed here: `make nbgrader-test` installs it into "
                                          "build/nbgrader-venv and runs this test (or set NBGRADER=path/to/nbgrader)")
def test_nbgrader_generates_and_autogrades(tmp_path):
    """nbgrader's own steps: the release hides every solution; a correct submission gets every point of
    the checks, one wrong function loses exactly its own point (the reference stands in for it after)."""
    course = tmp_path / "course"
    export(NOTEBOOKS, course)
    # autograde's kernels run this Python (the course's environment) with this copy of ibcourse
    kernel = tmp_path / "jupyter" / "kernels" / "python3"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "ibcourse", "language": "python"}))
    env = dict(os.environ, JUPYTER_PATH=str(tmp_path / "jupyter"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               PATH=os.pathsep.join([str(Path(NBGRADER).parent), os.environ["PATH"]]),  # nbgrader calls alembic
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
               IBCOURSE_QUICK="1", IBCOURSE_STRICT="0")

    _nbgrader(course, env, "generate_assignment", "01_ib_principle")
    release = nbformat.read(course / "release" / "01_ib_principle" / "01_ib_principle.ipynb", as_version=4)
    text = "\n".join(c.source for c in release.cells)
    cells = jupytext.read(NOTEBOOKS / "01_ib_principle.py").cells
    stubs = {line for c in cells if "exercise" in c.metadata.get("tags", []) for line in c.source.split("\n")}
    hidden = {line for c in cells if {"solution", "answer"} & set(c.metadata.get("tags", []))
              for line in c.source.split("\n") if len(line.strip()) > 20 and line not in stubs}
    assert len(hidden) > 20 and not [line for line in hidden if line in text] and "BEGIN SOLUTION" not in text
    assert text.count("raise NotImplementedError()") == 5 and text.count("YOUR ANSWER HERE") == 2

    _submit(course, "good")
    _submit(course, "wrong", exercise_1_2="def mutual_information(pxy):\n    return info.mutual_information(pxy) * np.log(2)")
    _nbgrader(course, env, "autograde", "01_ib_principle")
    _nbgrader(course, env, "export", "--to", str(tmp_path / "grades.csv"))
    with open(tmp_path / "grades.csv", newline="") as f:
        scores = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(f)}
    checks = POINTS * 5  # the think answers' 2 points wait for manual grading
    assert scores == {"good": (checks, checks + 2 * POINTS), "wrong": (checks - POINTS, checks + 2 * POINTS)}
    graded = nbformat.read(course / "autograded" / "wrong" / "01_ib_principle" / "01_ib_principle.ipynb", as_version=4)
    (failed,) = [c for c in graded.cells if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert _meta(failed)["grade_id"] == "check_1_2"
    assert "natural logarithm" in failed.outputs[-1].evalue
