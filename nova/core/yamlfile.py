"""Reading a YAML file a person wrote: any error names the file, the line and the reason.

Aliases are allowed, but a document must stay small once they are expanded
(no "billion laughs"), may not contain itself, and may not nest deeper than
the parser can follow: each is refused as one InputError, never a hang, a
blown-up memory or a traceback. Values YAML cannot build (a 13th month, an
integer of thousands of digits, `!!bool maybe`) are refused the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from nova.core.errors import InputError

# Nodes a document may have with every alias expanded: far above any file a
# person writes, far below what would exhaust memory or time downstream.
MAX_EXPANDED_NODES = 1_000_000
# What PyYAML's constructors raise on a value they cannot build: `2026-13-01`
# and a 5000-digit integer (ValueError), `!!bool maybe` (KeyError),
# `!!timestamp now` (AttributeError).
CONSTRUCTION_ERRORS = (ValueError, OverflowError, TypeError, AttributeError, KeyError, IndexError)


def load_yaml(path: Path, missing: str = "file not found") -> Any:
    """The parsed document (None for an empty file); InputError when unreadable or invalid."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, None, missing) from None
    except UnicodeDecodeError:
        raise InputError(path, None, "not UTF-8 text (a binary file?)") from None
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from None
    return parse_yaml(text, path)


def parse_yaml(text: str, source: str | Path) -> Any:
    """`text` parsed with the safe loader, within the bounds above; InputError naming `source`."""
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)  # refuses unprintable characters at once
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(source, node)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(source, where, f"not valid YAML ({problem})") from None
    except RecursionError:
        raise InputError(source, None, "not valid YAML (nested too deeply)") from None
    except CONSTRUCTION_ERRORS as exc:
        # What a constructor says may quote the value, and a value may be a secret.
        reason = f"a value out of range or of the wrong form: {type(exc).__name__}"
        raise InputError(source, None, f"not valid YAML ({reason})") from None
    finally:
        if loader is not None:
            loader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(source: str | Path, root: yaml.Node) -> None:
    """Refuse a node graph that contains itself or expands past MAX_EXPANDED_NODES.

    Walked without recursion, each node once: an alias shares its node, so
    the expanded size of a node is counted from its children's sizes.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > MAX_EXPANDED_NODES:
                line = node.start_mark.line + 1
                raise InputError(
                    source,
                    f"line {line}",
                    f"aliases expand past {MAX_EXPANDED_NODES} nodes (a YAML bomb?)",
                )
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            line = node.start_mark.line + 1
            raise InputError(source, f"line {line}", "an alias refers to a node that contains it")
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
