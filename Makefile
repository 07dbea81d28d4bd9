# Two commands matter: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
BENCH_ARGS ?=

.PHONY: run test install assets browser demo bench lint messages clean

$(STAMP): requirements/base.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==25.3
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $(STAMP)

install: $(STAMP) assets
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

# Browser tests drive Debian's chromium; Playwright's own browser download is not reachable.
browser:
	@test -x $(CHROMIUM) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei)

demo: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_demo

run: demo
	@echo "Workbench: http://127.0.0.1:8000  (API docs: http://127.0.0.1:8000/api/v1/docs)"
	@trap 'kill 0' EXIT; $(PY) manage.py run_huey --quiet & \
	$(PY) manage.py runserver 127.0.0.1:8000

test: install browser
	$(PY) -m pytest -q $(PYTEST_ARGS)

# A million orders and 200,000 cases on PostgreSQL in a database of its own (aftersales_bench,
# created, migrated and emptied by the benchmark); BENCH_ARGS="--small" or "--sqlite" for less.
bench: install
	$(PY) -m bench $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy aftersales/returns/policies.py aftersales/core/money.py aftersales/core/workdays.py aftersales/cases/workflows.py

messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=node_modules

clean:
	rm -rf $(VENV) node_modules var aftersales/static/vendor
