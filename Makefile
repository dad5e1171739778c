# Holding in Mind: every target bootstraps its own environment in .venv (Python 3.11).
#   make start   serve the course with Voila on http://127.0.0.1:8866/ (POOL=N: N kernels
#                kept ready per case page, for hosts; see docs/speed.md)
#   make test    ruff, mypy, then the whole test suite (browser tests skip without Chromium)
#   make check   the quick loop for authors: ruff, mypy and the fast tests (no browser,
#                no servers, no nbgrader)
#   make lab     JupyterLab on 127.0.0.1 for educators and authors
#   make bench   the benchmarks (printed table + benchmarks/results/*.json)
#   make site    build the static site in _site/ (the course in the browser: JupyterLite + Pyodide)
#   make site-serve  build it and serve it on http://127.0.0.1:8000/ (PORT=N for another port)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The course's chart renderer for its Voila pages (labextension/: plotly.js's basic bundle
# instead of the full one), built from npm with @jupyterlab/builder; never committed.
CHARTS := labextension
CHARTS_BUILT := $(CHARTS)/build/holding-in-mind-plotly/package.json
export JUPYTER_PLATFORM_DIRS := 1

.PHONY: start test check lint lab bench validate clean venv

$(STAMP): pyproject.toml $(CHARTS)/package.json $(CHARTS)/package-lock.json $(CHARTS)/src/index.js
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "Holding in Mind needs Python 3.11 (found: $$($(PYTHON) --version))."; \
		  echo "Install it, or run: make PYTHON=/path/to/python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# The chart renderer, built from npm (without Node.js and npm the pages keep
	@# jupyterlab-plotly's full bundle: casework.serve finds no build and falls back).
	@if command -v npm >/dev/null && command -v node >/dev/null; then \
		cd $(CHARTS) && rm -rf build && npm ci --no-audit --no-fund --loglevel=error && \
		JUPYTERLAB_CORE="$$($(CURDIR)/$(BIN)/python -c 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))')" \
		npm run --silent build >/dev/null && test -f $(CURDIR)/$(CHARTS_BUILT); \
	else \
		echo "Node.js and npm not found: the course's Voila pages use jupyterlab-plotly's full plotly.js (docs/speed.md)."; \
	fi
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
	$(BIN)/python benchmarks/room_load.py
	$(BIN)/python benchmarks/site_speed.py

validate: $(STAMP)
	$(BIN)/casework validate cases/

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis $(CHARTS)/node_modules $(CHARTS)/build

# The static site (site/): built from PyPI and npm packages only, served by any static server.
SITE_TOOLS := $(VENV)/.site-tools
.PHONY: site site-serve

$(SITE_TOOLS): site/requirements.txt | $(STAMP)
	$(BIN)/python -m pip install --quiet -r site/requirements.txt
	@touch $(SITE_TOOLS)

site: $(STAMP) $(SITE_TOOLS)
	$(BIN)/python site/build_site.py --out _site

site-serve: site
	$(BIN)/python site/serve.py --port $(or $(PORT),8000) --dir _site
