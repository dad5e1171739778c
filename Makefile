# Holding in Mind: every target bootstraps its own environment in .venv (Python 3.11).
#   make start   serve the course with Voila on http://127.0.0.1:8866/ (POOL=N: N kernels
#                kept ready per case page, for hosts; see docs/speed.md)
#   make test    ruff, mypy, then the whole test suite (browser tests skip without Chromium)
#   make check   the quick loop for authors: ruff, mypy and the fast tests (no browser,
#                no servers, no nbgrader)
#   make lab     JupyterLab on 127.0.0.1 for educators and authors
#   make bench   the benchmarks (printed table + benchmarks/results/*.json)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JUPYTER_PLATFORM_DIRS := 1

.PHONY: start test check lint lab bench validate clean venv

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "Holding in Mind needs Python 3.11 (found: $$($(PYTHON) --version))."; \
		  echo "Install it, or run: make PYTHON=/path/to/python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

start: $(STAMP)
	$(BIN)/casework serve $(if $(POOL),--pool $(POOL))

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks deploy exercises
	$(BIN)/ruff format --check src tests benchmarks deploy exercises
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/python -m pytest

check: $(STAMP) lint
	$(BIN)/python -m pytest -m "not browser and not server and not slow" -q

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --no-browser

bench: $(STAMP)
	$(BIN)/python benchmarks/validate_speed.py
	$(BIN)/python benchmarks/voila_speed.py
	$(BIN)/python benchmarks/learner_server_memory.py
	$(BIN)/python benchmarks/autograde_speed.py
	$(BIN)/python benchmarks/reliability.py

validate: $(STAMP)
	$(BIN)/casework validate cases/

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
