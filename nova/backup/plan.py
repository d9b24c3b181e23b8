"""The backup rollout plan: what each host backs up, where, when, and how a restore is proved.

It is rendered from the `backup` role's defaults, overridden by the
inventory's variables for each host exactly as Ansible would apply them. It
only describes; nothing runs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from nova.ansible import inventory as inventories
from nova.backup.defaults import PREFIX, role_defaults, role_vars
from nova.core.errors import InputError

PLANS = ("default",)
EVERY_HOST = "(every host)"
REPOSITORY_TYPES = ("local", "sftp", "s3")
DUMP_SETTINGS = {
    "auto": "when PostgreSQL runs on the host",
    "always": "always",
    "never": "never",
}
PLAN_NOTE = "This is a plan: nothing has been run, installed or backed up."


@dataclass(frozen=True)
class HostPlan:
    host: str
    enabled: bool
    repository_type: str
    repository: str
    repository_note: str
    paths: list[str]
    excludes: list[str]
    pre_hooks: list[str]
    post_hooks: list[str]
    postgresql_dump: str
    schedule: str
    randomized_delay: str
    retention: dict[str, int]
    check_schedule: str
    check_read_data_subset: str
    verify_schedule: str
    verify: str
    records: list[str]


@dataclass(frozen=True)
class BackupPlan:
    name: str
    inventory: str | None
    hosts: list[HostPlan] = field(default_factory=list)
    note: str = PLAN_NOTE

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.name,
            "inventory": self.inventory,
            "note": self.note,
            "hosts": [asdict(h) for h in self.hosts],
        }


def build_plan(name: str, inventory: str | None = None) -> BackupPlan:
    if name not in PLANS:
        raise InputError(name, "--plan", f"unknown plan (known: {', '.join(PLANS)})")
    defaults = role_defaults()
    fixed = role_vars()
    if inventory is None:
        return BackupPlan(name, None, [host_plan(EVERY_HOST, defaults, fixed, set())])
    resolved = inventories.resolve(inventory)
    hosts = inventories.list_hosts(resolved)
    names = set(hosts)
    plans = [
        host_plan(host, {**defaults, **_backup_vars(hostvars)}, fixed, names, resolved.display)
        for host, hostvars in hosts.items()
    ]
    return BackupPlan(name, inventory, plans)


def _backup_vars(hostvars: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in hostvars.items() if k.startswith(PREFIX)}


def host_plan(
    host: str,
    settings: dict[str, Any],
    fixed: dict[str, Any],
    inventory_hosts: set[str],
    source: str = "roles/backup/defaults/main.yml",
) -> HostPlan:
    def value(key: str) -> Any:
        return settings.get(PREFIX + key)

    def fail(key: str, reason: str) -> InputError:
        where = PREFIX + key if host == EVERY_HOST else f"{host}.{PREFIX}{key}"
        return InputError(source, where, reason)

    enabled = bool(value("enabled"))
    kind = str(value("repository_type"))
    if kind not in REPOSITORY_TYPES:
        raise fail("repository_type", f"must be one of {', '.join(REPOSITORY_TYPES)}")
    dump = str(value("postgresql_dump"))
    if dump not in DUMP_SETTINGS:
        raise fail("postgresql_dump", f"must be one of {', '.join(DUMP_SETTINGS)}")
    retention = {}
    for period in ("daily", "weekly", "monthly"):
        count = value(f"keep_{period}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise fail(f"keep_{period}", "must be a whole number, 0 or more")
        retention[period] = count
    for key in ("paths", "excludes", "pre_hooks", "post_hooks"):
        if not isinstance(value(key), list):
            raise fail(key, "must be a list")
    # A host that is not backed up (a repository host, say) needs no repository of its own.
    repository, repository_note = (
        _repository(host, kind, value, inventory_hosts, fail) if enabled else ("", "")
    )
    state_dir = str(fixed.get("backup_state_dir", "/var/lib/nova-backup"))
    canaries = fixed.get("backup_canaries") or []
    facts = f"{value('facts_dir')}/nova_backup.fact"
    subset = str(value("check_read_data_subset") or "")
    return HostPlan(
        host=host,
        enabled=enabled,
        repository_type=kind,
        repository=repository,
        repository_note=repository_note,
        paths=[str(p) for p in value("paths")],
        excludes=[str(p) for p in value("excludes")],
        pre_hooks=[str(c) for c in value("pre_hooks")],
        post_hooks=[str(c) for c in value("post_hooks")],
        postgresql_dump=f"{DUMP_SETTINGS[dump]}, into `{value('postgresql_dump_dir')}`",
        schedule=str(value("schedule")),
        randomized_delay=str(value("randomized_delay")),
        retention=retention,
        check_schedule=str(value("check_schedule")),
        check_read_data_subset=subset or "none",
        verify_schedule=str(value("verify_schedule")),
        verify=(
            f"restores the latest snapshot's {len(canaries)} canary files into "
            f"`{value('verify_scratch_dir')}` and compares their SHA-256 with the "
            "checksums taken at backup time"
        ),
        records=[facts, f"{state_dir}/verify.json"],
    )


def _repository(
    host: str, kind: str, value: Any, inventory_hosts: set[str], fail: Any
) -> tuple[str, str]:
    """Where the host's repository is, in restic's notation, and a word on reaching it."""
    path = str(value("repository_path"))
    if not path.startswith("/"):
        raise fail("repository_path", "must be an absolute path")
    name = "<inventory_hostname>" if host == EVERY_HOST else host
    if kind == "local":
        return f"{path}/{name}", "on the host itself"
    if kind == "sftp":
        target = str(value("sftp_host") or "")
        if not target:
            raise fail("sftp_host", "sftp needs the inventory name of the repository host")
        if host != EVERY_HOST and target not in inventory_hosts:
            raise fail("sftp_host", f"'{target}' is not a host of this inventory")
        if target == host:
            raise fail("sftp_host", "a host cannot be its own SFTP repository")
        address = str(value("sftp_address") or "") or f"{target}'s default IPv4 address"
        return (
            f"sftp:{value('sftp_user')}@{target}:{path}/{name}",
            f"dialled at {address}, port {value('sftp_port')}, with a key made on the host",
        )
    endpoint, bucket = str(value("s3_endpoint") or ""), str(value("s3_bucket") or "")
    if not endpoint or not bucket:
        field = "s3_endpoint" if not endpoint else "s3_bucket"
        raise fail(field, "s3 needs backup_s3_endpoint and backup_s3_bucket")
    return f"s3:{endpoint}/{bucket}/{name}", "credentials in a 0600 file on the host"


def render_markdown(plan: BackupPlan) -> str:
    where = f"inventory `{plan.inventory}`" if plan.inventory else "the role's defaults"
    lines = [
        f"# Backup plan `{plan.name}` for {where}",
        "",
        f"> {plan.note}",
        "> Source: `roles/backup/defaults/main.yml`, overridden by the inventory's variables.",
        "",
    ]
    for host in plan.hosts:
        lines += _host_section(host)
    return "\n".join(lines).rstrip() + "\n"


def _host_section(host: HostPlan) -> list[str]:
    if not host.enabled:
        return [f"## {host.host}", "", "Not backed up (`backup_enabled: false`).", ""]
    keep = host.retention
    rows = [
        ("backs up", _codes(host.paths) or "nothing"),
        ("excludes", _codes(host.excludes) or "nothing"),
        ("before each backup", _codes(host.pre_hooks, "; ") or "no hooks"),
        ("after each backup", _codes(host.post_hooks, "; ") or "no hooks"),
        ("PostgreSQL dump", host.postgresql_dump),
        ("repository", f"{host.repository_type}: `{host.repository}`, {host.repository_note}"),
        ("when", f"`{host.schedule}`, plus a random delay of up to {host.randomized_delay}"),
        (
            "retention",
            f"forget --prune: {keep['daily']} daily, {keep['weekly']} weekly, "
            f"{keep['monthly']} monthly",
        ),
        (
            "check",
            f"restic check at `{host.check_schedule}`, reading {host.check_read_data_subset}"
            " of the data back",
        ),
        ("restore verification", f"`{host.verify_schedule}`: {host.verify}"),
        ("result recorded in", _codes(host.records)),
    ]
    table = ["| what | plan |", "|---|---|"]
    table += [f"| {k} | {_cell(v)} |" for k, v in rows]
    return [f"## {host.host}", "", *table, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _codes(items: list[str], sep: str = ", ") -> str:
    return sep.join(f"`{item}`" for item in items)
