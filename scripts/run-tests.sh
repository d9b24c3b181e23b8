#!/usr/bin/env bash
# The whole test suite. pytest's exit code 5 (no tests collected) is a failure
# here: a run that tested nothing must not pass.
#
# Molecule scenarios start in the background when the integration tests begin
# (NOVA_MOLECULE_PARALLEL at a time, default 4; see tests/integration/conftest.py).
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${NOVA_VENV:-.venv}
export PATH="$PWD/$VENV/bin:$PATH"

# Build the sandbox image once, before the tests that need it.
if docker info >/dev/null 2>&1; then
    "$VENV/bin/nova" sandbox image || exit 1
fi

"$VENV/bin/pytest" -q -p no:cacheprovider --durations=25 "$@"
rc=$?
if [[ $rc -eq 5 ]]; then
    echo "run-tests: pytest collected no tests" >&2
    exit 1
fi
exit $rc
