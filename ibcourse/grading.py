"""Grade submitted student notebooks with the exercises' own checks.

Usage::

    python -m ibcourse.grading SUBMISSIONS_DIR --out OUT_DIR [--timeout SECONDS] [--jobs N]
    make grade SUBMISSIONS=SUBMISSIONS_DIR            (writes build/grades/)

Layout of ``SUBMISSIONS_DIR``: one folder per student, named after the student, holding
that student's notebooks under their course names, ``NN_slug.ipynb`` (the number is what
counts: ``01_ib_principle.ipynb`` or ``01_mine.ipynb`` are both notebook 01)::

    submissions/alice/01_ib_principle.ipynb
    submissions/alice/02_information_plane.ipynb
    submissions/bob/01_ib_principle.ipynb

Hidden files and folders (``.ipynb_checkpoints``) are ignored; anything else (a file
beside the student folders, a notebook whose name does not start with a number of a
notebook with exercises, two files for one notebook) stops the grader before it runs
anything, with a list of every problem.

Each notebook runs in a fresh kernel of this Python, in a temporary folder that holds
only a copy of the submission, under a time limit (``--timeout``, seconds of cell
execution per notebook; the kernel's start is not counted), with ``IBCOURSE_STRICT=0``
so a failed check falls back on the reference and later exercises are still graded.
The checks of :mod:`ibcourse.exercises` report each verdict through the grade log
(``IBCOURSE_GRADE_LOG``): the grades are the checks' own verdicts.

Writes to ``OUT_DIR``:

``grades.csv``
    one row per student; for each notebook a column ``notebook NN`` (how the run ended)
    and one column per exercise (``1.1 entropy``) holding ``pass``, ``fail: <the check's
    message>``, ``error: <why the notebook stopped before this check>`` (a cell raised, the
    time ran out, the file is not a notebook), ``not reached`` (a later check, after such
    a stop) or ``not submitted``; then ``passed`` and ``exercises``, the totals.
``feedback/STUDENT.md``
    per exercise the verdict, the check's message and its hint.
``executed/STUDENT/NN_slug.ipynb``
    the notebook as it ran, with its outputs (where it could be read).

This is not a security sandbox: the submissions run as the user who runs the grader and
can read what that user can. Grade untrusted notebooks inside a container.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from ibcourse.exercises import GRADE_LOG, Exercise, exercises_of

#: Default time limit of one notebook's cells, seconds: several times the slowest notebook's
#: run in CI on 2 cores (notebook 04, about 85 s).
DEFAULT_TIMEOUT = 600

#: How grades.csv's notebook column says that a notebook ran all its cells.
COMPLETED = "ran to the end"



@dataclass(frozen=True)
class Submission:
    """One student's file for one notebook."""

    student: str
    notebook: str
    """The notebook's number as in its file name: ``"01"``."""
    path: Path


@dataclass(frozen=True)
class Verdict:
    """What grading says about one exercise of one submission."""

    exercise: Exercise
    status: str
    """``"pass"``, ``"fail"``, ``"error"``, ``"not reached"`` or ``"not submitted"``."""
    message: str = ""

    @property
    def cell(self) -> str:
        """The value of grades.csv: the status, with the message after fail and error."""
        return f"{self.status}: {self.message}" if self.status in ("fail", "error") else self.status


@dataclass
class Result:
    """The grading of one submission: how its run ended, and a verdict per exercise."""

    submission: Submission
    run: str
    verdicts: list[Verdict] = field(default_factory=list)


def find_submissions(folder: str | os.PathLike) -> list[Submission]:
    """The submissions in ``folder`` (layout in the module's docstring), sorted by student and notebook.

    Raises ``ValueError`` listing every file or folder that does not fit the layout.
    """
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"folder must be a path (str or pathlib.Path), got {folder!r}")
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"submissions folder {str(folder)!r} does not exist or is not a folder")
    problems, found = [], []
    for student in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
        if not student.is_dir():
            problems.append(f"{student}: a file beside the student folders; expected "
                            f"{folder}/STUDENT/NN_slug.ipynb")
            continue
        seen: dict[str, Path] = {}
        entries = sorted(p for p in student.iterdir() if not p.name.startswith("."))
        if not entries:
            problems.append(f"{student}: no notebooks in this student's folder")
        for path in entries:
            if path.is_dir() or path.suffix != ".ipynb":
                problems.append(f"{path}: not a notebook file NN_slug.ipynb (e.g. 01_ib_principle.ipynb)")
                continue
            try:
                exercises_of(path.name)
            except ValueError as err:
                problems.append(f"{path}: {err}")
                continue
            number = path.name.split("_")[0]
            if number in seen:
                problems.append(f"{path}: a second file for notebook {number} (the first is {seen[number].name})")
                continue
            seen[number] = path
            found.append(Submission(student.name, number, path))
    if problems:
        raise ValueError("the submissions do not follow the layout STUDENT/NN_slug.ipynb:\n  " + "\n  ".join(problems))
    if not found:
        raise ValueError(f"no submissions in {str(folder)!r}: expected {folder}/STUDENT/NN_slug.ipynb")
    return found


