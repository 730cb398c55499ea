# The two commands a user needs: `make run` and `make test`. Each installs what it needs
# (uv into .tools/, then the locked environment into .venv/), so a fresh clone needs only
# Python 3.11 and access to the package registries.

PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export AIRFLOW_HOME ?= $(abspath .airflow)

.PHONY: install run test test-fast test-scale lint bench docs clean

$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 2; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python $(PYTHON) --extra scale --quiet
	@touch $@

install: $(VENV)/.installed  ## install the locked environment into .venv

run: install  ## the real Airflow DAG over seeds/ -> ./warehouse, then a summary
	$(PY) -m pipeline airflow-run

# Two pytest-xdist workers: much of the suite waits on subprocesses (the Airflow components, the
# pool's workers), so the other worker's tests use the CPU meanwhile. The tests of the one
# Airflow stack of the session run on one worker, each other module whole on one (tests/conftest.py).
TEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist loadfile

test: install  ## the whole test suite
	$(PY) -m pytest -q $(PYTEST_PARALLEL)

test-fast: install  ## everything but the tests that start a real Airflow scheduler
	$(PY) -m pytest -q $(PYTEST_PARALLEL) -m "not airflow"

test-scale: install  ## CeleryExecutor + PostgreSQL + Redis on loopback, two workers
	bash scripts/test_scale.sh

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: install  ## throughput and memory figures -> benchmarks/results/
	$(PY) -m benchmarks.run

docs: install  ## regenerate docs/tables.md from schemas/
	$(PY) -m pipeline.docs

clean:
	rm -rf warehouse .airflow
