"""The book's pieces (ibcourse.book): link checker, page checks, landing page, reuse of executions."""

import os
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ibcourse import book

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def site(tmp_path):
    """A tiny sound site: two pages, an image, a folder with an index, external links."""
    write(tmp_path / "index.html", '<h1 id="top">x</h1><a href="notebooks/a.html#part">a</a>'
          '<a href="sub/">sub</a><img src="_images/f.png"><a href="https://example.org/nowhere">x</a>'
          '<a href="mailto:a@b.c">m</a><a href="#top">top</a><script src="data:text/javascript,1"></script>')
    write(tmp_path / "notebooks" / "a.html", '<section id="part"><a href="../index.html?x=1#top">home</a>'
          '<img src="../_images/f.png"></section>')
    write(tmp_path / "sub" / "index.html", '<a name="old"></a><a href="../index.html">up</a>')
    write(tmp_path / "_images" / "f.png", "png")
    write(tmp_path / "_static" / "macros.html", "<link href=\"{{ pathto('x.css', 1) }}\">")
    return tmp_path


def test_sound_site_has_no_broken_links(site):
    assert book.broken_links(site) == []


@pytest.mark.parametrize("html, why", [
    ('<a href="notebooks/b.html">', "no such file"),
    ('<img src="_images/g.png">', "no such file"),
    ('<a href="notebooks/a.html#nowhere">', "no anchor #nowhere"),
    ('<a href="#nowhere">', "no anchor #nowhere"),
    ('<a href="../outside.html">', "outside the site"),
    ('<link href="/_static/missing.css">', "no such file"),
])
def test_each_kind_of_broken_link_is_found(site, html, why):
    write(site / "index.html", (site / "index.html").read_text() + html)
    broken = book.broken_links(site)
    assert len(broken) == 1 and broken[0].startswith("index.html: ") and broken[0].endswith(f"({why})")


def test_link_checker_rejects_a_missing_site(tmp_path):
    with pytest.raises(ValueError, match="site="):
        book.broken_links(tmp_path / "missing")


LAUNCH = "https://mybinder.org/v2/gh/ibcourse/ibcourse/HEAD?urlpath=lab/tree/notebooks/{}.ipynb"


def test_page_problems_finds_a_page_without_figure_or_with_a_wrong_launch_link(tmp_path):
    write(tmp_path / "repo" / "notebooks" / "01_a.ipynb", "{}")
    good = f'<img src="../_images/f.png"><a href="{LAUNCH.format("01_a")}">Binder</a>'
    write(tmp_path / "site" / "notebooks" / "01_a.html", good)
    assert book.page_problems(tmp_path / "site", tmp_path / "repo", ["01_a"]) == []
    write(tmp_path / "site" / "notebooks" / "01_a.html", f'<img src="../_static/logo.png"><a href="{LAUNCH.format("01_a")}">')
    assert book.page_problems(tmp_path / "site", tmp_path / "repo", ["01_a"]) == ["01_a: no figure (an image in _images/)"]
    write(tmp_path / "site" / "notebooks" / "02_b.html", f'<img src="../_images/f.png"><a href="{LAUNCH.format("02_b")}">')
    [problem] = book.page_problems(tmp_path / "site", tmp_path / "repo", ["02_b"])
    assert "not a file of the repository" in problem
    write(tmp_path / "site" / "notebooks" / "01_a.html", f'<img src="../_images/f.png"><a href="{LAUNCH.format("02_b")}">')
    [problem] = book.page_problems(tmp_path / "site", tmp_path / "repo", ["01_a"])
    assert "expected ['notebooks/01_a.ipynb']" in problem
    assert book.page_problems(tmp_path / "site", tmp_path / "repo", ["03_c"]) == [
        f"03_c: no page {tmp_path / 'site' / 'notebooks' / '03_c.html'}"]


