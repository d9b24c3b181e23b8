#!/usr/bin/python3
"""Nova's backup jobs on one host: back up, check, verify a restore, restore.

Installed by the `backup` role as /usr/local/sbin/nova-backup and run by its
systemd units, by Ansible (`nova backup run|snapshots|verify|restore`) and by
operators. Everything it needs is in one JSON file the role writes from its
variables; restic finds the repository password in a file of its own, so the
password never appears on a command line, in the environment of another
process or in this program's output.

Every command prints one JSON document on stdout. Exit codes: 0 done,
1 failed, 10 no repository at the location, 12 wrong repository password.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

DEFAULT_CONFIG = "/etc/nova-backup/backup.json"
TAG = "nova"
MANIFEST = "MANIFEST.sha256"
EXIT_FAILED = 1
EXIT_NO_REPOSITORY = 10
EXIT_WRONG_PASSWORD = 12

# restic before 0.17 exits 1 for every fatal error, so the two outcomes that
# matter are also recognised by their messages. These markers, the two exit
# codes above, classify, last_line and failure_reason are also defined in Nova
# (nova/backup/restic.py), which this program cannot import on a host; Nova's
# tests/unit/backup/test_restic_outcomes.py holds both copies to the same cases.
MISSING_MARKERS = ("Is there a repository at the following location?", "repository does not exist")
WRONG_PASSWORD_MARKERS = ("wrong password", "no key found")


class JobError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def load_config(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def restic_env(config: dict) -> dict:
    env = dict(os.environ)
    env["RESTIC_REPOSITORY"] = config["repository"]
    env["RESTIC_PASSWORD_FILE"] = config["password_file"]
    env["RESTIC_CACHE_DIR"] = config["cache_dir"]
    env.pop("RESTIC_PASSWORD", None)
    env.pop("RESTIC_PASSWORD_COMMAND", None)
    env_file = config.get("env_file")
    if env_file and os.path.exists(env_file):
        with open(env_file, encoding="utf-8") as handle:
            for line in handle:
                key, sep, value = line.strip().partition("=")
                if sep and not key.startswith("#"):
                    env[key] = value
    return env


def restic(config: dict, *args: str, capture: bool = True) -> subprocess.CompletedProcess:
    cmd = ["restic", *config.get("restic_options", []), *args]
    return subprocess.run(
        cmd,
        env=restic_env(config),
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )


def classify(proc: subprocess.CompletedProcess) -> str:
    """What a restic call says about the repository: ready, missing, wrong-password or error."""
    text = proc.stderr or ""
    if proc.returncode == 0:
        return "ready"
    if proc.returncode == EXIT_NO_REPOSITORY or any(m in text for m in MISSING_MARKERS):
        return "missing"
    if proc.returncode == EXIT_WRONG_PASSWORD or any(m in text for m in WRONG_PASSWORD_MARKERS):
        return "wrong-password"
    return "error"


def last_line(text: str | None) -> str:
    """The last non-blank line of the text, or "" when there is none (callers say what instead)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def failure_reason(proc: subprocess.CompletedProcess) -> str:
    """Why a command failed: its last line of errors, or its exit code when it printed none."""
    return last_line(proc.stderr) or f"exit code {proc.returncode}"


def probe(config: dict) -> dict:
    if not os.path.exists(config["password_file"]):
        raise JobError(f"no repository password file at {config['password_file']}")
    proc = restic(config, "cat", "config")
    state = classify(proc)
    result = {"state": state, "repository": config["repository"]}
    if state == "wrong-password":
        result["message"] = (
            f"the repository at {config['repository']} exists, but the password in "
            f"{config['password_file']} does not open it; put the original password file "
            "back (a new repository is never created over an existing one)"
        )
    elif state == "error":
        result["message"] = failure_reason(proc)
    return result


