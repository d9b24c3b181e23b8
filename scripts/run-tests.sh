#!/usr/bin/env bash
# The whole test suite. pytest's exit code 5 (no tests collected) is a failure
# here: a run that tested nothing must not pass.
#
# Tests run in NOVA_TEST_WORKERS processes (default 3): Molecule scenarios
# spend most of their time waiting on containers, so they overlap well even on
# two cores. Tests on the shared sandbox stay together in one worker.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${NOVA_VENV:-.venv}
export PATH="$PWD/$VENV/bin:$PATH"
WORKERS=${NOVA_TEST_WORKERS:-3}

# Build the sandbox image once, before workers race to build it.
if docker info >/dev/null 2>&1; then
    "$VENV/bin/nova" sandbox image || exit 1
fi

"$VENV/bin/pytest" -q -p no:cacheprovider -n "$WORKERS" --dist loadgroup --durations=25 "$@"
rc=$?
if [[ $rc -eq 5 ]]; then
    echo "run-tests: pytest collected no tests" >&2
    exit 1
fi
exit $rc
