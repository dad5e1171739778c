"""The package's shape: one room per concept, no import cycles, the engine at the bottom.

The graph is read from the source with ``ast``, counting imports inside functions too (an
import hidden in a function is still a dependency). Run this file with ``-s`` to print it:

    .venv/bin/python -m pytest tests/test_architecture.py -s -q
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src"
PACKAGE = SRC / "casework"

#: The engine: data, the model and paths through a case. It never imports what shows,
#: serves, grades or tests a case, nor the libraries that draw one.
ENGINE = {
    "casework",
    "casework.locations",
    "casework.scenario",
    "casework.yaml_lines",
    "casework.upgrade",
    "casework.case_checks",
    "casework.validate",
    "casework.schema_export",
    "casework.catalog",
    "casework.trust_model",
    "casework.journey",
    "casework.paths",
    "casework.references",
    "casework.store",
    "casework.logs",
}
ABOVE_THE_ENGINE = (
    "casework.player",
    "casework.cli",
    "casework.testing",
    "casework.course",
    "casework.serve",
    "casework.plots",
    "casework.views",
    "casework.cohort",
    "casework.grading",
)
DRAWING = ("plotly", "ipywidgets", "IPython", "voila", "nbgrader")
#: Nothing in the package imports the test helper: it sits above everything.
ONLY_TESTS_IMPORT = ("casework.testing",)
MOST_LINES = 500


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in the file (relative imports resolved)."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            # ``from casework.player import handover`` imports the module casework.player.handover
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                if (PACKAGE.parent / Path(*candidate.split("."))).with_suffix(".py").exists() or (
                    PACKAGE.parent / Path(*candidate.split(".")) / "__init__.py"
                ).exists():
                    found.add(candidate)
    return found


def graph() -> dict[str, set[str]]:
    """casework module -> the casework modules it imports."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    return {
        name: {i for i in imports(path) if i in modules and i != name}
        for name, path in sorted(modules.items())
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_cycles() -> None:
    edges = graph()
    for module, targets in edges.items():
        print(f"{module} -> {', '.join(sorted(targets)) or '(nothing of casework)'}")
    assert cycles(edges) == []


def test_the_engine_never_imports_upward_or_draws() -> None:
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        if name not in ENGINE:
            continue
        wrong = sorted(
            i for i in imports(path) if i.startswith(ABOVE_THE_ENGINE) or i.split(".")[0] in DRAWING
        )
        assert not wrong, f"{name} (the engine) imports {wrong}"


def test_nothing_in_the_package_imports_the_test_helper() -> None:
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        if name.startswith(ONLY_TESTS_IMPORT):
            continue
        assert not [i for i in imports(path) if i.startswith(ONLY_TESTS_IMPORT)], name


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_no_module_is_over_500_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MOST_LINES, f"{path.relative_to(SRC)} has {lines} lines: split it by concern"


def test_every_engine_module_exists() -> None:
    assert set(graph()) >= ENGINE, sorted(ENGINE - set(graph()))
