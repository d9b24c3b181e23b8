# Nova: the two entry points are `make demo` and `make test` (see README.md).
VENV ?= .venv
BIN := $(VENV)/bin
NODES ?= 2
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: bootstrap demo test lint image unit collection bench clean

bootstrap:
	bash scripts/bootstrap.sh

## Build the sandbox image, start a 2-node sandbox and provision the foundation phase.
demo: bootstrap
	$(BIN)/nova sandbox up --nodes $(NODES)
	$(BIN)/nova provision --inventory sandbox --phase foundation

## Every check and test: lint, unit, integration (containers, Redis) and Molecule.
## The sandbox image (debootstrap: mostly waiting on the mirror) builds while lint runs.
test: bootstrap
	$(MAKE) --no-print-directory -j2 lint image
	bash scripts/run-tests.sh

image:
	$(BIN)/nova sandbox image

lint:
	$(BIN)/ruff check nova tests bench
	$(BIN)/ruff format --check nova tests bench
	$(BIN)/mypy
	$(BIN)/ansible-lint

unit:
	$(BIN)/pytest -q tests/unit

collection:
	$(BIN)/ansible-galaxy collection build --force --output-path build collections/ansible_collections/nova/spark

bench:
	$(BIN)/python bench/cli_startup.py

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
