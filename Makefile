# The course's commands. Each creates .venv (Python >= 3.11) when it is missing.
#   make lab      open JupyterLab on the notebooks
#   make test     lint, unit tests, notebook pairs, every notebook, every student version,
#                 then all of them in JupyterLab in a browser (make e2e)
#   make e2e      every notebook run in JupyterLab in headless Chromium (screenshots in build/e2e/)
#   make student  student versions (solutions removed) in build/student/
#   make bench    speed benchmarks (installs the peer tools they compare against)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BROWSER_STAMP := $(VENV)/.browser-stamp
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
NBVAL := --nbval-lax --nbval-current-env -p no:cacheprovider
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

.PHONY: lab test lint unit notebooks student student-test e2e bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 needed, found " + sys.version' 
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[course,dev]"
	@touch $(STAMP)

# the course's JupyterLab settings (no first-run news question covering the notebook);
# Binder's postBuild installs the same file
$(LAB_SETTINGS): binder/overrides.json $(STAMP)
	install -D -m 644 binder/overrides.json $@

# Playwright, for make e2e only: make lab does not need it
$(BROWSER_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[course,dev,browser]"
	@touch $(BROWSER_STAMP)

lab: $(STAMP) $(LAB_SETTINGS)
	$(BIN)/jupyter lab notebooks/01_ib_principle.ipynb

test: lint unit notebooks student-test e2e

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests

notebooks: $(STAMP)
	IBCOURSE_STRICT=1 $(BIN)/python -m pytest -q $(NBVAL) --durations=0 $(NOTEBOOKS)

student: $(STAMP)
	$(BIN)/python -m ibcourse.student notebooks build/student

student-test: student
	IBCOURSE_QUICK=1 $(BIN)/python -m pytest -q $(NBVAL) --durations=0 build/student/*.ipynb

# every notebook, full and student version, run in JupyterLab in headless Chromium: Debian's
# chromium-headless-shell, installed here in CI (as root) when missing, skipped elsewhere
e2e: $(BROWSER_STAMP) $(LAB_SETTINGS) student
	@if [ -n "$$CI" ] && ! command -v chromium-headless-shell >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "CI: installing chromium-headless-shell"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium-headless-shell; fi
	$(BIN)/python -m pytest -q --durations=0 tests/browser/e2e_jupyterlab.py

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps embo==1.1.0
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python benchmarks/bench_ib_curve.py
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python benchmarks/bench_information_plane.py

clean:
	rm -rf build .pytest_cache .ruff_cache .hypothesis
