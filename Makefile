# The course's commands. Each creates .venv (Python >= 3.11) when it is missing.
#   make lab      open JupyterLab on the notebooks
#   make test     lint, unit tests, notebook pairs, every notebook, every student version
#   make student  student versions (solutions removed) in build/student/
#   make bench    speed benchmarks (installs the peer tools they compare against)
#   make book     the course as a static HTML site with executed outputs, in build/book/html
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BOOK_STAMP := $(VENV)/.book-stamp
NBVAL := --nbval-lax --nbval-current-env -p no:cacheprovider
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

.PHONY: lab test lint unit notebooks student student-test bench book clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 needed, found " + sys.version' 
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[course,dev]"
	@touch $(STAMP)

$(BOOK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[book]"
	@touch $(BOOK_STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/01_ib_principle.ipynb

test: lint unit notebooks student-test book

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

# reuses the executions that make e2e saved in build/executed/ (runs the others once)
book: $(BOOK_STAMP)
	$(BIN)/python -m ibcourse.book . build/book

clean:
	rm -rf build .pytest_cache .ruff_cache .hypothesis
