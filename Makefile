# The two commands a newcomer needs (README): `make run` and `make test`.
# Both install what is missing first: a .venv with the project's Python dependencies and,
# for the tests, Debian's libVLC packages.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Re-install whenever pyproject.toml changes.
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-16)
EXTRAS := server,player,notebooks,dev
PYTEST_WORKERS ?= auto

.PHONY: run test lint typecheck pytest pytest-server-postgres install system-deps bench \
	screenshots openapi conformance clean test-deploy

run: $(STAMP)
	$(BIN)/signage up

test: $(STAMP) system-deps lint typecheck pytest pytest-server-postgres

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	# compat mode puts the repository on sys.path, so new packages need no re-install
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[$(EXTRAS)]' \
		--config-settings editable_mode=compat
	rm -f $(VENV)/.installed-*
	touch $@

system-deps:
	bash scripts/ensure-system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=15

# The tests whose SQL depends most on the server, again on the machine's own PostgreSQL when
# one answers (the embedded server is what the main pass uses unless SIGNAGE_TEST_DATABASE_URL
# is set): migrations and the pool, telemetry's partitions and bulk writes, the player's
# device paths (group commit, pairing, commands) and the Dagster pipelines on PostgreSQL.
SERVER_PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
SERVER_PG_TESTS := tests/signage/db tests/signage/telemetry tests/api/devices tests/pipelines
pytest-server-postgres: $(STAMP)
	@if [ -z "$$SIGNAGE_TEST_DATABASE_URL" ] && command -v pg_isready >/dev/null \
		&& pg_isready -q -h 127.0.0.1 -p 5432; then \
		echo "again on the machine's PostgreSQL server ($(SERVER_PG_URL))"; \
		SIGNAGE_TEST_DATABASE_URL=$(SERVER_PG_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) \
			--dist loadfile -q $(SERVER_PG_TESTS); \
	else echo "no PostgreSQL server on 127.0.0.1:5432 (or one already configured): skipped"; fi

# The production topology (deploy/compose.yaml) built and checked end to end through nginx over
# HTTPS (issue 16); needs root on Debian: installs Docker from Debian's archive if missing.
test-deploy:
	bash deploy/test-deploy.sh

# Refresh the README's committed pictures: the web app's pages and the player's pairing slide
# on a 1080p TV (the test suite itself writes its pictures to a temporary folder).
screenshots: $(STAMP) system-deps
	SIGNAGE_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest -p no:xdist -q \
		tests/webapp/browser/test_screenshots.py
	$(BIN)/python scripts/render-slides.py

bench: $(STAMP)
	@for b in resolver telemetry telemetry_partitions ingest player rollup manifest alerts_run fleet backup_restore; do echo "== bench/$$b"; \
		$(BIN)/python -m bench.$$b || exit 1; done

# The published contract (issue 21): regenerate after any change to routes, models or errors,
# and note the change in docs/api-changelog.md. A test fails while the two differ.
openapi: $(STAMP)
	PYTHONPATH=$(CURDIR) $(BIN)/python scripts/export-openapi.py docs/openapi.json

# The player conformance kit (issue 20, docs/webplayer.md): every scenario against the web player
# and the python-vlc player through the fault proxy; prints a table per player (several minutes).
conformance: $(STAMP) system-deps
	$(BIN)/python -m conformance --player both

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
