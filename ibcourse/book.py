"""Build the course as a static HTML book: ``python -m ibcourse.book . build/book`` (``make book``).

The site (``build/book/html``) has a landing page with the README's course map, one page
per notebook with its executed outputs, the reference solutions and the worked answers
of the think questions in collapsed blocks, and on every notebook page a button that
launches that notebook on Binder (the repository and branch of the README's badge).

Tool: Sphinx with myst-nb and sphinx-book-theme. The book builds offline from pinned
PyPI packages: theme, fonts and icons ship inside the wheels. Jupyter Book 2 (mystmd)
was the other candidate; it needs Node.js and downloads its site theme from the
network when it builds, which neither CI nor the course's machines can do.

Executions are reused: ``make e2e`` (run by ``make test`` before this) saves each full
notebook, executed in JupyterLab, to ``build/executed/NN_slug.ipynb``. The book takes
that copy when it is newer than the notebook and than every module of ``ibcourse``,
holds the same cells, and has no error output (``current_execution``); otherwise it
executes the notebook once itself (nbclient, ``IBCOURSE_STRICT=1``) into the same
folder (``execute``). myst-nb never executes.

The built HTML is then checked: every link or asset that points inside the site must
name a file that exists, and an anchor that exists in it (``broken_links``).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat

#: Book pages: section notebooks NN_slug and appendices A<n>_slug, in this order.
NOTEBOOK_NAME = re.compile(r"(\d\d|A\d+)_\w+\.ipynb")
#: The README's Binder badge: BinderHub, GitHub organisation, repository, git ref, interface.
BINDER_BADGE = re.compile(r"\((https://[^/\s()]+)/v2/gh/([\w.-]+)/([\w.-]+)/([^?\s()]+)\?urlpath=(lab|tree)/")
#: README sections the landing page shows, after the README's introduction.
LANDING_SECTIONS = ("Course map", "Run it")
#: Where make e2e saves the executed full notebooks, and the book saves those it runs.
EXECUTED = "build/executed"
#: Seconds one cell may run when the book executes a notebook itself (budget: 3 min a notebook).
CELL_TIMEOUT = 600
#: Folders of a Sphinx site that hold assets, not pages.
ASSET_FOLDERS = ("_static",)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: ipywidgets' own text form, ``ClassName(children=...)``: a control, which needs a kernel.
WIDGET_REPR = re.compile(r"\w+\(\w+=")
WIDGET_NOTE = ("*Interactive widget: it runs in JupyterLab. Launch this notebook on Binder "
               "(the rocket button at the top of the page) to move its controls.*")


def book_notebooks(folder: str | os.PathLike) -> list[Path]:
    """The notebooks of ``folder`` that the book shows (``NN_slug.ipynb``, ``A<n>_slug.ipynb``), sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder={str(folder)!r} is not a folder")
    return sorted(p for p in folder.glob("*.ipynb") if NOTEBOOK_NAME.fullmatch(p.name))


def binder_target(readme: str) -> dict[str, str]:
    """The BinderHub, repository URL, branch and interface of the README's Binder badge.

    Returns a dict with keys ``binderhub_url``, ``repository_url``, ``branch`` and
    ``interface`` (``"jupyterlab"`` or ``"classic"``); raises ``ValueError`` when
    ``readme`` (the README's text) has no GitHub Binder link.
    """
    match = BINDER_BADGE.search(readme)
    if match is None:
        raise ValueError("readme has no Binder link of the form (https://HUB/v2/gh/ORG/REPO/REF?urlpath=lab/...)")
    hub, org, repo, ref, ui = match.groups()
    return {"binderhub_url": hub, "repository_url": f"https://github.com/{org}/{repo}", "branch": ref,
            "interface": "jupyterlab" if ui == "lab" else "classic"}


def _split_readme(readme: str) -> tuple[str, str, dict[str, str]]:
    """(title, introduction, {level-2 heading: body}) of a markdown text; fenced code is not split."""
    title, intro, sections, current, fence = None, [], {}, None, None
    for line in readme.splitlines():
        marker = re.match(r"\s*(```+|~~~+)", line)
        if marker and (fence is None or marker.group(1).startswith(fence)):
            fence = None if fence else marker.group(1)
        if fence is None and title is None and line.startswith("# "):
            title = line[2:].strip()
        elif fence is None and line.startswith("## "):
            current = line[3:].strip()
            sections[current] = []
        elif title is not None:
            (intro if current is None else sections[current]).append(line)
    if title is None:
        raise ValueError("readme has no level-1 title ('# ...')")
    return title, "\n".join(intro).strip(), {k: "\n".join(v).strip() for k, v in sections.items()}