def test_book_notebooks_are_sections_then_appendices(tmp_path):
    for name in ("02_b", "01_a", "A1_x", "A10_y", "scratch", "1_short", "01_a-copy", "Untitled"):
        write(tmp_path / f"{name}.ipynb", "{}")
    assert [p.stem for p in book.book_notebooks(tmp_path)] == ["01_a", "02_b", "A10_y", "A1_x"]
    folder = ROOT / "notebooks"
    assert [p.stem for p in book.book_notebooks(folder)] == (
        sorted(p.stem for p in folder.glob("[0-9][0-9]_*.ipynb")) + sorted(p.stem for p in folder.glob("A[0-9]*_*.ipynb")))


def test_binder_target_is_the_readme_badge():
    target = book.binder_target(README)
    badge = (f"{target['binderhub_url']}/v2/gh/{target['repository_url'].removeprefix('https://github.com/')}/"
             f"{target['branch']}?urlpath=lab/tree/")
    assert badge in README and target["interface"] == "jupyterlab"
    with pytest.raises(ValueError, match="no Binder link"):
        book.binder_target("# A course\n\nno badge here\n")


def test_landing_page_is_the_readme_course_map_with_links():
    names = [p.stem for p in book.book_notebooks(ROOT / "notebooks")]
    page = book.landing_page(README, names)
    assert page.startswith("# The Information Bottleneck")
    for name in names:
        assert f"| [`{name}`](notebooks/{name}.ipynb) |" in page
        assert f"\nnotebooks/{name}\n" in page  # in the table of contents
    rows = [line for line in README.split("## Course map")[1].split("\n## ")[0].splitlines() if line.startswith("| `")]
    assert len(rows) >= len(names) and all(row.split("|")[2] in page for row in rows)  # every row, every title
    assert "](CONTRIBUTING.md)" not in page and "/blob/HEAD/CONTRIBUTING.md)" in page
    binder = README.split("[![Binder](https://mybinder.org/badge_logo.svg)](")[1].split(")")[0]
    assert f"[Launch the course on Binder]({binder})" in page and "![" not in page


def test_landing_page_rejects_a_notebook_missing_from_the_course_map():
    with pytest.raises(ValueError, match=r"\['07_new'\] are not in the README's course map"):
        book.landing_page(README, ["01_ib_principle", "07_new"])
    with pytest.raises(ValueError, match="no section"):
        book.landing_page(README.replace("## Course map", "## Map"), [])


def executed_notebook():
    nb = new_notebook(metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}}})
    stub = new_code_cell("def f():\n    raise NotImplementedError", metadata={"tags": ["exercise"]})
    solution = new_code_cell("def f():\n    return 1", metadata={"tags": ["solution"]})
    answer = new_markdown_cell("**Answer.** Use ```code``` here.", metadata={"tags": ["answer"]})
    slider = new_code_cell("explorer()", outputs=[new_output("execute_result", execution_count=1, data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "m"},
        "text/plain": "interactive(children=(SelectionSlider(description='beta'),))"})])
    progress = new_code_cell("train()", outputs=[new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "p"}, "text/plain": "epochs:   0%|  | 0/3"}),
        new_output("stream", name="stdout", text="done\n")])
    nb.cells = [stub, solution, answer, slider, progress]
    return nb


def test_book_version_collapses_solutions_and_answers_and_replaces_widgets():
    nb = executed_notebook()
    out = book.book_version(nb)
    stub, solution, answer, slider, progress = out.cells
    assert "hide-input" in solution.metadata.tags and "hide-input" not in stub.metadata.tags
    assert solution.metadata.mystnb["code_prompt_show"] == "Show the solution"
    assert answer.source.startswith("````{dropdown} Worked answer\n") and answer.source.endswith("\n````")
    assert slider.outputs[0].data == {"text/markdown": book.WIDGET_NOTE}
    assert progress.outputs == [progress.outputs[0]] and progress.outputs[0].text == "done\n"
    assert "widgets" not in out.metadata
    assert "hide-input" not in nb.cells[1].metadata.tags and "widgets" in nb.metadata  # the input is left alone


