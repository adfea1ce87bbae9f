# The two commands a newcomer needs: `make run` and `make test`.
# Both create .venv on first use and reinstall when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test lint bench samples test-deps clean gpu-check nx-tests

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=compat
	touch $(INSTALLED)

## Open the dashboard on the bundled sample graphs (http://localhost:$(PORT)).
run: $(INSTALLED)
	$(BIN)/gwb app --port $(PORT)

## Lint, check the layering, and run every test (doctests included).
test: $(INSTALLED) test-deps
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory nx-tests

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## Chromium for the one real-browser test and redis-server for the Redis storage test;
## those tests skip where apt-get is unavailable.
test-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "could not install$$missing; the tests that need them will skip"; \
	  else echo "not found:$$missing; the tests that need them will skip"; fi; fi

## Side-by-side benchmarks against peers (installs the bench extra).
bench: $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]' --config-settings editable_mode=compat
	$(BIN)/python -m benchmarks

## Every GPU path on this machine's GPU against its CPU twin, in one table (5 minutes);
## without a CUDA GPU, one line saying so. Needs no .venv: an offline GPU image runs it with
## its own python3 (GPU_PYTHON=...), installing what is missing from WHEELS=folder if given.
GPU_PYTHON ?= $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON))
gpu-check:
	@PYTHONPATH=$(CURDIR)$${PYTHONPATH:+:$$PYTHONPATH} $(GPU_PYTHON) -m benchmarks.gpu_check $(if $(WHEELS),--wheels $(WHEELS))

## networkx's own tests of the functions the gwb backend dispatches, run against it
## (NETWORKX_TEST_BACKEND). Every other networkx call in them, and any call gwb's can_run
## refuses (multigraphs but for pagerank and the cuts), runs networkx itself
## (NETWORKX_FALLBACK_TO_NX); without it those tests would report xfail.
NX_TESTS := networkx.algorithms.link_analysis.tests.test_pagerank \
	networkx.algorithms.tests.test_cluster \
	networkx.algorithms.tests.test_link_prediction \
	networkx.algorithms.tests.test_cuts
nx-tests: $(INSTALLED)
	NETWORKX_TEST_BACKEND=gwb NETWORKX_FALLBACK_TO_NX=True \
	  $(BIN)/python -m pytest --pyargs $(NX_TESTS) -o addopts="" -p no:cacheprovider -q -rxXs

## Rebuild the sample graph stores in sample_graphs/.
samples: $(INSTALLED)
	$(BIN)/python sample_graphs/make_samples.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
