# BYOK Desktop. Quick start: `make run` or `make test` on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Stamps record what was installed; they are rebuilt only when pyproject.toml changes.
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
DIST_STAMP := $(VENV)/.installed-dist
# The standalone folder: dist/byok-desktop/ with the byok-desktop binary in it.
DIST_DIR := dist/byok-desktop

# Byte-compile the app as an installer would: an editable install leaves that to the
# first start, and with PYTHONDONTWRITEBYTECODE set it would happen at every start
# (~70 ms of the start-up with the products view). Incremental: only changed files.
COMPILE := $(PY) -m compileall -q main.py byok_desktop_app byok_desktop ui

.PHONY: run test lint typecheck check bench screenshots dist dist-smoke icons clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[sandbox]'
	touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[sandbox,postgres,test,dev]'
	touch $@ $(RUN_STAMP)

$(DIST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[sandbox,postgres,dist]'
	touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	@$(COMPILE)
	$(PY) main.py $(ARGS)

test: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory lint

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(TEST_STAMP)
	@$(COMPILE)
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks

# A self-contained application folder (PyInstaller, packaging/byok-desktop.spec): runs
# without Python installed; copy the folder anywhere and start $(DIST_DIR)/byok-desktop.
dist: $(DIST_STAMP)
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN \
	    --distpath dist --workpath build/pyinstaller packaging/byok-desktop.spec
	@du -sh $(DIST_DIR)

# The built binary, run as a user would (tools/smoke_dist.sh); CI runs this after the tests.
dist-smoke: dist
	tools/smoke_dist.sh $(DIST_DIR)/byok-desktop

# The app icon at the desktop's sizes, from resources/icons/app.svg.
icons: $(RUN_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) tools/make_icons.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache build dist *.egg-info
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
