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

.PHONY: install tools console run test test-fast test-cluster lint fmt gen gen-check proto-check dist proto-baseline services bench bench-full bench-cluster bench-files clean

$(UV):
	@PIP_ROOT_USER_ACTION=ignore $(PY) -m pip install -q --disable-pip-version-check \
		--target .uv uv==$(UV_VERSION)

# The server alone, so a first `make run` is quick: no linters, test runner or code generator,
# and no bytecode compiled ahead for modules the server may never import (cluster engines).
$(RUNTIME): requirements.txt pyproject.toml gen/python/pyproject.toml | $(UV)
	@echo "parley: installing the server into $(VENV)"
	@test -x $(BIN)/python || $(UV) venv -q --seed $(VENV)
	@$(PIP) -r requirements.txt
	@$(PIP) $(EDITABLE) --no-deps -e gen/python -e .
	@touch $@

# The walkthrough's client tools: parley-chat (the Python SDK) and grpcurl.
$(TOOLS): $(RUNTIME) requirements-tools.txt $(wildcard clients/python/pyproject.toml) | $(UV)
	$(PIP) $(EDITABLE) -r requirements-tools.txt $(SDK)
	touch $@

# Everything for development: tests, linters, buf, code generation.
$(STAMP): $(TOOLS) requirements-dev.txt gen/python-betterproto/pyproject.toml | $(UV)
	$(PIP) -r requirements-dev.txt
	$(PIP) $(EDITABLE) --no-deps -e gen/python-betterproto
	touch $@

install: $(STAMP)

tools: $(TOOLS)

run: $(RUNTIME)
	@$(BIN)/parley serve

# The operator console (clients/console) as static files in clients/console/dist, which the web
# listener serves at `web.console_path`: built here, so no Node runs beside the server.
console: install
	cd clients/ts && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } \
		&& PATH="$(CURDIR)/$(BIN):$$PATH" npm run --silent gen
	cd clients/console && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } \
		&& npm run --silent build

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

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

# Release artifacts, all at the version in VERSION (stamped into every manifest first):
#   dist/python  wheels and sdists of parley (server), parley-proto, parley-betterproto, parley-sdk
#   dist/npm     the @parley/client tarball
#   dist/maven   a Maven repository with dev.parley:parley-kotlin-{client,client-lite,sdk,sdk-lite} (also in ~/.m2)
# Wheels are built from the sdists (so an sdist missing a file fails here), with the pinned
# setuptools of .venv; the Maven build takes a few minutes (its tests run in `make test`).
dist: install
	$(BIN)/python scripts/version.py stamp
	rm -rf dist && mkdir -p dist/python dist/npm dist/maven
	for project in . gen/python gen/python-betterproto clients/python; do \
		$(UV) build -q --no-build-isolation --python $(BIN)/python -o dist/python $$project || exit 1; \
	done
	cd clients/ts && npm ci --no-audit --no-fund --loglevel=error \
		&& PATH="$(CURDIR)/$(BIN):$$PATH" npm pack --silent --pack-destination ../../dist/npm
	mvn -B -q -f clients/kotlin/pom.xml -DskipTests \
		-DaltDeploymentRepository=dist::file://$(CURDIR)/dist/maven deploy
	@ls -1 dist/python dist/npm && find dist/maven -name '*.jar'

services:
	scripts/services.sh start

# Two workers: most tests wait on servers of their own, so the suite takes about
# half the time; those sharing an engine stay on one worker (tests/conftest.py).
TEST_WORKERS ?= 2

test: install lint proto-check gen-check
	scripts/test-deps.sh
	$(MAKE) console
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The storage contract suites need the engines too (they fail, never skip, without them).
test-fast: install
	scripts/services.sh start
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -m "not slow and not cluster" $(PYTEST_ARGS)

# Cluster mode end to end: gateways, workers and the engines as separate processes.
test-cluster: install
	scripts/services.sh start
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -m cluster $(PYTEST_ARGS)

# `make bench BENCH_REV=<rev>` also runs that revision's server, side by side.
BENCH_REV ?=
BENCH_COMPARE = $(if $(BENCH_REV),--compare-rev $(BENCH_REV))

bench: install
	$(PIP) -r bench/requirements.txt
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m bench --short $(BENCH_COMPARE)

bench-full: install
	$(PIP) -r bench/requirements.txt
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m bench $(BENCH_COMPARE)

# Files: upload and download MiB/s of a 1 GiB file and the server's peak RSS meanwhile.
bench-files: install
	$(BIN)/python -m bench.files

# The benchmark against a local cluster (2 gateways, 2 workers) on the engines of `make services`.
bench-cluster: install services
	$(PIP) -r bench/requirements.txt
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m bench --mode cluster --short

clean:
	rm -rf $(VENV) .uv .mypy_cache .ruff_cache .pytest_cache
