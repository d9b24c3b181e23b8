"""Ansible settings chosen for the run at hand: forks and the fact cache.

ansible.cfg's fixed `forks = 20` is too many for a small controller with
a large inventory (each fork is a Python process of its own) and too few
for 50 hosts on a roomy one. Nova picks the fork count from the number of
hosts and the controller's available memory, and says why; `--forks`
overrides it.

Facts go to a JSON cache under NOVA_HOME, one folder per inventory, kept a
day: the roles gather only the subsets they use, and only when a fact is
missing, so a re-run reads them from the cache instead of asking every host
again. `--refresh-facts` empties the inventory's cache first.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from nova.core.paths import fact_cache_dir

# What one fork costs the controller at its peak, measured on the sandbox
# (ansible-playbook's worker processes, with their copy of the play), rounded up.
FORK_MIB = 100
# The share of available memory the forks may take: the rest stays for the
# controller's own work (ansible-playbook's main process, Nova, the runner).
MEMORY_SHARE = 0.5
# Past this, forks wait on the controller's CPU more than on the hosts.
MAX_FORKS = 64
# Facts are kept a day: hardware and distribution facts do not change between runs.
FACT_CACHE_SECONDS = 86_400


@dataclass(frozen=True)
class Tuning:
    forks: int
    reason: str
    fact_cache: Path

    def env(self) -> dict[str, str]:
        return {
            "ANSIBLE_FORKS": str(self.forks),
            "ANSIBLE_CACHE_PLUGIN_TIMEOUT": str(FACT_CACHE_SECONDS),
        }


def available_memory() -> int | None:
    """Bytes of memory available to new processes, from /proc/meminfo; None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def choose_forks(
    hosts: int, available_bytes: int | None, override: int | None = None
) -> tuple[int, str]:
    """The fork count for `hosts` hosts, and the reason for it."""
    if override is not None:
        if override < 1:
            raise ValueError("forks must be at least 1")
        return override, "given with --forks"
    wanted = max(1, hosts)
    if available_bytes is None:
        limit = MAX_FORKS
        memory_note = "controller memory unknown"
    else:
        limit = max(1, int(available_bytes * MEMORY_SHARE) // (FORK_MIB * 1024 * 1024))
        memory_note = f"{available_bytes // (1024 * 1024)} MiB available allows {limit}"
    forks = min(wanted, limit, MAX_FORKS)
    if forks == wanted:
        reason = f"one per host ({hosts}); {memory_note}"
    elif forks == limit:
        reason = f"{hosts} hosts, but {memory_note} at {FORK_MIB} MiB each"
    else:
        reason = f"{hosts} hosts, capped at {MAX_FORKS}; {memory_note}"
    return forks, reason


def tune(
    inventory: str, hosts: int, forks: int | None = None, refresh_facts: bool = False
) -> Tuning:
    """The settings for one run of `hosts` hosts of `inventory`."""
    count, reason = choose_forks(hosts, available_memory(), forks)
    cache = fact_cache_dir(inventory)
    if refresh_facts and cache.exists():
        shutil.rmtree(cache)
    cache.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(cache, 0o700)
    return Tuning(forks=count, reason=reason, fact_cache=cache)
