# Two commands on a fresh machine: `make demo` (main job on SQLite) and `make test`.
# Everything is installed from the committed lock file into .venv; uv itself goes into .tools.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
# pytest runs in this many processes (pytest-xdist), each with its own test database and files.
PYTEST_WORKERS ?= 2

.PHONY: install demo serve test lint typecheck contract migrations-check system-packages pytest bench messages clean

# Fetched by a standard-library script: a fresh Debian's Python has neither pip nor ensurepip.
$(UV): tools/uv_install.py
	$(PYTHON) tools/uv_install.py $(UV_VERSION) $(UV)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --quiet
	touch $@

install: $(VENV)/.synced

demo: install
	$(BIN)/ecert demo

serve: install
	$(BIN)/ecert serve

lint: install
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

typecheck: install
	$(BIN)/mypy src tests bench tools

contract: install
	$(BIN)/lint-imports

migrations-check: install
	$(BIN)/ecert manage makemigrations --check --dry-run

# Debian packages beside the lock file (Chromium, SoftHSM2, poppler-utils, CJK fonts, Node.js; wrk and
# PostgreSQL for the benchmarks), installed only when missing: as root directly, otherwise the
# script stops and prints the one command to run.
system-packages:
	bash tools/system_packages.sh test

# The OpenID provider the holder sign-in tests start (tests/oidc), from its committed lock file.
tests/oidc/node_modules/.package-lock.json: tests/oidc/package.json tests/oidc/package-lock.json
	npm ci --prefix tests/oidc --no-audit --no-fund

# The offline verifier's bundler and QR reader (web/offline-verifier), from its committed lock file;
# the test that rebuilds the committed bundle uses them.
web/offline-verifier/node_modules/.package-lock.json: web/offline-verifier/package.json web/offline-verifier/package-lock.json
	npm ci --prefix web/offline-verifier --no-audit --no-fund

pytest: install system-packages tests/oidc/node_modules/.package-lock.json web/offline-verifier/node_modules/.package-lock.json
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test: lint typecheck contract migrations-check pytest

bench: install
	bash tools/system_packages.sh bench
	$(BIN)/python -m bench $(BENCH_ARGS)

messages: install
	cd src/ecert && ../../$(BIN)/ecert manage makemessages -l zh_Hans --no-obsolete && ../../$(BIN)/ecert manage compilemessages

clean:
	rm -rf $(VENV) .tools var .pytest_cache .mypy_cache .ruff_cache
