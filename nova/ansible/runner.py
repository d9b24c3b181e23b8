"""The one place that calls ansible-runner.

Runner events are turned into typed events (`TaskResult`, `TaskStarted`) for
progress displays, the state store and the audit log; the final per-host
numbers come from the playbook's own stats event.

Roles record compliance evidence as a fact: a task sets `nova_evidence` to
`{check, ok, data}` with `ansible.builtin.set_fact`, and the fact travels in
that task's `runner_on_ok` event. The playbook's result keeps the latest
evidence of each check per host (`PlaybookResult.evidence`).
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nova.core.paths import project_root

if TYPE_CHECKING:
    import threading

    from nova.ansible.tuning import Tuning

RESULT_EVENTS = {
    "runner_on_ok": "ok",
    "runner_on_failed": "failed",
    "runner_on_unreachable": "unreachable",
    "runner_on_skipped": "skipped",
}


@dataclass(frozen=True)
class TaskStarted:
    task: str
    play: str


@dataclass(frozen=True)
class TaskResult:
    host: str
    task: str
    status: str  # ok, changed, failed, unreachable, skipped, ignored
    message: str = ""


@dataclass
class HostStats:
    ok: int = 0
    changed: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    rescued: int = 0
    ignored: int = 0

    @property
    def succeeded(self) -> bool:
        return self.failed == 0 and self.unreachable == 0


# The fact a role's evidence task sets (see the module's docstring).
EVIDENCE_FACT = "nova_evidence"


@dataclass(frozen=True)
class HostEvidence:
    """What one host showed for one compliance check, as a role recorded it."""

    host: str
    check: str
    ok: bool
    data: dict[str, Any]
    task: str = ""
    collected_at: str = ""  # the event's own time (ISO 8601, UTC), when the runner gave one


@dataclass
class PlaybookResult:
    status: str  # successful, failed, timeout, canceled
    rc: int
    stats: dict[str, HostStats] = field(default_factory=dict)
    failures: list[TaskResult] = field(default_factory=list)
    # What the playbook handed back with `ansible.builtin.set_stats` (per_host: false).
    data: dict[str, Any] = field(default_factory=dict)
    # The latest evidence of each check on each host, in the order first seen.
    evidence: list[HostEvidence] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status == "successful" and all(s.succeeded for s in self.stats.values())

    def add_evidence(self, item: HostEvidence) -> None:
        """Keep `item`, replacing an earlier item of the same host and check."""
        for n, known in enumerate(self.evidence):
            if (known.host, known.check) == (item.host, item.check):
                self.evidence[n] = item
                return
        self.evidence.append(item)


RunnerEvent = TaskStarted | TaskResult
EventSink = Callable[[RunnerEvent], None]

STATS_KEYS = {
    "ok": "ok",
    "changed": "changed",
    "failures": "failed",
    "dark": "unreachable",
    "skipped": "skipped",
    "rescued": "rescued",
    "ignored": "ignored",
}


def map_event(event: dict[str, Any]) -> RunnerEvent | None:
    """A runner event as a typed event, or None for events nobody shows."""
    name = event.get("event", "")
    data = event.get("event_data") or {}
    if name == "playbook_on_task_start":
        return TaskStarted(task=str(data.get("task", "")), play=str(data.get("play", "")))
    status = RESULT_EVENTS.get(name)
    if status is None:
        return None
    result = data.get("res") or {}
    if status == "ok" and result.get("changed"):
        status = "changed"
    if status == "failed" and data.get("ignore_errors"):
        status = "ignored"
    message = ""
    if status in ("failed", "unreachable", "ignored"):
        message = _reason(result)
    return TaskResult(
        host=str(data.get("host", "")),
        task=str(data.get("task", "")),
        status=status,
        message=_one_line(message),
    )


def evidence_from_event(event: dict[str, Any]) -> HostEvidence | None:
    """The `nova_evidence` fact a successful task set, or None.

    Only a `runner_on_ok` event of a task that was not `no_log` counts (a
    no_log result carries no facts worth keeping). Evidence whose `ok` is not
    a boolean true is recorded as not ok, and evidence without a check name
    is no evidence.
    """
    if event.get("event") != "runner_on_ok":
        return None
    data = event.get("event_data") or {}
    result = data.get("res") or {}
    if not isinstance(result, dict) or result.get("_ansible_no_log"):
        return None
    facts = result.get("ansible_facts")
    evidence = facts.get(EVIDENCE_FACT) if isinstance(facts, dict) else None
    if not isinstance(evidence, dict):
        return None
    check = evidence.get("check")
    if not isinstance(check, str) or not check.strip():
        return None
    body = evidence.get("data")
    return HostEvidence(
        host=str(data.get("host", "")),
        check=check.strip(),
        ok=evidence.get("ok") is True,
        data=dict(body) if isinstance(body, dict) else {"value": body},
        task=str(data.get("task", "")),
        collected_at=str(event.get("created") or ""),
    )


def stats_from_event(event: dict[str, Any]) -> dict[str, HostStats]:
    """Per-host numbers from a `playbook_on_stats` event."""
    data = event.get("event_data") or {}
    stats: dict[str, HostStats] = {}
    for runner_key, attr in STATS_KEYS.items():
        for host, count in (data.get(runner_key) or {}).items():
            setattr(stats.setdefault(host, HostStats()), attr, int(count))
    for host in data.get("processed") or {}:
        stats.setdefault(host, HostStats())
    return stats


def data_from_event(event: dict[str, Any]) -> dict[str, Any]:
    """The `set_stats` data a `playbook_on_stats` event carries."""
    data = (event.get("event_data") or {}).get("artifact_data")
    return dict(data) if isinstance(data, dict) else {}


# What Ansible says of a loop as a whole; the items' own messages say why.
LOOP_SUMMARIES = {"One or more items failed", "All items completed"}


def _reason(result: dict[str, Any]) -> str:
    """Why a task failed: its message, or for a loop, its failed items' messages."""
    items = result.get("results")
    if isinstance(items, list) and str(result.get("msg", "")) in LOOP_SUMMARIES | {""}:
        reasons: list[str] = []
        for item in items:
            if isinstance(item, dict) and (item.get("failed") or item.get("unreachable")):
                label = item.get("_ansible_item_label", item.get("item", ""))
                text = _reason(item) or "failed"
                reasons.append(f"{label}: {text}" if label != "" else text)
        if reasons:
            return "; ".join(dict.fromkeys(reasons))
    return str(result.get("msg") or result.get("stderr") or result.get("reason") or "")