def cmd_probe(config: dict, _args: argparse.Namespace) -> tuple[dict, int]:
    result = probe(config)
    codes = {"ready": 0, "missing": EXIT_NO_REPOSITORY, "wrong-password": EXIT_WRONG_PASSWORD}
    return result, codes.get(result["state"], EXIT_FAILED)


def cmd_init(config: dict, _args: argparse.Namespace) -> tuple[dict, int]:
    result = probe(config)
    if result["state"] == "ready":
        return {**result, "created": False}, 0
    if result["state"] == "wrong-password":
        raise JobError(result["message"], EXIT_WRONG_PASSWORD)
    if result["state"] != "missing":
        raise JobError(f"cannot open the repository: {result['message']}")
    proc = restic(config, "init")
    if proc.returncode != 0:
        raise JobError(f"restic init failed: {failure_reason(proc)}")
    return {"state": "ready", "repository": config["repository"], "created": True}, 0


def run_hooks(commands: list, stage: str) -> list:
    done = []
    for command in commands:
        proc = subprocess.run(["/bin/sh", "-c", command], check=False)
        done.append({"stage": stage, "command": command, "rc": proc.returncode})
        if proc.returncode != 0:
            raise JobError(f"{stage} hook failed (exit {proc.returncode}): {command}")
    return done


