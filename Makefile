# Plan progress workbook (one plan file per fiscal year). `make report` builds from the bundled sample,
# `make test` runs every test; both create .venv with pip when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# JupyterLab keeps its token: the browser it opens carries the token in the URL, and
# the URL is printed for a machine without a browser. --allow-root only for root.
LAB_OPTIONS := --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks \
  --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate

.PHONY: help install report test test-versions check lint lab bench notebooks sample lock clean

# The quick tier for the edit loop: tests/unit (each test in this process: no
# subprocess, no notebook execution, no browser) and the doctests. A new test lands in a
# tier by the folder it is written in: tests/unit, tests/integration (runs, CLI in its
# own process, browser) or tests/notebooks (papermill and nbval on the notebooks).
CHECK_TESTS := tests/unit src

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

# The offline HTML template is also registered with nbconvert as "workbook", so that
# `jupyter nbconvert --to html --template workbook` makes pages that open offline.
TEMPLATE_SRC := src/helpers/outputs/templates/offline
TEMPLATE_DIR := $(VENV)/share/jupyter/nbconvert/templates/workbook

$(STAMP): pyproject.toml constraints.txt $(TEMPLATE_SRC)/index.html.j2 $(TEMPLATE_SRC)/conf.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,cluster]'
	mkdir -p $(TEMPLATE_DIR) && cp $(TEMPLATE_SRC)/index.html.j2 $(TEMPLATE_SRC)/conf.json $(TEMPLATE_DIR)/
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the pinned packages

report: $(STAMP) ## rebuild and check the samples and plans, publish reports/sample-2023-09-30/ and the next year's
	$(BIN)/workbook sample
	$(BIN)/workbook validate data/snapshots/sample-2023-09-30 data/snapshots/sample-2024-03-31 data/samples/sample-2024-04-30
	$(BIN)/workbook plan check params/plan_fy2023.yaml params/samples/plan_fy2024_sample.yaml
	$(BIN)/workbook run --snapshot sample-2023-09-30
	$(BIN)/workbook run --snapshot data/samples/sample-2024-04-30 --plan params/samples/plan_fy2024_sample.yaml

# Three test processes on two cores: many integration tests wait on a subprocess (a kernel
# that sleeps 60 s in papermill's own keyboard_interrupt notebook, a browser, a run), and a
# third process fills that idle time (measured: 333 s with two, 304 s with three). Modules
# marked `heavy` start first (conftest.py; xdist's own reordering by test count is off).
# The accessibility checker (axe-core, from npm) for the browser tests: installed here,
# under .venv, for the tests only; the published pages never load it.
AXE_VERSION := 4.10.3
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js

$(AXE):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --prefix $(VENV)/axe --no-audit --no-fund --silent axe-core@$(AXE_VERSION); \
	else echo "npm がないため axe-core を入れません（アクセシビリティの検査は省きます）"; fi

test: $(STAMP) $(AXE) ## run every test (unit, bad input, papermill scope runs, nbval on notebooks/), 3 processes
	$(BIN)/python -m pytest --nbval -n 3 --dist loadscope --no-loadscope-reorder

check: $(STAMP) ## the quick tier (about 30 s): unit, contract, bad-input and report-content tests
	$(BIN)/python -m pytest -q -n 2 --dist loadscope $(CHECK_TESTS)

# The README claims Python 3.11 to 3.13. `make test-versions` builds .venv-3.12 and
# .venv-3.13 (from pyenv, or python3.12/python3.13 on PATH) with the same pins and runs
# the quick tier plus the engine, worker and batch tests on each; a missing interpreter
# is reported and skipped, not failed.
VERSION_TESTS := $(CHECK_TESTS) tests/integration/test_engine.py tests/integration/test_workers.py \
  tests/integration/test_incremental.py tests/integration/test_runner_batch.py tests/notebooks/test_notebooks.py
test-versions: ## the quick tier, engine and worker tests on Python 3.12 and 3.13
	@for v in 3.12 3.13; do \
	  py=$$(ls -d $$HOME/.pyenv/versions/$$v.*/bin/python 2>/dev/null | tail -1); \
	  [ -n "$$py" ] || py=$$(command -v python$$v); \
	  if [ -z "$$py" ] || ! $$py -c 'import sys' 2>/dev/null; then echo "Python $$v が見つからないため省きます"; continue; fi; \
	  test -x .venv-$$v/bin/python || $$py -m venv .venv-$$v || exit 1; \
	  .venv-$$v/bin/python -m pip install --quiet -c constraints.txt -e '.[dev,cluster]' || exit 1; \
	  mkdir -p .venv-$$v/share/jupyter/nbconvert/templates/workbook && \
	  cp $(TEMPLATE_SRC)/index.html.j2 $(TEMPLATE_SRC)/conf.json .venv-$$v/share/jupyter/nbconvert/templates/workbook/; \
	  echo "== Python $$v"; \
	  .venv-$$v/bin/python -m pytest -q -n 2 --dist loadscope --no-loadscope-reorder $(VERSION_TESTS) || exit 1; \
	done

lint: $(STAMP) ## ruff (rules in pyproject.toml)
	$(BIN)/ruff check src tests tools bench conftest.py

lab: $(STAMP) ## open JupyterLab on notebooks/ (localhost only, token login by the opened URL; the project's kernel)
	JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter $(BIN)/jupyter lab $(LAB_OPTIONS) \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

bench: $(STAMP) ## measure naive, workbook, floor and ploomber-engine; re-run; offices (writes bench/results.json, RESULTS.md)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python bench/run_bench.py

notebooks: $(STAMP) ## re-execute the committed notebooks in place after an intended change
	$(BIN)/workbook notebooks

sample: $(STAMP) ## regenerate the bundled sample snapshots (deterministic)
	$(BIN)/workbook sample

lock: $(STAMP) ## re-pin constraints.txt from the current .venv
	( echo "# Exact versions for every install (pip install -c constraints.txt -e '.[dev,cluster]')."; \
	  echo "# Regenerate with: make lock"; \
	  $(BIN)/python -m pip freeze --exclude-editable ) > constraints.txt

clean: ## remove .venv and build output
	rm -rf $(VENV) .venv-3.12 .venv-3.13 reports build *.egg-info src/*.egg-info
