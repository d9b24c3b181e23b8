"""Blueprint schema and catalogue: every built-in blueprint loads; bad ones get one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from nova.agents.blueprints.catalogue import BUILTIN_DIR, load_catalogue
from nova.agents.blueprints.render import NewBlueprint, render_new, systemd_limits
from nova.agents.blueprints.schema import load_file, parse
from nova.agents.skills.registry import SPECIALISTS
from nova.cli.blueprints import blueprints
from nova.core.errors import InputError

GOOD: dict[str, Any] = {
    "apiVersion": "nova/v1",
    "kind": "Blueprint",
    "name": "sample",
    "role": "ops",
    "phase": "foundation",
    "goal": "Check hosts.",
    "skills": ["infra.audit"],
}


def error_of(document: dict[str, Any]) -> str:
    with pytest.raises(InputError) as caught:
        parse(document, Path("sample.yaml"), ["foundation"])
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_catalogue_has_at_least_24_valid_blueprints() -> None:
    found = {b.name: b for b in load_catalogue()}
    assert len(found) >= 24
    for generic in (
        "planner",
        "coder",
        "tester",
        "reviewer",
        "ops",
        "security",
        "data",
        "observer",
    ):
        assert found[generic].role == generic


def test_specialists_carry_exactly_their_skills() -> None:
    found = {b.name: b for b in load_catalogue()}
    for name, skills in SPECIALISTS.items():
        assert found[name].skills == skills


def test_defaults_are_filled_in() -> None:
    blueprint = parse(GOOD, Path("sample.yaml"))
    assert blueprint.concurrency == 1
    assert blueprint.restart.policy == "on-failure"
    assert blueprint.resources.memory == 512 * 2**20


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"colour": "red"}, "sample.yaml: colour: unknown key"),
        ({"apiVersion": "nova/v9"}, "sample.yaml: apiVersion: unsupported version 'nova/v9'"),
        ({"role": "overlord"}, "sample.yaml: role: unknown role 'overlord'"),
        ({"phase": "nowhere"}, "sample.yaml: phase: unknown phase 'nowhere'"),
        ({"skills": ["infra.audit", "os.system"]}, "sample.yaml: skills[1]: unknown skill"),
        ({"skills": []}, "sample.yaml: skills: must be a non-empty list"),
        ({"resources": {"memory": "lots"}}, "sample.yaml: resources.memory: must be a size"),
        ({"resources": {"cpus": 2}}, "sample.yaml: resources.cpus: unknown key"),
        ({"restart": {"policy": "sometimes"}}, "sample.yaml: restart.policy: must be one of"),
        (
            {"restart": {"backoff": {"factor": 0.5}}},
            "sample.yaml: restart.backoff.factor: must be between 1 and 10",
        ),
        ({"concurrency": True}, "sample.yaml: concurrency: must be a whole number"),
        (
            {"handlers": {"infra.audit": {"kind": "command", "argv": ["bash", "-c", "x"]}}},
            "sample.yaml: handlers.infra.audit.argv[0]: program 'bash' is not allowed",
        ),
        (
            {"handlers": {"infra.audit": {"kind": "callable", "callable": "os.system"}}},
            "sample.yaml: handlers.infra.audit.callable: not a registered callable",
        ),
        (
            {"handlers": {"infra.audit": {"kind": "python", "module": "os"}}},
            "sample.yaml: handlers.infra.audit.module: unknown key",
        ),
        (
            {"handlers": {"data.vector": {"kind": "role", "role": "x"}}},
            "sample.yaml: handlers.data.vector: names a skill the blueprint does not list",
        ),
    ],
)
def test_invalid_blueprints_get_one_line_naming_file_field_reason(
    change: dict[str, Any], expected: str
) -> None:
    assert error_of({**GOOD, **change}).startswith(expected)


def test_file_name_must_match_and_yaml_errors_name_the_line(tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(GOOD))
    with pytest.raises(InputError, match=r"other\.yaml: name: must match the file name"):
        load_file(other)
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(InputError, match=r"broken\.yaml: line \d+: "):
        load_file(broken)


def test_a_declared_handler_replaces_the_registry_one() -> None:
    blueprint = load_file(BUILTIN_DIR / "scenario-verifier.yaml")
    assert blueprint.handler("test.molecule").describe() == {
        "kind": "command",
        "argv": ["molecule", "verify", "-s", "{scenario}"],
    }


def test_systemd_limits_come_from_resources() -> None:
    text = systemd_limits(parse({**GOOD, "resources": {"cpu": 1.5, "memory": "2Gi"}}, "x"))
    assert "MemoryMax=2147483648\n" in text
    assert "CPUQuota=150%\n" in text


def test_new_renders_a_valid_blueprint_from_the_template() -> None:
    text = render_new(
        NewBlueprint("fresh", "tester", "foundation", "Run: scenarios.", ["test.molecule"]),
        ["foundation"],
    )
    blueprint = parse(yaml.safe_load(text), "fresh.yaml")
    assert blueprint.goal == "Run: scenarios."
    assert blueprint.skills == ("test.molecule",)


def test_cli_new_then_validate_and_refuse_overwrite(tmp_path: Path) -> None:
    runner = CliRunner()
    args = [
        "new",
        "fresh",
        "--role",
        "coder",
        "--phase",
        "foundation",
        "--goal",
        "Lint.",
        "--skill",
        "code.syntax",
        "--out",
        str(tmp_path),
    ]
    assert runner.invoke(blueprints, args).exit_code == 0
    written = tmp_path / "fresh.yaml"
    ok = runner.invoke(blueprints, ["validate", str(written)], standalone_mode=False)
    assert ok.return_value == 0 and "1 valid, 0 invalid" in ok.output
    again = runner.invoke(blueprints, args)
    assert isinstance(again.exception, InputError)
    assert "already exists" in str(again.exception)
    written.write_text(written.read_text().replace("role: coder", "role: boss"))
    bad = runner.invoke(blueprints, ["validate", str(written)], standalone_mode=False)
    assert bad.return_value == 2
    assert "fresh.yaml: role: unknown role 'boss'" in bad.output


def test_cli_reads_user_blueprints_and_refuses_path_like_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOVA_HOME", str(tmp_path))
    (tmp_path / "blueprints").mkdir()
    (tmp_path / "blueprints" / "sample.yaml").write_text(yaml.safe_dump(GOOD))
    result = CliRunner().invoke(blueprints, ["render", "sample", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"name": "sample"' in result.output
    missing = CliRunner().invoke(blueprints, ["show", "../etc/passwd"])
    assert isinstance(missing.exception, InputError)
    assert "no such blueprint file" in str(missing.exception)


def test_module_entry_prints_the_resolved_blueprint(capsys: pytest.CaptureFixture[str]) -> None:
    from nova.agents.blueprints.__main__ import main

    assert main(["planner"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["resources"]["cpu_quota"] == "50%"
    assert main(["nope"]) == 2
    assert "nope: blueprint: no blueprint with that name" in capsys.readouterr().err
