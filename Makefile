# The two commands a newcomer needs: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-requirements
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format setup system-packages migrate demo check

run: setup migrate demo
	@echo "Serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(PY) manage.py makemigrations --check --dry-run --settings=portal.settings.test
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

setup: system-packages $(INSTALLED)

system-packages:
	@scripts/install-system-packages.sh

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
