"""`nova containers`: which container tools are here, and whether they work.

Each tool is looked for on PATH and asked its version; the Docker daemon is
asked for its version; the kubeconfig is parsed, not merely found.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nova.controller.checks import command_output, first_version

TOOLS: dict[str, list[str]] = {
    "docker": ["docker", "--version"],
    "podman": ["podman", "--version"],
    "kubectl": ["kubectl", "version", "--client"],
    "k3s": ["k3s", "--version"],
    "helm": ["helm", "version", "--short"],
}


@dataclass(frozen=True)
class Tool:
    name: str
    present: bool
    version: str | None
    required: bool


@dataclass(frozen=True)
class Kubeconfig:
    path: str
    exists: bool
    parses: bool
    current_context: str | None
    error: str | None = None


@dataclass
class ContainerReport:
    tools: list[Tool]
    docker_daemon: str | None  # server version when reachable
    kubeconfig: Kubeconfig
    missing_required: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def inspect(required: tuple[str, ...] = ("docker",)) -> ContainerReport:
    tools = []
    for name, args in TOOLS.items():
        rc, out = command_output(args)
        present = rc != 127
        version = first_version(out) if present and rc == 0 else None
        tools.append(Tool(name, present, version, name in required))
    rc, out = command_output(["docker", "info", "--format", "{{.ServerVersion}}"])
    daemon = out.strip() if rc == 0 else None
    missing = [t.name for t in tools if t.required and not t.present]
    if "docker" in required and daemon is None:
        missing.append("docker daemon")
    return ContainerReport(tools, daemon, read_kubeconfig(), missing)


def read_kubeconfig() -> Kubeconfig:
    raw = os.environ.get("KUBECONFIG", "").split(os.pathsep)[0]
    path = Path(raw).expanduser() if raw else Path.home() / ".kube" / "config"
    if not path.is_file():
        return Kubeconfig(str(path), False, False, None)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError) as exc:
        return Kubeconfig(str(path), True, False, None, str(exc).splitlines()[0])
    if not isinstance(document, dict):
        return Kubeconfig(str(path), True, False, None, "not a mapping")
    context = document.get("current-context")
    return Kubeconfig(str(path), True, True, str(context) if context else None)


def to_markdown(report: ContainerReport) -> str:
    lines = [
        "# Container tooling",
        "",
        "| tool | present | version | required |",
        "|---|---|---|---|",
    ]
    for t in report.tools:
        lines.append(
            f"| {t.name} | {'yes' if t.present else 'no'} | {t.version or '-'} | "
            f"{'yes' if t.required else 'no'} |"
        )
    k = report.kubeconfig
    lines += [
        "",
        f"Docker daemon: {report.docker_daemon or 'not reachable'}",
        "",
        f"Kubeconfig: `{k.path}`: "
        + ("missing" if not k.exists else ("parses" if k.parses else f"does not parse ({k.error})"))
        + (f", current context `{k.current_context}`" if k.current_context else ""),
        "",
        "Missing required: " + (", ".join(report.missing_required) or "none"),
        "",
    ]
    return "\n".join(lines)
