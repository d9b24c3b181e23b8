"""What system_check leaves on a host: a local fact that matches the host."""

import json

FACT = "/etc/ansible/facts.d/nova.fact"


def read_fact(host):
    fact = host.file(FACT)
    assert fact.exists and fact.is_file
    assert fact.mode == 0o644
    return json.loads(fact.content_string)


def test_fact_records_the_cpu(host):
    data = read_fact(host)
    cores = int(host.check_output("nproc --all"))
    assert data["cpu"]["cores"] == cores
    assert data["cpu"]["architecture"] == host.system_info.arch


def test_fact_records_memory_and_disk(host):
    data = read_fact(host)
    meminfo_kb = int(host.check_output("awk '/MemTotal/ {print $2}' /proc/meminfo"))
    assert abs(data["memory_mb"] - meminfo_kb // 1024) <= 1
    assert data["disk"]["path"] == "/"
    assert data["disk"]["total_gb"] > 0


def test_fact_records_kernel_os_and_virtualisation(host):
    data = read_fact(host)
    assert data["kernel"] == host.check_output("uname -r")
    assert data["os"]["distribution"] == "Debian"
    assert data["virtualization"]["type"] == "docker"


def test_no_gpu_in_a_container(host):
    data = read_fact(host)
    assert data["gpus"] == []
    assert data["gpu_count"] == 0

