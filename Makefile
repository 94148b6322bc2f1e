# gridgov — everything starts here. The virtualenv is created on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
RUN_STAMP := $(VENV)/.installed-run

.PHONY: demo test lint format bench clean venv model

venv: $(STAMP)

# The demo needs only what gridgov runs on; tests, lint and benchmarks add the dev tools
# (and the analytics extra: Parquet, PDF reports).
$(RUN_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "gridgov needs Python 3.11+, found " + sys.version'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

MESSAGES := ../shared/data/messages/labeled_train.csv
MODEL := var/models/classifier.npz

demo: $(RUN_STAMP)
	@if [ ! -f $(MODEL) ] && [ -f $(MESSAGES) ]; then $(MAKE) --no-print-directory model; fi
	$(BIN)/gridgov demo

# The catalogue classifier, trained on real citizen messages where ../shared/data has them
# (about a minute, once); without it triage suggests items from catalogue names only.
model: $(RUN_STAMP)
	@echo "training the catalogue classifier on $(MESSAGES) (about a minute, once)"
	$(BIN)/gridgov nlp train --input $(MESSAGES) --output $(MODEL)

# One worker per core, each test file on one worker (its module fixtures built once); every
# worker makes its own databases. PYTEST_ARGS="-n 0" runs them in this process.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	$(BIN)/python bench/bench_sla.py
	$(BIN)/python bench/bench_workflow.py
	$(BIN)/python bench/bench_locate.py
	$(BIN)/python bench/bench_classify.py
	$(BIN)/python bench/bench_duplicates.py
	$(BIN)/python bench/bench_intake.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
