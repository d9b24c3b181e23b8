"""What nova_agent leaves on a host: Nova installed, and a worker service that runs
the blueprint under its limits, asks the launch policy, and takes real tasks."""

import json
import time

SERVICE = "nova-agent-planner"
NOVA = "/opt/nova/venv/bin/nova"
# The planner blueprint's resources: 256Mi and half a core.
MEMORY_MAX = str(256 * 2**20)


def show(host, prop):
    return host.check_output(f"systemctl show -p {prop} --value {SERVICE}")


def test_nova_is_installed_in_its_venv(host):
    assert "0.1.0" in host.check_output(f"{NOVA} --version")
    rendered = json.loads(host.check_output("/opt/nova/venv/bin/python -m nova.agents.blueprints planner"))
    assert rendered["resources"]["memory"] == int(MEMORY_MAX)


def test_unit_carries_the_blueprint_limits_and_restart_policy(host):
    unit = host.file(f"/etc/systemd/system/{SERVICE}.service")
    assert unit.mode == 0o644
    assert f"MemoryMax={MEMORY_MAX}" in unit.content_string
    assert show(host, "MemoryMax") == MEMORY_MAX
    assert show(host, "CPUQuotaPerSecUSec") == "500ms"
    assert show(host, "Restart") == "on-failure"


def test_worker_runs_as_its_own_account_with_the_blueprint(host):
    assert host.service(SERVICE).is_running
    assert host.service(SERVICE).is_enabled
    pid = show(host, "MainPID")
    assert pid != "0"
    cmdline = host.file(f"/proc/{pid}/cmdline").content_string.split("\0")
    start = cmdline.index("--blueprint")
    assert cmdline[start : start + 4] == ["--blueprint", "planner", "--server", "127.0.0.1:50071"]
    user = host.check_output(f"ps -o user= -p {pid}")
    assert user == "nova-agent"


def test_worker_home_and_policies_are_private(host):
    home = host.file("/var/lib/nova-agent")
    assert home.user == "nova-agent" and home.mode == 0o700
    policies = host.file("/etc/nova-agent/policies/agent.rego")
    assert policies.group == "nova-agent" and policies.mode == 0o640


def test_launch_was_allowed_by_policy_and_audited(host):
    script = (
        "import sqlite3; db = sqlite3.connect('/var/lib/nova-agent/audit.db'); "
        "print([r[0] for r in db.execute('SELECT action FROM entries')])"
    )
    actions = host.check_output(f"/opt/nova/venv/bin/python -c \"{script}\"")
    assert "policy.decision" in actions
    assert "agent.worker.launch" in actions


def wait_settled(host, task_id, deadline):
    while time.monotonic() < deadline:
        task = json.loads(host.check_output(f"{NOVA} queue show {task_id} -o json"))
        if task["state"] in ("succeeded", "dead"):
            return task
        time.sleep(0.5)
    raise AssertionError(f"task {task_id} did not settle")


def enqueue(host, skill, deadline):
    while time.monotonic() < deadline:
        cmd = host.run(f"{NOVA} queue enqueue {skill} --skill {skill} -o json")
        if cmd.rc == 0:
            return json.loads(cmd.stdout)[0]["task_id"]
        time.sleep(0.5)  # the queue server is still starting
    raise AssertionError("the queue server did not come up")


def test_worker_takes_tasks_from_a_queue_and_reports_what_really_ran(host):
    # A queue server on the host's loopback, where the service expects it.
    host.check_output(
        "systemd-run --unit nova-test-queue -p Environment=NOVA_HOME=/tmp/nova-queue "
        f"{NOVA} queue serve --port 50071"
    )
    try:
        # Generous: in CI this runs beside other scenarios on two busy cores.
        deadline = time.monotonic() + 300
        # The catalogue ships in the package: the pipeline check runs on a bare host.
        done = wait_settled(host, enqueue(host, "agents.pipeline", deadline), deadline)
        assert done["state"] == "succeeded", done
        # The phase plan does not: that task fails for good, saying why, never "succeeded".
        dead = wait_settled(host, enqueue(host, "plan.order", deadline), deadline)
        assert dead["state"] == "dead"
        assert "plan file not found" in dead["error"]
    finally:
        host.run("systemctl stop nova-test-queue")
