"""Run ids, one form for every engine: provisioning, orchestration, skills and backup jobs."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime


def new_run_id(prefix: str = "") -> str:
    """`20261203-154210-a1b2c3`: sorts by start time; the random tail keeps ids unique."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)
    return f"{prefix}-{stamp}" if prefix else stamp
