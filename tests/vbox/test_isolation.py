"""The bundled library stays liftable: nothing under vbox/ imports Home Assistant."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

VBOX = Path(__file__).parents[2] / "custom_components" / "vitrea" / "vbox"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 1:
            names.add("." * node.level + (node.module or ""))  # reaches out of vbox/
    return names


@pytest.mark.parametrize("path", sorted(VBOX.glob("*.py")), ids=lambda p: p.name)
def test_library_imports_nothing_from_home_assistant(path: Path) -> None:
    imported = _imported_modules(path)
    assert not {m for m in imported if m.split(".")[0] == "homeassistant"}
    assert not {m for m in imported if m.startswith("..")}, "imports from outside vbox/"


def test_library_ships_py_typed() -> None:
    assert (VBOX / "py.typed").is_file()