def landing_page(readme: str, notebooks: list[str]) -> str:
    """The book's landing page (MyST markdown), made from the README: its introduction and course map.

    ``notebooks`` are the book's notebook names without extension (``"01_ib_principle"``).
    Each of them becomes a link in the course map and an entry of the table of contents;
    one that the course map does not list raises ``ValueError`` (add its row to the
    README). Other relative links of the README point at the repository on GitHub, and
    the Binder badge becomes a text link.
    """
    title, intro, sections = _split_readme(readme)
    missing = [name for name in LANDING_SECTIONS if name not in sections]
    if missing:
        raise ValueError(f"readme has no section(s) {missing} ('## ...') for the landing page")
    target = binder_target(readme)
    blob = f"{target['repository_url']}/blob/{target['branch']}/"

    def relink(match: re.Match) -> str:
        text, url = match.groups()
        if urlsplit(url).scheme or url.startswith("#"):
            return match.group(0)
        return f"[{text}]({blob}{url})"

    # the badge is an image from the web: a text link reads offline too
    intro = re.sub(r"\[!\[[^\]]*\]\([^)\s]+\)\]\(([^)\s]+/v2/gh/[^)\s]+)\)",
                   r"**[Launch the course on Binder](\1)**: JupyterLab in the browser, nothing to install.", intro)
    body = [intro] + [f"## {name}\n\n{sections[name]}" for name in LANDING_SECTIONS]
    page = re.sub(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)", relink, "\n\n".join(body))
    listed = set(re.findall(r"^\| `(\w+)` \|", sections["Course map"], flags=re.M))
    unlisted = [name for name in notebooks if name not in listed]
    if unlisted:
        raise ValueError(f"notebooks {unlisted} are not in the README's course map: add a row for each")
    for name in notebooks:
        page = page.replace(f"| `{name}` |", f"| [`{name}`](notebooks/{name}.ipynb) |", 1)
    toctree = "\n".join(f"notebooks/{name}" for name in notebooks)
    return f"# {title}\n\n{page}\n\n```{{toctree}}\n:hidden:\n:caption: Notebooks\n\n{toctree}\n```\n"


def _has_error(notebook: nbformat.NotebookNode) -> bool:
    return any(out.output_type == "error" for cell in notebook.cells for out in cell.get("outputs", []))


def _same_cells(a: nbformat.NotebookNode, b: nbformat.NotebookNode) -> bool:
    return [(c.cell_type, c.source) for c in a.cells] == [(c.cell_type, c.source) for c in b.cells]


def current_execution(notebook: str | os.PathLike, folder: str | os.PathLike, *,
                      package: str | os.PathLike) -> nbformat.NotebookNode | None:
    """The executed copy ``folder/<name>.ipynb`` of ``notebook`` if it is current, else None.

    Current: newer than ``notebook`` and than every ``*.py`` of ``package`` (the
    ibcourse folder; this module excepted, as no notebook runs it), with the same
    cells as ``notebook`` and no error output.
    """
    notebook, copy = Path(notebook), Path(folder) / Path(notebook).name
    inputs = [notebook, *(p for p in Path(package).glob("*.py") if p.name != Path(__file__).name)]
    if not copy.exists() or copy.stat().st_mtime <= max(p.stat().st_mtime for p in inputs):
        return None
    run = nbformat.read(copy, as_version=4)
    if _same_cells(run, nbformat.read(notebook, as_version=4)) and not _has_error(run):
        return run
    return None


def execute(notebook: str | os.PathLike, folder: str | os.PathLike, *,
            timeout: int = CELL_TIMEOUT) -> nbformat.NotebookNode:
    """Run ``notebook`` as CI does and save the executed copy as ``folder/<name>.ipynb``.

    A new kernel runs it from the notebook's folder with ``IBCOURSE_STRICT=1``, at most
    ``timeout`` seconds a cell. A cell that fails raises ``RuntimeError`` naming the
    notebook (from nbclient's ``CellExecutionError``, which shows the cell).
    """
    from nbclient import NotebookClient  # only the book needs a kernel client
    from nbclient.exceptions import CellExecutionError

    notebook, folder = Path(notebook), Path(folder)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds (int), got {timeout!r}")
    run = nbformat.read(notebook, as_version=4)
    client = NotebookClient(run, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(notebook.parent)}})
    try:
        client.execute(env={**os.environ, "IBCOURSE_STRICT": "1"})
    except CellExecutionError as err:
        raise RuntimeError(f"{notebook} failed when the book ran it with IBCOURSE_STRICT=1") from err
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(run, folder / notebook.name)
    return run


