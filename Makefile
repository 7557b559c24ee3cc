# gpfed — the two commands users need are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
GPFED := $(VENV)/bin/gpfed
VENDOR := gpfed/static/vendor
HOST ?= 127.0.0.1
PORT ?= 8000
# Python keeps the compiled form of gpfed's modules, and pytest its rewritten test modules, in
# __pycache__ folders (ignored by git), even where the environment asks it not to: without them
# every test process compiles the whole suite again (about 5 s of CPU each).
export PYTHONDONTWRITEBYTECODE :=

.PHONY: run test install assets bench loadtest lint format check worker clean lock

# Exactly the lock, resolving nothing (docs/adr/0004-install-the-lock-without-resolving.md).
$(VENV)/.installed: requirements.lock pyproject.toml scripts/install-lock scripts/check_lock.py
	PYTHON=$(PYTHON) scripts/install-lock $(VENV) requirements.lock .
	touch $@

install: $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# The NHS.UK frontend's source maps go too, under the names its CSS and JS give them
# (sourceMappingURL): production's collectstatic (ManifestStaticFilesStorage) stops at a file a
# sourceMappingURL names that is not there, and every page then answers 500. The copy is made
# again whenever this file changes.
$(VENDOR)/.copied: node_modules/.package-lock.json Makefile
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/nhsuk
	cp node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend-[0-9]*.min.css $(VENDOR)/nhsuk/nhsuk-frontend.min.css
	sed -i 's#url(/assets/#url(assets/#g' $(VENDOR)/nhsuk/nhsuk-frontend.min.css
	cp node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend-[0-9]*.min.js $(VENDOR)/nhsuk/nhsuk-frontend.min.js
	cp node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend-[0-9]*.min.css.map $(VENDOR)/nhsuk/
	cp node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend-[0-9]*.min.js.map $(VENDOR)/nhsuk/
	cp -r node_modules/nhsuk-frontend/dist/nhsuk/assets $(VENDOR)/nhsuk/assets
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	touch $@

assets: $(VENDOR)/.copied

# Migrate, load the demo federation from the shipped NHS files, start the task worker and serve.
run: install assets
	$(PY) manage.py migrate --no-input
	GPFED_ADDRESS=$(HOST):$(PORT) $(GPFED) demo load
	@$(PY) manage.py db_worker --interval 1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver --noreload $(HOST):$(PORT)

# The task worker alone (production runs it as its own service).
worker: install
	$(PY) manage.py db_worker

# The whole suite, on as many processes as there are cores (pytest-xdist; each process has its own
# test database). In CI (CI=true), or with `make test COVERAGE=--cov`, it measures coverage of the
# app packages and fails under the floor in pyproject.toml [tool.coverage.report]; coverage makes
# the suite about half as slow again, so it is not on by default. `make test TEST_WORKERS=0` runs
# in one process; PYTEST_ARGS adds to it.
TEST_WORKERS ?= auto
ifeq ($(CI),true)
COVERAGE ?= --cov --cov-report=term --cov-report=xml:test-artifacts/coverage.xml
endif
test: install assets
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist worksteal $(COVERAGE) $(PYTEST_ARGS)

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# Many people at once on the national data, in production settings (scripts/loadtest): builds
# the data on PostgreSQL once (LOADTEST_DATABASE_URL), then gunicorn -w 4 and two task workers
# driven by locust: LOADTEST_USERS for LOADTEST_TIME, twice the users, and a task worker killed
# during a bulletin's delivery. Not part of CI: run it on a quiet machine.
LOADTEST_USERS ?= 100
LOADTEST_TIME ?= 2m
loadtest: install assets
	$(PY) scripts/loadtest --users $(LOADTEST_USERS) --time $(LOADTEST_TIME) $(LOADTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/bandit -q -c pyproject.toml -r accounts audit bids comms demo directory economics finance governance gpfed home kernel registry rota voice
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Re-pin the lock file after changing pyproject.toml.
lock:
	$(VENV)/bin/pip-compile --quiet --extra dev --generate-hashes --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) node_modules $(VENDOR) staticfiles db.sqlite3 var
