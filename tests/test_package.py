"""The package as a whole: unique exported names, no private names across modules, and the
chapter-to-module map (syllabus.yml's ``modules:`` and helpers/__init__.py's docstring) in
agreement with the files.

For a new chapter these pass once its modules are listed in its ``modules:`` in syllabus.yml
and each new top-level module has a line ``helpers.<name>  what it holds  (chapters ...)`` in
the map of helpers/__init__.py. Everything is read with :mod:`ast` and regular expressions: no
module is imported, so these tests need neither torch nor OpenCV.
"""

from __future__ import annotations

import ast
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HELPERS = ROOT / "helpers"
SYLLABUS = yaml.safe_load((ROOT / "syllabus.yml").read_text())

#: Top-level modules that no chapter lists in ``modules:`` on purpose (tooling, compatibility).
INFRASTRUCTURE = {
    "authoring",  # builds chapters/ from solutions/ (make student)
    "detection",  # old home of chapter 13's names: re-exports only, no chapter imports it
}


def public_modules() -> list[Path]:
    """Every module file of the package that is not private (``_x.py``), ``__init__`` included."""
    return sorted(
        p for p in HELPERS.rglob("*.py")
        if not any(part.startswith("_") and part != "__init__.py"
                   for part in p.relative_to(HELPERS).parts)
    )


