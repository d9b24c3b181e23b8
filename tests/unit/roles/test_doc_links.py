"""Every role documents itself in roles/<role>/README.md, and the links to those pages work.

A role's page lives in the role, so it ships in the collection's tarball with
the role. Relative links resolve from the file's real place: the role pages
sit under collections/ansible_collections/nova/spark/roles/, which the
repository's roles/ links to.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nova.core.paths import project_root

ROOT = project_root()
ROLES_DIR = ROOT / "roles"
ROLES = sorted(p.name for p in ROLES_DIR.iterdir() if (p / "tasks").is_dir())
LINK = re.compile(r"\]\(([^)\s]+)\)")


def pages() -> list[Path]:
    found = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    collection = (ROLES_DIR / "..").resolve()
    found += sorted(collection.glob("*.md"))
    found += [ROLES_DIR / role / "README.md" for role in ROLES]
    return found


def relative_links(page: Path) -> list[str]:
    targets = LINK.findall(page.read_text(encoding="utf-8"))
    return [t for t in targets if not re.match(r"^(https?:|mailto:|#)", t)]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_its_readme(role: str) -> None:
    readme = ROLES_DIR / role / "README.md"
    assert readme.is_file()
    assert readme.read_text(encoding="utf-8").startswith(f"# Role `{role}`\n")


def test_role_pages_are_no_longer_under_docs() -> None:
    assert not (ROOT / "docs" / "roles").exists()
    for page in pages():
        assert "docs/roles/" not in page.read_text(encoding="utf-8"), page


def test_the_roles_table_links_every_role_readme() -> None:
    links = set(relative_links(ROOT / "README.md"))
    for role in ROLES:
        assert f"collections/ansible_collections/nova/spark/roles/{role}/README.md" in links


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    base = page.resolve().parent
    broken = [t for t in relative_links(page) if not (base / t.split("#")[0]).exists()]
    assert broken == []