def _kernel_env(log: Path) -> dict[str, str]:
    """The grader's environment, with the grade log, non-strict checks and this copy of ibcourse importable."""
    env = dict(os.environ)
    env[GRADE_LOG] = str(log)
    env["IBCOURSE_STRICT"] = "0"
    package_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    return env


def _run(notebook, workdir: Path, log: Path, timeout: float, stderr) -> str:
    """Execute ``notebook`` in place (outputs added) in a fresh kernel in ``workdir``; return how the run ended.

    ``stderr``: an open file for the kernel process's own messages (the cells' output goes to the notebook).
    """
    client = NotebookClient(notebook, kernel_name="python3", resources={"metadata": {"path": str(workdir)}},
                            shutdown_kernel="immediate", allow_errors=False)
    index = None
    try:
        with client.setup_kernel(env=_kernel_env(log), stderr=stderr):
            start = time.monotonic()
            for index, cell in enumerate(notebook.cells):
                left = timeout - (time.monotonic() - start)
                if left <= 0:
                    raise CellTimeoutError("time limit reached")
                client.timeout = max(1, math.ceil(left))
                client.execute_cell(cell, index)
    except CellTimeoutError:
        return f"timed out after {timeout:g} s {_where(notebook, index)}"
    except CellExecutionError as err:
        return f"stopped {_where(notebook, index)}: {err.ename}: {err.evalue}"
    except DeadKernelError as err:
        return f"its kernel died {_where(notebook, index)}: {err}"
    return COMPLETED


def _where(notebook, index: int | None) -> str:
    """'in cell 9 (its first line)', numbered from 1 as a reader counts; 'before its first cell' for None."""
    if index is None:
        return "before its first cell"
    lines = [line.strip() for line in notebook.cells[index].source.splitlines() if line.strip()]
    first = lines[0] if lines else "(empty)"
    return f"in cell {index + 1} ({first if len(first) <= 60 else first[:57] + '...'})"


def _read_log(log: Path) -> dict[str, tuple[bool, str]]:
    """exercise id -> (passed, message) from the grade log; the last verdict of an exercise counts."""
    verdicts = {}
    if log.exists():
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
                verdicts[str(entry["exercise"])] = (entry["passed"] is True, str(entry["message"]))
            except (ValueError, KeyError, TypeError):
                continue  # a line the checks did not write
    return verdicts


def grade_notebook(submission: Submission, timeout: float, executed: Path | None = None) -> Result:
    """Run one submission and collect its checks' verdicts; never raises on a bad submission.

    ``timeout``: seconds for all its cells together. ``executed``: where to write the notebook
    with its outputs (None: nowhere).
    """
    exercises = exercises_of(submission.path.name)
    try:
        notebook = nbformat.read(submission.path, as_version=4)
        nbformat.validate(notebook)
    except Exception as err:  # not JSON, not a notebook, unreadable: whatever it is, say so
        reason = f"not a notebook ({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''})"
        return Result(submission, reason, [Verdict(e, "error", "the file is not a readable notebook") for e in exercises])
    with tempfile.TemporaryDirectory(prefix="ibcourse-grade-") as tmp:
        workdir, log, kernel_log = Path(tmp) / "work", Path(tmp) / "grade-log.jsonl", Path(tmp) / "kernel.log"
        workdir.mkdir()
        nbformat.write(notebook, workdir / submission.path.name)  # the kernel sees this copy only
        with open(kernel_log, "w") as stderr:
            try:
                run = _run(notebook, workdir, log, timeout, stderr)
            except Exception as err:  # e.g. the kernel would not start: report it, go on with the others
                run = f"could not be run: {type(err).__name__}: {err}"
        if run.startswith(("could not be run", "its kernel died")):
            last = kernel_log.read_text(errors="replace").strip().splitlines()[-1:]
            run += f" (the kernel's last message: {last[0]})" if last else ""
        logged = _read_log(log)
    if executed is not None:
        executed.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, executed)
    verdicts, reported_stop = [], False
    for exercise in exercises:
        if exercise.id in logged:
            passed, message = logged[exercise.id]
            verdicts.append(Verdict(exercise, "pass" if passed else "fail", "" if passed else message))
        elif run != COMPLETED and not reported_stop:
            verdicts.append(Verdict(exercise, "error", f"before this check, the notebook {run}"))
            reported_stop = True
        elif run != COMPLETED:
            verdicts.append(Verdict(exercise, "not reached", "the notebook stopped before this check"))
        else:
            verdicts.append(Verdict(exercise, "not reached",
                                    "the notebook ran to the end without this check: was its check cell removed?"))
    return Result(submission, run, verdicts)


