#!/usr/bin/python3
"""Per-GPU metrics from NVML for node exporter's textfile collector.

Writes nova_gpu.prom atomically. It never fails: without the NVML Python
binding (nvidia-ml-py, imported as pynvml), without a driver or without a GPU
it reports nova_gpu_count 0. A reading NVML answers "Not Supported" for (on
DGX Spark's GB10, framebuffer memory: the memory is unified) is left out and
marked nova_gpu_metric_supported 0; memory then comes from /proc/meminfo.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

OUTPUT_NAME = "nova_gpu.prom"

HELP = {
    "nova_gpu_count": ("gauge", "GPUs NVML reports on this host (0 without NVML or GPU)."),
    "nova_gpu_nvml_available": ("gauge", "1 when NVML loaded and initialised."),
    "nova_gpu_info": ("gauge", "Constant 1, labelled with the GPU's name and UUID."),
    "nova_gpu_utilization_ratio": ("gauge", "Share of time the GPU was busy (0-1)."),
    "nova_gpu_memory_total_bytes": ("gauge", "GPU memory (unified: host memory)."),
    "nova_gpu_memory_used_bytes": ("gauge", "GPU memory in use (unified: host memory in use)."),
    "nova_gpu_temperature_celsius": ("gauge", "GPU core temperature."),
    "nova_gpu_power_watts": ("gauge", "GPU power draw."),
    "nova_gpu_ecc_errors_total": ("counter", "ECC errors since the driver loaded."),
    "nova_gpu_metric_supported": ("gauge", "0 when NVML answered Not Supported (or failed)."),
    "nova_gpu_collector_success": ("gauge", "1 when the collector finished without error."),
    "nova_gpu_collector_duration_seconds": ("gauge", "Time the collector took."),
    "nova_gpu_collector_last_run_timestamp_seconds": ("gauge", "When the collector last ran."),
}

Sample = tuple[str, dict[str, str], float]


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(samples: Iterable[Sample]) -> str:
    by_name: dict[str, list[Sample]] = {}
    for sample in samples:
        by_name.setdefault(sample[0], []).append(sample)
    lines: list[str] = []
    for name, group in by_name.items():
        kind, text = HELP[name]
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        for _, labels, value in group:
            inner = ",".join(f'{k}="{escape(v)}"' for k, v in sorted(labels.items()))
            lines.append(
                f"{name}{{{inner}}} {float(value)!r}" if inner else f"{name} {float(value)!r}"
            )
    return "\n".join(lines) + "\n"


def write_atomically(folder: str, name: str, text: str) -> None:
    """node exporter reads only *.prom, so the partial file is never scraped."""
    fd, partial = tempfile.mkstemp(dir=folder, prefix="." + name + ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(partial, 0o644)
        os.replace(partial, os.path.join(folder, name))
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise


def meminfo(path: str = "/proc/meminfo") -> tuple[float, float] | None:
    """(total, used) bytes of host memory; GB10's GPU shares it."""
    values: dict[str, float] = {}
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                key, _, rest = line.partition(":")
                parts = rest.split()
                if parts:
                    values[key] = float(parts[0]) * 1024
    except OSError:
        return None
    if "MemTotal" not in values or "MemAvailable" not in values:
        return None
    return values["MemTotal"], values["MemTotal"] - values["MemAvailable"]


def load_nvml() -> ModuleType | None:
    try:
        import pynvml  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    return pynvml  # type: ignore[no-any-return,unused-ignore]


