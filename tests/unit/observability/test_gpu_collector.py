"""The GPU textfile collector: the paths this machine has for real (no NVML
binding, NVML that cannot initialise), and GB10's "Not Supported" answers
through a stand-in NVML module, because no GPU exists here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from nova.core.paths import project_root

FILES = project_root() / "roles" / "node_exporter" / "files"

MEMINFO = "MemTotal: 131072000 kB\nMemFree: 1000000 kB\nMemAvailable: 100000000 kB\n"


def read_metrics(path: Path) -> dict[str, float]:
    found: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


def test_without_nvml_the_script_reports_no_gpu(tmp_path: Path) -> None:
    """The real script, run as the timer runs it, on this machine without pynvml."""
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-S", str(FILES / "nova-gpu-collector.py"), "--output", str(tmp_path)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    metrics = read_metrics(tmp_path / "nova_gpu.prom")
    assert metrics["nova_gpu_count"] == 0
    assert metrics["nova_gpu_nvml_available"] == 0
    assert metrics["nova_gpu_collector_success"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["nova_gpu.prom"]  # no partial file left


def test_nvml_that_cannot_initialise_counts_zero(gpu_collector: ModuleType) -> None:
    """A binding without a driver: nvmlInit raises (libnvidia-ml.so missing)."""

    class Broken(Exception):
        pass

    def init() -> None:
        raise Broken("NVML Shared Library Not Found")

    nvml = SimpleNamespace(NVMLError=Broken, nvmlInit=init)
    samples = gpu_collector.collect(nvml)
    assert ("nova_gpu_count", {}, 0) in samples


class NVMLError(Exception):
    def __init__(self, value: int) -> None:
        super().__init__(value)
        self.value = value


NOT_SUPPORTED = 3


def stand_in_gb10() -> Any:
    """A stand-in for pynvml on a DGX Spark (no GB10 here): one GPU whose
    framebuffer memory and ECC counters answer Not Supported, as NVML does on
    unified memory, while utilisation, temperature and power answer."""

    def not_supported(*_: Any) -> Any:
        raise NVMLError(NOT_SUPPORTED)

    return SimpleNamespace(
        NVMLError=NVMLError,
        NVML_TEMPERATURE_GPU=0,
        NVML_MEMORY_ERROR_TYPE_CORRECTED=0,
        NVML_MEMORY_ERROR_TYPE_UNCORRECTED=1,
        NVML_VOLATILE_ECC=0,
        nvmlInit=lambda: None,
        nvmlShutdown=lambda: None,
        nvmlDeviceGetCount=lambda: 1,
        nvmlDeviceGetHandleByIndex=lambda i: f"handle-{i}",
        nvmlDeviceGetName=lambda h: b"NVIDIA GB10",
        nvmlDeviceGetUUID=lambda h: "GPU-0000",
        nvmlDeviceGetUtilizationRates=lambda h: SimpleNamespace(gpu=37, memory=0),
        nvmlDeviceGetMemoryInfo=not_supported,
        nvmlDeviceGetTemperature=lambda h, sensor: 61,
        nvmlDeviceGetPowerUsage=lambda h: 45250,
        nvmlDeviceGetTotalEccErrors=not_supported,
    )


def test_gb10_not_supported_memory_falls_back_to_meminfo(
    gpu_collector: ModuleType, tmp_path: Path
) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(MEMINFO, encoding="utf-8")
    samples = gpu_collector.collect(stand_in_gb10(), str(meminfo))
    by_key = {(n, tuple(sorted(labels.items()))): v for n, labels, v in samples}
    gpu = (("gpu", "0"),)
    assert by_key[("nova_gpu_count", ())] == 1
    assert by_key[("nova_gpu_utilization_ratio", gpu)] == 0.37
    assert by_key[("nova_gpu_temperature_celsius", gpu)] == 61
    assert by_key[("nova_gpu_power_watts", gpu)] == 45.25
    from_meminfo = (("gpu", "0"), ("source", "meminfo"))
    assert by_key[("nova_gpu_memory_total_bytes", from_meminfo)] == 131072000 * 1024
    used = (131072000 - 100000000) * 1024
    assert by_key[("nova_gpu_memory_used_bytes", from_meminfo)] == used
    assert by_key[("nova_gpu_metric_supported", (("gpu", "0"), ("metric", "memory")))] == 0
    assert by_key[("nova_gpu_metric_supported", (("gpu", "0"), ("metric", "ecc_uncorrected")))] == 0
    assert not any(n == "nova_gpu_ecc_errors_total" for n, _, _ in samples)
    assert ("nova_gpu_info", {"gpu": "0", "name": "NVIDIA GB10", "uuid": "GPU-0000"}, 1) in samples


def test_a_failing_reading_still_writes_a_file(gpu_collector: ModuleType, tmp_path: Path) -> None:
    nvml = stand_in_gb10()
    nvml.nvmlDeviceGetCount = lambda: (_ for _ in ()).throw(RuntimeError("driver went away"))
    assert gpu_collector.run(str(tmp_path), nvml) == 0
    metrics = read_metrics(tmp_path / "nova_gpu.prom")
    assert metrics["nova_gpu_collector_success"] == 0
    assert metrics["nova_gpu_count"] == 0


def test_output_is_valid_exposition_text(gpu_collector: ModuleType, tmp_path: Path) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    meminfo = tmp_path / "meminfo"
    meminfo.write_text(MEMINFO, encoding="utf-8")
    text = gpu_collector.render(gpu_collector.collect(stand_in_gb10(), str(meminfo)))
    families = {f.name for f in text_string_to_metric_families(text)}
    assert {"nova_gpu_count", "nova_gpu_memory_used_bytes", "nova_gpu_info"} <= families
