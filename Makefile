# Two commands on a fresh clone: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: venv pulumi-cli test test-long test-fast lint mutants demo demo-down bench clean

venv: $(STAMP)

# Re-install whenever pyproject.toml changes; a venv left half-made by an interrupted run is repaired.
$(STAMP): pyproject.toml
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(VPY) -m pip install --quiet --disable-pip-version-check -e '.[test,policy]'
	@touch $@

# Prints the directory of a working Pulumi CLI, building it from Go modules on first use (cached outside the clone).
pulumi-cli:
	@scripts/install-pulumi

# The whole suite, the real-engine end-to-end tests included; the team tests' S3 state server (SeaweedFS) is built
# from Go modules on first use too (cached outside the clone).
test: venv
	PULUMI_BIN_DIR="$$(scripts/install-pulumi | tail -n 1)" WEED_BIN="$$(scripts/install-seaweedfs | tail -n 1)" \
		$(VPY) -m pytest
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# The full reliability matrix (fault x action, crash recovery, 200-certificate load): tests marked `long`.
test-long: venv
	PULUMI_BIN_DIR="$$(scripts/install-pulumi | tail -n 1)" WEED_BIN="$$(scripts/install-seaweedfs | tail -n 1)" \
		$(VPY) -m pytest -m long

# Everything but the real-engine tests, for a quick loop while editing.
test-fast: venv
	$(VPY) -m pytest -m "not e2e and not long"

# Mutation check: each named, behaviour-breaking mutant applied to a temporary copy of the tree (never to this one)
# and the tests that must catch it run; writes docs/MUTANTS.md and fails when a mutant survives (scripts/mutants.py).
mutants: venv
	scripts/mutants --write docs/MUTANTS.md

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Benchmarks (they print figures; nothing is asserted on time): see bench/README.md.
bench: venv
	$(VPY) bench/bench_client.py
	PULUMI_BIN_DIR="$$(scripts/install-pulumi | tail -n 1)" $(VPY) bench/bench_stack.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

# The demo stack `dev` against the local emulator (see README.md, Quick start).
demo: venv
	scripts/demo

demo-down:
	scripts/demo-down

.PHONY: seaweedfs state-server state-server-down bench-team

# Prints the path of SeaweedFS's `weed`, building it from Go modules on first use (cached outside the clone).
seaweedfs:
	@scripts/install-seaweedfs

# A local S3-compatible server for Pulumi state (README, "Team use"): prints the backend URL; credentials in
# .state-server/credentials.env. `make state-server-down` stops it (its data stays in .state-server/).
state-server:
	@scripts/state-server start

state-server-down:
	@scripts/state-server stop

# A fleet of stacks, file vs S3 state (bench/README.md, "bench_team.py"); takes a while.
bench-team: venv
	PULUMI_BIN_DIR="$$(scripts/install-pulumi | tail -n 1)" WEED_BIN="$$(scripts/install-seaweedfs | tail -n 1)" \
		$(VPY) bench/bench_team.py
