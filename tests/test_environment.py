"""pyproject.toml, environment.yml and binder/environment.yml name the same packages and versions."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"pytorch": "torch", "pytorch-cpu": "torch"}  # conda-forge name -> PyPI name
MAKE_ONLY_GROUPS = {"browser"}  # installed by a make target for its test (make e2e), not in the environments


def pyproject_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + [d for group, deps in project["optional-dependencies"].items()
                                       if group not in MAKE_ONLY_GROUPS for d in deps]
    pins = {}
    for line in lines:
        name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9][0-9A-Za-z.]*)", line).groups()
        pins[name.lower()] = version
    return pins


def conda_pins(path):
    deps = yaml.safe_load(path.read_text())["dependencies"]
    pins = {}
    for dep in deps:
        if not isinstance(dep, str) or dep.split("=")[0] in ("python", "pip"):
            continue
        name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)=([0-9][0-9A-Za-z.]*)", dep).groups()
        pins[CONDA_NAMES.get(name, name).lower()] = version
    return pins


def test_every_pin_is_exact_and_shared():
    pins = pyproject_pins()
    assert pins["torch"] == "2.13.0"
    for env in (ROOT / "environment.yml", ROOT / "binder" / "environment.yml"):
        assert conda_pins(env) == pins, env


def test_binder_uses_cpu_torch_and_installs_package_without_deps():
    assert "pytorch-cpu=" in (ROOT / "binder" / "environment.yml").read_text()
    post = (ROOT / "binder" / "postBuild").read_text()
    assert "pip install --no-deps -e ." in post


def test_required_stack_is_present():
    pins = pyproject_pins()
    for name in ("jupyterlab", "jupytext", "nbval", "numpy", "torch", "matplotlib", "ipywidgets"):
        assert name in pins
