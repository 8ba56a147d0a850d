# Everything a developer or CI needs: `make run` (local stack), `make test` (all checks).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
TOOLS := .venv-tools
SECURITY := .venv-security
LOCKER := .venv-lock
RUNTIME := .venv-runtime
export SAM_CLI_TELEMETRY := 0
export AWS_EC2_METADATA_DISABLED := true
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# A process that crashes in C (a segfault) prints every thread's Python stack before it dies.
export PYTHONFAULTHANDLER := 1

# The Lambda runtime is python3.13: the venvs, the layer build and the smoke import all use it.
PYTHON313 := $(shell for c in "$$(command -v python3.13 2>/dev/null)" $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3.13 /root/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do \
	[ -n "$$c" ] && [ -x "$$c" ] && "$$c" -c 'import venv, ensurepip' 2>/dev/null && { echo "$$c"; break; }; done)
# pip on these machines warns about every missing local index; that noise hides real errors.
PIP_QUIET := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }

.PHONY: help install run wiring test lint typecheck unit functional e2e performance template security build smoke prove bench clean lock

help:
	@echo "make run      start the local stack (webhook endpoint, AWS emulator, vendor sandboxes)"
	@echo "make test     everything CI checks: lint, types, tests, template lint, sam build, smoke import"
	@echo "make unit | functional | e2e | performance | smoke   one test suite (tests/<suite>)"
	@echo "make prove    the invariants under faults (a soak with vendor and AWS faults)"
	@echo "make bench    benchmarks (translate, ingress, cold start, size, cost); QUICK=1 for a short smoke run"
	@echo "make build    sam build (the deployable artifacts in .aws-sam/build), with the venv sam needs"
	@echo "make wiring   render template.yaml's per-vendor blocks after adding a vendor or editing template-vendor.yaml"
	@echo "make lock     re-lock the layer's and functions' requirements.txt (versions + hashes) from requirements.in"
	@echo "make install  create the four venvs: .venv (app, tests, the shoprelay command), .venv-tools (SAM CLI,"
	@echo "              cfn-lint), .venv-security (checkov), .venv-runtime (what Lambda provides: boto3)"
	@echo "Commands run from the checkout without activating anything: .venv/bin/shoprelay --help"

python313:
	@[ -n "$(PYTHON313)" ] || { echo "error: Python 3.13 (the Lambda runtime) was not found." >&2; \
		echo "Looked for python3.13 on PATH and in pyenv (\$$PYENV_ROOT/versions/3.13*). Install it, e.g. 'pyenv install 3.13'." >&2; exit 1; }

