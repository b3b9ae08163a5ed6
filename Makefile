# The course's commands. Each creates .venv (Python >= 3.11) when it is missing.
#   make lab      open JupyterLab on the notebooks
#   make test     lint, unit tests, notebook pairs, every notebook, every student version
#   make student  student versions (solutions removed) in build/student/
#   make bench    speed benchmarks (installs the peer tools they compare against)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NBVAL := --nbval-lax --nbval-current-env -p no:cacheprovider
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

.PHONY: lab test lint unit notebooks student student-test bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 needed, found " + sys.version' 
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[course,dev]"
	@touch $(STAMP)

lab: $(STAMP)
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
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps embo==1.1.0
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python benchmarks/bench_ib_curve.py
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python benchmarks/bench_information_plane.py

clean:
	rm -rf build .pytest_cache .ruff_cache .hypothesis
