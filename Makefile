# Quick start: `make run` (product with demo data on http://127.0.0.1:8000) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
PYTEST_ARGS ?=

.PHONY: setup assets browser run test lock migrate bench clean

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements.lock
	touch $@

setup: $(VENV)/.installed assets

# Browser assets of the web UI (htmx, Chart.js) from the npm registry, pinned with integrity hashes
# in web/frontend/package-lock.json; nothing third-party is committed.
ASSETS := web/frontend/node_modules/.installed
$(ASSETS): web/frontend/package-lock.json
	$(PY) web/frontend/install_assets.py
	touch $@

assets: $(ASSETS)

# Debian's Chromium for the end-to-end tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || \
	  (apt-get install -y chromium >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y chromium >/dev/null 2>&1)) || \
	  echo "Chromium could not be installed: the browser tests will be skipped."

migrate: setup
	$(PY) manage.py migrate --noinput

# The product as deployed, minus HTTPS (DEBUG off; `DEBUG=1 make run` to debug). Links in e-mails
# point at the address it serves.
HOST ?= 127.0.0.1
PORT ?= 8000
run: migrate
	$(PY) manage.py seed_demo --if-empty
	HELPDESK_BASE_URL=http://$(HOST):$(PORT) $(PY) manage.py serve --host $(HOST) --port $(PORT)

# Debian's dovecot for the incoming-mail IMAP tests (tests/mailin/; SMTP is aiosmtpd, in-process).
.PHONY: mailservers
mailservers:
	@scripts/install_mailservers.sh

test: setup browser mailservers
	$(PY) -m pytest $(PYTEST_ARGS)

# The import layers of the apps alone (docs/architecture.md); `make test` runs them too.
.PHONY: imports
imports: setup
	$(VENV)/bin/lint-imports --no-cache

# Re-resolve the pinned dependencies after editing requirements.in.
lock: setup
	$(VENV)/bin/uv pip compile --quiet --python-version 3.11 --generate-hashes requirements.in -o requirements.lock

bench: migrate
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var

# The whole suite in the production profile on a throw-away PostgreSQL + Redis (Debian packages
# installed if missing, servers on loopback in a temporary directory, stopped afterwards).
.PHONY: test-postgres backup-check
test-postgres: setup
	scripts/test_postgres.sh $(PYTEST_ARGS)

# Backup and restore drill (pg_dump/pg_restore and SQLite .backup), see docs/deploy.md.
backup-check: setup
	scripts/backup_restore_check.sh

# The production profile end to end: two daphne processes and a Huey worker on PostgreSQL + Redis.
.PHONY: production-check
production-check: setup mailservers
	scripts/production_check.sh

# Production-profile benchmarks (SQLite and PostgreSQL + Redis, two daphne processes, a Huey worker):
# API list vs bare, creation rate, board/dashboard at 1,000,000 tickets, websocket fan-out, calendar,
# the Monday-morning load test. Figures: var/bench/production.jsonl → docs/benchmarks.md.
.PHONY: bench-production
bench-production: setup
	scripts/with_services.sh $(PY) bench/production_bench.py $(BENCH)

# The Monday-morning load test driven by Debian's wrk (installed with apt-get if missing) against the
# product as `make run` starts it; LOAD="--profile production" for PostgreSQL + Redis, two daphne.
.PHONY: bench-load
bench-load: setup
	command -v wrk >/dev/null || apt-get install -y -q wrk
	$(if $(findstring production,$(LOAD)),scripts/with_services.sh) $(PY) bench/load/run.py $(LOAD)