def dotted(path: Path) -> str:
    parts = list(path.relative_to(HELPERS).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "helpers"


def literal_all(tree: ast.Module) -> list[str]:
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            assert isinstance(node.value, (ast.List, ast.Tuple)), "__all__ must be a literal"
            return [e.value for e in node.value.elts]
    return []


def top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


# -- exported names ------------------------------------------------------------------------------
def test_every_exported_name_is_unique_across_the_package():
    """A name in two modules' ``__all__`` would make ``from helpers.widgets import x`` ambiguous
    (and a re-export must not be listed again: each name has exactly one home)."""
    owners: dict[str, list[str]] = defaultdict(list)
    for path in public_modules():
        for name in literal_all(parsed(path)):
            owners[name].append(dotted(path))
    clashes = {name: mods for name, mods in owners.items() if len(mods) > 1}
    assert not clashes, f"exported by more than one module (rename one): {clashes}"


@pytest.mark.parametrize("path", public_modules(), ids=dotted)
def test_all_lists_only_names_the_module_defines(path):
    tree = parsed(path)
    missing = set(literal_all(tree)) - top_level_names(tree)
    assert not missing, f"{dotted(path)}.__all__ names what it does not define: {missing}"


def test_lazy_lookup_refuses_an_ambiguous_name(tmp_path):
    from helpers import _lazy

    (tmp_path / "a.py").write_text('__all__ = ["clash", "only_a"]\n')
    (tmp_path / "b.py").write_text('__all__ = ["clash"]\n')
    assert _lazy.exports(str(tmp_path)) == {"only_a": "a"}
    with pytest.raises(ImportError, match=r"pkg.clash is exported by several modules \(a, b\)"):
        _lazy.resolve("pkg", str(tmp_path), "clash")


# -- private names -------------------------------------------------------------------------------
def private_uses(path: Path) -> list[str]:
    """``from .x import _y`` and ``x._y`` where ``_y`` is not this module's own (nor a submodule).

    Private *modules* (``_validation``, ``_lazy``, ``widgets/_base``, ``checks/_core``, ...) hold
    the package's shared infrastructure under public names and may be imported; a private
    *name* belongs to the module that defines it.
    """
    tree = parsed(path)
    own = {n.name for n in ast.walk(tree)
           if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    for n in ast.walk(tree):
        targets = n.targets if isinstance(n, ast.Assign) else (
            [n.target] if isinstance(n, ast.AnnAssign) else [])
        own |= {t.id for t in targets if isinstance(t, ast.Name)}
        own |= {t.attr for t in targets if isinstance(t, ast.Attribute)}
    found = []
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom) and n.module != "__future__":
            base = path.parent
            for _ in range(max(n.level - 1, 0)):
                base = base.parent
            if not n.level:  # absolute: helpers.x.y
                parts = (n.module or "").split(".")
                if parts[0] != "helpers":
                    continue
                base, parts = HELPERS, parts[1:]
            else:
                parts = (n.module or "").split(".") if n.module else []
            where = base.joinpath(*parts)
            for a in n.names:
                private = a.name.startswith("_") and not a.name.startswith("__")
                submodule = (where / f"{a.name}.py").exists() or (where / a.name).is_dir()
                if private and not submodule:
                    found.append(f"line {n.lineno}: from {'.' * n.level}{n.module or ''} "
                                 f"import {a.name}")
        elif isinstance(n, ast.Attribute) and n.attr.startswith("_") \
                and not n.attr.startswith("__"):
            if isinstance(n.value, ast.Name) and n.value.id in ("self", "cls"):
                continue
            if n.attr not in own:
                found.append(f"line {n.lineno}: {ast.unparse(n)}")
    return found


@pytest.mark.parametrize("path", sorted(HELPERS.rglob("*.py")), ids=lambda p: dotted(p) or p.stem)
def test_no_module_uses_another_modules_private_names(path):
    found = private_uses(path)
    assert not found, (
        f"{path.relative_to(ROOT)} reaches into another module's private names - make the "
        f"name public (in _validation or the owner's __all__) or keep it in one module: {found}"
    )


def test_the_private_name_scan_catches_both_forms(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from .boxes import _inter_union\nfrom . import conv\nconv._im2col(1)\n"
                   "def f(kf):\n    return kf._update(1)\n")
    found = private_uses(bad)
    assert len(found) == 3 and "_inter_union" in found[0] and "conv._im2col" in found[1]


# -- the chapter -> module map ------------------------------------------------------------------
def listed_modules() -> dict[str, list[str]]:
    return {chapter: list(entry.get("modules") or []) for chapter, entry in SYLLABUS.items()}


def module_exists(name: str) -> bool:
    path = HELPERS.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def top_level() -> set[str]:
    """Public top-level modules and subpackages of helpers."""
    return ({p.stem for p in HELPERS.glob("*.py") if not p.name.startswith("_")}
            | {p.name for p in HELPERS.iterdir()
               if p.is_dir() and not p.name.startswith("_") and (p / "__init__.py").exists()})


def docstring_map() -> dict[str, str]:
    """``helpers.<name>`` -> the rest of its line, from helpers/__init__.py's docstring."""
    doc = ast.get_docstring(parsed(HELPERS / "__init__.py")) or ""
    return dict(re.findall(r"^\s+helpers\.(\w+)\s+(.*)$", doc, re.MULTILINE))


@pytest.mark.parametrize("chapter", sorted(SYLLABUS))
def test_every_chapter_lists_existing_modules(chapter):
    modules = listed_modules()[chapter]
    assert modules, f"{chapter}: add a modules: [...] list to syllabus.yml"
    bad = [m for m in modules if m.startswith("helpers") or not module_exists(m)]
    assert not bad, (f"{chapter}: modules not found under helpers/ (write them dotted, without "
                     f"'helpers.', e.g. widgets.color): {bad}")
    assert len(set(modules)) == len(modules), f"{chapter}: a module is listed twice"


def notebook_imports(path: Path) -> set[str]:
    """helpers modules a notebook imports; names from a package resolve to their module."""
    from helpers import _lazy

    found = set()
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        try:
            tree = ast.parse(source)
        except SyntaxError:  # IPython magics (%timeit): the imports are plain lines anyway
            tree = ast.parse("\n".join(line for line in source.splitlines()
                                       if line.startswith(("import ", "from "))))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {a.name[len("helpers."):] for a in node.names
                          if a.name.startswith("helpers.")}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
                module = node.module[len("helpers."):] if node.module != "helpers" else ""
                package = HELPERS.joinpath(*module.split(".")) if module else HELPERS
                for a in node.names:
                    if module and not package.is_dir():
                        found.add(module)  # from helpers.x import name
                    elif module_exists(f"{module}.{a.name}".strip(".")):
                        found.add(f"{module}.{a.name}".strip("."))  # from helpers import x
                    else:  # from helpers.widgets import name: the module that exports it
                        owner = _lazy.exports(str(package)).get(a.name)
                        found.add(f"{module}.{owner}" if owner else module)
    return found


@pytest.mark.parametrize("chapter", sorted(SYLLABUS))
def test_modules_cover_what_the_notebook_imports(chapter):
    imported = notebook_imports(ROOT / "solutions" / f"{chapter}.ipynb")
    missing = imported - set(listed_modules()[chapter])
    assert not missing, f"{chapter}: the notebook imports modules not in its modules: {missing}"


def test_docstring_map_lists_every_top_level_module():
    mapped = set(docstring_map())
    assert top_level() - mapped == set(), (
        "add a line 'helpers.<name>  what it holds  (chapters ...)' to helpers/__init__.py for "
        f"{sorted(top_level() - mapped)}")
    assert mapped - top_level() == set(), f"the map names missing modules: {mapped - top_level()}"


def test_docstring_map_agrees_with_the_chapters_modules():
    """Every mapped module is used by some chapter and every chapter's module is mapped.

    A map line that says "coming" is a module written ahead of its chapters (it may wait).
    """
    used = {m.split(".")[0] for modules in listed_modules().values() for m in modules}
    mapped = docstring_map()
    waiting = {name for name, line in mapped.items() if "coming" in line}
    unused = set(mapped) - used - INFRASTRUCTURE - waiting
    assert not unused, f"in helpers/__init__.py's map but in no chapter's modules: {unused}"
    unmapped = used - set(mapped)
    assert not unmapped, f"listed by a chapter but missing from the map: {unmapped}"
    assert INFRASTRUCTURE <= set(mapped), "infrastructure modules must be in the map too"


# -- networks and training ---------------------------------------------------------------------
def test_torch_networks_live_in_nets_as_top_level_classes():
    """Every nn.Module subclass is a documented module-level class in helpers/nets/."""
    misplaced = []
    for path in HELPERS.rglob("*.py"):
        tree = parsed(path)
        top = set(tree.body)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                ast.unparse(b).split(".")[-1] in ("Module", "Sequential") for b in node.bases
            ):
                if path.parent.name != "nets" or node not in top:
                    misplaced.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
                elif not ast.get_docstring(node):
                    misplaced.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} "
                                     "(no docstring)")
    assert not misplaced, f"torch networks outside helpers/nets or nested: {misplaced}"


