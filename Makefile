# Two commands do everything on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

EVENTS ?= 200000
SEED ?= 42
# share of client-side events the sample tracker loses in delivery, as real ones do
LOSS ?= 0.25
DATA ?= data/events
# the product activity of the same run (one row per user and active day), for reach and effect
ACTIVITY ?= data/activity
DB ?= target/ai_adoption.duckdb
DBT_ARGS := --profiles-dir .
SOURCE_VARS := '{ai_adoption_source_path: "$(DATA)/*.parquet", ai_adoption_activity_source: {path: "$(ACTIVITY)/*.parquet"}}'
BENCH_SCALES ?= 1000000 10000000
BUILD_ARGS ?=
BENCH_DIR ?= target/bench
# duckdb, or spark (scales up to 1M: BENCH_SCALES=1000000)
BENCH_ENGINE ?= duckdb
# pytest processes: test files are spread over them (pytest-xdist); 1 runs them in order.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile
REPORT ?= target/report/ai_adoption_report.html
DOCS := target/static_index.html
# apt-get needs root; elsewhere it goes through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help venv browser data demo build summary report semantic test lint pytest docs bench clean test-engines test-postgres test-spark

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

venv: $(STAMP)  ## create .venv with the pinned packages

browser:  ## headless Chromium for the tests that render the report and the docs (Debian package chromium)
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

data: $(STAMP)  ## generate the sample event log and its product activity (EVENTS, SEED, LOSS, DATA, ACTIVITY)
	$(BIN)/ai-adoption generate --out $(DATA) --activity-out $(ACTIVITY) --events $(EVENTS) --seed $(SEED) --loss $(LOSS)

build: $(STAMP)  ## dbt build on the events in DATA (DuckDB file DB; BUILD_ARGS are passed on)
	AI_ADOPTION_DUCKDB_PATH=$(DB) $(BIN)/dbt build $(DBT_ARGS) $(BUILD_ARGS) --vars $(SOURCE_VARS)

summary: $(STAMP)  ## print the per-feature metrics from DB
	$(BIN)/ai-adoption summary --database $(DB)

report: $(STAMP)  ## write the self-contained HTML report of DB to REPORT
	$(BIN)/ai-adoption report --database $(DB) --out $(REPORT)

semantic: $(STAMP)  ## check the semantic layer against DB (mf validate-configs; needs make build first)
	AI_ADOPTION_DUCKDB_PATH=$(DB) DBT_PROFILES_DIR=. $(BIN)/mf validate-configs

# the demo generates its events afresh, so it rebuilds every table from them
demo: BUILD_ARGS = --full-refresh
demo: data build summary report docs  ## generate ~200k events, build everything on DuckDB, print the metrics, write the report and the docs site
	@echo
	@echo "Report:    $(REPORT)  (one file, works offline: open it in a browser, e.g. xdg-open $(REPORT))"
	@echo "Docs site: $(DOCS)  (one file, works offline: open it in a browser and start at the overview)"

lint: $(STAMP)  ## ruff, mypy and sqlfluff (dbt templater)
	$(BIN)/ruff check src pytests
	$(BIN)/ruff format --check src pytests
	$(BIN)/mypy src
	AI_ADOPTION_DUCKDB_PATH=target/lint.duckdb $(BIN)/sqlfluff lint models tests analyses

pytest: $(STAMP) browser  ## generator tests and end-to-end dbt builds checked against Python
	$(PYTEST) -q

test: lint pytest  ## everything CI runs

test-spark: $(STAMP)  ## the package on local Apache Spark (dbt-spark session, Java 17): full build, incremental runs, same marts as DuckDB
	$(PYTEST) -m spark pytests/engines

test-postgres: $(STAMP)  ## the package on a throwaway PostgreSQL 15 server (scripts/postgres.sh): full build, incremental runs, same marts as DuckDB
	$(PYTEST) -m postgres pytests/engines

test-engines: $(STAMP)  ## both of the above, side by side (CI runs it after make test)
	$(PYTEST) -m "postgres or spark" pytests/engines

docs: $(STAMP)  ## build the dbt docs of DB as one offline file, target/static_index.html
	AI_ADOPTION_DUCKDB_PATH=$(DB) $(BIN)/dbt docs generate --static $(DBT_ARGS) --vars $(SOURCE_VARS)

bench: $(STAMP)  ## time the dbt pipeline at BENCH_SCALES events on BENCH_ENGINE: floor, full build, incremental 1 %, per model (BENCH_DIR)
	$(BIN)/ai-adoption bench --engine $(BENCH_ENGINE) --scales $(BENCH_SCALES) --out $(BENCH_DIR)

clean:  ## remove generated data and build output (keeps .venv)
	rm -rf target data logs
