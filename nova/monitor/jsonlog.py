"""Structured JSON logging to rotating files under NOVA_HOME/logs.

`setup_logging` points the `nova` loggers at one rotating file; `configure`
does the same with the settings `nova monitor setup` saved in
NOVA_HOME/logging.json.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nova.audit.mask import mask, mask_text
from nova.core.errors import InputError
from nova.core.paths import ensure_home, nova_home

_STANDARD = set(vars(logging.makeLogRecord({})))


class JsonFormatter(logging.Formatter):
    """One JSON object a line; extra fields are kept, secrets masked."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask_text(record.getMessage()),
        }
        extra = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if extra:
            # Extra fields never replace time, level, logger or message.
            clean = mask(json.loads(json.dumps(extra, default=str)))
            entry = {**clean, **entry}
        if record.exc_info:
            entry["exception"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(entry, sort_keys=True)


def setup_logging(
    path: Path | None = None,
    level: str = "INFO",
    max_bytes: int = 10 * 1024 * 1024,
    backups: int = 5,
) -> Path:
    """Send the `nova` loggers to a rotating JSON file; returns its path."""
    target = path or ensure_home() / "logs" / "nova.log"
    target.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        target, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
    )
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("nova")
    for old in [h for h in logger.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]:
        logger.removeHandler(old)
        old.close()
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    return target


# Settings written by `nova monitor setup` and read by every process that logs.
SETTINGS_FILE = "logging.json"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_BACKUPS = 5


@dataclass(frozen=True)
class LogSettings:
    """Where logs go and how they rotate; each component writes its own file."""

    directory: Path
    level: str = "INFO"
    max_bytes: int = DEFAULT_MAX_BYTES
    backups: int = DEFAULT_BACKUPS

    def file_for(self, component: str) -> Path:
        return self.directory / f"{component}.log"

    def to_dict(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "level": self.level,
            "max_bytes": self.max_bytes,
            "backups": self.backups,
        }


def settings_path() -> Path:
    return nova_home() / SETTINGS_FILE


def default_settings() -> LogSettings:
    return LogSettings(nova_home() / "logs")


def load_settings(path: Path | None = None) -> LogSettings:
    """The saved settings, or the defaults when none were saved."""
    source = path or settings_path()
    if not source.exists():
        return default_settings()
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(source, None, f"cannot read: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(source, f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from exc
    if not isinstance(document, dict):
        raise InputError(source, None, "expected a JSON object")
    return check_settings(source, document)


def check_settings(source: Path | str, document: dict[str, Any]) -> LogSettings:
    """Validate raw settings; InputError names the field that is wrong."""
    unknown = sorted(set(document) - {"directory", "level", "max_bytes", "backups"})
    if unknown:
        raise InputError(source, unknown[0], "unknown setting")
    directory = document.get("directory", str(nova_home() / "logs"))
    if not isinstance(directory, str) or not directory.strip():
        raise InputError(source, "directory", "must be a folder path")
    level = document.get("level", "INFO")
    if not isinstance(level, str) or level.upper() not in LEVELS:
        raise InputError(source, "level", f"must be one of {', '.join(LEVELS)}")
    max_bytes = document.get("max_bytes", DEFAULT_MAX_BYTES)
    if not _whole(max_bytes, 1024, 1 << 34):
        raise InputError(source, "max_bytes", "must be a whole number from 1024 to 16 GiB")
    backups = document.get("backups", DEFAULT_BACKUPS)
    if not _whole(backups, 1, 1000):
        raise InputError(source, "backups", "must be a whole number from 1 to 1000")
    return LogSettings(Path(directory).expanduser(), level.upper(), max_bytes, backups)


def save_settings(settings: LogSettings, path: Path | None = None) -> Path:
    """Write the settings atomically: a failed write leaves the old file whole."""
    target = path or settings_path()
    if target.parent == nova_home():
        ensure_home()
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(json.dumps(settings.to_dict(), indent=2) + "\n", encoding="utf-8")
    temporary.replace(target)
    return target


def configure(component: str = "nova") -> Path:
    """Log the `nova` loggers to <directory>/<component>.log with the saved settings.

    One file per component (cli, queue, monitor...) because size rotation is
    only safe with a single writing process per file.
    """
    settings = load_settings()
    return setup_logging(
        settings.file_for(component), settings.level, settings.max_bytes, settings.backups
    )


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
