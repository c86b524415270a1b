# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export ANONYMIZED_TELEMETRY := False

.PHONY: install run ingest test lint bench

install: $(VENV)/.installed

# One progress line per step: the quiet pip install takes minutes the first time.
$(VENV)/.installed: pyproject.toml
	@echo "[1/3] creating $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV)
	@echo "[2/3] upgrading pip"
	@$(BIN)/pip install --quiet --upgrade pip
	@echo "[3/3] installing dependencies (about 5 minutes the first time: torch, transformers, chromadb...)"
	@$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@
	@echo "installed: $(VENV) is ready"

# Ingest what is missing or changed (UNODC_CORPUS_DIR, --download), then start the chat app.
run: install
	$(BIN)/python app.py --ingest

ingest: install
	$(BIN)/python -m ingest

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python -m evals bench
