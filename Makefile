# zaqar-lite developer commands. Everything runs inside .venv, created on demand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
TEST_STAMP := $(VENV)/.test-installed
BENCH_URL ?= http://127.0.0.1:8888
BENCH_SECONDS ?= 10

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(RUNTIME_STAMP)

## Serve on 127.0.0.1:8888 from the embedded SQLite store (zaqar-lite.db).
run: $(RUNTIME_STAMP)
	$(BIN)/zaqar-lite serve --bind 127.0.0.1:8888 --storage sqlite:///zaqar-lite.db

## Run the linters, then the whole test suite (storage contract, HTTP API, real clients).
test: lint
	$(BIN)/python -m pytest

## ruff (style, imports, complexity) and mypy --strict, configured in pyproject.toml.
lint: $(TEST_STAMP)
	$(BIN)/ruff check zaqar_lite tests
	$(BIN)/mypy

## Measure throughput and latency against a running server (BENCH_URL).
bench: $(RUNTIME_STAMP)
	$(BIN)/zaqar-lite bench --url $(BENCH_URL) --seconds $(BENCH_SECONDS)

clean:
	rm -rf $(VENV) .venv-legacy zaqar-lite.db zaqar-lite.db-wal zaqar-lite.db-shm zaqar-lite.db.lock
