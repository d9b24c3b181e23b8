"""Every Molecule scenario, run for real against containers of the sandbox image.

The scenarios are started in the background by the `molecule_runs` fixture
(tests/molecule/conftest.py) as soon as the session begins, NOVA_MOLECULE_PARALLEL
at a time; each test here waits for its own scenario's result.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from molecule_runs import SCENARIOS, MoleculeRuns

RecordProperty = Callable[[str, object], None]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(
    scenario: str, molecule_runs: MoleculeRuns | None, record_property: RecordProperty
) -> None:
    assert molecule_runs is not None
    result = molecule_runs.result(scenario)
    # The scenario's own wall time: the test's time is only its wait for the result.
    record_property("scenario_seconds", round(result.seconds, 1))
    assert result.returncode == 0, (
        f"molecule test -s {scenario} failed; {result.log}:\n{result.tail()}"
    )
