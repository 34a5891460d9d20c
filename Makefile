# The two commands the README promises: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of torch (Optuna's GPSampler in the benchmarks, the Lightning and transformers
# integrations in the tests).
TORCH_VERSION ?= 2.13.0

.PHONY: demo test lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $@

# The integration tests need TensorFlow, torch, Lightning and transformers: the pinned CPU torch
# goes in first, so that the extras' `torch>=` ranges are already met (no CUDA build is pulled).
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet 'torch==$(TORCH_VERSION)'
	$(BIN)/python -m pip install --quiet -e '.[test,integrations]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m pip install --quiet 'torch==$(TORCH_VERSION)' \
		|| echo "torch $(TORCH_VERSION) not installable here: optuna-gp will be reported as not run"
	touch $@

demo: $(VENV)/.installed-demo
	$(BIN)/python -m sweeplab.demo

test: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/suggest_latency.py
	$(BIN)/python benchmarks/search_quality.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
