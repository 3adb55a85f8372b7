# Alueagentti: `make run` serves the demo, `make test` runs every check. Nothing else is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PORT ?= 8000
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_LINK_MODE := copy

.DEFAULT_GOAL := help
.PHONY: help install run demo-reset test lint fmt typecheck migrations-check messages compilemessages \
	check-deploy bench bench-search screenshots worker beat clean faults backup restore compose-env smoke

help:
	@echo "make run    install, migrate SQLite, load the demo and serve on 127.0.0.1:$(PORT)"
	@echo "make test   install and run the whole suite (lint, types, migrations, deploy check, pytest)"
	@echo "make demo-reset   a fresh demo: delete the SQLite database, migrate and seed it again"
	@echo "Also: lint fmt typecheck migrations-check messages compilemessages check-deploy smoke faults"
	@echo "      bench bench-search screenshots worker beat backup restore compose-env"

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml uv.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv sync --frozen
	touch $@

install: $(VENV)/.installed compilemessages

# Catalogues are committed as .po and compiled here, without needing GNU gettext. Each is
# compiled only when its .po changed, into a temporary file renamed over the old one: a process
# starting meanwhile (a test's server beside a test that runs `make demo-reset`) never reads a
# half-written catalogue, which it did when every make rewrote them all.
CATALOGUES := $(foreach lang,fi sv en,locale/$(lang)/LC_MESSAGES/django.mo)

compilemessages: $(CATALOGUES)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(VENV)/.installed
	$(BIN)/pybabel -q compile -l $* -i $< -o $@.part --statistics 2>&1 | grep -v "^$$" || true
	@test -s $@.part || { echo "could not compile $<"; exit 1; }
	@mv -f $@.part $@

run: export DJANGO_DEBUG := 1
# The settings build SITE_URL (links in emails, notifications, certificates) from PORT.
run: export PORT := $(PORT)
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo ""
	@echo "  Alueagentti is at http://127.0.0.1:$(PORT)/  (sign in with a demo account above)"
	@echo ""
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# A fresh demo: deletes the embedded SQLite database, migrates a new one and seeds it. Stop a
# running `make run` first; `make demo-reset run` resets and serves. Refuses other databases.
demo-reset: export DJANGO_DEBUG := 1
demo-reset: export PORT := $(PORT)
demo-reset: install
	@db="$$(DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.base} $(BIN)/python -c 'import django; django.setup(); from django.db import connection as c; print(c.settings_dict["NAME"] if c.vendor == "sqlite" else "")')"; \
	if [ -z "$$db" ]; then echo "make demo-reset resets only the embedded SQLite demo (DATABASE_URL points elsewhere)."; exit 1; fi; \
	echo "Deleting the demo database $$db"; rm -f "$$db" "$$db-wal" "$$db-shm" "$$db-journal"
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo

# pytest on both cores (pytest-xdist) for everything but the `serial` tests (a real broker and
# worker, gunicorn nodes, Chromium: tests/conftest.py marks them), which then run in two groups
# side by side: the broker tests one after another in one process, the browser tests in the
# other. PYTEST_WORKERS=0 runs each part in one process. Exit code 5 = nothing selected.
PYTEST_WORKERS ?= 2
test: install lint typecheck migrations-check check-deploy
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not serial" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -m serial $(PYTEST_ARGS) || [ $$? -eq 5 ]

# ruff, then the layers (import-linter, contracts in pyproject.toml): core imports no domain app,
# the dashboard sits above the domain apps, no production app imports the demo.
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# mypy with django-stubs (config in pyproject.toml): strict for services, selectors, access rules
# and tasks, check_untyped_defs elsewhere; cached in .mypy_cache.
typecheck: $(VENV)/.installed
	$(BIN)/mypy .

migrations-check: $(VENV)/.installed
	$(MANAGE) makemigrations --check --dry-run

check-deploy: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(60))')" \
	DJANGO_ALLOWED_HOSTS=alueagentti.example REDIS_URL=redis://127.0.0.1:6379/1 \
	CERTIFICATE_SIGNING_KEY="$$($(BIN)/python -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())')" \
		$(MANAGE) check --deploy --fail-level WARNING

# The fault-injection suite (tests/faults): its own Redis, SMTP sink and Celery workers, made to
# fail on purpose. Needs PostgreSQL in DATABASE_URL and redis-server; about five minutes.
faults: install
	FAULTS=1 $(BIN)/pytest -p no:cacheprovider -m faults tests/faults $(FAULTS_ARGS)

# Needs GNU gettext (xgettext); regenerates the .po files from the source.
messages: $(VENV)/.installed
	$(MANAGE) makemessages -l fi -l sv -l en --no-obsolete \
		--ignore=.venv --ignore=staticfiles --ignore=static/vendor --ignore=tests

bench: install
	$(BIN)/python -m tests.bench $(BENCH)

bench-search: install
	$(BIN)/python -m tests.bench_search

# Retakes docs/screenshots/*.png from a throwaway demo database (needs /usr/bin/chromium).
screenshots: install
	$(BIN)/python docs/screenshots.py $(SCREENSHOTS_ARGS)

# One worker for every queue (compose runs one per queue group); children are recycled.
worker: install
	$(BIN)/celery -A config worker -Q files,email,bulk,default --loglevel=info \
		--max-tasks-per-child=200

beat: install
	$(BIN)/celery -A config beat --loglevel=info

# gunicorn with the production settings against PostgreSQL and Redis (DATABASE_URL, REDIS_URL);
# also part of `make test`, where CI runs it strictly.
smoke: $(VENV)/.installed
	$(BIN)/pytest -q tests/smoke

# The database and every uploaded file in one archive (BACKUP=path, else BACKUP_ROOT/<time>.tar).
backup: $(VENV)/.installed
	$(MANAGE) backup $(if $(BACKUP),--output "$(BACKUP)")

# Restores BACKUP into an empty database (DATABASE_URL) and empty file folders.
restore: $(VENV)/.installed
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=path/to/alueagentti-....tar"; exit 1; }
	$(MANAGE) restore "$(BACKUP)"

# Fresh random keys for `docker compose up` in .env (never overwrites an existing .env).
compose-env:
	@test ! -e .env || { echo ".env exists already; keeping it"; exit 1; }
	@$(PYTHON) -c 'import base64, secrets; \
		print("DJANGO_SECRET_KEY=" + secrets.token_urlsafe(60)); \
		print("CERTIFICATE_SIGNING_KEY=" + base64.b64encode(secrets.token_bytes(32)).decode()); \
		print("MINIO_ROOT_PASSWORD=" + secrets.token_urlsafe(30))' > .env
	@chmod 600 .env
	@echo "Wrote .env with fresh DJANGO_SECRET_KEY, CERTIFICATE_SIGNING_KEY and MINIO_ROOT_PASSWORD."

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
