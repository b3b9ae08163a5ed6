"""Build student versions of the notebooks: the same notebooks without their solutions.

Usage: ``python -m ibcourse.student notebooks build/student`` (``make student``).

Reads every ``NN_slug.py`` (py:percent, the notebooks' source), drops the cells
tagged ``solution`` (reference answers of coding exercises) and ``answer`` (worked
answers of think questions), and writes ``NN_slug.ipynb`` to the output folder. The
exercise stubs stay; their checks then print a hint and fall back on the
reference, so a student version runs from top to bottom.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jupytext
import nbformat

#: Cells with these tags hold answers: student versions leave them out.
ANSWER_TAGS = ("solution", "answer")


def student_version(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` without the cells tagged ``solution`` or ``answer``.

    Raises ``ValueError`` if a solution cell does not directly follow an
    exercise cell: the stub is what the student fills in, so it must exist;
    ``TypeError`` if ``notebook`` is not a notebook (read one with ``jupytext.read``).
    """
    if not isinstance(notebook, nbformat.NotebookNode):
        raise TypeError(f"notebook must be an nbformat.NotebookNode (e.g. jupytext.read(path)), "
                        f"got {type(notebook).__name__}")
    cells = notebook.cells
    for i, cell in enumerate(cells):
        if "solution" in cell.metadata.get("tags", []):
            before = cells[i - 1].metadata.get("tags", []) if i > 0 else []
            if "exercise" not in before:
                raise ValueError(f"cell {i} is tagged 'solution' but the cell before it is not tagged 'exercise'")
    out = nbformat.from_dict(notebook)
    out.cells = [c for c in cells if not set(ANSWER_TAGS) & set(c.metadata.get("tags", []))]
    return out


def build(source: str | os.PathLike, target: str | os.PathLike) -> list[Path]:
    """Write the student version of every ``source/*.py`` notebook to ``target``; return the paths.

    ``source`` and ``target`` are folders (str or Path); ``target`` is created if missing.
    An error in a notebook names its file.
    """
    for value, name in ((source, "source"), (target, "target")):
        if not isinstance(value, (str, os.PathLike)):
            raise TypeError(f"{name} must be a folder (str or pathlib.Path), got {value!r}")
    source, target = Path(source), Path(target)
    if not source.is_dir():
        raise ValueError(f"source={str(source)!r} is not a folder")
    if target.exists() and not target.is_dir():
        raise ValueError(f"target={str(target)!r} exists and is not a folder")
    sources = sorted(source.glob("*.py"))
    if not sources:
        raise ValueError(f"no notebooks (*.py) found in source={str(source)!r}")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sources:
        try:
            notebook = student_version(jupytext.read(path))
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from err
        out = target / (path.stem + ".ipynb")
        nbformat.write(notebook, out)
        written.append(out)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m ibcourse.student SOURCE_DIR TARGET_DIR", file=sys.stderr)
        return 2
    for path in build(Path(argv[0]), Path(argv[1])):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
