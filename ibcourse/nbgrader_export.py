"""Export the course as an nbgrader course directory.

Usage: ``python -m ibcourse.nbgrader_export OUT_DIR [--notebooks notebooks]``

Writes ``OUT_DIR/source/NN_slug/NN_slug.ipynb`` for every notebook (one nbgrader
assignment per notebook, named after it) and ``OUT_DIR/nbgrader_config.py``. From
there nbgrader takes over: ``cd OUT_DIR && nbgrader generate_assignment NN_slug`` writes
the student version to ``release/``, ``nbgrader autograde NN_slug`` grades
``submitted/STUDENT/NN_slug/NN_slug.ipynb``.

How the course's cells become nbgrader cells:

- an exercise (stub, solution, check) becomes two cells. The **autograded answer** is
  the solution with its body between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
  (nbgrader's release keeps the signature and docstring, and puts ``raise
  NotImplementedError()`` in place of the body) and the stub's hint as a comment above.
  The **autograded test** (``POINTS`` points, locked) runs the check in strict mode: a
  wrong answer raises the check's message (no points), and the reference takes its
  place so the rest of the notebook still runs and later exercises are graded on
  their own;
- a think question's worked answer (a markdown cell tagged ``answer``) becomes a
  **manually graded answer** (``POINTS`` points): the release shows "YOUR ANSWER HERE";
- every other cell is copied as it is.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import sys
from pathlib import Path

import jupytext
import nbformat

from ibcourse.exercises import Exercise, check

#: Points of each autograded check and of each think question.
POINTS = 1

#: nbgrader's cell metadata schema (nbgrader 0.9).
SCHEMA_VERSION = 3

CONFIG = '''\
# nbgrader configuration of the course, written by `python -m ibcourse.nbgrader_export`.
c = get_config()  # noqa: F821 (nbgrader defines it)
c.CourseDirectory.course_id = "ibcourse"
# per cell: the training cells of notebooks 02 and 04 take up to a minute on a 2-core machine
c.Execute.timeout = 600
'''

_CHECK_CELL = re.compile(r"(\w+) = check\.(\w+)\((\w+)\)")


def _nbgrader(grade_id: str, *, grade: bool, solution: bool, locked: bool) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = POINTS
    return meta


def _function(source: str, what: str) -> ast.FunctionDef:
    """The one function a stub or a solution cell defines (its only statement)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise ValueError(f"the {what} cell is not valid Python: {err}") from None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        raise ValueError(f"the {what} cell must define exactly one function and nothing else, got:\n{source}")
    return tree.body[0]


def _stub_message(stub: ast.FunctionDef) -> str:
    """The text of the stub's ``raise NotImplementedError("Exercise N.M: ...")``; '' if it has none."""
    for node in ast.walk(stub):
        if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args
                and isinstance(node.exc.args[0], ast.Constant) and isinstance(node.exc.args[0].value, str)):
            return node.exc.args[0].value
    return ""


def answer_source(stub: str, solution: str) -> str:
    """The solution cell's source with its function body marked as nbgrader's solution region.

    The signature and the docstring stay outside the region (the release shows them); the
    stub's ``NotImplementedError`` message goes above the region as a comment. Raises
    ``ValueError`` unless both cells define one function of the same name, with a docstring.
    """
    stub_fn, solution_fn = _function(stub, "exercise"), _function(solution, "solution")
    if stub_fn.name != solution_fn.name:
        raise ValueError(f"the exercise cell defines {stub_fn.name}, its solution cell {solution_fn.name}")
    if ast.get_docstring(solution_fn) is None or len(solution_fn.body) < 2:
        raise ValueError(f"the solution of {solution_fn.name} needs a docstring followed by its body")
    lines = solution.rstrip("\n").split("\n")
    start, end = solution_fn.body[0].end_lineno, solution_fn.end_lineno  # body: after the docstring
    indent = " " * solution_fn.body[1].col_offset
    hint = _stub_message(stub_fn)
    region = ([f"{indent}# {hint}"] if hint else []) + [f"{indent}### BEGIN SOLUTION", *lines[start:end],
                                                        f"{indent}### END SOLUTION"]
    return "\n".join(lines[:start] + region + lines[end:])


def parse_check(source: str) -> tuple[str, str]:
    """``("entropy", "entropy")``, the name and the check's attribute, from ``entropy = check.entropy(entropy)``."""
    match = _CHECK_CELL.fullmatch(source.strip())
    if not match or match.group(1) != match.group(3) or not isinstance(getattr(check, match.group(2), None), Exercise):
        raise ValueError(f"a check cell must read `name = check.exercise(name)` with an exercise of "
                         f"ibcourse.exercises.check, got {source.strip()!r}")
    return match.group(1), match.group(2)


