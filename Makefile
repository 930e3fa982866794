# trialbrief: the two quickstart commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXAMPLE ?= evals/cases/html/e23-vanterra-ldl.html

.PHONY: demo test lint eval record clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

# Digest one example article with no configuration: the backend is chosen automatically
# (OPENAI_API_KEY -> openai; a local model and the [local] extra -> llamacpp; else rules).
demo: $(VENV)/.installed
	@mkdir -p out
	$(BIN)/trialbrief digest $(EXAMPLE) --format html --out out/demo.html
	$(BIN)/trialbrief digest $(EXAMPLE) --format markdown --out out/demo.md
	@echo "Open out/demo.html in a browser, or read out/demo.md."

test: $(VENV)/.installed
	$(BIN)/pytest -q

lint: $(VENV)/.installed
	$(BIN)/ruff check agent evals tests scripts
	$(BIN)/mypy

eval: $(VENV)/.installed
	$(BIN)/trialbrief eval --report reports/eval.html --json reports/eval.json

clean:
	rm -rf $(VENV) out reports .pytest_cache .mypy_cache .ruff_cache
