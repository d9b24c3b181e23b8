"""`nova agents up|down|status`: the supervisor as a detached background process.

`start()` writes the programs to run into NOVA_HOME/agents/programs.json and
starts `python -m nova.agents.daemon` in its own session. The daemon writes
its identity (pid + create time) to supervisor.pid and a snapshot of every
program to supervisor.json as things change. `stop()` sends it TERM: it stops
each program (TERM to the group, grace, KILL) and exits. Should it not exit,
it is killed and so is every program group the snapshot names, each checked
by pid and create time first.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psutil

from nova.agents.process import ProcessId
from nova.agents.restart import Backoff, RestartPolicy, StartLimit
from nova.agents.supervisor import Limits, ProgramSpec, Supervisor
from nova.core.errors import NovaError
from nova.core.paths import nova_home


def agents_dir() -> Path:
    return nova_home() / "agents"


def pid_file() -> Path:
    return agents_dir() / "supervisor.pid"


def state_file() -> Path:
    return agents_dir() / "supervisor.json"


def programs_file() -> Path:
    return agents_dir() / "programs.json"


def log_dir() -> Path:
    return agents_dir() / "logs"


# the controlling side ---------------------------------------------------------


def running() -> ProcessId | None:
    """The live supervisor daemon's identity, or None."""
    try:
        data = json.loads(pid_file().read_text())
        ident = ProcessId(int(data["pid"]), float(data["create_time"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return ident if ident.matches() else None


def start(specs: list[ProgramSpec], wait: float = 15.0) -> ProcessId:
    """Start the daemon for these programs; returns once it has written its pid file."""
    if (current := running()) is not None:
        raise NovaError(
            f"the agent supervisor is already running (pid {current.pid}); "
            "run `nova agents down` first"
        )
    if not specs:
        raise NovaError("no programs to supervise")
    folder = agents_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    pid_file().unlink(missing_ok=True)
    _write_json(programs_file(), [_spec_to_dict(s) for s in specs], mode=0o600)
    log_path = folder / "supervisor.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "nova.agents.daemon", str(programs_file())],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            env=dict(os.environ),
        )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if (ident := running()) is not None and ident.pid == proc.pid:
            return ident
        if proc.poll() is not None:
            raise NovaError(
                f"the agent supervisor exited at start ({_tail(log_path)}); see {log_path}"
            )
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise NovaError(f"the agent supervisor did not start within {wait:.0f}s; see {log_path}")


def stop(timeout: float | None = None) -> dict[str, Any]:
    """Stop the daemon and its programs; kills what is left when it does not exit in time."""
    ident = running()
    snapshot = read_state()
    if ident is None:
        leftovers = _kill_programs(snapshot)
        pid_file().unlink(missing_ok=True)
        return {"was_running": False, "killed_leftovers": leftovers}
    grace = max((p.get("stop_grace", 10.0) for p in snapshot.get("programs", [])), default=10.0)
    limit = timeout if timeout is not None else grace + 10.0
    proc = ident.matches()
    if proc is not None:
        proc.send_signal(signal.SIGTERM)
    forced = False
    try:
        if proc is not None:
            proc.wait(timeout=limit)
    except psutil.TimeoutExpired:
        forced = True
        _kill_group(ident)
    leftovers = _kill_programs(read_state())
    pid_file().unlink(missing_ok=True)
    return {"was_running": True, "pid": ident.pid, "forced": forced, "killed_leftovers": leftovers}


def read_state() -> dict[str, Any]:
    try:
        data = json.loads(state_file().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def status() -> dict[str, Any]:
    ident = running()
    snapshot = read_state()
    return {
        "running": ident is not None,
        "pid": ident.pid if ident else None,
        "updated_at": snapshot.get("updated_at"),
        "programs": snapshot.get("programs", [])
        if ident
        else [
            {**p, "state": "stopped" if p.get("state") in ("running", "backoff") else p["state"]}
            for p in snapshot.get("programs", [])
        ],
    }


def _kill_programs(snapshot: dict[str, Any]) -> list[int]:
    killed = []
    for program in snapshot.get("programs", []):
        if program.get("pid") and program.get("create_time"):
            ident = ProcessId(int(program["pid"]), float(program["create_time"]))
            if ident.matches() is not None:
                _kill_group(ident)
                killed.append(ident.pid)
    return killed


def _kill_group(ident: ProcessId) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(os.getpgid(ident.pid), signal.SIGKILL)


def _tail(path: Path) -> str:
    lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "no output"


# the daemon side ------------------------------------------------------------------


def _spec_to_dict(spec: ProgramSpec) -> dict[str, Any]:
    data = asdict(spec)
    data["log_path"] = str(spec.log_path)
    return data


def _spec_from_dict(data: dict[str, Any]) -> ProgramSpec:
    restart = data["restart"]
    return ProgramSpec(
        name=data["name"],
        argv=list(data["argv"]),
        env=dict(data["env"]) if data.get("env") is not None else None,
        log_path=Path(data["log_path"]),
        restart=RestartPolicy(
            policy=restart["policy"],
            backoff=Backoff(**restart["backoff"]),
            start_limit=StartLimit(**restart["start_limit"]),
            reset_after=restart["reset_after"],
            stop_grace=restart["stop_grace"],
        ),
        limits=Limits(**data["limits"]),
    )


def _write_json(path: Path, data: Any, mode: int = 0o644) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(tmp, path)


def serve(programs_path: Path) -> None:
    """The daemon: supervise the programs until TERM or INT."""
    import logging
    from datetime import UTC, datetime

    from nova.agents.record import TransitionRecorder

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    specs = [_spec_from_dict(d) for d in json.loads(programs_path.read_text())]
    supervisor = Supervisor(specs, record=TransitionRecorder())
    grace = {s.name: s.restart.stop_grace for s in specs}
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    me = psutil.Process()
    _write_json(pid_file(), {"pid": me.pid, "create_time": me.create_time()})
    published: dict[str, Any] = {"at": 0.0, "states": None}

    def publish() -> None:
        # Write on every state change, and at least once a second for the samples.
        snapshot = supervisor.snapshot()
        states = [(p["name"], p["state"], p["pid"]) for p in snapshot]
        if states == published["states"] and time.monotonic() - published["at"] < 1.0:
            return
        for program in snapshot:
            program["stop_grace"] = grace[program["name"]]
        _write_json(
            state_file(),
            {
                "pid": me.pid,
                "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "programs": snapshot,
            },
        )
        published.update(at=time.monotonic(), states=states)

    try:
        supervisor.run(stop, after_step=publish)
    finally:
        pid_file().unlink(missing_ok=True)


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
