# The course's commands. Each creates .venv (Python >= 3.11) when it is missing.
#   make lab      open JupyterLab on the notebooks
#   make test     lint, unit tests, notebook pairs, every notebook, every student version
#   make student  student versions (solutions removed) in build/student/
#   make bench    speed benchmarks (installs the peer tools they compare against)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LAB_STAMP := $(VENV)/.lab-stamp
# What a learner gets: the package with its `course` extras, installed by the same script
# as Binder's postBuild (tests/test_environment.py keeps the descriptions in step).
LAB_EXTRAS := course
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# Notebook kernels above this peak resident memory fail the run (Binder stops at 2 GB).
NBVAL := --nbval-lax --nbval-current-env -p no:cacheprovider -p tests.kernel_memory --kernel-memory-limit-mb=1800
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

.PHONY: lab test lint unit notebooks student student-test bench clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)

$(LAB_STAMP): pyproject.toml binder/install.sh | $(VENV)/bin/python
	PYTHON=$(BIN)/python bash binder/install.sh $(LAB_EXTRAS)
	@touch $(LAB_STAMP)

$(STAMP): $(LAB_STAMP)
	$(PIP) -e ".[$(LAB_EXTRAS),dev]"
	@touch $(STAMP)

lab: $(LAB_STAMP)
	$(BIN)/jupyter lab notebooks/01_ib_principle.ipynb

test: lint unit notebooks student-test

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

bench: $(STAMP)
	$(PIP) --no-deps embo==1.1.0
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python benchmarks/bench_ib_curve.py
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python benchmarks/bench_information_plane.py

clean:
	rm -rf build .pytest_cache .ruff_cache .hypothesis
