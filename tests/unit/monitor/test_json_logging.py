from __future__ import annotations

import json
import logging
from pathlib import Path

from nova.monitor.jsonlog import setup_logging


def test_json_lines_rotate_and_mask(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "nova.log", max_bytes=2000, backups=2)
    logger = logging.getLogger("nova.test")
    for n in range(60):
        logger.info("phase done", extra={"phase": "base", "n": n, "api_token": "tok-secret"})
    lines = path.read_text().splitlines()
    record = json.loads(lines[-1])
    assert record["message"] == "phase done" and record["phase"] == "base"
    assert record["api_token"] == "***"
    assert (tmp_path / "nova.log.1").exists() and not (tmp_path / "nova.log.3").exists()
    assert "tok-secret" not in "".join(p.read_text() for p in tmp_path.glob("nova.log*"))
