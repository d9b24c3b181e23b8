"""The backup plan: rendered from the role's own defaults and the inventory's variables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from nova.backup.defaults import role_defaults, role_vars
from nova.backup.plan import PLAN_NOTE, build_plan, host_plan, render_markdown
from nova.core.errors import InputError
from nova.core.paths import project_root

DEFAULTS = project_root() / "roles" / "backup" / "defaults" / "main.yml"


def write_inventory(folder: Path, hosts: dict[str, object], group_vars: dict[str, object]) -> Path:
    folder.mkdir()
    (folder / "hosts.yml").write_text(
        yaml.safe_dump({"all": {"children": {"cluster": {"hosts": hosts}}}})
    )
    (folder / "group_vars").mkdir()
    (folder / "group_vars" / "all.yml").write_text(yaml.safe_dump(group_vars))
    return folder


def test_plan_without_inventory_is_the_role_defaults() -> None:
    defaults = yaml.safe_load(DEFAULTS.read_text())
    plan = build_plan("default")
    assert plan.note == PLAN_NOTE and "plan" in plan.note
    [host] = plan.hosts
    assert host.paths == defaults["backup_paths"]
    assert host.excludes == defaults["backup_excludes"]
    assert host.schedule == defaults["backup_schedule"]
    assert host.randomized_delay == defaults["backup_randomized_delay"]
    assert host.retention == {
        "daily": defaults["backup_keep_daily"],
        "weekly": defaults["backup_keep_weekly"],
        "monthly": defaults["backup_keep_monthly"],
    }
    assert host.repository == f"{defaults['backup_repository_path']}/<inventory_hostname>"


def test_inventory_variables_override_the_defaults_per_host(tmp_path: Path) -> None:
    inventory = write_inventory(
        tmp_path / "inv",
        {
            "web": {"ansible_host": "10.0.0.1"},
            "vault": {"ansible_host": "10.0.0.2", "backup_enabled": False},
        },
        {
            "backup_repository_type": "sftp",
            "backup_sftp_host": "vault",
            "backup_keep_daily": 3,
            "backup_pre_hooks": ["systemctl stop app"],
            "unrelated": "ignored",
        },
    )
    plan = build_plan("default", str(inventory))
    hosts = {h.host: h for h in plan.hosts}
    assert set(hosts) == {"web", "vault"}
    web = hosts["web"]
    assert web.repository == "sftp:restic@vault:/var/backups/restic/web"
    assert web.retention["daily"] == 3 and web.retention["weekly"] == 4
    assert web.pre_hooks == ["systemctl stop app"]
    assert not hosts["vault"].enabled
    text = render_markdown(plan)
    assert text.startswith("# Backup plan `default` for inventory")
    assert PLAN_NOTE in text
    assert "`systemctl stop app`" in text
    assert "Not backed up (`backup_enabled: false`)" in text
    assert json.loads(json.dumps(plan.to_dict()))["hosts"][0]["host"] == "vault"


def test_unknown_plan_is_refused() -> None:
    with pytest.raises(InputError, match="--plan: unknown plan"):
        build_plan("nightly")


@pytest.mark.parametrize(
    ("variables", "field", "reason"),
    [
        ({"backup_repository_type": "tape"}, "web.backup_repository_type", "must be one of"),
        ({"backup_repository_type": "sftp"}, "web.backup_sftp_host", "needs the inventory name"),
        (
            {"backup_repository_type": "sftp", "backup_sftp_host": "elsewhere"},
            "web.backup_sftp_host",
            "not a host of this inventory",
        ),
        ({"backup_repository_type": "s3"}, "web.backup_s3_endpoint", "s3 needs"),
        ({"backup_keep_weekly": -1}, "web.backup_keep_weekly", "whole number"),
        ({"backup_paths": "/etc"}, "web.backup_paths", "must be a list"),
        ({"backup_postgresql_dump": "sometimes"}, "web.backup_postgresql_dump", "one of"),
    ],
)
def test_bad_variables_name_the_host_and_field(
    variables: dict[str, object], field: str, reason: str
) -> None:
    settings = {**role_defaults(), **variables}
    with pytest.raises(InputError) as caught:
        host_plan("web", settings, role_vars(), {"web"}, "inventories/x")
    assert caught.value.source == "inventories/x"
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_bad_inventory_variable_is_refused_with_the_inventory_named(tmp_path: Path) -> None:
    inventory = write_inventory(tmp_path / "inv", {"web": {}}, {"backup_repository_type": "nfs"})
    with pytest.raises(InputError) as caught:
        build_plan("default", str(inventory))
    assert caught.value.source == str(inventory.resolve())
    assert caught.value.field == "web.backup_repository_type"


def test_s3_plan_names_bucket_and_host(tmp_path: Path) -> None:
    inventory = write_inventory(
        tmp_path / "inv",
        {"web": {}},
        {
            "backup_repository_type": "s3",
            "backup_s3_endpoint": "https://s3.example.com",
            "backup_s3_bucket": "nova",
        },
    )
    [web] = build_plan("default", str(inventory)).hosts
    assert web.repository == "s3:https://s3.example.com/nova/web"
