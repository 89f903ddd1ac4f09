# The one command surface: CI calls these same targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv/bin

.PHONY: setup demo test lint fmt bench

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install -q --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python $(PYTHON)
	@touch $@

setup: .venv/.synced

demo: setup
	$(VENV)/digiplus demo

# pytest prints each skipped test with its reason (-rs): e.g. browser tests without /usr/bin/chromium.
# One pytest-xdist worker per core; each worker has its own database (tests/conftest.py).
TEST_WORKERS ?= auto
test: setup lint
	$(VENV)/pytest -n $(TEST_WORKERS)

lint: setup
	$(VENV)/ruff check src tests benchmarks migrations
	$(VENV)/ruff format --check src tests benchmarks migrations
	$(VENV)/mypy src
	$(VENV)/lint-imports

fmt: setup
	$(VENV)/ruff format src tests benchmarks migrations
	$(VENV)/ruff check --fix src tests benchmarks migrations

bench: setup
	@for f in benchmarks/*.py; do echo "== $$f"; $(VENV)/python $$f || exit 1; done
