# BYOK Desktop. Quick start: `make run` or `make test` on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Stamps record what was installed; they are rebuilt only when pyproject.toml changes.
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

# Byte-compile the app as an installer would: an editable install leaves that to the
# first start, and with PYTHONDONTWRITEBYTECODE set it would happen at every start
# (~70 ms of the start-up with the products view). Incremental: only changed files.
COMPILE := $(PY) -m compileall -q main.py byok_desktop_app byok_desktop ui

.PHONY: run test lint typecheck check bench screenshots clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[sandbox]'
	touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[sandbox,postgres,test,dev]'
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

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache build *.egg-info
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
