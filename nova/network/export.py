"""A plan written to a file: JSON for `.json`, Markdown otherwise."""

from __future__ import annotations

import json
from pathlib import Path

from nova.core.exportfile import write_export
from nova.network.plan import Plan


def markdown(plan: Plan) -> str:
    lines = [
        f"# {plan.vpn} plan for inventory `{plan.inventory}`",
        "",
        f"> {plan.notice}",
        "",
        *[line for note in plan.notes for line in (f"> {note}", "")],
        f"Members: inventory group `{plan.group}`" + ("." if plan.hosts else ", none yet."),
        "",
    ]
    if plan.hosts:
        lines += [
            "| host | role | tunnel address | endpoint | peers | firewall |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {host.name} | {host.role} | {host.address} | {host.endpoint} "
            f"| {', '.join(host.peers) or '-'} | {', '.join(host.firewall) or '-'} |"
            for host in plan.hosts
        ]
        lines.append("")
    lines += ["## Steps", ""]
    lines += [f"{n}. {step}" for n, step in enumerate(plan.steps, start=1)]
    lines += ["", "## Apply", ""]
    if plan.apply:
        lines += ["```sh", plan.apply, "```", ""]
    else:
        lines += ["Nothing to apply yet: the VPN has no members.", ""]
    return "\n".join(lines)


def write(plan: Plan, path: Path) -> Path:
    text = (
        json.dumps(plan.to_dict(), indent=2, sort_keys=True) + "\n"
        if path.suffix == ".json"
        else markdown(plan)
    )
    return write_export(path, text)
