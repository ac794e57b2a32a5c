# From Pixels to Deep SORT - the two commands a person needs are `make lab` and `make test`.
# Both create .venv on first use and reuse it until requirements.txt or pyproject.toml change.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
FIRST_PAGE := chapters/01_pixels.ipynb
PYTEST_NB := --nbval-lax --nbval-cell-timeout=600 chapters solutions

.PHONY: lab test unit notebooks bench student setup clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --progress-bar off --upgrade pip
	$(BIN)/python -m pip install --quiet --progress-bar off -r requirements.txt
	$(BIN)/python -m pip install --quiet --progress-bar off --no-deps -e .
	touch $(STAMP)

## make lab: set up, then open the course in JupyterLab on its first page.
lab: $(STAMP)
	$(BIN)/jupyter lab $(FIRST_PAGE)

## make test: set up, then unit tests, doctests and every notebook under nbval.
test: $(STAMP)
	$(BIN)/python -m pytest tests helpers $(PYTEST_NB)

unit: $(STAMP)
	$(BIN)/python -m pytest tests helpers

notebooks: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_NB)

## make bench: timings and latencies, printed and written to bench/results.json.
bench: $(STAMP)
	$(BIN)/python bench/run.py

## make student: regenerate chapters/ (student notebooks) from solutions/ (edited ones are backed up).
student: $(STAMP)
	$(BIN)/python -m helpers.authoring student

clean:
	rm -rf $(VENV) .pytest_cache
