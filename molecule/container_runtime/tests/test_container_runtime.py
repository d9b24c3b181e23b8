"""What container_runtime leaves on a Debian 12 host: Docker and Compose from
Debian, a running daemon that uses the configured daemon.json, and nothing
left behind by the check-mode run of the upstream and GPU branches."""

import json

DAEMON_JSON = "/etc/docker/daemon.json"
DATA_ROOT = "/srv/docker"
COMPOSE_FILE = """\
version: "3"
services:
  web:
    image: nginx
    ports: ["8080:80"]
"""


def test_engine_and_compose_come_from_debian(host):
    assert host.package("docker.io").is_installed
    assert host.package("docker-compose").is_installed
    assert not host.package("docker-ce").is_installed
    assert host.check_output("dockerd --version").startswith("Docker version 20.10")


def test_daemon_json_holds_the_configured_settings(host):
    daemon_json = host.file(DAEMON_JSON)
    assert daemon_json.user == "root"
    assert daemon_json.mode == 0o644
    settings = json.loads(daemon_json.content_string)
    assert settings == {
        "data-root": DATA_ROOT,
        "live-restore": True,
        "log-driver": "json-file",
        "log-opts": {"max-file": "2", "max-size": "5m"},
    }


def test_docker_is_enabled_and_running(host):
    docker = host.service("docker")
    assert docker.is_enabled
    assert docker.is_running


def test_running_daemon_uses_daemon_json(host):
    # dockerd 20.10 has no --validate: the daemon running with these values is the proof.
    info = json.loads(host.check_output("docker info --format '{{json .}}'"))
    assert info["LoggingDriver"] == "json-file"
    assert info["DockerRootDir"] == DATA_ROOT
    assert info["LiveRestoreEnabled"] is True
    assert host.file(DATA_ROOT).is_directory


def test_compose_reads_a_project(host):
    project = "/tmp/compose-check"
    host.check_output(
        "mkdir -p %s && printf '%%s' %s > %s/docker-compose.yml", project, COMPOSE_FILE, project
    )
    rendered = host.check_output(f"cd {project} && docker-compose config --services")
    assert rendered.split() == ["web"]


def test_deploy_can_use_docker(host):
    assert "docker" in host.user("deploy").groups
    version = host.check_output(
        "runuser -u deploy -- docker version --format '{{.Server.Version}}'"
    )
    assert version.startswith("20.10")


def test_check_mode_left_no_upstream_repository_behind(host):
    for name in ("docker", "kubernetes", "helm", "nvidia-container-toolkit"):
        assert not host.file(f"/etc/apt/sources.list.d/nova-{name}.sources").exists
        assert not host.file(f"/etc/apt/keyrings/nova-{name}.asc").exists
    for package in ("kubectl", "helm", "nvidia-container-toolkit"):
        assert not host.package(package).is_installed
    assert "nvidia" not in host.file(DAEMON_JSON).content_string
    assert not host.file("/etc/ansible/facts.d/nova.fact").exists


def test_repositories_no_longer_wanted_are_removed_and_others_kept(host):
    # prepare.yml left these as an earlier run with helm turned on would have
    assert not host.file("/etc/apt/sources.list.d/nova-helm.sources").exists
    assert not host.file("/etc/apt/keyrings/nova-helm.asc").exists
    assert host.file("/etc/apt/sources.list.d/local-helm.sources").exists