def check_source(name: str, attribute: str) -> str:
    """The autograded test cell of ``name = check.attribute(name)``: strict check, reference on failure."""
    return (f"# autograded test, {POINTS} point{'s' * (POINTS != 1)}: a wrong answer raises the check's message here,\n"
            "# and the reference takes its place in the cells below\n"
            "try:\n"
            f"    {name} = check.{attribute}({name}, strict=True)\n"
            "except AssertionError:\n"
            f"    {name} = check.{attribute}.reference\n"
            "    raise")


def nbgrader_source(notebook: nbformat.NotebookNode, stem: str) -> nbformat.NotebookNode:
    """The nbgrader source version of a course notebook (cells as in the module's docstring).

    ``stem``: the notebook's name, for error messages. Raises ``ValueError`` where an exercise
    does not follow the stub -> solution -> check pattern.
    """
    if not isinstance(notebook, nbformat.NotebookNode):
        raise TypeError(f"notebook must be an nbformat.NotebookNode (e.g. jupytext.read(path)), "
                        f"got {type(notebook).__name__}")
    cells, out, i, think = notebook.cells, [], 0, 0
    while i < len(cells):
        cell = cells[i]
        tags = cell.metadata.get("tags", [])
        if "exercise" in tags:
            if i + 2 >= len(cells) or "solution" not in cells[i + 1].metadata.get("tags", []):
                raise ValueError(f"{stem}: cell {i} is tagged 'exercise' but is not followed by a solution and a check")
            try:
                name, attribute = parse_check(cells[i + 2].source)
                answer = answer_source(cell.source, cells[i + 1].source)
            except ValueError as err:
                raise ValueError(f"{stem}, cell {i}: {err}") from None
            ident = getattr(check, attribute).number.replace(".", "_")
            out.append(nbformat.v4.new_code_cell(answer, metadata={
                "tags": ["exercise"], "nbgrader": _nbgrader(f"exercise_{ident}", grade=False, solution=True,
                                                            locked=False)}))
            out.append(nbformat.v4.new_code_cell(check_source(name, attribute), metadata={
                "nbgrader": _nbgrader(f"check_{ident}", grade=True, solution=False, locked=True)}))
            i += 3
            continue
        if "solution" in tags:
            raise ValueError(f"{stem}: cell {i} is tagged 'solution' but the cell before it is not tagged 'exercise'")
        kept = nbformat.from_dict(cell)
        if "answer" in tags:
            think += 1
            kept.metadata = {"tags": ["answer"], "nbgrader": _nbgrader(f"think_{think}", grade=True, solution=True,
                                                                       locked=False)}
        out.append(kept)
        i += 1
    metadata = nbformat.from_dict(notebook.metadata)
    metadata.pop("jupytext", None)
    return nbformat.v4.new_notebook(cells=out, metadata=metadata)


def export(notebooks: str | os.PathLike, out: str | os.PathLike) -> list[Path]:
    """Write the nbgrader course directory of every ``notebooks/*.py`` to ``out``; return the notebooks written."""
    for value, label in ((notebooks, "notebooks"), (out, "out")):
        if not isinstance(value, (str, os.PathLike)):
            raise TypeError(f"{label} must be a folder (str or pathlib.Path), got {value!r}")
    notebooks, out = Path(notebooks), Path(out)
    sources = sorted(notebooks.glob("*.py")) if notebooks.is_dir() else []
    if not sources:
        raise ValueError(f"notebooks={str(notebooks)!r} is not a folder of notebook sources (*.py)")
    if out.exists() and not out.is_dir():
        raise ValueError(f"out={str(out)!r} exists and is not a folder")
    converted = [(path.stem, nbgrader_source(jupytext.read(path), path.stem)) for path in sources]
    written = []
    for stem, notebook in converted:
        target = out / "source" / stem / f"{stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
        written.append(target)
    (out / "nbgrader_config.py").write_text(CONFIG)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m ibcourse.nbgrader_export", description=__doc__.split("\n")[0])
    parser.add_argument("out", help="the nbgrader course directory to write (source/ and nbgrader_config.py)")
    parser.add_argument("--notebooks", default=str(Path(__file__).resolve().parent.parent / "notebooks"),
                        help="folder of the course's NN_slug.py notebooks (default: the course's notebooks/)")
    args = parser.parse_args(argv)
    try:
        written = export(args.notebooks, args.out)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    print(f"next: cd {args.out} && nbgrader generate_assignment {written[0].parent.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
