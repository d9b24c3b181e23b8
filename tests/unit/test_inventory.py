from __future__ import annotations

from pathlib import Path

import pytest

from nova.ansible import inventory
from nova.core.errors import InputError
from nova.core.paths import project_root


def test_project_names_resolve_to_project_folders(nova_home: Path) -> None:
    spark = inventory.resolve("spark")
    assert spark.sources == (project_root() / "inventories" / "spark",)
    assert inventory.resolve("local").name == "local"


def test_paths_resolve_as_paths(nova_home: Path) -> None:
    found = inventory.resolve(str(project_root() / "inventories" / "spark" / "hosts.yml"))
    assert found.sources[0].name == "hosts.yml"


def test_home_inventories_resolve_by_name(nova_home: Path) -> None:
    target = nova_home / "inventories" / "lab"
    target.mkdir(parents=True)
    (target / "hosts.yml").write_text("all:\n  hosts:\n    lab1: {}\n")
    assert inventory.resolve("lab").sources == (target,)


def test_unknown_name_is_a_one_line_usage_error(nova_home: Path) -> None:
    with pytest.raises(InputError) as caught:
        inventory.resolve("nosuchcluster")
    assert str(caught.value).startswith("nosuchcluster: --inventory: no inventory with that name")
    assert "spark" in str(caught.value)
    assert caught.value.exit_code == 2


def test_sandbox_needs_to_be_up(nova_home: Path) -> None:
    with pytest.raises(InputError, match="the sandbox is not up"):
        inventory.resolve("sandbox")


def test_missing_path_is_reported(nova_home: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such inventory file or folder"):
        inventory.resolve(str(tmp_path / "nothing" / "hosts.yml"))


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("all:\n  hosts: [a, b]\n", "all.hosts", "must be a mapping"),
        ("all:\n  childs:\n    x: {}\n", "all.childs", "unknown key"),
        (
            "all:\n  children:\n    gpu:\n      hosts:\n        n1: 3\n",
            "all.children.gpu.hosts.n1",
            "host variables must be a mapping",
        ),
        ("all:\n  hosts:\n    a: {x: [1\n", "line 4", "not valid YAML"),
    ],
)
def test_broken_inventories_name_file_and_field(
    tmp_path: Path, nova_home: Path, text: str, field: str, reason: str
) -> None:
    hosts = tmp_path / "hosts.yml"
    hosts.write_text(text)
    with pytest.raises(InputError) as caught:
        inventory.resolve(str(hosts))
    assert str(caught.value).startswith(f"{hosts}: {field}: ")
    assert reason in str(caught.value)


def test_broken_group_vars_are_caught(tmp_path: Path, nova_home: Path) -> None:
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "hosts.yml").write_text("all:\n  hosts:\n    a: {}\n")
    (tmp_path / "group_vars" / "all.yml").write_text("- just\n- a list\n")
    with pytest.raises(InputError, match="variables file must be a mapping"):
        inventory.resolve(str(tmp_path) + "/")


def test_list_hosts_asks_ansible(nova_home: Path) -> None:
    hosts = inventory.list_hosts(inventory.resolve("spark"))
    assert list(hosts) == ["spark-01", "spark-02"]
    assert hosts["spark-01"]["ansible_host"] == "192.0.2.11"
    limited = inventory.list_hosts(inventory.resolve("spark"), limit="spark-02")
    assert list(limited) == ["spark-02"]
