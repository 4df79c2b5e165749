"""The layout of the package: what each module imports when it is imported.

Read from the source (``ast``), not by importing: ``import unionnlp.model`` runs
``unionnlp/__init__.py`` first, which loads most of the package anyway. An import
counts as module-level when it runs at import time: at the top of the module, in
a class body, or under ``if``/``try`` there, but not inside a function (a local
import runs on first call) nor under ``if TYPE_CHECKING:`` (never at run time).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "unionnlp"


@dataclass(frozen=True)
class Imported:
    module: str  # absolute name, as ``importlib`` would resolve it
    line: int
    typing_only: bool  # under ``if TYPE_CHECKING:``


def module_name(path: Path) -> str:
    parts = list(path.with_suffix("").relative_to(PACKAGE.parent).parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_at_import_time(path: Path) -> list[Imported]:
    """Every import ``path`` runs when it is imported (and those under TYPE_CHECKING)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Imported] = []

    def visit(nodes: list[ast.stmt] | list[ast.AST], typing_only: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.body, True)
                visit(node.orelse, typing_only)
                continue
            if isinstance(node, ast.Import):
                found.extend(Imported(a.name, node.lineno, typing_only) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.rsplit(".", node.level - 1)[0]
                    module = f"{base}.{node.module}" if node.module else base
                else:
                    module = node.module or ""
                found.append(Imported(module, node.lineno, typing_only))
                # `from . import x` may name a submodule
                found.extend(
                    Imported(f"{module}.{a.name}", node.lineno, typing_only) for a in node.names
                )
            visit(list(ast.iter_child_nodes(node)), typing_only)

    visit(ast.parse(path.read_text(encoding="utf-8")).body, False)
    return found


def package_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_the_model_imports_only_errors_and_standard_modules() -> None:
    # model.py is the bottom of the house: everything else imports it, so a
    # module-level import of display, export or a stage would close a circle.
    # Conveniences (Plan.to_ics, Plan._repr_html_) import their module inside the method.
    path = PACKAGE / "model.py"
    imported = imports_at_import_time(path)
    assert any(i.module == "dataclasses" for i in imported)  # the scan sees the imports
    ours = {"unionnlp.errors"}
    types_also = {"unionnlp.normalize"}  # NormalizedText, for annotations only
    wrong = []
    for item in imported:
        top = item.module.split(".")[0]
        if top == "unionnlp":
            allowed = ours | types_also if item.typing_only else ours
            module = item.module
            if module not in allowed and module.rpartition(".")[0] not in allowed:
                wrong.append(item)
        elif top not in sys.stdlib_module_names and top != "__future__" and not item.typing_only:
            wrong.append(item)
    assert not wrong, f"model.py must not import these at module level: {wrong}"


def test_no_module_level_import_cycle() -> None:
    modules = package_modules()
    graph = {
        name: sorted(
            {i.module for i in imports_at_import_time(path) if not i.typing_only}
            & set(modules) - {name}
        )
        for name, path in modules.items()
    }
    assert graph["unionnlp.compare"], "the scan must see the package's own imports"

    done: set[str] = set()

    def cycle_from(start: str, trail: list[str]) -> list[str] | None:
        if start in trail:
            return [*trail[trail.index(start) :], start]
        if start in done:
            return None
        for nxt in graph[start]:
            found = cycle_from(nxt, [*trail, start])
            if found:
                return found
        done.add(start)
        return None

    for name in graph:
        cycle = cycle_from(name, [])
        assert cycle is None, " -> ".join(cycle)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("from .display import render\n", ["unionnlp.display", "unionnlp.display.render"]),
        ("def f():\n    from .display import render\n", []),
        ("class A:\n    from . import export\n", ["unionnlp", "unionnlp.export"]),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .normalize import N\n",
            ["typing", "typing.TYPE_CHECKING"],
        ),
    ],
    ids=["top-level", "in-function", "in-class-body", "type-checking"],
)
def test_the_scan_tells_import_time_from_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str, expected: list[str]
) -> None:
    fake = tmp_path / "unionnlp"
    fake.mkdir()
    (fake / "model.py").write_text(code, encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    runtime = [i.module for i in imports_at_import_time(fake / "model.py") if not i.typing_only]
    assert runtime == expected
