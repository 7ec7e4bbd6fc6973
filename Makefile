# Serverless HPC fan-out: developer and user entry points.
# `make` alone lists the targets.

SHELL := /bin/sh
.DEFAULT_GOAL := help

VENV       := .venv
PYTHON     := $(VENV)/bin/python
STAMP      := $(VENV)/.installed
# Terraform, with this machine's offline provider mirror when it has one.
TERRAFORM  ?= sh scripts/tf
SYSTEM_PYTHON := $(shell sh scripts/find-python 2>/dev/null || echo python3)
SIZE       ?= 1024
PYTEST_ARGS ?=
# Every Python file the project owns; the import roots are set in pyproject.toml.
MYPY_PATHS := lambda_src cli emulation bench oracle tests modules/lambda_function/scripts
# End-to-end tests mostly wait on LocalStack: several pytest-xdist workers share one
# LocalStack and one deployed stack (tests/e2e/shared.py).
E2E_WORKERS ?= 4
# `make test` runs its parts at once and lowers the priority of the CPU-bound static checks,
# so the end-to-end tests (the longest part) keep a core.
NICE       ?=

.PHONY: help venv check-tools test unit template tf-check localstack-test run \
        localstack-start localstack-stop localstack-status bench fmt lint clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

check-tools: ## Check the tools this project needs are on the machine
	@$(TERRAFORM) version >/dev/null
	@$(TERRAFORM) version -json | $(SYSTEM_PYTHON) -c 'import json, sys; v = json.load(sys.stdin)["terraform_version"]; ok = tuple(map(int, v.split(".")[:2])) >= (1, 11); sys.exit(0 if ok else "error: Terraform " + v + " found; the tests need Terraform >= 1.11 (https://developer.hashicorp.com/terraform/install)")'
	@sh scripts/find-python >/dev/null

$(STAMP): requirements-dev.txt pyproject.toml | check-tools
	@echo "[make] creating $(VENV) with $$(sh scripts/find-python)"
	@test -x $(PYTHON) || "$$(sh scripts/find-python)" -m venv $(VENV)
	@$(PYTHON) -m pip install -q --upgrade pip
	@$(PYTHON) -m pip install -q -r requirements-dev.txt -e .
	@touch $(STAMP)

venv: $(STAMP) ## Create the development virtualenv (.venv)

test: ## Everything, at once: lint, Terraform checks, unit, template and end-to-end tests
	@$(MAKE) --no-print-directory -j5 --output-sync=line NICE="nice -n 10" \
		lint tf-check unit template localstack-test

unit: $(STAMP) ## Unit tests (no network)
	$(NICE) $(PYTHON) -m pytest -m unit $(PYTEST_ARGS)

template: $(STAMP) ## Template tests: render the real ASL and check its structure
	$(NICE) $(PYTHON) -m pytest -m template $(PYTEST_ARGS)

tf-check: check-tools ## terraform fmt -check, init, validate and terraform test (plan level, mocked provider)
	$(TERRAFORM) fmt -check -recursive
	$(TERRAFORM) init -input=false -backend=false -test-directory=tests/terraform >/dev/null
	$(TERRAFORM) validate
	@# One `terraform test` per file, side by side (each file's runs are sequential).
	ls tests/terraform/*.tftest.hcl | xargs -n 1 -P 4 sh -c \
		'$(NICE) $(TERRAFORM) test -no-color -test-directory=tests/terraform -filter="$$0"'

localstack-test: $(STAMP) ## End to end on LocalStack: start it, deploy the real Terraform, run and verify, destroy, stop
	$(PYTHON) -m emulation.lsctl install
	$(PYTHON) -m pytest -m e2e -n $(E2E_WORKERS) --dist loadgroup $(PYTEST_ARGS)

run: $(STAMP) ## Run the main job on the embedded LocalStack: make run SIZE=1024
	$(PYTHON) -m emulation.run_local --size $(SIZE)

localstack-start: $(STAMP) ## Start the embedded LocalStack (installs it on first use)
	$(PYTHON) -m emulation.lsctl start

localstack-stop: $(STAMP) ## Stop the embedded LocalStack
	$(PYTHON) -m emulation.lsctl stop

localstack-status: $(STAMP) ## Is the embedded LocalStack running?
	$(PYTHON) -m emulation.lsctl status

bench: $(STAMP) ## Benchmark: kernels, end to end cold and warm for sizes 1024 to 10^6, children/s of a noop run (figures + PNG)
	$(PYTHON) -m emulation.lsctl install
	$(PYTHON) -m bench.run

fmt: $(STAMP) ## Format Python and Terraform
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .
	$(TERRAFORM) fmt -recursive

lint: $(STAMP) ## ruff, mypy, terraform fmt -check and checkov
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m ruff check .
	$(NICE) $(PYTHON) -m mypy $(MYPY_PATHS)
	$(TERRAFORM) fmt -check -recursive
	$(NICE) sh scripts/checkov

clean: ## Remove build output and the LocalStack work folder (stops LocalStack first)
	-@test -x $(PYTHON) && $(PYTHON) -m emulation.lsctl stop
	rm -rf .build .localstack .pytest_cache .ruff_cache
