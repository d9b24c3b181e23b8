# Nova: `make demo` runs the main job on the sandbox; `make test` runs every
# test tier (see README.md, "Tests"). `make check` is the inner loop.
VENV ?= .venv
BIN := $(VENV)/bin
NODES ?= 2
S ?=
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: bootstrap venv demo test check integration molecule e2e lint unit image collection bench clean

## The machine's packages, a running dockerd and the Python environment (root, once).
bootstrap:
	bash scripts/bootstrap.sh

## The Python environment alone: all that `make check` needs.
venv:
	bash scripts/bootstrap.sh --venv-only

## Build the sandbox image, start a 2-node sandbox and provision the foundation phase.
demo: bootstrap
	$(BIN)/nova sandbox up --nodes $(NODES)
	$(BIN)/nova provision --inventory sandbox --phase foundation

## Every tier: check first, then integration, Molecule and end-to-end side by side.
test: bootstrap
	$(BIN)/python scripts/tiers.py all

## ruff, mypy, ansible-lint and the unit tests, side by side. No Docker, no root, no network.
check: venv
	$(BIN)/python scripts/tiers.py check

## Real Redis, gRPC servers, restic and worker processes. No containers.
integration: venv
	$(BIN)/python scripts/tiers.py integration

## Every Molecule scenario, or one: `make molecule S=firewall` (S may name several).
molecule: bootstrap
	$(BIN)/python scripts/tiers.py molecule $(S)

## The sandbox: provisioning, resume, backups and orchestration on 2 nodes.
e2e: bootstrap
	$(BIN)/python scripts/tiers.py e2e

lint: venv
	$(BIN)/ruff check nova tests bench scripts
	$(BIN)/ruff format --check nova tests bench scripts
	$(BIN)/mypy
	$(BIN)/ansible-lint

unit: venv
	$(BIN)/pytest -q -n 2

image: bootstrap
	$(BIN)/nova sandbox image

collection:
	$(BIN)/ansible-galaxy collection build --force --output-path build collections/ansible_collections/nova/spark

bench:
	$(BIN)/python bench/cli_startup.py

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
