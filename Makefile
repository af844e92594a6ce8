# Two commands on a fresh machine (Debian/Ubuntu with Python 3.11):
#   make app    installs what the dashboard needs and starts it (a sample clip is ready to try)
#   make test   installs the test tools (and Debian's chromium for the browser test) and runs every test
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: app test lint deps dev-deps chromium

$(VENV)/.deps: requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found; set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: $(VENV)/.deps requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

chromium:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium for the browser test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

app: deps
	$(PY) app.py --server.port $(PORT)

test: dev-deps chromium
	$(PY) -m pytest

lint: dev-deps
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
