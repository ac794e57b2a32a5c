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


@cache
def exports(package_dir: str) -> dict[str, str]:
    """Map each name in the literal ``__all__`` of the package's public modules to its module."""
    found: dict[str, str] = {}
    for path in sorted(Path(package_dir).glob("*.py")):
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
                and isinstance(node.value, (ast.List, ast.Tuple))
            ):
                for elt in node.value.elts:
                    if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                        found.setdefault(elt.value, path.stem)
    return found


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
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{package}.{module}"), name)
