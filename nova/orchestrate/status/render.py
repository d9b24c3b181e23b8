"""Status views as Markdown (templates/status/) or JSON, on screen or exported to a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nova.core.templates import environment


def markdown(name: str, view: dict[str, Any], **extra: Any) -> str:
    template = environment().get_template(f"status/{name}.md.j2")
    return template.render(view=view, **extra)


def as_json(view: dict[str, Any]) -> str:
    return json.dumps(view, indent=2, sort_keys=True, default=str) + "\n"


def export(path: Path, text: str) -> Path:
    """Write atomically, so an interrupted export never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
