# The two commands a newcomer needs: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-requirements
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench soak lint format setup system-packages migrate demo check messages serve worker

run: setup migrate demo
	@echo "Serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# `make serve`: gunicorn (gunicorn.conf.py) with the production settings, as on a deployment
# (docs/deployment.md). With DATABASE_URL set, every production variable must come from the
# environment, and the production settings refuse to start without them. Without DATABASE_URL it is a
# LOCAL TRIAL on the embedded default: the SQLite database, demo data and keys of `make run`, a
# secret key made up for this run, the loopback as the only host, and plain HTTP (no redirect to
# HTTPS). gunicorn serves no static or media files: a proxy does that, so the trial's pages are unstyled.
GUNICORN_BIND ?= $(HOST):$(PORT)
ifdef DATABASE_URL
serve: setup
	DJANGO_SETTINGS_MODULE=portal.settings.production $(PY) manage.py collectstatic --noinput -v0
	DJANGO_SETTINGS_MODULE=portal.settings.production GUNICORN_BIND=$(GUNICORN_BIND) $(VENV)/bin/gunicorn -c gunicorn.conf.py
else
serve: demo
	@echo "LOCAL TRIAL of the production settings (not a deployment: see docs/deployment.md)"
	CERTIFICATE_SIGNING_KEY_FILE="$(CURDIR)/var/keys/certificate-signing-key.pem" \
		PERSONAL_DATA_KEY_FILE="$(CURDIR)/var/keys/personal-data-keys" \
		$(PY) manage.py shell -v0 -c "from evaluation.signing import private_key; private_key(); \
		from registry.encryption import fernet; fernet()"
	export DJANGO_SETTINGS_MODULE=portal.settings.production \
		SECRET_KEY="local-trial-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(40))')" \
		ALLOWED_HOSTS=127.0.0.1,localhost DATABASE_URL="sqlite:///$(CURDIR)/db.sqlite3" \
		CERTIFICATE_SIGNING_KEY_FILE="$(CURDIR)/var/keys/certificate-signing-key.pem" \
		PERSONAL_DATA_KEY_FILE="$(CURDIR)/var/keys/personal-data-keys" \
		PORTAL_PUBLIC_URL="http://$(GUNICORN_BIND)" SECURE_SSL_REDIRECT=False SECURE_HSTS_SECONDS=0 \
		GUNICORN_BIND=$(GUNICORN_BIND) && \
	$(PY) manage.py collectstatic --noinput -v0 && \
	exec $(VENV)/bin/gunicorn -c gunicorn.conf.py
endif

# `make worker`: an RQ worker for the background tasks (TASKS_BACKEND=rq with REDIS_URL; one or more
# per deployment, docs/deployment.md), which also starts tasks deferred to a later time. It takes the
# settings of `make serve`: production with DATABASE_URL, else the embedded default's database.
worker: setup
	@[ "$$TASKS_BACKEND" = rq ] && [ -n "$$REDIS_URL" ] || \
		{ echo "make worker needs TASKS_BACKEND=rq and REDIS_URL (docs/deployment.md)" >&2; exit 1; }
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-portal.settings.$(if $(DATABASE_URL),production,dev)} \
		$(PY) manage.py rqworker default --with-scheduler

# `make test` also needs the browser of the end-to-end tests (tests/e2e) and the tools that read
# certificates back (pdffonts, pdftoppm, zbarimg); `make run` does not.
test: EXTRA_SYSTEM_PACKAGES := chromium poppler-utils zbar-tools
test: setup
	$(PY) manage.py makemigrations --check --dry-run --settings=portal.settings.test
	$(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks print figures (median, spread, query counts) on SQLite and, if reachable, PostgreSQL
# (docs/performance.md); wrk loads the server from a second process.
bench: EXTRA_SYSTEM_PACKAGES := wrk
bench: setup
	scripts/bench.sh

# Load and fault runs (docs/performance.md, "Soak"): PostgreSQL in its own database, Redis when it
# answers; SOAK_SECONDS per load phase, SOAK_DB_FAULT=terminate where others share the server.
soak: setup
	scripts/soak.sh

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

setup: system-packages $(INSTALLED)

system-packages:
	@scripts/install-system-packages.sh $(EXTRA_SYSTEM_PACKAGES)

$(INSTALLED): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(INSTALLED)

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo_data

check: setup
	$(PY) manage.py check

# Translations. `make messages` extracts every msgid of our code (Chinese, the default language) into
# locale/en/LC_MESSAGES/django.po, keeping the English already there, and compiles django.mo. New
# strings arrive untranslated or marked fuzzy, and tests/portal/test_english.py fails until each has
# its English. The .mo is kept in git, so `make run` and `make test` never need gettext; this does.
MESSAGES_IGNORE := --ignore=$(VENV) --ignore=tests --ignore=screenshots --ignore=static --ignore=media \
	--ignore=var --ignore=test-results
messages: EXTRA_SYSTEM_PACKAGES := gettext
messages: setup
	$(PY) manage.py makemessages -l en $(MESSAGES_IGNORE)
	$(PY) manage.py compilemessages --ignore=$(VENV)