def _strip_docstrings(tree: ast.Module) -> ast.Module:
    """The module's code without docstrings (ast.unparse drops comments already)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(
                    getattr(body[0], "value", None), ast.Constant) and isinstance(
                    body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


# The one documented exemption from "only fit steps an optimizer". Chapter 16's style transfer
# optimises the pixels of ONE image through a FROZEN network: no data set, no batches, no
# weight changes, nothing to generalise to - so it is not training, and routing it through
# `fit` would mean a dummy one-image data set, the frozen network's batch norm switched to
# training mode, and the costs recorded only as a fake "validation" pass. helpers/style.py
# therefore writes Adam's update out on that one tensor (the lesson: "the pixels are the
# parameters"; it also avoids torch.optim's first step, which imports about 160 MB of torch's
# compiler stack - measured: 520 -> 678 MB peak RSS - that a 1 GB notebook cannot spare), and
# tests/test_style.py checks that it takes the same steps as torch.optim.Adam. The exemption
# is narrow: the exempt module may *name* torch.optim (in its docs), but must not build a
# torch optimizer, call zero_grad, or touch any network's parameters.
OPTIMIZER_EXEMPT = {"helpers/style.py"}


def test_only_the_training_loop_steps_an_optimizer():
    """One training loop: no module but helpers/nets/training.py builds a torch optimizer
    (except OPTIMIZER_EXEMPT above, which only optimises an image's pixels, never weights)."""
    others = [str(p.relative_to(ROOT)) for p in HELPERS.rglob("*.py")
              if p != HELPERS / "nets" / "training.py"
              and str(p.relative_to(ROOT)) not in OPTIMIZER_EXEMPT
              and re.search(r"torch\.optim\.|optim\.(SGD|Adam)|\.zero_grad\(", p.read_text())]
    for name in sorted(OPTIMIZER_EXEMPT):
        code = ast.unparse(_strip_docstrings(ast.parse((ROOT / name).read_text())))
        if re.search(r"\boptim\b|\.zero_grad\(|\.parameters\(|\.step\(", code):
            others.append(f"{name} (exempt only for a hand-written pixel update)")
    assert not others, f"train through helpers.nets.training.fit instead: {others}"
