# The two commands a newcomer needs: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-requirements
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench lint format setup system-packages migrate demo check messages

run: setup migrate demo
	@echo "Serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# `make test` also needs the browser of the end-to-end tests (tests/e2e) and the tools that read
# certificates back (pdffonts, pdftoppm, zbarimg); `make run` does not.
test: EXTRA_SYSTEM_PACKAGES := chromium poppler-utils zbar-tools
test: setup
	$(PY) manage.py makemigrations --check --dry-run --settings=portal.settings.test
	$(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks print figures (median, spread, query counts) on SQLite and, if reachable, PostgreSQL.
bench: setup
	scripts/bench.sh

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