def postgresql_running() -> bool:
    if shutil.which("pg_dumpall") is None:
        return False
    proc = subprocess.run(
        ["systemctl", "is-active", "--quiet", "postgresql.service"],
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return proc.returncode == 0


def dump_postgresql(config: dict) -> str | None:
    """Dump every database: always, never, or when PostgreSQL runs here (auto)."""
    setting = config.get("postgresql_dump", "auto")
    if setting == "never" or (setting == "auto" and not postgresql_running()):
        return None
    folder = config["postgresql_dump_dir"]
    os.makedirs(folder, mode=0o700, exist_ok=True)
    target = os.path.join(folder, "pg_dumpall.sql")
    fd, partial = tempfile.mkstemp(dir=folder, prefix=".pg_dumpall.")
    with os.fdopen(fd, "w") as handle:
        proc = subprocess.run(
            ["runuser", "-u", "postgres", "--", "pg_dumpall", "--clean", "--if-exists"],
            stdout=handle,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        os.unlink(partial)
        raise JobError(f"pg_dumpall failed: {failure_reason(proc)}")
    os.replace(partial, target)
    return folder


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def canary_files(folder: str) -> list:
    names = sorted(n for n in os.listdir(folder) if n != MANIFEST and not n.startswith("."))
    return [n for n in names if os.path.isfile(os.path.join(folder, n))]


def write_manifest(folder: str) -> int:
    """Record the canaries' checksums next to them, so each snapshot carries its own."""
    names = canary_files(folder)
    lines = [f"{sha256(os.path.join(folder, n))}  {n}\n" for n in names]
    partial = os.path.join(folder, "." + MANIFEST)
    with open(partial, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
    os.replace(partial, os.path.join(folder, MANIFEST))
    return len(names)


def write_json(path: str, data: dict, mode: int = 0o644) -> None:
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.chmod(partial, mode)
    os.replace(partial, path)


def backup_summary(stdout: str) -> dict:
    for line in reversed(stdout.splitlines()):
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict) and message.get("message_type") == "summary":
            return message
    return {}


def cmd_run(config: dict, _args: argparse.Namespace) -> tuple[dict, int]:
    record = {"time": now(), "host": config["host"], "status": "failed", "snapshot": None}
    hooks: list = []
    try:
        hooks += run_hooks(config.get("pre_hooks", []), "pre")
        paths = list(config["paths"])
        dump = dump_postgresql(config)
        if dump:
            paths.append(dump)
        record["postgresql_dump"] = dump is not None
        record["canaries"] = write_manifest(config["canary_dir"])
        paths.append(config["canary_dir"])
        present = [p for p in dict.fromkeys(paths) if os.path.exists(p)]
        record["paths"] = present
        record["missing_paths"] = [p for p in paths if p not in present]
        args = ["backup", "--json", "--host", config["host"], "--tag", TAG]
        for pattern in config.get("excludes", []):
            args += ["--exclude", pattern]
        proc = restic(config, *args, *present)
        summary = backup_summary(proc.stdout)
        # restic exits 3 when some files could not be read; the snapshot exists.
        if proc.returncode not in (0, 3) or not summary.get("snapshot_id"):
            raise JobError(f"restic backup failed: {failure_reason(proc)}")
        record["snapshot"] = full_id(config, summary["snapshot_id"])
        record["files"] = summary.get("total_files_processed", 0)
        record["bytes_added"] = summary.get("data_added", 0)
        record["incomplete"] = proc.returncode == 3
        record["forget"] = forget(config)
        record["status"] = "ok"
    except JobError as exc:
        record["error"] = str(exc)
    finally:
        try:
            hooks += run_hooks(config.get("post_hooks", []), "post")
        except JobError as exc:
            record["status"] = "failed"
            record.setdefault("error", str(exc))
        record["hooks"] = hooks
        write_json(os.path.join(config["state_dir"], "last-run.json"), record)
    return record, 0 if record["status"] == "ok" else EXIT_FAILED


def forget(config: dict) -> dict:
    keep = config["retention"]
    args = ["forget", "--prune", "--host", config["host"], "--tag", TAG, "--group-by", "host,tags"]
    for period in ("daily", "weekly", "monthly"):
        args += [f"--keep-{period}", str(keep[period])]
    proc = restic(config, *args)
    if proc.returncode != 0:
        raise JobError(f"restic forget --prune failed: {failure_reason(proc)}")
    return {period: keep[period] for period in ("daily", "weekly", "monthly")}


def cmd_check(config: dict, _args: argparse.Namespace) -> tuple[dict, int]:
    args = ["check"]
    subset = config.get("check_read_data_subset")
    if subset:
        args.append(f"--read-data-subset={subset}")
    proc = restic(config, *args)
    record = {
        "time": now(),
        "status": "ok" if proc.returncode == 0 else "failed",
        "read_data_subset": subset or None,
    }
    if proc.returncode != 0:
        record["error"] = last_line(proc.stderr) or last_line(proc.stdout)
    write_json(os.path.join(config["state_dir"], "last-check.json"), record)
    return record, 0 if proc.returncode == 0 else EXIT_FAILED


def list_snapshots(config: dict) -> list:
    proc = restic(config, "snapshots", "--json", "--host", config["host"], "--tag", TAG)
    if proc.returncode != 0:
        raise JobError(f"restic snapshots failed: {failure_reason(proc)}", classify_code(proc))
    snapshots = json.loads(proc.stdout or "[]") or []
    return sorted(snapshots, key=lambda s: s.get("time", ""))


def full_id(config: dict, short: str) -> str:
    """restic before 0.16 reports the short id after a backup; reports want the full one."""
    for snapshot in list_snapshots(config):
        if snapshot.get("id", "").startswith(short):
            return snapshot["id"]
    return short


def classify_code(proc: subprocess.CompletedProcess) -> int:
    state = classify(proc)
    return {"missing": EXIT_NO_REPOSITORY, "wrong-password": EXIT_WRONG_PASSWORD}.get(
        state, EXIT_FAILED
    )


def cmd_snapshots(config: dict, _args: argparse.Namespace) -> tuple[dict, int]:
    keys = ("id", "short_id", "time", "hostname", "paths", "tags")
    snapshots = [{k: s.get(k) for k in keys} for s in list_snapshots(config)]
    return {"host": config["host"], "snapshots": snapshots}, 0


def compare_canaries(restored: str) -> dict:
    manifest = os.path.join(restored, MANIFEST)
    if not os.path.isfile(manifest):
        return {"checked": 0, "mismatched": [], "missing": [MANIFEST]}
    checked, mismatched, missing = 0, [], []
    with open(manifest, encoding="utf-8") as handle:
        for line in handle:
            expected, _, name = line.rstrip("\n").partition("  ")
            if not name:
                continue
            path = os.path.join(restored, name)
            if not os.path.isfile(path):
                missing.append(name)
            elif sha256(path) != expected:
                mismatched.append(name)
            checked += 1
    return {"checked": checked, "mismatched": mismatched, "missing": missing}


def cmd_verify(config: dict, _args: argparse.Namespace) -> tuple[dict, int]:
    """Restore the latest snapshot's canaries to a scratch folder and compare them."""
    record = {"time": now(), "host": config["host"], "snapshot": None, "result": "fail"}
    scratch = config["scratch_dir"]
    try:
        snapshots = list_snapshots(config)
        if not snapshots:
            raise JobError("no snapshot to verify yet")
        latest = snapshots[-1]
        record["snapshot"] = latest["id"]
        record["snapshot_time"] = latest.get("time")
        shutil.rmtree(scratch, ignore_errors=True)
        os.makedirs(scratch, mode=0o700)
        canary = config["canary_dir"]
        proc = restic(
            config, "restore", latest["id"], "--target", scratch, "--include", canary
        )
        if proc.returncode != 0:
            raise JobError(f"restic restore failed: {failure_reason(proc)}")
        outcome = compare_canaries(scratch + canary)
        record.update(outcome)
        passed = outcome["checked"] > 0 and not outcome["mismatched"] and not outcome["missing"]
        record["result"] = "pass" if passed else "fail"
        if not passed:
            record["error"] = "restored canaries differ from the checksums taken at backup time"
    except JobError as exc:
        record["error"] = str(exc)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        write_json(os.path.join(config["state_dir"], "verify.json"), record)
        write_json(config["fact_file"], record)
    return record, 0 if record["result"] == "pass" else EXIT_FAILED


def cmd_restore(config: dict, args: argparse.Namespace) -> tuple[dict, int]:
    if not os.path.isabs(args.target):
        raise JobError(f"restore target must be an absolute path: {args.target}")
    snapshot = args.snapshot
    if snapshot == "latest":
        snapshots = list_snapshots(config)
        if not snapshots:
            raise JobError("no snapshot to restore")
        snapshot = snapshots[-1]["id"]
    os.makedirs(args.target, mode=0o700, exist_ok=True)
    proc = restic(config, "restore", snapshot, "--target", args.target)
    if proc.returncode != 0:
        raise JobError(f"restic restore failed: {failure_reason(proc)}", classify_code(proc))
    return {"time": now(), "snapshot": snapshot, "target": args.target, "status": "ok"}, 0


COMMANDS = {
    "probe": (cmd_probe, "say whether the repository opens with the password file"),
    "init": (cmd_init, "create the repository when there is none; never over an existing one"),
    "run": (cmd_run, "hooks, PostgreSQL dump, backup and retention"),
    "check": (cmd_check, "restic check of the repository"),
    "verify": (cmd_verify, "restore the latest canaries to scratch and compare checksums"),
    "snapshots": (cmd_snapshots, "this host's snapshots"),
    "restore": (cmd_restore, "restore a snapshot to a folder"),
}


def parse_args(argv: list) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nova-backup", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=DEFAULT_CONFIG)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text)
        if name == "restore":
            command.add_argument("snapshot", help="snapshot id, or latest")
            command.add_argument("target", help="absolute folder to restore into")
    return parser.parse_args(argv)


def main(argv: list) -> int:
    args = parse_args(argv)
    os.umask(0o077)
    try:
        config = load_config(args.config)
        result, code = COMMANDS[args.command][0](config, args)
    except JobError as exc:
        result, code = {"status": "failed", "error": str(exc)}, exc.code
    except (OSError, ValueError, KeyError) as exc:
        result, code = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}, EXIT_FAILED
    json.dump(result, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    message = result.get("error") or result.get("message")
    if code != 0 and message:
        sys.stderr.write(f"nova-backup {args.command}: {message}\n")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
