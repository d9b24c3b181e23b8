#!/usr/bin/env bash
# The whole test suite. pytest's exit code 5 (no tests collected) is a failure
# here: a run that tested nothing must not pass.
#
# With no arguments, two pytest sessions run side by side: the long part (the
# sandbox chain, with the Molecule scenarios in the background,
# NOVA_MOLECULE_PARALLEL at a time, default 4, niced and at a lower CPU weight:
# see tests/integration/molecule_runs.py) and the short part (unit tests and
# the other integration tests; see tests/integration/conftest.py). The
# short part would otherwise wait for the chain, and run on a machine the
# chain no longer keeps busy. With arguments, one session runs what they name.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${NOVA_VENV:-.venv}
export PATH="$PWD/$VENV/bin:$PATH"
PYTEST=("$VENV/bin/pytest" -q -p no:cacheprovider --durations=25)

# Build the sandbox image once, before the tests that need it.
if docker info >/dev/null 2>&1; then
    "$VENV/bin/nova" sandbox image || exit 1
fi

checked() {
    local rc=$1 what=$2
    if [[ $rc -eq 5 ]]; then
        echo "run-tests: pytest collected no tests ($what)" >&2
        return 1
    fi
    return "$rc"
}

if [[ $# -gt 0 ]]; then
    "${PYTEST[@]}" "$@"
    checked $? "$*"
    exit
fi

# Each session has its own temporary folder (kept when a part fails: it holds
# the Molecule logs and the sandbox's run folders) and its own log.
base=$(mktemp -d "${TMPDIR:-/tmp}/nova-tests.XXXXXX")
NOVA_TEST_PART=short "${PYTEST[@]}" --basetemp="$base/short" >"$base/short.log" 2>&1 &
short_pid=$!
# Interrupted (Ctrl-C, a CI time-out): the short session must not run on alone.
trap 'kill "$short_pid" 2>/dev/null; exit 130' INT TERM
NOVA_TEST_PART=long "${PYTEST[@]}" --basetemp="$base/long" 2>&1 | tee "$base/long.log"
long_rc=${PIPESTATUS[0]}
wait "$short_pid"
short_rc=$?

echo
echo "===== short part (unit tests and the other integration tests)"
cat "$base/short.log"
checked "$long_rc" "long part"; long_rc=$?
checked "$short_rc" "short part"; short_rc=$?
echo
echo "run-tests: long part:  $(tail -n 1 "$base/long.log") (exit $long_rc)"
echo "run-tests: short part: $(tail -n 1 "$base/short.log") (exit $short_rc)"
if [[ $long_rc -eq 0 && $short_rc -eq 0 ]]; then
    rm -rf "$base"
    exit 0
fi
echo "run-tests: logs and temporary files kept in $base" >&2
exit 1