$(VENV)/.installed: pyproject.toml requirements-dev.txt requirements-dev.lock layers/shoprelay/requirements.in $(wildcard functions/*/requirements.in) | python313
	@[ -x $(VENV)/bin/python ] || $(PYTHON313) -m venv $(VENV)
	@echo "installing runtime and test dependencies into $(VENV)"
	@$(VENV)/bin/pip install -q -r requirements-dev.txt -c requirements-dev.lock $(PIP_QUIET)
	@$(VENV)/bin/pip install -q --no-deps -e . $(PIP_QUIET)
	@touch $@

$(TOOLS)/.installed: requirements-tools.txt requirements-tools.lock | python313
	@[ -x $(TOOLS)/bin/python ] || $(PYTHON313) -m venv $(TOOLS)
	@echo "installing SAM CLI and cfn-lint into $(TOOLS)"
	@$(TOOLS)/bin/pip install -q -r requirements-tools.txt -c requirements-tools.lock $(PIP_QUIET)
	@touch $@

# checkov has its own pins (and many dependencies): kept away from SAM CLI and the app.
$(SECURITY)/.installed: requirements-security.txt | python313
	@[ -x $(SECURITY)/bin/python ] || $(PYTHON313) -m venv $(SECURITY)
	@echo "installing checkov into $(SECURITY)"
	@$(SECURITY)/bin/pip install -q -r requirements-security.txt $(PIP_QUIET)
	@touch $@

# uv resolves the layer's and functions' requirements.in into hash-locked requirements.txt.
$(LOCKER)/.installed: requirements-lock.txt | python313
	@[ -x $(LOCKER)/bin/python ] || $(PYTHON313) -m venv $(LOCKER)
	@$(LOCKER)/bin/pip install -q -r requirements-lock.txt $(PIP_QUIET)
	@touch $@

# What the Lambda runtime provides besides the layer: the standard library and boto3.
$(RUNTIME)/.installed: requirements-lambda-runtime.txt | python313
	@[ -x $(RUNTIME)/bin/python ] || $(PYTHON313) -m venv $(RUNTIME)
	@$(RUNTIME)/bin/pip install -q -r requirements-lambda-runtime.txt $(PIP_QUIET)
	@touch $@

install: $(VENV)/.installed $(TOOLS)/.installed $(RUNTIME)/.installed $(SECURITY)/.installed

run: $(VENV)/.installed
	$(VENV)/bin/shoprelay local

# template.yaml's per-vendor blocks, rendered from template-vendor.yaml for every vendor package.
wiring: $(VENV)/.installed
	$(VENV)/bin/shoprelay wiring

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy layers/shoprelay/shoprelay tools/shoprelay_tools
	@# Every function is an app.py of its own: checked one by one (one mypy run would see duplicate modules).
	@for app in functions/*/app.py; do $(VENV)/bin/mypy --no-error-summary "$$app" || exit 1; done

# Each suite is a folder of tests/ and a marker of the same name (tests/conftest.py applies it).
unit: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -q -m unit tests/unit

functional: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -q -m functional tests/functional

e2e: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -q -m e2e tests/e2e

performance: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -q -m performance tests/performance

template: $(TOOLS)/.installed
	$(TOOLS)/bin/cfn-lint template.yaml
	$(TOOLS)/bin/sam validate --lint

# Every skipped check carries its reason in template.yaml (Metadata: checkov: skip: ...).
# The checks are the ones installed: nothing is fetched from checkov's platform, and no
# version check, so a run offline (or behind a proxy) prints only its results.
security: $(SECURITY)/.installed
	CKV_SKIP_PACKAGE_UPDATE_CHECK=true BC_SKIP_MAPPING=TRUE \
		$(SECURITY)/bin/checkov --file template.yaml --framework cloudformation --compact --quiet --skip-download

# sam build pip-installs each requirements.txt; every line there carries hashes, so pip installs
# exactly the locked versions or fails. Edit requirements.in, then run this (needs PyPI).
lock: $(LOCKER)/.installed
	@for input in layers/shoprelay/requirements.in functions/*/requirements.in; do \
		echo "locking $$input"; \
		$(LOCKER)/bin/uv pip compile --quiet --generate-hashes --python-version 3.13 \
			--python-platform aarch64-manylinux2014 --custom-compile-command "make lock" \
			"$$input" -o "$${input%.in}.txt"; \
	done

build: $(TOOLS)/.installed $(VENV)/.installed
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(TOOLS)/bin/sam build --parallel --cached

smoke: build $(RUNTIME)/.installed
	SHOPRELAY_RUNTIME_PYTHON="$(CURDIR)/$(RUNTIME)/bin/python" $(VENV)/bin/python -m pytest -q -m built tests/built

test: install lint typecheck unit functional e2e performance template security smoke

prove: $(VENV)/.installed
	$(VENV)/bin/shoprelay prove
	$(VENV)/bin/shoprelay prove --outage

# QUICK=1: a fraction of the rounds, a smoke run of the benchmarks rather than figures to quote.
bench: $(VENV)/.installed
	$(VENV)/bin/shoprelay bench $(if $(QUICK),--quick)

clean:
	rm -rf .aws-sam $(VENV) $(TOOLS) $(RUNTIME) $(SECURITY)
