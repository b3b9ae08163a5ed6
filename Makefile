# The course's commands. Each creates .venv (Python >= 3.11) when it is missing.
#   make lab      open JupyterLab on the notebooks
#   make test     lint, unit tests, notebook pairs, nbgrader on the export, every notebook, every student version,
#                 all of them in JupyterLab in a browser (make e2e), then the book (make book)
#   make e2e      every notebook run in JupyterLab in headless Chromium (screenshots in build/e2e/)
#   make student  student versions (solutions removed) in build/student/
#   make bench    speed benchmarks (installs the peer tools they compare against)
#   make grade SUBMISSIONS=folder   grade students' notebooks (folder/STUDENT/NN_slug.ipynb) into build/grades
#   make nbgrader NBGRADER_COURSE=folder   export the course as an nbgrader course directory
#   make book     the course as a static HTML site with executed outputs, in build/book/html
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LAB_STAMP := $(VENV)/.lab-stamp
BOOK_STAMP := $(VENV)/.book-stamp
BROWSER_STAMP := $(VENV)/.browser-stamp
# What a learner gets: the package with its `course` extras and the course's JupyterLab
# settings, installed by the same script as Binder's postBuild (tests/test_environment.py
# keeps the descriptions in step).
LAB_EXTRAS := course
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# Notebook kernels above this peak resident memory fail the run (Binder stops at 2 GB).
NBVAL := --nbval-lax --nbval-current-env -p no:cacheprovider -p tests.kernel_memory --kernel-memory-limit-mb=1800
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
GRADES ?= build/grades
TIMEOUT ?= 600
JOBS ?= 1
NBGRADER_COURSE ?= build/nbgrader
# nbgrader lives in its own venv (the `nbgrader` group of pyproject.toml), so that it cannot move
# the course's pins; shared packages are held to the course's versions by a constraints file
NBGRADER_VENV := build/nbgrader-venv
NBGRADER_STAMP := $(NBGRADER_VENV)/.installed-stamp

.PHONY: lab test lint unit notebooks student student-test e2e nbgrader-test grade nbgrader bench book clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)

$(LAB_STAMP): pyproject.toml binder/install.sh binder/overrides.json | $(VENV)/bin/python
	PYTHON=$(BIN)/python bash binder/install.sh $(LAB_EXTRAS)
	@touch $(LAB_STAMP)

$(STAMP): $(LAB_STAMP)
	$(PIP) -e ".[$(LAB_EXTRAS),dev]"
	@touch $(STAMP)

$(BOOK_STAMP): $(STAMP)
	$(PIP) -e ".[book]"
	@touch $(BOOK_STAMP)

# Playwright, for make e2e only: make lab does not need it
$(BROWSER_STAMP): $(STAMP)
	$(PIP) -e ".[browser]"
	@touch $(BROWSER_STAMP)

lab: $(LAB_STAMP)
	$(BIN)/jupyter lab notebooks/01_ib_principle.ipynb

test: lint unit nbgrader-test notebooks student-test e2e book

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests

notebooks: $(STAMP)
	IBCOURSE_STRICT=1 $(BIN)/python -m pytest -q $(NBVAL) -p tests.executed_notebooks --save-executed=build/executed \
		--durations=0 $(NOTEBOOKS)

student: $(STAMP)
	$(BIN)/python -m ibcourse.student notebooks build/student

student-test: student
	IBCOURSE_QUICK=1 $(BIN)/python -m pytest -q $(NBVAL) --durations=0 build/student/*.ipynb

$(NBGRADER_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m venv --clear $(NBGRADER_VENV)
	$(BIN)/python -m pip freeze --exclude-editable > $(NBGRADER_VENV)/constraints.txt
	$(NBGRADER_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c $(NBGRADER_VENV)/constraints.txt \
		$$($(BIN)/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["nbgrader"])')
	@touch $(NBGRADER_STAMP)

nbgrader-test: $(NBGRADER_STAMP)
	NBGRADER=$(NBGRADER_VENV)/bin/nbgrader $(BIN)/python -m pytest -q tests/test_nbgrader_export.py -k autograde

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder [GRADES=$(GRADES)] [TIMEOUT=$(TIMEOUT)] [JOBS=$(JOBS)]"; exit 2; }
	$(BIN)/python -m ibcourse.grading "$(SUBMISSIONS)" --out "$(GRADES)" --timeout $(TIMEOUT) --jobs $(JOBS)

nbgrader: $(STAMP)
	$(BIN)/python -m ibcourse.nbgrader_export "$(NBGRADER_COURSE)"
# every notebook, full and student version, run in JupyterLab in headless Chromium: Debian's
# chromium-headless-shell, installed here in CI (as root) when missing, skipped elsewhere
e2e: $(BROWSER_STAMP) student
	@if [ -n "$$CI" ] && ! command -v chromium-headless-shell >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "CI: installing chromium-headless-shell"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium-headless-shell; fi
	$(BIN)/python -m pytest -q --durations=0 tests/browser/e2e_jupyterlab.py

bench: $(STAMP)
	$(PIP) --no-deps embo==1.1.0
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python benchmarks/bench_ib_curve.py
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python benchmarks/bench_information_plane.py

# reuses the executions that make e2e saved in build/executed/ (runs the others once)
book: $(BOOK_STAMP)
	$(BIN)/python -m ibcourse.book . build/book

clean:
	rm -rf build .pytest_cache .ruff_cache .hypothesis
