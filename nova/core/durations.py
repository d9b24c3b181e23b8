"""Durations as people write them: `90`, `30s`, `15m`, `1h`, `7d`, `2w`."""

from __future__ import annotations

import re
from typing import Any

DURATION = re.compile(r"^(\d+)\s*([smhdw]?)\Z")
UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: Any) -> float:
    """Seconds in `90`, `30s`, `15m`, `1h`, `7d` or `2w`; ValueError otherwise."""
    if isinstance(text, bool):
        raise ValueError("expected a duration such as 15m, 1h or 7d")
    if isinstance(text, int):
        return float(text)
    match = DURATION.match(str(text).strip())
    if not match:
        raise ValueError("expected a duration such as 15m, 1h or 7d")
    return float(int(match.group(1)) * UNITS[match.group(2)])
