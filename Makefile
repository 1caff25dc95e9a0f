# Two commands do all the set-up on first use:
#   make demo   run a recipe on the bundled sample data (no key, no network)
#   make test   run the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install -c constraints.txt
STAMP := $(VENV)/.installed

.PHONY: demo test lint venv clean

$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(PIP) --upgrade pip
	# torch first, pinned to the CPU build (constraints.txt), before anything that pulls it
	$(PIP) torch==2.13.0
	$(PIP) -e '.[knowledge,dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/copilot run examples/demo.yaml

test: $(STAMP)
	RC_REAL_EMBEDDER=1 $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check recipe_copilot tests bench scripts

clean:
	rm -rf $(VENV) outputs
