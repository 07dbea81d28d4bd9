# Two commands matter: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
BENCH_ARGS ?=
# `make run HOST=0.0.0.0 PORT=8010` to serve elsewhere than http://127.0.0.1:8000 (HOST is not
# taken from the environment, where some shells put the machine's name).
HOST := 127.0.0.1
PORT ?= 8000
# What `make run` serves with: production's stack, DEBUG off, nothing to set (config/settings/run.py).
RUN_SETTINGS := config.settings.run
CONN_CHECK_ARGS ?=

.PHONY: run test install assets vendor-maps browser demo demo-refresh bench fuzz load lint messages clean conn-check

$(STAMP): requirements/base.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==25.3
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $(STAMP)

install: $(STAMP) assets vendor-maps
	@command -v msgfmt >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

# htmx, the CSS framework and ECharts come from the npm registry and are served from our own
# static files: our users' networks are often closed to CDNs.
assets: aftersales/static/vendor/.stamp
aftersales/static/vendor/.stamp: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	mkdir -p aftersales/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js aftersales/static/vendor/
	cp node_modules/bootstrap/dist/css/bootstrap.min.css aftersales/static/vendor/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js aftersales/static/vendor/
	cp node_modules/echarts/dist/echarts.min.js aftersales/static/vendor/
	touch $@

# bootstrap's files name their source maps; collectstatic's hashed names (whitenoise's manifest
# storage) must find every file a CSS or JS file refers to.
vendor-maps: aftersales/static/vendor/.maps
aftersales/static/vendor/.maps: aftersales/static/vendor/.stamp
	cp node_modules/bootstrap/dist/css/bootstrap.min.css.map aftersales/static/vendor/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map aftersales/static/vendor/
	touch $@

# Browser tests drive Debian's chromium; Playwright's own browser download is not reachable.
browser:
	@test -x $(CHROMIUM) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei)

demo: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_demo

# A demo loaded days ago has its deadlines long past: load it again around today (only the
# demo's shops, staff and data are replaced).
demo-refresh: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_demo --reset

# Served as in production: gunicorn (config/gunicorn.conf.py) with static files collected and
# served by whitenoise, the huey consumer beside it. Ctrl-C stops both.
run: demo
	DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) $(PY) manage.py collectstatic --noinput -v0
	@echo "Workbench: http://$(HOST):$(PORT)  (API docs: http://$(HOST):$(PORT)/api/v1/docs, health: /health/)"
	@export DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) HOST=$(HOST) PORT=$(PORT); \
	$(PY) manage.py run_huey --quiet & huey=$$!; \
	trap 'kill -INT $$huey 2>/dev/null; wait $$huey' EXIT; \
	$(VENV)/bin/gunicorn -c config/gunicorn.conf.py --bind $(HOST):$(PORT)

test: install browser
	$(PY) -m pytest -q $(PYTEST_ARGS)

# PostgreSQL sessions before, during and after 1,000 requests over 100 connections to gunicorn
# (sync and gthread), in a database of its own (aftersales_conncheck on 127.0.0.1; set
# CONN_CHECK_DATABASE_URL to use another).
conn-check: install
	$(PY) -m tests.serving.conn_check $(CONN_CHECK_ARGS)

# A million orders and 200,000 cases on PostgreSQL in a database of its own (aftersales_bench,
# created, migrated and emptied by the benchmark); BENCH_ARGS="--small" or "--sqlite" for less.
bench: install
	$(PY) -m bench $(BENCH_ARGS)

# A Double 11 day: locust's busy-day mix against gunicorn + huey on PostgreSQL (a database of
# its own, aftersales_load), beside pgbench on the same database. `make load LOAD_ARGS="--users
# 80 --duration 300"`; see loadtest/__main__.py.
# Schemathesis over the whole OpenAPI as the demo agent and supervisor (all checks, all phases,
# stateful) against gunicorn on PostgreSQL (aftersales_fuzz); `make test` runs a reduced form.
FUZZ_ARGS ?=
fuzz: install
	$(PY) -m tests.fuzz.full $(FUZZ_ARGS)

LOAD_ARGS ?=
load: install
	$(PY) -m loadtest $(LOAD_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy aftersales/returns/policies.py aftersales/core/money.py aftersales/core/workdays.py aftersales/cases/workflows.py

messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=node_modules

clean:
	rm -rf $(VENV) node_modules var aftersales/static/vendor
