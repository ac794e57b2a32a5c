"""Lazy lookup of a public name across a package's modules, without importing them all.

``helpers.widgets`` and ``helpers.checks`` let a notebook write
``from helpers.widgets import threshold_explorer`` while each chapter's code lives in its own
module. To find the right module we read each module's literal ``__all__`` with :mod:`ast`
instead of importing every module (which would load torch for a chapter-01 widget).
"""

from __future__ import annotations

import ast
import importlib
from functools import cache
from pathlib import Path
from types import ModuleType


def _literal_all(path: Path) -> list[str]:
    """The names in a module's literal ``__all__`` (read with :mod:`ast`, not imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if (
            isinstance(node, (ast.Assign, ast.AnnAssign))
            and any(isinstance(t, ast.Name) and t.id == "__all__"
                    for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))
            and isinstance(node.value, (ast.List, ast.Tuple))
        ):
            return [e.value for e in node.value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


@cache
def owners(package_dir: str) -> dict[str, tuple[str, ...]]:
    """Map each exported name to *every* public module of the package that lists it."""
    found: dict[str, list[str]] = {}
    for path in sorted(Path(package_dir).glob("*.py")):
        if path.name.startswith("_"):
            continue
        for name in _literal_all(path):
            found.setdefault(name, []).append(path.stem)
    return {name: tuple(mods) for name, mods in found.items()}


@cache
def exports(package_dir: str) -> dict[str, str]:
    """Map each name in the literal ``__all__`` of the package's public modules to its module.

    A name exported by two modules is left out: looking it up raises an error naming both
    (:func:`resolve`) instead of silently picking one. ``tests/test_package.py`` requires every
    exported name to be unique across the whole package.
    """
    return {name: mods[0] for name, mods in owners(package_dir).items() if len(mods) == 1}


def module_names(package_dir: str) -> list[str]:
    return sorted(
        p.stem for p in Path(package_dir).glob("*.py") if not p.name.startswith("_")
    ) + sorted(
        p.name for p in Path(package_dir).iterdir()
        if p.is_dir() and not p.name.startswith("_") and (p / "__init__.py").exists()
    )


def resolve(package: str, package_dir: str, name: str) -> object | ModuleType:
    """``getattr(package, name)`` for a submodule or for a name some submodule exports."""
    if name in module_names(package_dir):
        return importlib.import_module(f"{package}.{name}")
    module = exports(package_dir).get(name)
    if module is None:
        clash = owners(package_dir).get(name, ())
        if len(clash) > 1:
            raise ImportError(
                f"{package}.{name} is exported by several modules ({', '.join(clash)}); "
                "exported names must be unique - rename one of them"
            )
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{package}.{module}"), name)