def _one_line(text: str, limit: int = 400) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def ansible_env() -> dict[str, str]:
    """Environment for Ansible: the project's config, and this venv's tools first."""
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    return {
        "ANSIBLE_CONFIG": str(project_root() / "ansible.cfg"),
        "PATH": f"{bin_dir}{os.pathsep}{path}" if path else bin_dir,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true",
    }


def run_playbook(
    playbook: Path,
    inventory: list[Path],
    run_dir: Path,
    *,
    limit: str | None = None,
    extravars: dict[str, Any] | None = None,
    check: bool = False,
    diff: bool = False,
    on_event: EventSink | None = None,
    ident: str | None = None,
    cancelled: threading.Event | None = None,
    tuning: Tuning | None = None,
    skip_tags: tuple[str, ...] = (),
) -> PlaybookResult:
    """Run one playbook and return what happened on each host.

    Setting `cancelled` ends the playbook and every process it started (see
    `_cancel_check`). `tuning` sets the forks and a fact cache that outlives
    the run (see nova.ansible.tuning); without it, ansible.cfg's forks apply
    and facts are cached for this run only.
    """
    import ansible_runner  # heavy: imported only when a playbook runs

    result = PlaybookResult(status="failed", rc=-1)

    def handle(event: dict[str, Any]) -> bool:
        if event.get("event") == "playbook_on_stats":
            result.stats = stats_from_event(event)
            result.data = data_from_event(event)
        evidence = evidence_from_event(event)
        if evidence is not None:
            result.add_evidence(evidence)
        typed = map_event(event)
        if isinstance(typed, TaskResult) and typed.status in ("failed", "unreachable"):
            result.failures.append(typed)
        if typed is not None and on_event is not None:
            on_event(typed)
        return True

    cmdline = " ".join(flag for flag, on in (("--check", check), ("--diff", diff)) if on)
    token = secrets.token_hex(8)
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    tuned: dict[str, Any] = {}
    envvars = {**ansible_env(), RUN_TOKEN: token}
    if tuning is not None:
        envvars.update(tuning.env())
        # An absolute path: ansible-runner joins it to the run's artifact folder.
        tuned = {"fact_cache": str(tuning.fact_cache), "fact_cache_type": "jsonfile"}
    runner = ansible_runner.run(
        private_data_dir=str(run_dir),
        ident=ident,
        playbook=str(playbook),
        inventory=[str(p) for p in inventory],
        limit=limit,
        extravars=extravars or {},
        cmdline=cmdline or None,
        envvars=envvars,
        event_handler=handle,
        cancel_callback=_cancel_check(cancelled, token) if cancelled is not None else None,
        quiet=True,
        suppress_env_files=True,
        skip_tags=",".join(skip_tags) or None,
        **tuned,
    )
    result.status = str(runner.status)
    result.rc = int(runner.rc if runner.rc is not None else -1)
    return result


# Every process of one playbook run inherits this variable, so a cancelled run
# can find them all: ansible-playbook runs on a pty in a session of its own,
# and each of its forks calls setsid(), out of reach of any process-group kill.
RUN_TOKEN = "NOVA_RUN_TOKEN"


def _cancel_check(cancelled: threading.Event, token: str) -> Callable[[], bool]:
    def check() -> bool:
        if not cancelled.is_set():
            return False
        _kill_run(token)
        return True

    return check


def _kill_run(token: str) -> None:
    from nova.core.proctree import descendants_with_env, kill_trees

    kill_trees(descendants_with_env(RUN_TOKEN, token))