def book_version(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of an executed notebook, marked up for the book.

    Solution cells (tagged ``solution``) get myst-nb's ``hide-input``: their code sits in
    a collapsed block labelled "Show the solution". Worked answers (markdown tagged
    ``answer``) go into a collapsed dropdown. Widgets need a kernel: an ipywidgets
    control (its text form is ``interactive(children=...)``) becomes a note that says
    how to launch the notebook, other widget outputs (tqdm's progress bars, whose text
    is their state when first shown, 0 %) are dropped, and so is the saved widget
    state. Raises ``ValueError`` on an error output.
    """
    if not isinstance(notebook, nbformat.NotebookNode):
        raise TypeError(f"notebook must be an nbformat.NotebookNode, got {type(notebook).__name__}")
    if _has_error(notebook):
        raise ValueError("notebook has an error output: the book shows only notebooks that ran")
    out = nbformat.from_dict(notebook)
    out.metadata.pop("widgets", None)
    for cell in out.cells:
        tags = cell.metadata.get("tags", [])
        if "solution" in tags:
            cell.metadata["tags"] = [*tags, "hide-input"]
            cell.metadata["mystnb"] = {"code_prompt_show": "Show the solution", "code_prompt_hide": "Hide the solution"}
        if "answer" in tags and cell.cell_type == "markdown":
            fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", cell.source)), default=0))
            cell.source = f"{fence}{{dropdown}} Worked answer\n\n{cell.source}\n{fence}"
        if cell.cell_type == "code":
            outputs = []
            for output in cell.outputs:
                data = output.get("data", {})
                if WIDGET_VIEW not in data:
                    outputs.append(output)
                elif WIDGET_REPR.match(data.get("text/plain", "")):
                    output.data = {"text/markdown": WIDGET_NOTE}
                    outputs.append(output)
            cell.outputs = outputs
    return out


def sphinx_config(title: str, target: dict[str, str]) -> dict:
    """The Sphinx configuration of the book (there is no conf.py: this dict is it)."""
    return {
        "project": title,
        "html_title": title,
        "extensions": ["myst_nb", "sphinx_design"],
        "html_theme": "sphinx_book_theme",
        "html_theme_options": {
            "repository_url": target["repository_url"],
            "repository_branch": target["branch"],
            "path_to_docs": "",  # pages sit at the notebooks' repository paths: notebooks/NN_slug
            "use_repository_button": True,
            "launch_buttons": {"binderhub_url": target["binderhub_url"], "notebook_interface": target["interface"]},
        },
        "myst_enable_extensions": ["dollarmath", "amsmath"],
        "myst_dmath_double_inline": True,  # $$...$$ inside a paragraph, as JupyterLab renders it
        "nb_execution_mode": "off",  # executed by executed() above, once
        "nb_output_stderr": "warn",  # stderr in a notebook is a fault: a warning, so the build fails
        "html_show_copyright": False,
    }


def prepare(root: str | os.PathLike, source: str | os.PathLike) -> list[tuple[str, bool]]:
    """Write the book's sources into the folder ``source`` from the repository at ``root``.

    ``source/index.md`` is the landing page; ``source/notebooks/NN_slug.ipynb`` the
    executed notebooks marked up by ``book_version``. Executions come from, and go to,
    ``root/build/executed`` (``current_execution``, else ``execute``). Returns
    (notebook name, reused) for each notebook.
    """
    root, source = Path(root), Path(source)
    notebooks = book_notebooks(root / "notebooks")
    if not notebooks:
        raise ValueError(f"no notebooks (NN_slug.ipynb) in {root / 'notebooks'}")
    if source.exists():
        shutil.rmtree(source)
    (source / "notebooks").mkdir(parents=True)
    readme = (root / "README.md").read_text(encoding="utf-8")
    (source / "index.md").write_text(landing_page(readme, [p.stem for p in notebooks]), encoding="utf-8")
    done = []
    for path in notebooks:
        run = current_execution(path, root / EXECUTED, package=root / "ibcourse")
        reused = run is not None
        if not reused:
            print(f"{path.stem}: no current execution in {EXECUTED}/, running it (up to 3 minutes)", flush=True)
            run = execute(path, root / EXECUTED)
        try:
            nbformat.write(book_version(run), source / "notebooks" / path.name)
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from err
        done.append((path.stem, reused))
    return done


class _Links(HTMLParser):
    """Collects the ids (anchors) of an HTML page and the URLs it refers to."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.urls: list[tuple[str, str]] = []  # (tag, URL)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.ids.add(value)
            elif name in ("href", "src"):
                self.urls.append((tag, value))


def broken_links(site: str | os.PathLike) -> list[str]:
    """Every link or asset in the HTML files of ``site`` that points inside it and does not resolve.

    Checks ``href`` and ``src`` attributes without a scheme (``http:``, ``mailto:``,
    ``data:`` ... are external and not fetched): the file must exist inside ``site``
    (a folder means its ``index.html``) and a ``#fragment`` into an HTML file must be
    an ``id`` there (or an ``<a name>``). HTML files in ``ASSET_FOLDERS`` are assets
    (a theme's template fragments), not pages: links into them are checked, links in
    them are not. Returns "page: url (why)" strings, empty when all resolve.
    """
    site = Path(site).resolve()
    if not site.is_dir():
        raise ValueError(f"site={str(site)!r} is not a folder")
    pages = {path: _Links() for path in site.rglob("*.html") if path.relative_to(site).parts[0] not in ASSET_FOLDERS}
    for path, parser in pages.items():
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    broken = []
    for path, parser in pages.items():
        for _, url in parser.urls:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                continue
            if parts.path:
                base = site if parts.path.startswith("/") else path.parent
                target = (base / unquote(parts.path).lstrip("/")).resolve()
            else:
                target = path
            if target.is_dir():
                target = target / "index.html"
            where = f"{path.relative_to(site)}: {url}"
            if not target.is_relative_to(site):
                broken.append(f"{where} (outside the site)")
            elif not target.is_file():
                broken.append(f"{where} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else set()
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{where} (no anchor #{parts.fragment})")
    return broken


def page_problems(site: str | os.PathLike, root: str | os.PathLike, notebooks: list[str]) -> list[str]:
    """What the notebook pages of the built ``site`` lack: a figure, or a Binder link to their notebook.

    For each name in ``notebooks`` (``"01_ib_principle"``), ``site/notebooks/NAME.html``
    must exist, show at least one image of the site's ``_images`` folder (a figure
    of the run), and launch ``notebooks/NAME.ipynb`` on Binder, a file that must exist
    in the repository at ``root``. Returns one line per problem, empty when none.
    """
    site, root = Path(site), Path(root)
    problems = []
    for name in notebooks:
        page = site / "notebooks" / f"{name}.html"
        if not page.is_file():
            problems.append(f"{name}: no page {page}")
            continue
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        if not any(tag == "img" and url.startswith("../_images/") for tag, url in parser.urls):
            problems.append(f"{name}: no figure (an image in _images/)")
        launched = [m.group(1) for _, url in parser.urls if (m := re.search(r"/v2/gh/.*[?&]urlpath=(?:lab/)?tree/([^&#]+)", url))]
        if launched != [f"notebooks/{name}.ipynb"]:
            problems.append(f"{name}: launches {launched} on Binder, expected ['notebooks/{name}.ipynb']")
        elif not (root / launched[0]).is_file():
            problems.append(f"{name}: launches {launched[0]}, which is not a file of the repository")
    return problems


def build(root: str | os.PathLike, out: str | os.PathLike) -> int:
    """Build the book of the repository ``root`` into ``out`` (``out/html`` is the site); 0 when sound.

    Sphinx turns warnings into errors (all of them are reported first); then every
    internal link is checked (``broken_links``), and every notebook page for a figure
    and its Binder link (``page_problems``). Prints what it did and how long each step took.
    """
    from sphinx.application import Sphinx  # only the book needs Sphinx (optional group "book")

    root, out = Path(root), Path(out)
    start = time.perf_counter()
    done = prepare(root, out / "src")
    for name, reused in done:
        print(f"{name}: {f'outputs of {EXECUTED}/ reused' if reused else 'executed'}")
    prepared = time.perf_counter()
    readme = (root / "README.md").read_text(encoding="utf-8")
    config = sphinx_config(_split_readme(readme)[0], binder_target(readme))
    if (out / "html").exists():
        shutil.rmtree(out / "html")
    app = Sphinx(out / "src", None, out / "html", out / "doctrees", "html", confoverrides=config,
                 freshenv=True, warningiserror=True, status=None)
    app.build(force_all=True)
    if app.statuscode:
        print("book: Sphinx warned (above); each warning is an error here", file=sys.stderr)
        return app.statuscode
    broken = broken_links(out / "html")
    for line in broken:
        print(f"broken link: {line}", file=sys.stderr)
    problems = page_problems(out / "html", root, [name for name, _ in done])
    for line in problems:
        print(f"page problem: {line}", file=sys.stderr)
    end = time.perf_counter()
    print(f"book: {out / 'html' / 'index.html'} (notebooks {prepared - start:.0f} s, "
          f"Sphinx and checks {end - prepared:.0f} s, {len(broken)} broken links, {len(problems)} page problems)")
    return 1 if broken or problems else 0


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m ibcourse.book REPOSITORY_ROOT OUTPUT_DIR", file=sys.stderr)
        return 2
    return build(argv[0], argv[1])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
