# The portal's two set-up commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_PASSWORD ?= demo-pass-2026
HOST ?= 127.0.0.1:8000

.PHONY: venv demo test test-ci lint format bench loadtest clean schema fuzz messages backup restore

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev]"
	touch $@

venv: $(VENV)/.installed

## Set up and serve the portal on its embedded default (SQLite, eager Celery) with demo data.
## Certificates, their QR codes and e-mails link to the address the demo serves (PORTAL_BASE_URL).
demo: export PORTAL_BASE_URL = http://$(HOST)
demo: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --password $(DEMO_PASSWORD)
	@echo "Portal at http://$(HOST)/ - demo users (operator, official-wujin, provider-sit, enterprise-jiangnan, ...) use password $(DEMO_PASSWORD) (if they were created by this run: an earlier seed keeps its passwords)"
	$(PY) manage.py runserver $(HOST)

## Install and run the tests (SQLite by default; DATABASE_URL / TEST_CELERY_BROKER_URL for the real services),
## in parallel over the machine's cores (a test database per process). One process: PYTEST_ARGS=.
PYTEST_ARGS ?= -n auto
test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

## Collect the translatable strings into locale/zh_Hans/LC_MESSAGES/django.po and compile the .mo
## (both are committed: a fresh machine needs no gettext). Then translate and run it again.
messages: venv
	$(PY) manage.py makemessages --no-wrap -l zh_Hans --no-obsolete --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=media --ignore=build --ignore=tests
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv
	-$(PY) locale/translate_check.py

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: venv
	$(PY) benchmarks/run.py $(BENCH_ARGS)

## Load test on PostgreSQL and Redis: 100 virtual users for 60 s through gunicorn and a worker,
## then reconciliation (LOADTEST_ARGS="--users 20 --seconds 15" for the short run CI makes).
loadtest: venv
	$(PY) -m benchmarks.loadtest $(LOADTEST_ARGS)

## Regenerate the committed OpenAPI schema; tests/api/test_schema.py fails while it is stale.
schema: venv
	$(PY) manage.py spectacular --file schema.yml --validate

## Fuzz the API with schemathesis against a fresh database (DATABASE_URL, else a temp SQLite).
fuzz: venv
	bash .ci/fuzz

## Back up the PostgreSQL database (DATABASE_URL) and the private media (MEDIA_ROOT) into a new
## folder under BACKUP_DIR (default ./backups); restore one with BACKUP=<folder> [FORCE=1].
backup:
	bash ops/backup.sh

restore:
	@test -n "$(BACKUP)" || { echo "make restore BACKUP=<backup folder> [FORCE=1]" >&2; exit 2; }
	bash ops/restore.sh "$(BACKUP)" $(if $(FORCE),--force)

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache
