"""Status views as Markdown (templates/status/) or JSON, on screen or exported to a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nova.core.exportfile import write_export
from nova.core.templates import environment


def markdown(name: str, view: dict[str, Any], **extra: Any) -> str:
    template = environment().get_template(f"status/{name}.md.j2")
    return template.render(view=view, **extra)


def as_json(view: dict[str, Any]) -> str:
    return json.dumps(view, indent=2, sort_keys=True, default=str) + "\n"


def export(path: Path, text: str) -> Path:
    """Write atomically, making missing folders; what cannot be written is an InputError."""
    return write_export(path, text)
