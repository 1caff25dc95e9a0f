# Two commands do all the set-up on first use:
#   make demo   ask the copilot for a recipe on the bundled sample data (no key, no network)
#   make test   run the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install -c constraints.txt
STAMP := $(VENV)/.installed
# llama-cpp-python has no binary wheel on PyPI: it is compiled once (about 8 minutes on 2 cores)
# into this cache, then installed from it in seconds
WHEELS ?= $(HOME)/.cache/recipe-copilot/wheels

.PHONY: demo demo-run test lint venv clean

$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(PIP) --upgrade pip
	# torch first, pinned to the CPU build (constraints.txt), before anything that pulls it
	$(PIP) torch==2.13.0
	@ls $(WHEELS)/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1 || { \
	  echo "Building llama-cpp-python once from source (about 8 minutes); the wheel is cached in $(WHEELS)"; \
	  mkdir -p $(WHEELS); \
	  CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/pip wheel -c constraints.txt --no-deps llama-cpp-python==0.3.36 -w $(WHEELS); }
	$(PIP) --find-links $(WHEELS) llama-cpp-python==0.3.36
	$(PIP) --find-links $(WHEELS) -e '.[knowledge,copilot,lm,llm,media,ray,serve,dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/copilot ask "remove very short documents and exact duplicates" --data recipe_copilot/data/sample_web.jsonl

demo-run: $(STAMP)
	$(BIN)/copilot run examples/demo.yaml

# the web UI test drives a real browser: Debian's chromium (playwright's own browsers need a download)
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@export DEBIAN_FRONTEND=noninteractive; if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -E"; fi; \
	  $$SUDO apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y --no-install-recommends chromium; } || \
	  { echo "Could not install Debian's chromium (needed by the web UI test): apt-get install chromium"; exit 1; }

test: $(STAMP) $(CHROMIUM)
	RC_REAL_EMBEDDER=1 $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check recipe_copilot tests bench scripts evals

clean:
	rm -rf $(VENV) outputs
