# The two commands a newcomer runs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails (confirmation, digests) lead to the address `make run` serves on.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test test-stress lint audit format install install-dev migrate seed worker beat cluster clean \
	gettext messages compile-messages

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Installs are skipped while the requirements files are unchanged (stamp files).
$(VENV)/.runtime-installed: requirements.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

var:
	mkdir -p var

migrate: install var
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py import_roadmap roadmap/content/backend.yaml
	$(PY) manage.py seed_demo

# The translation catalogues (docs/translating.md) are made and compiled with GNU gettext.
gettext:
	@command -v msgfmt >/dev/null 2>&1 && command -v xgettext >/dev/null 2>&1 || { \
	  echo "GNU gettext is missing (msgfmt, xgettext): it compiles the translations. Install it:" >&2; \
	  echo "  apt-get install gettext   (Debian, Ubuntu)" >&2; \
	  echo "  brew install gettext      (macOS)" >&2; \
	  echo "  dnf install gettext       (Fedora)" >&2; \
	  exit 1; }

# Brings locale/<language>/LC_MESSAGES/*.po up to date with the strings of the code, with the
# options `make lint`'s check uses (config/translations.py). Add a language with
# `$(PY) manage.py update_translations --language xx`.
messages: install gettext
	$(PY) manage.py update_translations

# The compiled catalogues (.mo) are not committed: each setup compiles them, and only those whose
# .po changed since. Only the project's own catalogues: those of the packages come compiled.
compile-messages: install gettext
	@if [ -d locale ]; then \
	  $(PY) manage.py compilemessages --verbosity 0 --ignore '.*' --ignore var --ignore staticfiles \
	    --ignore node_modules --ignore test-artifacts; \
	fi

# The pages and the live updates' WebSocket (/ws/) from one process (config.devserver), restarted
# when a Python file of the project changes.
run: seed compile-messages
	SITE_URL=$(SITE_URL) $(VENV)/bin/uvicorn config.devserver:application --host $(HOST) --port $(PORT) \
		--lifespan off --reload --reload-dir accounts --reload-dir community --reload-dir config --reload-dir roadmap

# The suite runs in parallel, one pytest-xdist worker per core and one more, at most 6
# (TEST_WORKERS=0 for one process): the tests of real processes spend much of their time
# waiting on them, so a third worker on two cores finishes sooner. Each worker has its own
# test database and Redis databases (tests/workers.py). Which tests share a worker, and the order
# the work is handed out in: tests/scheduling.py.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
test: install-dev var compile-messages
	$(PY) -m pytest -n $(TEST_WORKERS) --maxprocesses 6 --dist loadgroup $(PYTEST_ARGS)

# The tests that wait on other processes, run STRESS_RUNS times with every core kept busy.
STRESS_RUNS ?= 10
test-stress: install-dev var compile-messages
	$(PY) tools/stress_tests.py --runs $(STRESS_RUNS) $(if $(PYTEST_ARGS),-- $(PYTEST_ARGS))

lint: install-dev gettext
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check_translations
	$(PY) manage.py spectacular --validate --fail-on-warn --file /tmp/schema.yaml

# Supply chain: known vulnerabilities in the pinned requirements, and bandit's high-severity findings.
audit: install-dev
	@mkdir -p var && rm -f var/pip-audit.json
	$(VENV)/bin/pip-audit --requirement requirements.txt --progress-spinner off --format json --output var/pip-audit.json || true
	$(VENV)/bin/python tools/audit_summary.py var/pip-audit.json $(AUDIT_ARGS)
	$(VENV)/bin/bandit --quiet --recursive accounts roadmap community config --exclude '*/migrations/*' --severity-level high

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install compile-messages
	SITE_URL=$(SITE_URL) $(VENV)/bin/celery -A config worker --loglevel=INFO

beat: install var
	$(VENV)/bin/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule

# nginx on 127.0.0.1:8080 balancing two gunicorn instances and sending /ws/ to the ASGI process
# (uvicorn, live updates), two Celery workers and beat (needs PostgreSQL and Redis; DATABASE_URL
# and REDIS_URL as for `make run`).
cluster: install compile-messages
	$(PY) bench/cluster.py up --port 8080

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
