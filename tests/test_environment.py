"""The three environment descriptions cannot drift apart, and Binder's build plan is valid.

pyproject.toml holds the only list of versions. `make lab`, Binder (binder/postBuild) and
the local conda environment (environment.yml) all install the package with the same
extras, through pip; conda contributes Python and pip and nothing else.
"""

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import yaml

ROOT = Path(__file__).resolve().parent.parent
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pyproject_pins():
    project = pyproject()
    lines = project["dependencies"] + [d for deps in project["optional-dependencies"].values() for d in deps]
    pins = {}
    for line in lines:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9][0-9A-Za-z.]*)", line)
        assert match, f"pyproject.toml: {line!r} is not an exact pin NAME==VERSION"
        pins[match[1].lower()] = match[2]
    return pins


def lab_extras():
    """The extras `make lab` installs, from the Makefile's LAB_EXTRAS."""
    match = re.search(r"^LAB_EXTRAS := (.+)$", (ROOT / "Makefile").read_text(), re.M)
    return match[1].split()


def conda_dependencies(path):
    return yaml.safe_load(path.read_text())["dependencies"]


def test_every_pin_is_exact():
    pins = pyproject_pins()
    assert pins["torch"] == "2.13.0"
    for name in ("jupyterlab", "jupytext", "nbval", "numpy", "torch", "matplotlib", "ipywidgets"):
        assert name in pins, f"{name} is part of the required stack"


def test_conda_side_is_only_python_and_pip():
    minimum = re.fullmatch(r">=(\d+\.\d+)", pyproject()["requires-python"])[1]
    for env in (ROOT / "environment.yml", ROOT / "binder" / "environment.yml"):
        names = [d for d in conda_dependencies(env) if isinstance(d, str)]
        assert names == [f"python={minimum}", "pip"], env


def test_conda_pip_section_installs_what_make_lab_installs():
    pip_lines = next(d["pip"] for d in conda_dependencies(ROOT / "environment.yml") if isinstance(d, dict))
    assert pip_lines == [f"--extra-index-url {CPU_INDEX}", f"-e .[{','.join(lab_extras())}]"]


def test_binder_installs_what_make_lab_installs():
    post = (ROOT / "binder" / "postBuild").read_text()
    commands = [line for line in post.splitlines() if line and not line.startswith(("#", "set "))]
    assert commands[0] == f"bash binder/install.sh {' '.join(lab_extras())}"
    assert "PYTHON=$(BIN)/python bash binder/install.sh $(LAB_EXTRAS)" in (ROOT / "Makefile").read_text()


def test_install_script_takes_versions_only_from_pyproject():
    script = (ROOT / "binder" / "install.sh").read_text()
    assert f"--index-url {CPU_INDEX}" in script
    assert not re.search(r"==\s*\d", script), "versions belong in pyproject.toml"


def test_install_script_refuses_to_guess_the_extras():
    result = subprocess.run(["bash", str(ROOT / "binder" / "install.sh")], capture_output=True, text=True)
    assert result.returncode == 2 and "name the extras" in result.stderr


def test_repo2docker_reads_the_repository(tmp_path):
    """repo2docker's own plan (the Dockerfile it would build), without a container engine."""
    repo2docker = shutil.which("repo2docker", path=str(Path(sys.executable).parent))
    assert repo2docker, "jupyter-repo2docker is in the dev extras: make test installs it"
    result = subprocess.run([repo2docker, "--no-build", "--no-run", "--debug", str(ROOT)],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    plan = result.stdout + result.stderr
    assert "Building conda environment for python=3.11" in plan
    assert '--file "binder/environment.yml"' in plan
    assert "RUN ./binder/postBuild" in plan


def binder_links(text):
    return re.findall(r"https://mybinder\.org/v2/gh/[^\s)\"'>]+", text)


def test_binder_badge_and_launch_links_open_existing_files():
    links = binder_links((ROOT / "README.md").read_text())
    assert links, "the README has a Binder badge"
    for link in links:
        url = urlparse(link)
        assert url.path == "/v2/gh/ibcourse/ibcourse/HEAD", link
        target = parse_qs(url.query)["urlpath"][0]
        assert target.startswith("lab/tree/"), link
        assert (ROOT / target.removeprefix("lab/tree/")).is_file(), f"{link} opens a file that does not exist"


def test_every_notebook_has_a_binder_launch_link():
    opened = {parse_qs(urlparse(link).query)["urlpath"][0] for link in binder_links((ROOT / "README.md").read_text())}
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"lab/tree/notebooks/{notebook.name}" in opened, f"README: no Binder link opens {notebook.name}"


def test_course_map_names_the_notebooks_that_exist():
    readme = (ROOT / "README.md").read_text()
    listed = set(re.findall(r"^\| `([0-9A][0-9]_\w+)` \|(?!.*in preparation)", readme, re.M))
    present = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert present <= listed, f"notebooks missing from the README's course map: {present - listed}"
    assert listed <= present, f"course map rows without a notebook: {listed - present}"


def test_course_jupyterlab_settings_turn_off_the_news_question():
    settings = json.loads((ROOT / "binder" / "overrides.json").read_text())
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    assert "binder/overrides.json" in (ROOT / "binder" / "install.sh").read_text()
