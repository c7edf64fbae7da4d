# The Makefile is the interface: make run, make test, make check, make bench.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

# Every install takes its exact versions from constraints.txt, so a build means the same every
# day; pyproject.toml keeps the honest ranges. `make lock` resolves the ranges afresh.
CONSTRAINTS := constraints.txt
PIP_INSTALL := $(BIN)/pip install --quiet --constraint $(CONSTRAINTS)

.PHONY: install install-dev system-deps run serve test test-fast check lint format migrate bench \
	bench-workers lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --constraint $(CONSTRAINTS) pip

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Debian packages the tests need: chromium for browser tests, pango for PDF output, caddy to
# read deploy/Caddyfile as the proxy does.
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v caddy >/dev/null \
		|| ! ldconfig -p | grep -q libpangoft2; then \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium caddy fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	fi

migrate: install
	$(BIN)/denksessie migrate

# No account with a known password and no built-in key, whatever HOST is: the key is made once
# in var/secret_key, and serve prints the first-run link (or where to log in). Decision 0010.
run: install
	$(BIN)/denksessie migrate
	$(BIN)/denksessie load-content
	DENKSESSIE_HOST=$(HOST) DENKSESSIE_PORT=$(PORT) $(BIN)/denksessie serve

# Everything: unit, PostgreSQL, Redis, worker processes, benches' checks and browsers.
test: install-dev system-deps
	$(BIN)/pytest

# The inner loop: everything but the tests marked slow (worker processes, browsers, benches).
test-fast: install-dev
	$(BIN)/pytest -m "not slow"

# Resolve pyproject.toml's ranges afresh in a scratch venv and write constraints.txt.
lock:
	rm -rf var/lock-venv
	$(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/python -m pip install --quiet --upgrade pip
	var/lock-venv/bin/pip install --quiet -e '.[dev]'
	{ echo "# Exact versions that make install, make test and make check install (pip install -c)."; \
	  echo "# Refresh with 'make lock' after changing a range in pyproject.toml; commit both."; \
	  echo "# Generated on $$(date -u +%Y-%m-%d) for CPython 3.11 on Linux x86_64."; \
	  var/lock-venv/bin/pip freeze --all --exclude-editable | grep -v '^setuptools=='; \
	} > $(CONSTRAINTS)
	rm -rf var/lock-venv

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

# Every bench prints JSON and measures its floor in the same run (docs/performance.md). The
# servers run on CPU 0 and the load generators on the others (taskset; nothing is pinned on a
# one-CPU machine, and each JSON says so under "cores"); in-process benches run on CPU 0. The run
# ends with a verdict per target (bench/verdict.py), each figure as a ratio to its floor.
# On this 2-core machine: 2,000 phones at 1,000 ballots/s. BENCH_QUICK=1: every bench at a small
# size, end to end in a few minutes (a check that the benches work, not figures).
BENCH_PHONES ?= 2000
BENCH_RATE ?= 1000
BENCH_SECONDS ?= 10
BENCH_JOINS ?= 500
BENCH_JOIN_CONCURRENCY ?= 64
BENCH_PHONES_2W ?= 1000
BENCH_RATE_PG ?= 2000
BENCH_QUICK ?=
QUICK := $(if $(BENCH_QUICK),--quick,)
ON_SERVER_CPU := $(shell [ "$$(nproc)" -ge 2 ] && command -v taskset >/dev/null && echo "taskset -c 0")
bench: install-dev
	@mkdir -p var/bench && rm -f var/bench/*.json
	@for script in bench/aggregation.py bench/read_api.py; do \
		echo "== $$script"; timeout 300 $(ON_SERVER_CPU) $(BIN)/python $$script || exit 1; done
	@echo "== bench/writer.py"
	@timeout 600 $(ON_SERVER_CPU) $(BIN)/python bench/writer.py \
		$(if $(BENCH_QUICK),--phones 200 --ballots 600,)
	@echo "== bench/baseline.py: the floor (bare FastAPI, raw asyncio)"
	@set -o pipefail; timeout 300 $(BIN)/python bench/baseline.py --sockets $(BENCH_PHONES) \
		--echo-rate $(BENCH_RATE) $(QUICK) | tee var/bench/baseline.json
	@echo "== bench/swarm.py: one worker, SQLite"
	@set -o pipefail; timeout 600 $(BIN)/python bench/swarm.py --phones $(BENCH_PHONES) \
		--rate $(BENCH_RATE) --seconds $(BENCH_SECONDS) --label sqlite-1-worker $(QUICK) \
		| tee var/bench/swarm-sqlite.json
	@echo "== bench/ratios.py: the SQLite worker against the floor"
	@$(BIN)/python bench/ratios.py var/bench/baseline.json var/bench/swarm-sqlite.json
	@echo "== bench/storm.py: kill -9 the worker mid-round, SQLite"
	@set -o pipefail; timeout 600 $(BIN)/python bench/storm.py --phones $(BENCH_PHONES) \
		--label sqlite-1-worker $(QUICK) | tee var/bench/storm-sqlite.json
	@echo "== bench/joins.py: a wave of joins on the make run setup, and its floor"
	@set -o pipefail; timeout 600 $(BIN)/python bench/joins.py --joins $(BENCH_JOINS) \
		--concurrency $(BENCH_JOIN_CONCURRENCY) $(QUICK) | tee var/bench/joins.json
	@if [ -z "$(BENCH_QUICK)" ]; then \
		echo "== bench/swarm.py: one worker, PostgreSQL"; \
		timeout 600 $(BIN)/python bench/swarm.py --database postgres --workers 1 \
			--phones $(BENCH_PHONES) --rate $(BENCH_RATE_PG) --seconds 5 \
			--label postgres-1-worker || exit 1; \
		echo "== bench/swarm.py: two workers, PostgreSQL + Redis"; \
		timeout 600 $(BIN)/python bench/swarm.py --database postgres --workers 2 \
			--phones $(BENCH_PHONES_2W) --rate $(BENCH_RATE) --seconds $(BENCH_SECONDS) \
			--label postgres-redis-2-workers || exit 1; \
	fi
	@echo "== bench/verdict.py: every target, met or missed"
	@$(BIN)/python bench/verdict.py var/bench

# Four workers on PostgreSQL + Redis holding 20,000 phones in one run: the compose stack's layout
# (docs/production.md) without Caddy. Needs a machine with the cores and memory for it. Half the
# phones are held by a second generator process (bench/hold.py): one process may not hold
# 20,000 sockets where its open files are limited to 20,000 (docs/performance.md).
BENCH_PHONES_4W ?= 20000
bench-workers: install-dev
	@mkdir -p var/bench
	@set -o pipefail; timeout 1800 $(BIN)/python bench/swarm.py --database postgres --workers 4 \
		--phones $$(( $(BENCH_PHONES_4W) / 2 )) \
		--held-elsewhere $$(( $(BENCH_PHONES_4W) - $(BENCH_PHONES_4W) / 2 )) \
		--rate $(BENCH_RATE) --seconds 5 --no-compression \
		--label postgres-redis-4-workers | tee var/bench/swarm-4-workers.json

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
