# creditbot — two commands from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test lint bench messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "creditbot needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## The embedded default: SQLite in ./var, demo data, the web emulator at http://127.0.0.1:8000/
## (the emulator stays off when .env configures a chat platform or sets CREDITBOT_EMULATOR)
run: install
	mkdir -p var
	$(BIN)/creditbot db upgrade
	$(BIN)/creditbot demo --if-empty
	$(BIN)/creditbot serve --demo

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy credit_domain bot handlers scheduler bench tests

## Extract translatable strings into <package>/locales/messages.pot; translations live in one
## .po per feature under <package>/locales/zh_CN/LC_MESSAGES/ (the test suite lists any missing).
messages: install
	for pkg in credit_domain handlers bot; do \
	  test -d $$pkg/locales && $(BIN)/pybabel extract -F babel.cfg -k _ --no-location \
	    --sort-output -o $$pkg/locales/messages.pot $$pkg; \
	done; true

## Benchmarks at scale: creditbot beside its floor on SQLite and PostgreSQL, the table printed
## and written to bench/results.md (BENCH_SCALE=small or tiny for a quick run).
BENCH_SCALE ?= full
CREDITBOT_BENCH_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
bench: install
	BENCH_SCALE=$(BENCH_SCALE) CREDITBOT_BENCH_PG_URL=$(CREDITBOT_BENCH_PG_URL) \
	  $(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache
