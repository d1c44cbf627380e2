# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint bench wheel-check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)  ## install, run the default scenario and write its plot to results/inf_2018/
	$(BIN)/python run_sim.py run

test: $(STAMP)  ## install and run every test (what CI runs), then list the 15 slowest
	$(BIN)/python -m pytest --durations=15

test-fast: $(STAMP)  ## install and run the tests not marked slow: the everyday loop (no subprocess, browser, notebook, Dask)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)  ## install and check the code: ruff's lint rules (no reformatting) and mypy on sim/
	$(BIN)/ruff check sim tests bench run_sim.py
	$(BIN)/mypy

bench: $(STAMP)  ## print speed and memory figures
	$(BIN)/python bench/ensemble.py

wheel-check: $(STAMP)  ## build the wheel, install it with its dependencies into a new venv outside the checkout, run it
	bash .ci/wheel_check

clean:
	rm -rf $(VENV) results .pytest_cache .hypothesis .ruff_cache .mypy_cache build dist
