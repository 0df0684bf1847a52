# Two commands: `make run` (demo city on http://127.0.0.1:8000/) and `make test` (the whole suite);
# `make lint` runs the static checks (docs/architecture.md §9), as CI does before the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint install messages clean bench

run: install
	$(BIN)/gridgov demo --port $(PORT)

test: install
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/run-tests

# ruff (lint, then format without rewriting), mypy, and the import-layer contracts in pyproject.toml.
# Each runs even when one before it failed, so one run lists every finding; the target fails if any did.
lint: $(VENV)/.installed
	@status=0; \
	$(BIN)/ruff check src tests scripts || status=1; \
	$(BIN)/ruff format --check src tests scripts || status=1; \
	$(BIN)/mypy || status=1; \
	$(BIN)/lint-imports --no-cache || status=1; \
	exit $$status

bench: install
	$(BIN)/gridgov bench --json

install: $(VENV)/.installed node_modules/.installed messages

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Translations are compiled with Babel (pure Python): no GNU gettext needed on the machine.
# The project's catalogue, plus any app that keeps its own (src/gridgov/<app>/locale).
messages: $(VENV)/.installed
	for dir in src/gridgov/locale src/gridgov/*/locale; do \
		[ -d "$$dir" ] && $(BIN)/pybabel compile --statistics -d "$$dir" -D django 2>&1 | grep -v '^$$'; \
	done; true

clean:
	rm -rf $(VENV) node_modules var gridgov.sqlite3*