def _notebook_column(number: str) -> str:
    return f"notebook {number}"


def write_grades(results: Sequence[Result], path: Path) -> list[str]:
    """Write grades.csv (format in the module's docstring); return its header."""
    by_key = {(r.submission.student, r.submission.notebook): r for r in results}
    notebooks = sorted({n for _, n in by_key})
    students = sorted({s for s, _ in by_key})
    exercises = {n: [v.exercise for v in r.verdicts] for (_, n), r in by_key.items()}
    header = ["student"]
    for n in notebooks:
        header += [_notebook_column(n)] + [e.id for e in exercises[n]]
    header += ["passed", "exercises"]
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for student in students:
            row, passed, total = [student], 0, 0
            for n in notebooks:
                result = by_key.get((student, n))
                if result is None:
                    row += ["not submitted"] * (1 + len(exercises[n]))
                else:
                    row += [result.run] + [v.cell for v in result.verdicts]
                    passed += sum(v.status == "pass" for v in result.verdicts)
                total += len(exercises[n])
            writer.writerow(row + [passed, total])
    return header


def feedback(student: str, results: Sequence[Result]) -> str:
    """The feedback file of one student (markdown): per notebook how it ran, per exercise verdict and hint."""
    passed = sum(v.status == "pass" for r in results for v in r.verdicts)
    total = sum(len(r.verdicts) for r in results)
    lines = [f"# Feedback for {student}", "", f"{passed} of {total} exercises passed their checks.", ""]
    for result in sorted(results, key=lambda r: r.submission.notebook):
        lines += [f"## {result.submission.path.name}", "", f"Run: {result.run}.", ""]
        for verdict in result.verdicts:
            if verdict.status == "pass":
                lines.append(f"- **{verdict.exercise.id}**: pass")
                continue
            lines.append(f"- **{verdict.exercise.id}**: {verdict.status}: {verdict.message}".rstrip(": "))
            if verdict.exercise.hint not in verdict.message:
                lines.append(f"  - General hint: {verdict.exercise.hint}")
        lines.append("")
    return "\n".join(lines)


def grade(submissions: str | os.PathLike, out: str | os.PathLike, *, timeout: float = DEFAULT_TIMEOUT,
          jobs: int = 1) -> list[Result]:
    """Grade every submission in ``submissions``; write grades.csv, feedback/ and executed/ to ``out``.

    ``timeout``: seconds of cell execution allowed per notebook (> 0); ``jobs``: notebooks run at once.
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out must be a folder (str or pathlib.Path), got {out!r}")
    found = find_submissions(submissions)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out={str(out)!r} exists and is not a folder")
    (out / "feedback").mkdir(parents=True, exist_ok=True)

    def one(submission: Submission) -> Result:
        result = grade_notebook(submission, timeout, out / "executed" / submission.student / submission.path.name)
        print(f"{submission.student}/{submission.path.name}: {result.run}; "
              f"{sum(v.status == 'pass' for v in result.verdicts)} of {len(result.verdicts)} passed", flush=True)
        return result

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, found))
    write_grades(results, out / "grades.csv")
    for student in sorted({r.submission.student for r in results}):
        text = feedback(student, [r for r in results if r.submission.student == student])
        (out / "feedback" / f"{student}.md").write_text(text, encoding="utf-8")
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m ibcourse.grading", description=__doc__.split("\n")[0])
    parser.add_argument("submissions", help="folder with one subfolder per student, holding NN_slug.ipynb files")
    parser.add_argument("--out", required=True, help="folder for grades.csv, feedback/ and executed/")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds of cell execution per notebook (default {DEFAULT_TIMEOUT})")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks run at once (default 1)")
    args = parser.parse_args(argv)
    try:
        results = grade(args.submissions, args.out, timeout=args.timeout, jobs=args.jobs)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"graded {len(results)} notebooks of {len({r.submission.student for r in results})} students: "
          f"{Path(args.out) / 'grades.csv'}, {Path(args.out) / 'feedback'}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
