# SAM: template checks and build. Run from the repository root (the top Makefile does):
#   make -f infra/sam.mk check   cfn-lint, sam validate (translator and --lint), sam build, build contents
#   make -f infra/sam.mk build   sam build
# Works offline: nothing here calls AWS, so no credentials are needed (measured with sam 1.170.0:
# `sam validate` resolves managed policies from the map bundled with samtranslator, and
# `sam validate --lint` only runs cfn-lint). Only PyPI is used, to install SAM CLI once.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := check
# Steps run in order even under make -j (verify-build reads what build wrote)
.NOTPARALLEL:

PYTHON ?= python3
REGION ?= ap-southeast-3
TEMPLATE := template.yaml
BUILD_DIR := .aws-sam/build

# SAM CLI gets its own venv: its pins (boto3, pydantic, ...) conflict with the project's.
SAM_VERSION := 1.170.0
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed-$(SAM_VERSION)
CFN_LINT := .venv/bin/cfn-lint

# No telemetry, no instance-metadata probing for credentials or region, a fixed region.
SAM_ENV := SAM_CLI_TELEMETRY=0 AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=$(REGION) AWS_REGION=$(REGION)
# shared/Makefile installs the layer's wheels with this pip (any pip works: the target platform is explicit).
SAM_ENV += LAYER_PIP="$(abspath $(SAM_VENV))/bin/python -m pip"
# --cached: the layer and the functions are rebuilt only when their folder changes.
SAM_BUILD := $(SAM) build --template-file $(TEMPLATE) --build-dir $(BUILD_DIR) --region $(REGION) --cached --parallel

FUNCTION_DIRS := $(patsubst functions/%/Makefile,%,$(wildcard functions/*/Makefile))

.PHONY: check build lint validate verify-build sam

sam: $(SAM_STAMP)

$(SAM_STAMP):
	rm -rf $(SAM_VENV)
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check aws-sam-cli==$(SAM_VERSION)
	touch $@

lint:
	$(CFN_LINT) --regions $(REGION) -- $(TEMPLATE)

validate: $(SAM_STAMP)
	$(SAM_ENV) $(SAM) validate --template-file $(TEMPLATE) --region $(REGION)
	$(SAM_ENV) $(SAM) validate --lint --template-file $(TEMPLATE) --region $(REGION)

build: $(SAM_STAMP)
	$(SAM_ENV) $(SAM_BUILD)

# What Lambda will load: the layer with an aarch64 pydantic_core and the kabar package, and each
# function's handler module.
verify-build:
	@ls $(BUILD_DIR)/KabarLayer/python/pydantic_core/_pydantic_core.*aarch64*.so >/dev/null \
	  || { echo "verify-build: no aarch64 pydantic_core in the layer"; exit 1; }
	@test -f $(BUILD_DIR)/KabarLayer/python/kabar/__init__.py \
	  || { echo "verify-build: the kabar package is missing from the layer"; exit 1; }
	@# credentials: the Encryption SDK and cryptography's aarch64 build; never a botocore shadowing the runtime's
	@ls $(BUILD_DIR)/KabarLayer/python/cryptography/hazmat/bindings/_rust.abi3.so >/dev/null \
	  && test -f $(BUILD_DIR)/KabarLayer/python/aws_encryption_sdk/__init__.py \
	  && test ! -e $(BUILD_DIR)/KabarLayer/python/botocore && test ! -e $(BUILD_DIR)/KabarLayer/python/boto3 \
	  || { echo "verify-build: the layer lacks the Encryption SDK, or carries its own boto3/botocore"; exit 1; }
	@test -z "$$(find $(BUILD_DIR)/KabarLayer/python/kabar -name '*.cpython-311.pyc' -print -quit)" \
	  || { echo "verify-build: the layer holds bytecode of this machine's Python"; exit 1; }
	@for id in $$(sed -n 's/^build-\([A-Za-z0-9]*\):.*/\1/p' $(foreach d,$(FUNCTION_DIRS),functions/$(d)/Makefile)); do \
	  test -f $(BUILD_DIR)/$$id/app.py || { echo "verify-build: $$id has no app.py"; exit 1; }; \
	done
	@# PyAV's modules are abi3 (no platform in their names): the ELF header says the machine (183 = aarch64)
	@ls $(BUILD_DIR)/VideoLayer/python/av.libs/libx264-*.so* >/dev/null \
	  && $(PYTHON) -c 'import sys; h = open(sys.argv[1], "rb").read(20); sys.exit(h[:4] != b"\x7fELF" or h[18] != 183)' \
	     $(BUILD_DIR)/VideoLayer/python/av/_core.abi3.so \
	  || { echo "verify-build: no aarch64 PyAV with libx264 in the VideoLayer"; exit 1; }
	@# Lambda: a function and all its layers, unzipped, at most 250 MB (262144000 bytes)
	@total=$$(du -sb $(BUILD_DIR)/KabarLayer $(BUILD_DIR)/VideoLayer $(BUILD_DIR)/VideoDraftingFunction | awk '{s+=$$1} END {print s}'); \
	  echo "verify-build: VideoDraftingFunction + KabarLayer + VideoLayer unzipped: $$((total / 1048576)) MB of 250"; \
	  test "$$total" -lt 262144000 || { echo "verify-build: over Lambda's 250 MB unzipped limit"; exit 1; }
	@echo "verify-build: layer (aarch64 wheels, kabar) and $(words $(FUNCTION_DIRS)) functions OK"

check: lint validate build verify-build