def test_book_version_refuses_a_notebook_with_an_error():
    nb = executed_notebook()
    nb.cells[3].outputs.append(new_output("error", ename="ClaimError", evalue="no", traceback=[]))
    with pytest.raises(ValueError, match="error output"):
        book.book_version(nb)
    with pytest.raises(TypeError, match="NotebookNode"):
        book.book_version({"cells": []})


@pytest.fixture
def repo(tmp_path):
    """A repository with one notebook that prints IBCOURSE_STRICT, and an ibcourse module."""
    nb = new_notebook(cells=[new_code_cell("import os\nprint(os.environ.get('IBCOURSE_STRICT'))")],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, tmp_path / "01_x.ipynb")
    write(tmp_path / "ibcourse" / "m.py", "")
    old = time.time() - 100
    for path in (tmp_path / "01_x.ipynb", tmp_path / "ibcourse" / "m.py"):
        os.utime(path, (old, old))
    return tmp_path


def save_run(repo, text, *, error=False):
    nb = nbformat.read(repo / "01_x.ipynb", as_version=4)
    nb.cells[0].outputs = [new_output("stream", name="stdout", text=text)]
    if error:
        nb.cells[0].outputs.append(new_output("error", ename="E", evalue="", traceback=[]))
    (repo / "executed").mkdir(exist_ok=True)
    nbformat.write(nb, repo / "executed" / "01_x.ipynb")


def test_a_current_execution_is_reused(repo):
    save_run(repo, "saved by e2e\n")
    (repo / "ibcourse" / "book.py").touch()  # the book's own code does not run in notebooks
    nb = book.current_execution(repo / "01_x.ipynb", repo / "executed", package=repo / "ibcourse")
    assert nb.cells[0].outputs[0].text == "saved by e2e\n"


@pytest.mark.parametrize("stale", ["missing", "notebook edited", "package edited", "other cells", "error output"])
def test_a_stale_execution_is_run_again_strictly(repo, stale):
    if stale != "missing":
        save_run(repo, "saved by e2e\n", error=stale == "error output")
    if stale == "notebook edited":
        (repo / "01_x.ipynb").touch()
    elif stale == "package edited":
        (repo / "ibcourse" / "m.py").touch()
    elif stale == "other cells":
        nb = nbformat.read(repo / "executed" / "01_x.ipynb", as_version=4)
        nb.cells[0].source = "print('another notebook')"
        nbformat.write(nb, repo / "executed" / "01_x.ipynb")
    assert book.current_execution(repo / "01_x.ipynb", repo / "executed", package=repo / "ibcourse") is None
    nb = book.execute(repo / "01_x.ipynb", repo / "executed")
    assert nb.cells[0].outputs[0].text == "1\n"  # run with IBCOURSE_STRICT=1
    again = book.current_execution(repo / "01_x.ipynb", repo / "executed", package=repo / "ibcourse")
    assert again.cells[0].outputs[0].text == "1\n"  # saved, and now current


def test_a_failing_notebook_names_itself(repo):
    nb = nbformat.read(repo / "01_x.ipynb", as_version=4)
    nb.cells.append(new_code_cell("raise ValueError('claim contradicted')"))
    nbformat.write(nb, repo / "01_x.ipynb")
    with pytest.raises(RuntimeError, match="01_x.ipynb failed when the book ran it") as info:
        book.execute(repo / "01_x.ipynb", repo / "executed")
    assert "claim contradicted" in str(info.value.__cause__)
    assert not (repo / "executed" / "01_x.ipynb").exists()


@pytest.mark.parametrize("timeout", [0, -5, 2.5, True, None])
def test_execute_rejects_a_bad_timeout(repo, timeout):
    with pytest.raises(ValueError, match="timeout"):
        book.execute(repo / "01_x.ipynb", repo / "executed", timeout=timeout)
