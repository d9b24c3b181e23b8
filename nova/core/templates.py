"""The Jinja2 environment for templates/: every Markdown report and plan renders through it."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from nova.core.paths import project_root


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(project_root() / "templates")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Markdown, not HTML
    )
