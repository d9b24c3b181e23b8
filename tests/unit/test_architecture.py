"""The import graph of `nova`, drawn from the code: no cycles, and imports run down the layers.

Every import counts, including those made inside functions for start-up
time; only imports under `if TYPE_CHECKING:` (which never run) are left out.
docs/architecture.md describes the same layers.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "nova"

# Bottom to top: a package may import its own modules and those of lower layers.
LAYERS: list[set[str]] = [
    {"core"},
    {"audit", "kpi", "sandbox", "ansible"},
    {"policy", "runs", "qa", "monitor"},
    {"queue", "provisioning", "controller", "network", "compliance"},
    {"backup"},
    {"agents", "doctor"},
    {"orchestrate"},
    {"dashboard"},
    {"cli"},
    {"__main__"},
]
LAYER = {package: n for n, packages in enumerate(LAYERS) for package in packages}
LAYER["__init__"] = 0  # nova/__init__.py: process-wide settings, imports nothing of Nova


def module_files() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        if "_pb2" in path.name:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except those under `if TYPE_CHECKING:`."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    # `from pkg import submodule` needs the submodule, not pkg's own code.
                    targets.append(submodule if submodule in modules else node.module)
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_package_has_a_layer() -> None:
    packages = {package_of(m) for m in module_files()}
    assert packages - set(LAYER) == set(), "add the new package to LAYERS"
    assert set(LAYER) - packages == set(), "LAYERS names a package that is gone"


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_imports_run_down_the_layers() -> None:
    upward = sorted(
        f"{source} imports {target}"
        for source, targets in import_graph().items()
        for target in targets
        if package_of(source) != package_of(target)
        and LAYER[package_of(target)] >= LAYER[package_of(source)]
    )
    assert upward == []


def test_the_checks_see_a_cycle_and_an_upward_import() -> None:
    # The checks themselves must be able to fail.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c"]]
    assert LAYER[package_of("nova.core.paths")] < LAYER[package_of("nova.cli.runs")]
