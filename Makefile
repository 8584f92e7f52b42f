# keep-aiops: `make run` starts the whole pipeline, `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := libs/keep_providers libs/keep_core services/ingest-gateway services/normalizer services/correlator services/actions
PY_SOURCES := $(PACKAGES) tests conftest.py
STAMP := $(VENV)/.installed

include mk/helm.mk

.PHONY: setup run test test-apache lint kafka clean

$(STAMP): constraints.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -c constraints.txt \
		-e libs/keep_providers -e "libs/keep_core[worker,dev-stack]" \
		-e services/ingest-gateway -e services/normalizer -e services/correlator -e services/actions \
		pytest pytest-asyncio pytest-timeout ruff mypy types-PyYAML jsonschema testcontainers \
		setuptools
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/keep-aiops up

# The chart tests in tests/deploy render with helm, built on first use.
test: $(STAMP) $(HELM)
	KEEP_HELM=$(HELM) $(BIN)/python -m pytest

# The integration and end-to-end suites again, on a real Apache Kafka broker.
test-apache: $(STAMP) kafka
	KEEP_TEST_KAFKA=apache $(BIN)/python -m pytest -m "integration or e2e"

lint: $(STAMP)
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/mypy

kafka: $(STAMP)
	$(BIN)/python -m keep_core.devstack.apache_kafka provision

clean:
	rm -rf $(VENV) .keep .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

