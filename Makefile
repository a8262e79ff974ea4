# Two commands on a fresh clone: `make run` serves the demo city on http://127.0.0.1:5005, `make test` tests it.
# While working: `make check`, the fast lane (lint, types, unit tests; under a minute).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The stamps name pyproject.toml's checksum: editing it reinstalls. `run` needs only the runtime
# dependencies; `test` adds the test extras (pytest, Playwright, ruff, mypy) on top.
PYPROJECT_SUM := $(shell cksum < pyproject.toml | cut -d' ' -f1)
STAMP := $(VENV)/.installed-$(PYPROJECT_SUM)
TEST_STAMP := $(VENV)/.installed-test-$(PYPROJECT_SUM)
PIP := $(BIN)/pip install --quiet --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 5005

.PHONY: install install-test model data run lint check audit test bench postgres redis validate rasa-validate assets clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -e .
	rm -f $(VENV)/.installed-[0-9]*
	touch $@

$(TEST_STAMP): $(STAMP)
	$(PIP) -e '.[test]'
	rm -f $(VENV)/.installed-test-*
	touch $@

install: $(STAMP)

install-test: $(TEST_STAMP)

# Train only when the model is missing or older than config, domain, data or NLU code.
model: install
	$(BIN)/python -m bot train --if-stale

# Schema migrations and the demo city's open data (idempotent).
data: install
	$(BIN)/python -m bot db upgrade
	$(BIN)/python -m bot setup

run: model data
	$(BIN)/python -m bot run --host $(HOST) --port $(PORT)

postgres:
	@bash scripts/ensure_postgres.sh

redis:
	@bash scripts/ensure_redis.sh

# Lint (ruff's rules and format) and types (mypy, configured in pyproject.toml).
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The fast lane: lint and the unit tests, under a minute with a warm venv.
check: lint
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/unit

# Known vulnerabilities of the installed packages (pip-audit on PyPI's advisory data; says so and skips when that
# data cannot be reached: scripts/audit.py).
audit: install-test
	$(BIN)/python scripts/audit.py

# Everything, as CI runs it (.ci/run): lint, the audit, then every test (feature, channel, end-to-end too).
test: lint audit model browser-deps postgres redis
	$(BIN)/python -m pytest -q -p no:cacheprovider

validate: install
	$(BIN)/python -m bot data validate

# The real Rasa 3.6 (Python 3.10 only, ~3 GB) checks that domain.yml and data/ are valid Rasa training data.
# Not part of `make test`: it is heavy and Rasa is no dependency of the bot.
RASA_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python) python3.10)
rasa-validate:
	test -x .venv-rasa/bin/rasa || { $(RASA_PYTHON) -m venv .venv-rasa && .venv-rasa/bin/pip install --quiet rasa==3.6.21; }
	.venv-rasa/bin/rasa data validate --domain domain.yml --data data --config config.yml

bench: model data
	@command -v wrk >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk; }
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .venv-rasa models var results test-artifacts

include mk/browser.mk
