# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test migrate clean lock chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reproducible installs: the exact versions of requirements.lock (what running needs), then the project
# itself; the tests add requirements-test.lock (the same pins plus the test tools).
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.lock
	$(BIN)/pip install --quiet -r requirements-test.lock
	touch $@

# After changing the dependencies in pyproject.toml: pin every package (and what they need) again.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		-o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --extra test --strip-extras --no-emit-index-url --no-emit-find-links \
		-c requirements.lock -o requirements-test.lock pyproject.toml

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/forestall migrate

# Migrate, seed the demo organisation (printing the admin's token), then run the API (gunicorn),
# one Celery worker and Celery beat in the foreground until Ctrl-C.
run: install
	$(BIN)/python -m service.devserver

# The whole suite: SQLite always; again on PostgreSQL with Redis, and the broker-bound tests with RabbitMQ, when they answer.
test: install-test chromium
	$(BIN)/python tests/run_suites.py

# The browser tests drive the distribution's Chromium (Playwright's own browser download is not used).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y chromium; \
	  else echo "error: the browser tests need /usr/bin/chromium; install it as root: apt-get install -y chromium" >&2; exit 1; fi; \
	fi

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis .mypy_cache .ruff_cache .import_linter_cache
