# From Pixels to Deep SORT - the two commands a person needs are `make lab` and `make test`.
# Both create .venv on first use and bring it up to date whenever a requirements file or
# pyproject.toml changes: `make lab` installs the runtime set (requirements.txt and
# requirements-nodeps.txt), `make test` adds the development set (requirements-dev*.txt).

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --progress-bar off
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP     := $(VENV)/.installed-dev
# The course's Jupyter server extension (helpers/_jupyter_server.py: kernel messages reach the
# browser without Nagle's 40 ms stall, and widget messages leave JupyterLab's kernel status
# alone), enabled for this venv's `jupyter lab`, and again when the
# module changes or the venv is rebuilt. Defined before the first rule that names it.
SERVER_EXT    := $(VENV)/etc/jupyter/jupyter_server_config.d/pixels-to-deepsort.json
# Served from the repository root, opened on the first chapter: the same layout as Binder's badge
# (README, solutions/ and data/ browsable beside chapters/).
FIRST_PAGE := chapters/01_pixels.ipynb
# Jupyter refuses to start as root unless told; containers and cloud machines often run as root.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,)
PYTEST_NB := --nbval-lax --nbval-cell-timeout=600 chapters solutions
# pytest-xdist: one worker per logical CPU, at most 4 (the notebook kernels, one per worker, stay
# within a small machine's memory). --dist loadfile keeps each test file and each notebook on one
# worker: a notebook's cells share a kernel, a module's fixtures are built once. Files are handed
# out in collection order (--no-loadscope-reorder): the longest (the API walk, the browser test)
# come first, so they do not start last and leave one core idle at the end.
# `make test TEST_WORKERS=0` runs everything in this one process.
TEST_WORKERS ?= logical
PYTEST_PAR := -n $(TEST_WORKERS) --maxprocesses=4 --dist loadfile --no-loadscope-reorder

.PHONY: lab test unit notebooks bench student setup setup-dev clean browser

setup: $(RUNTIME_STAMP) $(SERVER_EXT)

setup-dev: $(DEV_STAMP) $(SERVER_EXT)

# Runtime set. Packages that declare `opencv-python` (it would clash with the headless build)
# are installed with --no-deps from their own file. A change to any of these files re-runs it.
$(RUNTIME_STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -r requirements-nodeps.txt
	$(PIP) --no-deps -e .
	touch $@

$(SERVER_EXT): $(RUNTIME_STAMP) helpers/_jupyter_server.py
	$(BIN)/python -m helpers._jupyter_server

# Development set on top, constrained by the runtime pins so that it cannot move them.
$(DEV_STAMP): $(RUNTIME_STAMP) requirements-dev.txt requirements-dev-nodeps.txt
	$(PIP) -r requirements-dev.txt -c requirements.txt
	$(PIP) --no-deps -r requirements-dev-nodeps.txt
	touch $@

## make lab: set up (runtime set), then serve the repository in JupyterLab, open on the first chapter.
lab: $(RUNTIME_STAMP) $(SERVER_EXT)
	$(BIN)/jupyter lab $(LAB_FLAGS) --ServerApp.root_dir=. $(FIRST_PAGE)

## make test: set up (runtime + development sets), then unit tests, doctests, the browser test
## and every notebook under nbval.
test: $(DEV_STAMP) $(SERVER_EXT) browser
	$(BIN)/python -m pytest $(PYTEST_PAR) tests helpers $(PYTEST_NB)

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

unit: $(DEV_STAMP)
	$(BIN)/python -m pytest $(PYTEST_PAR) tests helpers

notebooks: $(DEV_STAMP)
	$(BIN)/python -m pytest $(PYTEST_PAR) $(PYTEST_NB)

## make bench: timings and latencies, printed and written to bench/results.json.
bench: $(DEV_STAMP) $(SERVER_EXT)
	$(BIN)/python bench/run.py

## make student: regenerate chapters/ (student notebooks) from solutions/ (edited ones are backed up).
student: $(RUNTIME_STAMP)
	$(BIN)/python -m helpers.authoring student

clean:
	rm -rf $(VENV) .pytest_cache
