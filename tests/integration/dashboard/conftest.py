"""A real `nova dashboard` process and Debian's chromium driven by Playwright.

The browser is /usr/bin/chromium from Debian (scripts/bootstrap.sh installs
it); `playwright install` is never run, since it downloads browsers of its
own. Each page's screenshot is kept under build/test-results/dashboard/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_browser import Browser

from nova.core.paths import project_root

CHROMIUM = Path("/usr/bin/chromium")
READY = re.compile(r"dashboard on (http://127\.0\.0\.1:\d+)/")


def _require_browser() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = "playwright (pip install -e '.[test]')"
    else:
        missing = "" if CHROMIUM.exists() else "Debian's chromium (scripts/bootstrap.sh)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing} is missing; scripts/bootstrap.sh installs it")
        pytest.skip(f"{missing} is not installed")


@pytest.fixture
def dashboard(nova_home: Path) -> Iterator[str]:
    """The base URL of `nova dashboard --port 0`, a child process over `nova_home`."""
    env = {**os.environ, "NOVA_HOME": str(nova_home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "nova", "dashboard", "--port", "0"],
        cwd=project_root(),
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    try:
        line = proc.stderr.readline()
        match = READY.search(line)
        assert match, f"the dashboard did not start: {line}"
        yield match.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture
def browser() -> Iterator[Browser]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(20_000)
        session = Browser(page)
        # A CSP violation or a script error is an error on the console.
        page.on("console", lambda m: session.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: session.errors.append(str(e)))
        try:
            yield session
        finally:
            chromium.close()
