"""What a dashboard test holds of its browser: the page, its console errors, screenshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nova.core.paths import project_root

if TYPE_CHECKING:
    from playwright.sync_api import Page

SHOTS = project_root() / "build" / "test-results" / "dashboard"


@dataclass
class Browser:
    page: Page
    errors: list[str] = field(default_factory=list)

    def shoot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path
