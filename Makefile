# The two commands a newcomer needs: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/exchange
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/exchange_bench
# `make run PORT=8100` serves on another port.
PORT ?= 8000
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/13
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test fuzz lint fmt services chromium axe migrate seed messages screenshots bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	mkdir -p var
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

migrate: $(STAMP)
	$(PY) manage.py migrate

seed: $(STAMP)
	$(PY) manage.py seed_demo

# Browser tests drive Debian's Chromium; never a downloaded browser.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	      || { echo "Could not install chromium with apt-get."; exit 1; }; \
	  else \
	    echo "Browser tests need Debian's chromium: sudo apt-get install chromium fonts-noto-cjk"; exit 1; \
	  fi; \
	fi

# The accessibility checker of the browser tests (tests/e2e/axe.py): axe-core from the npm registry,
# pinned, under var/ (never a CDN, never a committed copy). Nothing to do once it is there.
AXE_VERSION := 4.10.3
AXE := var/npm/axe-core-$(AXE_VERSION).installed
$(AXE):
	@command -v npm >/dev/null || { echo "The accessibility tests need npm: sudo apt-get install npm"; exit 1; }
	npm install --prefix var/npm --no-save --no-audit --no-fund --no-package-lock axe-core@$(AXE_VERSION)
	touch $(AXE)
axe: $(AXE)

# The suite runs against the real services: say how to start them rather than fall back.
services: $(STAMP)
	@DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) $(PY) scripts/check_services.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djhtml --check templates
	$(VENV)/bin/lint-imports --no-cache

fmt: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djhtml templates

# Update the catalogues from the code; translate new entries in the .po files (or fill them from a
# glossary with scripts/fill_translations.py), then compile. The suite fails on untranslated text.
messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hant -l zh_Hans --no-obsolete \
	  --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=scripts
	$(PY) manage.py compilemessages --ignore=.venv

test: $(STAMP) chromium axe services lint
	DATABASE_URL=$(TEST_DATABASE_URL) TEST_CELERY_BROKER_URL=$(TEST_REDIS_URL) \
	  $(VENV)/bin/pytest

# The fuzz suite at length: many random examples per endpoint and role (`make test` runs a few,
# the same ones every time). FUZZ_EXAMPLES sets how many; failures are kept in var/hypothesis.
FUZZ_EXAMPLES ?= 150
fuzz: $(STAMP) services
	FUZZ_PROFILE=long FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
	  DATABASE_URL=$(TEST_DATABASE_URL) TEST_CELERY_BROKER_URL=$(TEST_REDIS_URL) \
	  $(VENV)/bin/pytest tests/fuzz

# Benchmarks (not part of `make test`): a database of their own, results in docs/benchmarks.md
# (the solver's benchmark needs none: it builds its instances in memory); the dispatcher's runs a
# Celery worker on a Redis database of its own, the load benchmark a gunicorn on the loopback.
bench: $(STAMP)
	$(PY) bench/export_roster.py --database-url $(BENCH_DATABASE_URL)
	$(PY) bench/pages.py --database-url $(BENCH_DATABASE_URL)
	$(PY) bench/import_uploads.py --database-url $(BENCH_DATABASE_URL)
	$(PY) bench/dispatch.py --database-url $(BENCH_DATABASE_URL) --broker-url $(BENCH_REDIS_URL)
	$(PY) bench/planning.py
	# Last: it exits non-zero when its p99 goal is missed, after writing its figures.
	$(PY) bench/load.py --database-url $(BENCH_DATABASE_URL) --redis-url $(BENCH_REDIS_URL)

clean:
	rm -rf $(VENV) var/staticfiles

# README screenshots of each role's main page, from fresh demo data, in the same headless Chromium.
screenshots: $(STAMP) chromium
	$(PY) scripts/screenshots.py
