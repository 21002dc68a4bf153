# AOP. `make run` serves the demo on a fresh machine; `make test` runs lint and the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Debian packages: WeasyPrint's font subsetting and metric-compatible fonts for the app; a PDF
# reader, Chromium and LibreOffice Calc (spreadsheet round trips; no system locales needed) for the tests.
RUN_DEBS := libharfbuzz-subset0 fonts-liberation
TEST_DEBS := $(RUN_DEBS) poppler-utils chromium libreoffice-calc-nogui

.PHONY: help run test fuzz bench lint format system-debs-run system-debs-test clean

help:
	@echo "make run   - install, migrate, load demo data, serve on http://127.0.0.1:$(PORT)/ with a Celery worker and beat"
	@echo "make test  - install, lint, check migrations and run the whole test suite"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.run-installed
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

system-debs-run:
	@./scripts/system-deps.sh $(RUN_DEBS)

system-debs-test:
	@./scripts/system-deps.sh $(TEST_DEBS)

run: export DEBUG ?= 1
run: system-debs-run $(VENV)/.run-installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py seed_demo --if-empty
	@echo ""
	@echo "AOP: open http://127.0.0.1:$(PORT)/ and sign in with a login above. Ctrl-C stops the web server and the worker."
	$(BIN)/honcho -f Procfile.dev start --port $(PORT)

# The suite in one process per core, each test file whole in one of them (its module fixtures built once);
# each process has its own test database and Redis database (tests/conftest.py). PYTEST_PARALLEL= runs it in one.
PYTEST_PARALLEL ?= -n auto --dist loadfile
test: export DEBUG ?= 1
test: system-debs-test $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_PARALLEL)

# Benchmarks on PostgreSQL (a database of their own): make bench [SIZE=small|medium|full], full by default
SIZE ?= full
BENCH_DB ?= postgres://postgres@127.0.0.1:5432/aop_bench
bench: export DEBUG ?= 1
bench: $(VENV)/.test-installed
	@./scripts/system-deps.sh apache2-utils
	psql "$(BENCH_DB)" -tAc "select 1" >/dev/null 2>&1 || createdb -h 127.0.0.1 -U postgres aop_bench
	DATABASE_URL=$(BENCH_DB) $(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	DATABASE_URL=$(BENCH_DB) $(BIN)/python bench/run.py --size $(SIZE)

fuzz: export DEBUG ?= 1
fuzz: system-debs-test $(VENV)/.test-installed
	AOP_FUZZ_DEEP=1 $(BIN)/pytest tests/test_api_fuzz.py

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.test-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .import_linter_cache
