"""The "Role variables" section of every role's README, made from its argument spec.

    python scripts/role_readmes.py           rewrite the sections that differ
    python scripts/role_readmes.py --check   list the READMEs that differ; exit 1 if any

The section sits in roles/<role>/README.md between the BEGIN and END markers
below; everything outside them is written by hand. Its rows are the options of
the entry point `main` in the role's meta/argument_specs.yml, then the options
that only its other entry points take. To change a row, edit the spec (and
defaults/main.yml: tests/unit/roles/test_role_defaults.py holds the two
together), then run this script. tests/unit/roles/test_role_readmes.py fails
when a committed README differs from what this script makes.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
ROLES = ROOT / "roles"
BEGIN = (
    "<!-- BEGIN role variables: made by scripts/role_readmes.py from meta/argument_specs.yml;"
    " edit the spec and run the script, not this section -->"
)
END = "<!-- END role variables -->"
# Ansible's documentation markup, as argument specs use it, and its Markdown.
# An argument may hold one level of parentheses: C($(ARCH)).
ARG = r"((?:[^()]|\([^()]*\))*)"
MARKUP = [
    (re.compile(rf"\b[CIOV]\({ARG}\)"), r"`\1`"),
    (re.compile(rf"\bB\({ARG}\)"), r"**\1**"),
    (re.compile(rf"\bU\({ARG}\)"), r"<\1>"),
    (re.compile(r"\bL\(([^(),]*),\s*([^()]*)\)"), r"[\1](\2)"),
]


class ReadmeError(Exception):
    """A README the section cannot be written into."""


def role_names() -> list[str]:
    return sorted(p.name for p in ROLES.iterdir() if (p / "meta" / "argument_specs.yml").is_file())


def load_specs(role_dir: Path) -> dict[str, Any]:
    data = yaml.safe_load((role_dir / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    specs = data["argument_specs"]
    if "main" not in specs:
        raise ReadmeError(f"{role_dir.name}: meta/argument_specs.yml has no entry point main")
    return dict(specs)


def prose(description: str | list[str] | None) -> str:
    parts = [description] if isinstance(description, str) else list(description or [])
    text = " ".join(" ".join(str(p).split()) for p in parts)
    for pattern, replacement in MARKUP:
        text = pattern.sub(replacement, text)
    return text


def value(data: Any) -> str:
    """A value as one would write it in group_vars (quoted where YAML needs it), in a code span."""
    if data == "":
        return '`""`'
    shown = yaml.safe_dump(data, default_flow_style=True, width=1 << 20).removesuffix("...\n")
    return f"`{shown.strip()}`"


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def rows(options: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for name, option in options.items():
        kind = option.get("type", "str")
        if kind == "list" and option.get("elements"):
            kind = f"list of {option['elements']}"
        if option.get("required"):
            default = "required"
        elif "default" in option:
            default = value(option["default"])
        else:
            default = "unset"
        text = prose(option.get("description"))
        choices = [value(c) for c in option.get("choices") or []]
        if choices and not all(c in text for c in choices):
            text += " One of " + ", ".join(choices) + "."
        if option.get("no_log"):
            text += " Never logged."
        yield f"| `{prefix}{name}` | {kind} | {cell(default)} | {cell(text.strip())} |"
        if option.get("options"):
            inner = f"{prefix}{name}[]." if option.get("type") == "list" else f"{prefix}{name}."
            yield from rows(option["options"], inner)


def section(role_dir: Path) -> str:
    specs = load_specs(role_dir)
    main = specs["main"].get("options") or {}
    lines = [
        BEGIN,
        "## Role variables",
        "",
        "Every option of the role's entry point `main` (`meta/argument_specs.yml`); the",
        "defaults are the values in `defaults/main.yml`.",
        "",
    ]
    if main:
        lines += ["| variable | type | default | description |", "|---|---|---|---|"]
        lines += rows(main)
    else:
        lines.append("The role takes no options.")
    others = [name for name in specs if name != "main"]
    if others:
        named = ", ".join(f"`{name}`" for name in others)
        lines += ["", f"Other entry points (`tasks_from`): {named}."]
        extra: dict[str, Any] = {}
        for name in others:
            for option, spec in (specs[name].get("options") or {}).items():
                if option not in main:
                    extra.setdefault(option, spec)
        if extra:
            lines += [
                "Options they take besides those above:",
                "",
                "| variable | type | default | description |",
                "|---|---|---|---|",
                *rows(extra),
            ]
    lines.append(END)
    return "\n".join(lines) + "\n"


def render(role_dir: Path, readme: str) -> str:
    """The README with its section made afresh from the role's argument spec."""
    begin, end = readme.find(BEGIN), readme.find(END)
    if begin < 0 or end < begin or readme.count(BEGIN) != 1 or readme.count(END) != 1:
        raise ReadmeError(
            f"{role_dir.name}/README.md: put the two markers, each once and on a line of its own,"
            f" where the section goes:\n{BEGIN}\n{END}"
        )
    after = end + len(END)
    if readme[after : after + 1] == "\n":
        after += 1
    return readme[:begin] + section(role_dir) + readme[after:]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if any differs"
    )
    args = parser.parse_args(argv)
    stale = []
    for role in role_names():
        path = ROLES / role / "README.md"
        try:
            current = path.read_text(encoding="utf-8")
            wanted = render(ROLES / role, current)
        except (OSError, ReadmeError) as exc:
            print(exc, file=sys.stderr)
            return 2
        if wanted != current:
            stale.append(role)
            if not args.check:
                path.write_text(wanted, encoding="utf-8")
    verb = "differs from its argument spec" if args.check else "rewritten"
    for role in stale:
        print(f"roles/{role}/README.md: {verb}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
