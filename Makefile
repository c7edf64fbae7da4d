# The Makefile is the interface: make run, make test, make check, make bench.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: install install-dev system-deps run serve test check lint format migrate bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Debian packages the tests need: chromium for browser tests, pango for PDF output.
system-deps:
	@if ! command -v chromium >/dev/null || ! ldconfig -p | grep -q libpangoft2; then \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	fi

migrate: install
	$(BIN)/denksessie migrate

run: install
	$(BIN)/denksessie migrate
	$(BIN)/denksessie load-content
	DENKSESSIE_HOST=$(HOST) DENKSESSIE_PORT=$(PORT) $(BIN)/denksessie serve

test: install-dev system-deps
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint
	$(BIN)/mypy
	DENKSESSIE_DATABASE_URL=sqlite:///./var/check.sqlite3 $(BIN)/denksessie migrate
	DENKSESSIE_DATABASE_URL=sqlite:///./var/check.sqlite3 $(BIN)/alembic check

bench: install-dev
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script; done

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
