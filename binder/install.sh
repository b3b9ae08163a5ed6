#!/usr/bin/env bash
# Install the course into a Python environment, the one way Binder (binder/postBuild)
# and `make lab` / `make test` both use:
#   1. torch, at the version pinned in pyproject.toml, from PyTorch's CPU-only wheel
#      index (PyPI's Linux wheel of the same version pulls several GB of CUDA libraries);
#   2. the ibcourse package, editable, with the extras given as arguments, every other
#      pin coming from pyproject.toml, the single list of versions;
#   3. the course's JupyterLab settings (binder/overrides.json: no first-run question
#      about Jupyter news covering the notebook), into that Python's prefix.
# Usage: [PYTHON=/path/to/python] bash binder/install.sh course [dev ...]
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python}
if [ "$#" -eq 0 ]; then
    echo "binder/install.sh: name the extras to install, for example: bash binder/install.sh course" >&2
    exit 2
fi
extras=$(IFS=,; echo "$*")
torch_pin=$("$python" -c 'import re, tomllib
deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]
print(next(d for d in deps if re.match(r"torch==", d)))')
pip_install=("$python" -m pip install --quiet --disable-pip-version-check)
# --no-deps: only torch itself comes from that index; its dependencies come with the
# package below, from PyPI. Two retries: where the index is unreachable but a local
# wheel of the pin exists (pip's find-links), pip falls back to it in about a second.
"${pip_install[@]}" --no-deps --retries 2 --index-url https://download.pytorch.org/whl/cpu "$torch_pin"
"${pip_install[@]}" -e ".[$extras]"
settings=$("$python" -c 'import sys; print(sys.prefix)')/share/jupyter/lab/settings
install -D -m 644 binder/overrides.json "$settings/overrides.json"
