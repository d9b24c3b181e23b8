#!/usr/bin/env bash
# The whole test suite. pytest's exit code 5 (no tests collected) is a failure
# here: a run that tested nothing must not pass.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${NOVA_VENV:-.venv}
export PATH="$PWD/$VENV/bin:$PATH"
"$VENV/bin/pytest" -q -p no:cacheprovider "$@"
rc=$?
if [[ $rc -eq 5 ]]; then
    echo "run-tests: pytest collected no tests" >&2
    exit 1
fi
exit $rc
