# equipoise: the two commands a newcomer runs are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= equipoise-output
PYTEST_ARGS ?=

.PHONY: demo test test-fast install install-test lint bench docs clean help

help:
	@echo "make demo      create $(VENV), install, run the main job on the embedded Kazakhstan default"
	@echo "make test      install test needs and run the whole suite (Spark, browser and slow tests included)"
	@echo "make test-fast the suite without slow, Spark and browser tests"
	@echo "make lint      ruff and the import contracts (lint-imports, .importlinter)"
	@echo "make bench     run the benchmarks (benchmarks/README.md)"
	@echo "make docs      build the documentation site into site/ (mkdocs --strict; runs the notebook)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[all]'
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[all,spark,test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/equipoise run --out $(OUT)

test: install-test
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test-fast: install-test
	$(BIN)/python -m pytest -m "not slow and not spark and not browser" -p no:cacheprovider $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/lint-imports --no-cache

bench: install-test
	$(BIN)/python -m benchmarks

# `make test` builds the site too, as tests/docs/test_site.py (slow), so CI counts it.
docs: install-test
	$(BIN)/python -m mkdocs build --strict -d site

clean:
	rm -rf $(VENV) $(OUT) build dist site *.egg-info src/*.egg-info .pytest_cache
