"""Reject Rego that regopy would accept with a meaning other than the author's.

regopy parses Rego v0 rule bodies (`deny[msg] { ... }`) without complaint but
reads `deny[msg]` as an object keyed by `msg` rather than a set of messages,
so a deny list silently turns into something else. Policies must be Rego v1:
every rule body opens with `if`, and multi-value rules say `contains`.
`with input as <document>` crashes the regopy 1.5 process outright, so tests
override input one field at a time (`with input.hosts as [...]`).
"""

from __future__ import annotations

import re

from nova.core.errors import InputError

_BRACKET_HEAD = re.compile(r"^([A-Za-z_][\w.]*)\s*\[[^\]]*\]\s*(if\b|\{)")
_WHOLE_INPUT_OVERRIDE = re.compile(r"\bwith\s+input\s+as\b")
_WORD_BEFORE = re.compile(r"(:=|=|[A-Za-z_]\w*|\S)\s*$")


def check_v1(name: str, source: str) -> None:
    """Raise InputError naming the file and line of the first v0 construct."""
    code = _blank_strings_and_comments(source)
    if not re.search(r"^\s*package\s+[\w.]+", code, re.MULTILINE):
        raise InputError(name, "package", "missing package declaration")
    for match in _WHOLE_INPUT_OVERRIDE.finditer(code):
        raise InputError(
            name,
            f"line {_line_of(code, match.start())}",
            "`with input as` a whole document crashes regopy; override fields "
            "(`with input.field as value`)",
        )
    depth = 0
    line_start = True
    for index, char in enumerate(code):
        if depth == 0 and line_start and not char.isspace():
            _check_head(name, code, index)
        line_start = char == "\n" or (line_start and char.isspace())
        if char in "([{":
            if char == "{" and depth == 0:
                _check_body_opening(name, code, index)
            depth += 1
        elif char in ")]}":
            depth = max(depth - 1, 0)


def _check_head(name: str, code: str, index: int) -> None:
    line = code[index : code.find("\n", index) if "\n" in code[index:] else len(code)]
    if _BRACKET_HEAD.match(line):
        raise InputError(
            name,
            f"line {_line_of(code, index)}",
            "Rego v0 rule head `name[x]`: write `name contains x if` for a set "
            "or `name[x] := value if` for an object",
        )


def _check_body_opening(name: str, code: str, index: int) -> None:
    before = _WORD_BEFORE.search(code[:index])
    word = before.group(1) if before else ""
    if word in ("if", ":=", "=", "contains", "(", ",", "[", "|"):
        return
    raise InputError(
        name,
        f"line {_line_of(code, index)}",
        "rule body without `if` (Rego v0 syntax); policies must be Rego v1",
    )


def _line_of(code: str, index: int) -> int:
    return code.count("\n", 0, index) + 1


def _blank_strings_and_comments(source: str) -> str:
    """Replace comments and string contents with spaces, keeping line numbers."""
    out: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "#":
            end = source.find("\n", i)
            end = len(source) if end == -1 else end
            out.append(" " * (end - i))
            i = end
        elif char in '"`':
            end = _string_end(source, i)
            out.append('"' + "".join("\n" if c == "\n" else " " for c in source[i + 1 : end - 1]))
            out.append('"')
            i = end
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _string_end(source: str, start: int) -> int:
    quote = source[start]
    i = start + 1
    while i < len(source):
        if quote == '"' and source[i] == "\\":
            i += 2
            continue
        if source[i] == quote:
            return i + 1
        if quote == '"' and source[i] == "\n":
            return i
        i += 1
    return len(source)