def text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def gpu_samples(nvml: ModuleType, index: int, meminfo_path: str) -> list[Sample]:
    handle = nvml.nvmlDeviceGetHandleByIndex(index)
    gpu = {"gpu": str(index)}
    samples: list[Sample] = []

    def read(metric: str, call: Callable[[], Any]) -> Any:
        """Any NVML error, Not Supported included, drops this one reading only."""
        try:
            value = call()
        except nvml.NVMLError:
            samples.append(("nova_gpu_metric_supported", {**gpu, "metric": metric}, 0))
            return None
        samples.append(("nova_gpu_metric_supported", {**gpu, "metric": metric}, 1))
        return value

    name = read("name", lambda: nvml.nvmlDeviceGetName(handle))
    uuid = read("uuid", lambda: nvml.nvmlDeviceGetUUID(handle))
    info = {**gpu, "name": text(name or "unknown"), "uuid": text(uuid or "")}
    samples.append(("nova_gpu_info", info, 1))
    rates = read("utilization", lambda: nvml.nvmlDeviceGetUtilizationRates(handle))
    if rates is not None:
        samples.append(("nova_gpu_utilization_ratio", gpu, rates.gpu / 100))
    memory = read("memory", lambda: nvml.nvmlDeviceGetMemoryInfo(handle))
    if memory is not None:
        samples.append(("nova_gpu_memory_total_bytes", {**gpu, "source": "nvml"}, memory.total))
        samples.append(("nova_gpu_memory_used_bytes", {**gpu, "source": "nvml"}, memory.used))
    else:
        host = meminfo(meminfo_path)
        if host is not None:
            samples.append(("nova_gpu_memory_total_bytes", {**gpu, "source": "meminfo"}, host[0]))
            samples.append(("nova_gpu_memory_used_bytes", {**gpu, "source": "meminfo"}, host[1]))
    temperature = read(
        "temperature",
        lambda: nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU),
    )
    if temperature is not None:
        samples.append(("nova_gpu_temperature_celsius", gpu, temperature))
    power = read("power", lambda: nvml.nvmlDeviceGetPowerUsage(handle))
    if power is not None:
        samples.append(("nova_gpu_power_watts", gpu, power / 1000))
    for kind, constant in (
        ("corrected", "NVML_MEMORY_ERROR_TYPE_CORRECTED"),
        ("uncorrected", "NVML_MEMORY_ERROR_TYPE_UNCORRECTED"),
    ):
        count = read(
            f"ecc_{kind}",
            lambda c=constant: nvml.nvmlDeviceGetTotalEccErrors(  # type: ignore[misc]
                handle, getattr(nvml, c), nvml.NVML_VOLATILE_ECC
            ),
        )
        if count is not None:
            samples.append(("nova_gpu_ecc_errors_total", {**gpu, "type": kind}, count))
    return samples


def collect(nvml: ModuleType | None, meminfo_path: str = "/proc/meminfo") -> list[Sample]:
    if nvml is None:
        return [("nova_gpu_nvml_available", {}, 0), ("nova_gpu_count", {}, 0)]
    try:
        nvml.nvmlInit()
    except Exception:  # noqa: BLE001 - no driver, no library: the host has no usable GPU
        return [("nova_gpu_nvml_available", {}, 0), ("nova_gpu_count", {}, 0)]
    samples: list[Sample] = [("nova_gpu_nvml_available", {}, 1)]
    try:
        count = int(nvml.nvmlDeviceGetCount())
        samples.append(("nova_gpu_count", {}, count))
        for index in range(count):
            try:
                samples += gpu_samples(nvml, index, meminfo_path)
            except nvml.NVMLError:
                samples.append(
                    ("nova_gpu_metric_supported", {"gpu": str(index), "metric": "handle"}, 0)
                )
    except nvml.NVMLError:
        samples.append(("nova_gpu_count", {}, 0))
    finally:
        try:
            nvml.nvmlShutdown()
        except nvml.NVMLError:
            pass
    return samples


def run(folder: str, nvml: ModuleType | None, meminfo_path: str = "/proc/meminfo") -> int:
    started = time.monotonic()
    try:
        samples = collect(nvml, meminfo_path)
        ok = 1
    except Exception as error:  # noqa: BLE001 - a broken reading must still leave a file
        print(f"nova-gpu-collector: {error}", file=sys.stderr)
        samples, ok = [("nova_gpu_count", {}, 0)], 0
    samples += [
        ("nova_gpu_collector_success", {}, ok),
        ("nova_gpu_collector_duration_seconds", {}, time.monotonic() - started),
        ("nova_gpu_collector_last_run_timestamp_seconds", {}, time.time()),
    ]
    write_atomically(folder, OUTPUT_NAME, render(samples))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True, help="node exporter's textfile folder")
    args = parser.parse_args(argv)
    return run(args.output, load_nvml())


if __name__ == "__main__":
    sys.exit(main())
