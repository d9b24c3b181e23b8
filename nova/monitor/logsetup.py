"""`nova monitor setup`: save the logging settings and show where logs go.

The settings are validated before anything is written, and written
atomically, so a bad option leaves the saved settings as they were.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nova.monitor.jsonlog import (
    LogSettings,
    check_settings,
    configure,
    load_settings,
    save_settings,
    settings_path,
)

COMPONENTS = ("nova", "queue", "worker", "monitor")


@dataclass(frozen=True)
class LoggingSetup:
    settings_file: Path
    settings: LogSettings
    files: dict[str, Path]  # component -> its log file

    def to_dict(self) -> dict[str, Any]:
        return {
            "settings_file": str(self.settings_file),
            **self.settings.to_dict(),
            "files": {name: str(path) for name, path in self.files.items()},
        }


def set_up(changes: dict[str, Any]) -> LoggingSetup:
    """Merge `changes` into the saved settings, save them and log one line with them."""
    current = load_settings().to_dict()
    merged = {**current, **{k: v for k, v in changes.items() if v is not None}}
    settings = check_settings("nova monitor setup", merged)
    settings.directory.mkdir(parents=True, exist_ok=True)
    saved = save_settings(settings)
    configure("monitor")
    logging.getLogger("nova.monitor").info(
        "logging configured", extra={"log_settings": settings.to_dict()}
    )
    return LoggingSetup(saved, settings, {c: settings.file_for(c) for c in COMPONENTS})


def current() -> LoggingSetup:
    settings = load_settings()
    return LoggingSetup(settings_path(), settings, {c: settings.file_for(c) for c in COMPONENTS})
