# Kabar: every target sets itself up; nothing relies on a hand install.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help setup demo test test-fast test-wordpress lint template-check build bench bench-scale local clean chromium ffmpeg poppler openapi fuzz cost

help:
	@echo "make demo            - start the local stack, run the whole SOP once, print where to look"
	@echo "make test            - the whole suite (unit, integration, end-to-end, browser, template checks)"
	@echo "make test-fast       - unit and integration tests only (inner loop)"
	@echo "make test-wordpress  - the WordPress cases against a private real WordPress (root installs it)"
	@echo "make local           - run the local stack on 127.0.0.1:8000 until Ctrl-C"
	@echo "make bench           - benchmarks (ratios against a baseline in the same run)"
	@echo "make lint            - ruff, and mypy (pydantic plugin) on shared/, functions/, infra/ and the fakes"
	@echo "make bench-scale     - every scheduled job for 1,000 villages on the local stack (not part of make test)"
	@echo "make template-check  - cfn-lint, sam validate --lint, sam build"
	@echo "make openapi         - write the JSON API's OpenAPI document (docs/openapi.json) from the handlers"
	@echo "make fuzz            - a longer schemathesis run against the local stack (FUZZ_EXAMPLES per operation)"
	@echo "make cost            - cost per village-month from template.yaml, make bench's durations and dated prices"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,video]'
	@touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/kabar demo

local: $(STAMP)
	$(VENV)/bin/kabar local

test: $(STAMP) chromium ffmpeg poppler lint template-check
	$(PY) -m pytest -n 2 --dist loadgroup -q
	@if [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory test-wordpress; \
	  else echo "not root: the real-WordPress cases did not run (make test-wordpress as root runs them)"; fi

# A private WordPress from Debian's packages on 127.0.0.1 (infra/wordpress/site.py), the cases marked
# `wordpress` against it (they are deselected elsewhere), then everything it started is stopped. Serial:
# some cases change the site's settings (permalinks, faults) for a moment.
WP_STATE := .kabar/wordpress/site.json
test-wordpress: $(STAMP) chromium
	$(PY) infra/wordpress/site.py up $(WP_STATE)
	@KABAR_WORDPRESS_SITE="$(CURDIR)/$(WP_STATE)" $(PY) -m pytest -q -p no:cacheprovider -m wordpress tests; \
	  status=$$?; $(PY) infra/wordpress/site.py down $(WP_STATE); exit $$status

test-fast: $(STAMP) ffmpeg poppler
	$(PY) -m pytest -q -m "not e2e and not browser" tests

lint: $(STAMP)
	$(VENV)/bin/ruff check shared functions infra tests
	$(VENV)/bin/mypy shared functions infra tests/fakes.py tests/fakes_store.py tests/unit/test_fakes.py

# Debian's chromium for the browser tests (never a downloaded browser build).
chromium:
	@command -v /usr/bin/chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "browser tests need Debian's chromium: sudo apt-get install -y chromium"; exit 1; fi; }

# Debian's ffmpeg: the video tests make phone-shaped clips with it, and `make bench` times it against the video step.
ffmpeg:
	@command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null; \
	  else echo "the video tests need Debian's ffmpeg: sudo apt-get install -y ffmpeg"; exit 1; fi; }

# Debian's poppler-utils: the report's PDF is read back with pdftotext, as a reader's tools would.
poppler:
	@command -v pdftotext >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	  else echo "the report tests need Debian's poppler-utils: sudo apt-get install -y poppler-utils"; exit 1; fi; }

template-check: $(STAMP)
	$(MAKE) -f infra/sam.mk check

build: $(STAMP)
	$(MAKE) -f infra/sam.mk build

bench: $(STAMP) ffmpeg
	$(PY) -m kabar_local.bench

# The JSON API's OpenAPI document, made from the handlers' typed routes (kabar_local.openapi);
# tests/local/test_openapi.py fails when the checked-in copy differs from what the handlers make.
openapi: $(STAMP)
	$(PY) -m kabar_local.openapi --out docs/openapi.json

# schemathesis against a local stack started for it, from /openapi.json; make test runs a bounded one
# (tests/e2e/test_fuzz_openapi.py, 10 cases per operation).
FUZZ_EXAMPLES ?= 200
fuzz: $(STAMP)
	$(PY) -m kabar_local.fuzz --examples $(FUZZ_EXAMPLES)
# What a village costs a month on AWS (infra/kabar_local/cost.py): the template's settings, the durations
# `make bench` measured (or the checked-in defaults) and the dated price table infra/kabar_local/aws_prices.json.
cost: $(STAMP)
	$(PY) -m kabar_local.cost

# Not part of `make test`: tens of minutes on a laptop. VILLAGES, BASELINE, ACTIVITIES change the load.
VILLAGES ?= 1000
BASELINE ?= 100
ACTIVITIES ?= 3
bench-scale: $(STAMP)
	$(PY) -m kabar_local.bench_scale --villages $(VILLAGES) --baseline $(BASELINE) --activities $(ACTIVITIES)

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .kabar
