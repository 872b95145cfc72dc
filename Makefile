# sozialanalyse: the two quickstart commands are `make report` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= musterland
JOBS ?= 2
export PIP_EXTRA_INDEX_URL ?=
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install report test test-slow test-browser test-all verify lab bench musterland clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,browser]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (sozialanalyse)" > /dev/null
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dependencies

report: $(STAMP) ## build the HTML report (default: the demo district); prints the path of index.html
	$(BIN)/sozialanalyse build --config $(CONFIG) --jobs $(JOBS)

test: $(STAMP) ## the tests: library, doctests, the shared end-to-end build (2 processes), then the notebooks (nbval)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup -m "not slow and not browser" tests sozialanalyse
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope notebooks

test-slow: $(STAMP) ## the slow end-to-end tests, each building books of its own (CI runs them after `make test`)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup -m "slow and not browser" tests sozialanalyse

test-browser: $(STAMP) ## the browser tests (Debian's chromium) on the site of `make report` (CI runs them)
	SOZIALANALYSE_SITE=$${SOZIALANALYSE_SITE:-_build/html} $(BIN)/python -m pytest -m browser tests/browser

test-all: test test-slow report test-browser ## everything CI runs before the Harburg build and verify

verify: $(STAMP) ## re-execute the templates with the parameters of _build/html; compare code, outputs and pages
	$(BIN)/sozialanalyse verify _build/html --jobs $(JOBS)

lab: $(STAMP) ## JupyterLab on the project (templates in notebooks/, executed ones in book/_generated/)
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks

bench: $(STAMP) ## run the benchmarks (times and ratios, printed)
	@for b in benchmarks/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

musterland: $(STAMP) ## regenerate the synthetic demo district in data/musterland
	$(BIN)/sozialanalyse musterland data/musterland

clean: ## remove build output and the execution cache (keeps .venv)
	rm -rf _build .cache book/_generated
