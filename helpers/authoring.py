"""Course authoring: student notebooks generated from the solutions, learners' work kept safe, and
the chapter template checked.

``solutions/NN_topic.ipynb`` is the source: the full chapter with worked exercise solutions.
``chapters/NN_topic.ipynb`` is what learners open; :func:`make_student` derives it by replacing
every solution region with a stub that keeps the docstring, any skeleton outside the markers and
the hints, and says how long the solution is::

    def correlate_valid(image, kernel):
        \"\"\"Correlate without padding: (H, W) and (kh, kw) -> (H-kh+1, W-kw+1) float.\"\"\"
        kh, kw = kernel.shape
        out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
        ### BEGIN SOLUTION
        ### HINT: one window at a time: window_correlation(image[y:y + kh, x:x + kw], kernel)
        for y in range(out.shape[0]):
            for x in range(out.shape[1]):
                out[y, x] = window_correlation(image[y:y + kh, x:x + kw], kernel)
        ### END SOLUTION
        return out

becomes::

    def correlate_valid(image, kernel):
        \"\"\"Correlate without padding: (H, W) and (kh, kw) -> (H-kh+1, W-kw+1) float.\"\"\"
        kh, kw = kernel.shape
        out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
        # YOUR CODE HERE (about 3 lines)
        # HINT: one window at a time: window_correlation(image[y:y + kh, x:x + kw], kernel)
        raise NotImplementedError("exercise not attempted yet")
        return out

In markdown cells, text between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` is
dropped. Regeneration never loses a learner's work: a student notebook whose cells were edited
since it was generated is copied to ``chapters/backup/`` before it is replaced, and
``backups`` / ``restore`` bring it back (the current one is backed up first).

:func:`lint_notebook` reports the chapter-template rules a program can see (title and
objectives, imports only in the setup cell, short cells, no private API, links that resolve,
exercises with docstrings and checks, Careful boxes naming the notes' section, summary, next
link, the ``careful:`` map of syllabus.yml); see :data:`LINT_RULES`.

Commands (``make student`` runs the first)::

    python -m helpers.authoring student          # regenerate chapters/ from solutions/
    python -m helpers.authoring check            # exit 1 if chapters/ is out of date
    python -m helpers.authoring strip            # remove outputs and execution counts in place
    python -m helpers.authoring backups          # list your backups, newest first, and what differs
    python -m helpers.authoring restore NAME     # put a backup back (the current one is kept too)
    python -m helpers.authoring lint [NOTEBOOK]  # template rules (default: every solution)
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "LINT_RULES",
    "STUB",
    "Backup",
    "TemplateViolation",
    "generate",
    "lint_notebook",
    "list_backups",
    "make_student",
    "out_of_date",
    "restore_backup",
    "solution_stub",
    "source_digest",
    "strip_outputs",
]

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS, CHAPTERS = ROOT / "solutions", ROOT / "chapters"

STUB = '# YOUR CODE HERE\nraise NotImplementedError("exercise not attempted yet")'
"""The stub's first and last lines; :func:`solution_stub` adds the length and the hints."""

_CODE_REGION = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION[ \t]*\n(?P<body>.*?)^[ \t]*### END SOLUTION[ \t]*"
    r"(\n|$)",
    re.MULTILINE | re.DOTALL,
)
_HINT = re.compile(r"^[ \t]*### HINT:[ \t]?(?P<text>.*)$")
_MD_REGION = re.compile(r"<!-- BEGIN SOLUTION -->.*?<!-- END SOLUTION -->\n?", re.DOTALL)


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _set_source(cell: dict, text: str) -> None:
    cell["source"] = text.splitlines(keepends=True)


def _check_notebook(nb: Any, name: str = "nb") -> dict:
    if not isinstance(nb, dict) or not isinstance(nb.get("cells", []), list):
        raise TypeError(f"{name} must be a notebook dict (json.load of an .ipynb) with a "
                        f"'cells' list; got {type(nb).__name__}")
    return nb


def _as_path(value: Any, name: str) -> Path:
    if isinstance(value, bool) or not isinstance(value, (str, Path)) or not str(value):
        raise TypeError(f"{name} must be a folder or file path (str or Path); got "
                        f"{type(value).__name__} {value!r}")
    return Path(value)


def _as_folder(value: Any, name: str) -> Path:
    """A path argument that must be an existing folder (a typo must not mean "nothing to do")."""
    path = _as_path(value, name)
    if not path.is_dir():
        raise FileNotFoundError(f"{name} folder {str(path)!r} is missing (no such directory)")
    return path


# -- student versions -------------------------------------------------------------------------


def solution_stub(body: str) -> str:
    """The stub that replaces a solution region: its length in lines, its hints, a raise.

    Lines of code are the region's lines that are neither blank nor comments; up to 10 the
    exact count is given, beyond that it is rounded to a multiple of 5. ``### HINT:`` lines of
    the region become ``# HINT:`` comments; nothing else of the solution is kept.

    Examples
    --------
    >>> print(solution_stub("    ### HINT: pad first\\n    p = np.pad(x, 1)\\n\\n    return p\\n"))
    # YOUR CODE HERE (about 2 lines)
    # HINT: pad first
    raise NotImplementedError("exercise not attempted yet")
    >>> print(solution_stub("return 2 * x\\n").splitlines()[0])
    # YOUR CODE HERE (1 line)
    >>> solution_stub("\\n".join(f"x{i} = {i}" for i in range(13))).splitlines()[0]
    '# YOUR CODE HERE (about 15 lines)'
    """
    if not isinstance(body, str):
        raise TypeError(f"body must be the solution region's text (str); got {type(body).__name__}")
    hints = [m["text"].rstrip() for m in map(_HINT.match, body.splitlines()) if m]
    n = sum(1 for line in body.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    if n > 10:
        n = max(5 * round(n / 5), 10)
    length = "" if n == 0 else " (1 line)" if n == 1 else f" (about {n} lines)"
    first, last = STUB.splitlines()
    return "\n".join([first + length, *(f"# HINT: {h}" for h in hints), last])


def strip_outputs(nb: dict) -> dict:
    """Remove outputs, execution counts and run-time metadata from every code cell (in place).

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "source": "1", "outputs": [1],
    ...                  "execution_count": 3, "metadata": {"execution": {}}}]}
    >>> strip_outputs(nb)["cells"][0]
    {'cell_type': 'code', 'source': '1', 'outputs': [], 'execution_count': None, 'metadata': {}}
    """
    _check_notebook(nb)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        for key in ("execution", "collapsed", "scrolled", "jupyter"):
            cell.get("metadata", {}).pop(key, None)
    nb.get("metadata", {}).pop("widgets", None)
    return nb


def make_student(nb: dict) -> dict:
    """A student copy of a solution notebook: solution regions replaced by stubs.

    Examples
    --------
    >>> code = ('def f(x):\\n    \"\"\"Twice x.\"\"\"\\n    ### BEGIN SOLUTION\\n'
    ...         '    ### HINT: multiply\\n    return 2 * x\\n    ### END SOLUTION\\n')
    >>> nb = {"cells": [{"cell_type": "code", "source": code, "metadata": {}}], "metadata": {}}
    >>> print(_source(make_student(nb)["cells"][0]))
    def f(x):
        \"\"\"Twice x.\"\"\"
        # YOUR CODE HERE (1 line)
        # HINT: multiply
        raise NotImplementedError("exercise not attempted yet")
    <BLANKLINE>
    """
    out = json.loads(json.dumps(_check_notebook(nb)))
    for cell in out.get("cells", []):
        text = _source(cell)
        if cell.get("cell_type") == "code" and "### BEGIN SOLUTION" in text:
            text = _CODE_REGION.sub(
                lambda m: "".join(m["indent"] + line + "\n"
                                  for line in solution_stub(m["body"]).splitlines()),
                text,
            )
            if "### BEGIN SOLUTION" in text or "### END SOLUTION" in text:
                raise ValueError(f"unbalanced solution markers in cell:\n{_source(cell)}")
            _set_source(cell, text)
        elif cell.get("cell_type") == "markdown" and "<!-- BEGIN SOLUTION -->" in text:
            _set_source(cell, _MD_REGION.sub("", text))
        cell.get("metadata", {}).pop("solution", None)
    strip_outputs(out)
    out.setdefault("metadata", {})["course"] = {"student_version": True}
    out["metadata"]["course"]["source_sha256"] = source_digest(out)
    return out


def source_digest(nb: dict) -> str:
    """SHA-256 of the cells' types and sources: what a learner's edit changes, not outputs."""
    _check_notebook(nb)
    h = hashlib.sha256()
    for cell in nb.get("cells", []):
        h.update(cell.get("cell_type", "").encode() + b"\0" + _source(cell).encode() + b"\0")
    return h.hexdigest()


def _dump(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def _is_edited(path: Path) -> bool:
    """True when a student notebook's cells differ from what was generated into it."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return True  # unreadable: keep a copy rather than guess
    if not isinstance(nb, dict):
        return True
    recorded = nb.get("metadata", {}).get("course", {}).get("source_sha256")
    return recorded != source_digest(nb)


def _save_backup(path: Path, backup: Path) -> Path:
    """Copy ``path`` to ``backup/<stem>-<YYYYmmdd-HHMMSS>[-n].ipynb``; never overwrite one."""
    backup.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    saved = backup / f"{path.stem}-{stamp}.ipynb"
    n = 1
    while saved.exists():
        saved, n = backup / f"{path.stem}-{stamp}-{n}.ipynb", n + 1
    shutil.copy2(path, saved)
    return saved


def generate(
    solutions: Path = SOLUTIONS, chapters: Path = CHAPTERS, *, backup: Path | None = None
) -> list[str]:
    """Write the student version of every solution notebook; return what was done, line by line.

    A target that a learner has edited is copied to ``backup`` (default ``chapters/backup/``)
    under a time-stamped name before it is replaced; an unchanged target is left alone.
    ``solutions`` and ``chapters`` must be existing folders (``FileNotFoundError`` otherwise);
    the ``backup`` folder is created when the first backup is made.
    """
    solutions, chapters = _as_folder(solutions, "solutions"), _as_folder(chapters, "chapters")
    backup = _as_path(backup, "backup") if backup is not None else chapters / "backup"
    report = []
    for src in sorted(solutions.glob("*.ipynb")):
        student = _dump(make_student(json.loads(src.read_text(encoding="utf-8"))))
        dst = chapters / src.name
        if dst.exists():
            if dst.read_text(encoding="utf-8") == student:
                continue
            if _is_edited(dst):
                saved = _save_backup(dst, backup)
                report.append(f"backed up your edited {dst.name} to {saved}")
        dst.write_text(student, encoding="utf-8")
        report.append(f"wrote {dst}")
    return report


def out_of_date(solutions: Path = SOLUTIONS, chapters: Path = CHAPTERS) -> list[str]:
    """Student notebooks that are missing or differ from what :func:`generate` would write.

    Both folders must exist (``FileNotFoundError`` otherwise).
    """
    solutions, chapters = _as_folder(solutions, "solutions"), _as_folder(chapters, "chapters")
    stale = []
    for src in sorted(solutions.glob("*.ipynb")):
        dst = chapters / src.name
        want = _dump(make_student(json.loads(src.read_text(encoding="utf-8"))))
        if not dst.exists() or dst.read_text(encoding="utf-8") != want:
            stale.append(dst.name)
    return stale


# -- learners' backups ------------------------------------------------------------------------

_BACKUP_NAME = re.compile(r"^(?P<chapter>.+?)-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?$")


@dataclass(frozen=True)
class Backup:
    """One saved copy of a learner's chapter in ``chapters/backup/``."""

    path: Path
    chapter: str  # the chapter it belongs to, e.g. "03_edges"
    saved: str  # when, "2026-11-22 10:15:00"
    order: tuple  # sorts oldest to newest

    def differences(self, chapters: Path = CHAPTERS) -> str:
        """What this backup holds that the current chapter does not, in one line.

        ``chapters`` must be an existing folder (``FileNotFoundError`` otherwise).
        """
        chapters = _as_folder(chapters, "chapters")
        try:
            mine = [_source(c) for c in json.loads(self.path.read_text(encoding="utf-8"))["cells"]]
        except (ValueError, KeyError, TypeError):
            return "not a readable notebook (restore it to look at it in a text editor)"
        current = Path(chapters) / f"{self.chapter}.ipynb"
        if not current.exists():
            return f"{current.name} does not exist any more"
        try:
            theirs = {_source(c) for c in json.loads(current.read_text(encoding="utf-8"))["cells"]}
        except (ValueError, KeyError, TypeError):
            return f"{current.name} is not readable"
        changed = [(i, s) for i, s in enumerate(mine) if s not in theirs and s.strip()]
        if not changed:
            return f"the same cells as {current.name}"
        shown = ", ".join(f"cell {i} `{s.strip().splitlines()[0][:50]}`" for i, s in changed[:3])
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        n = len(changed)
        return f"{n} cell{'s' * (n != 1)} not in the current {current.name}: {shown}{more}"


def list_backups(chapters: Path = CHAPTERS, backup: Path | None = None) -> list[Backup]:
    """Every backup in ``backup`` (default ``chapters/backup/``), newest first.

    A folder that does not exist holds no backups: the answer is then an empty list.

    Examples
    --------
    >>> list_backups(Path("/nonexistent"))
    []
    """
    chapters = _as_path(chapters, "chapters")
    backup = _as_path(backup, "backup") if backup is not None else chapters / "backup"
    found = []
    for path in backup.glob("*.ipynb") if backup.is_dir() else []:
        m = _BACKUP_NAME.match(path.stem)
        if m:
            stamp = m["stamp"]
            saved = (f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]} "
                     f"{stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}")
            found.append(Backup(path, m["chapter"], saved, (stamp, int(m["n"] or 0), path.name)))
        else:  # copied there by hand: date it by the file
            mtime = path.stat().st_mtime
            stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(mtime))
            found.append(Backup(path, path.stem, time.strftime("%Y-%m-%d %H:%M:%S",
                                                               time.localtime(mtime)),
                                (stamp, 0, path.name)))
    return sorted(found, key=lambda b: b.order, reverse=True)


def _find_backup(name: str, backups: list[Backup]) -> Backup:
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"name must be a backup's file name or a chapter name; got {name!r}")
    stem = Path(name.strip()).name.removesuffix(".ipynb")
    for b in backups:
        if b.path.stem == stem:
            return b
    newest = [b for b in backups if b.chapter == stem]
    if newest:
        return newest[0]  # a chapter name: its newest backup
    known = ", ".join(b.path.name for b in backups[:5]) or "none"
    raise ValueError(f"no backup called {name!r}; newest backups: {known} "
                     "(`python -m helpers.authoring backups` lists them all)")


def restore_backup(
    name: str,
    chapters: Path = CHAPTERS,
    *,
    backup: Path | None = None,
    solutions: Path = SOLUTIONS,
) -> list[str]:
    """Put a backup back as its chapter; the chapter it replaces is backed up first.

    Parameters
    ----------
    name : str
        A backup's file name (``03_edges-20261122-101500.ipynb``, with or without the folder or
        ``.ipynb``), or a chapter name (``03_edges``) for that chapter's newest backup.
    chapters, backup, solutions : Path
        The student chapters, the backup folder (default ``chapters/backup``) and the solutions
        (to recognise a chapter that is exactly as generated, which needs no copy).

    Returns
    -------
    list of str
        What was done, line by line. Nothing is ever deleted: the backup stays where it was.

    Raises
    ------
    ValueError
        When no backup has that name.
    FileNotFoundError
        When ``chapters`` is not an existing folder. (A missing ``solutions`` folder only
        means the current chapter is always backed up before it is replaced.)
    """
    chapters, solutions = _as_folder(chapters, "chapters"), _as_path(solutions, "solutions")
    backup = _as_path(backup, "backup") if backup is not None else chapters / "backup"
    chosen = _find_backup(name, list_backups(chapters, backup))
    target = chapters / f"{chosen.chapter}.ipynb"
    report = []
    if target.exists():
        current = target.read_bytes()
        source = solutions / target.name
        pristine = source.exists() and current.decode("utf-8", "replace") == _dump(
            make_student(json.loads(source.read_text(encoding="utf-8"))))
        if current == chosen.path.read_bytes():
            return [f"{target} is already the same as {chosen.path.name}: nothing to do"]
        if not pristine:
            saved = _save_backup(target, backup)
            report.append(f"backed up the current {target.name} to {saved}")
    shutil.copy2(chosen.path, target)
    report.append(f"restored {chosen.path.name} (saved {chosen.saved}) as {target}")
    return report


# -- the chapter template, as far as a program can see it -------------------------------------

LONG_CELL_LINES = 15
"""Most non-blank lines a code cell may have (exercise cells and tagged cells excepted)."""
LONG_CELL_TAG = "long-cell-ok"
"""Cell tag that exempts a justified long code cell from the ``long-cell`` rule."""
LAST_CHAPTER = 22

LINT_RULES = {
    "title": "the first cell is the title `# NN · Title` with the objectives (\"You will learn\")",
    "import-outside-setup": "imports only in the first code cell (the setup cell)",
    "function-outside-exercise": "no function or class definitions outside exercise cells",
    "long-cell": f"code cells at most {LONG_CELL_LINES} non-blank lines (exercise cells and "
                 f"cells tagged `{LONG_CELL_TAG}` excepted)",
    "private-api": "no private names: `helpers.x._name`, `from ... import _name`, `._utils`",
    "target-claim": "no printed claims that a target is met (those belong in `make bench`)",
    "broken-link": "relative links resolve to files that exist",
    "coming-chapter": "a chapter that does not exist yet is written \"(chapter NN, coming)\"",
    "stale-coming": "a chapter that exists is linked, not called \"coming\"",
    "exercise-docstring": "every function in an exercise cell has a docstring",
    "exercise-check": "every exercise function is passed to a `check_...(fn)` call",
    "careful-section": "a Careful box quotes the notes (\"...\") and names the notes' section",
    "summary": "a `## Summary` section",
    "next-link": "a **Next:** link (or \"(chapter NN, coming)\") after the summary",
    "careful-syllabus": "each `careful:` id of syllabus.yml has a Careful box under its heading",
    "explorer-tag": "cells showing an explorer are tagged `nbval-ignore-output`",
    "training-loop": "training goes through helpers.nets.training.fit, not a hand-written loop",
    "training-curves": "a notebook that trains with fit plots its curves with plot_history",
}
"""Rule id -> what it requires. Every :class:`TemplateViolation` names one of these."""


@dataclass(frozen=True)
class TemplateViolation:
    """One breach of the chapter template: the rule, the cell (0-based) and what is wrong."""

    rule: str
    cell: int | None
    message: str

    def __str__(self) -> str:
        where = f" (cell {self.cell})" if self.cell is not None else ""
        return f"{self.rule}{where}: {self.message}"


_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
_CHAPTER_MENTION = re.compile(r"\b[Cc]hapters?\s+(\d{1,2})\b(?P<rest>[^\n]{0,12})")
_QUOTE = re.compile(r"\"[^\"\n]{3,}\"|“[^”]{3,}”|‘[^’]{3,}’")
_CLAIM_WORDS = re.compile(r"\b(met|meets|missed|misses|reached|achieved|passed)\b|✓", re.I)


def _code_tree(text: str) -> ast.Module | None:
    # IPython magics and shell escapes are not Python: blank them out, keep line numbers.
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__")) and \
        name != "_"


def _private_uses(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".")
            if any(_private(p) for p in parts):
                found.append(f"from {node.module} import ...")
            found += [f"from {node.module} import {a.name}" for a in node.names if _private(a.name)]
        elif isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names
                      if any(_private(p) for p in a.name.split("."))]
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            found.append(f".{node.attr}")
    return found


def _string_constants(tree: ast.Module) -> list[str]:
    """Every string literal; an f-string as its source (``f"target: {'met' if ok else ...}"``)."""
    found = [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)]
    return found + [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
                    and isinstance(n.value, str)]


def _blockquotes(text: str) -> list[tuple[int, str]]:
    """The blockquotes of a markdown text: (offset, text with the ``>`` markers removed)."""
    quotes, current, offset, start = [], [], 0, 0
    for line in text.splitlines(keepends=True) + [""]:
        if line.lstrip().startswith(">"):
            if not current:
                start = offset
            current.append(line.lstrip()[1:].strip())
        elif current:
            quotes.append((start, " ".join(current)))
            current = []
        offset += len(line)
    return quotes


def _load_syllabus(path: Path) -> dict:
    if not path.exists():
        return {}
    import yaml  # lazily: only the lint needs it

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def lint_notebook(
    notebook: str | Path | dict,
    *,
    name: str | None = None,
    folder: str | Path | None = None,
    syllabus: dict | None = None,
) -> list[TemplateViolation]:
    """The template-v2 rules a program can check, broken by one chapter notebook.

    Parameters
    ----------
    notebook : path or dict
        A solution notebook (``solutions/NN_topic.ipynb``) or its parsed JSON.
    name : str, optional
        The chapter's name (``05_corners``) for the syllabus; default the file's stem.
    folder : path, optional
        Where relative links are resolved and other chapters looked for; default the
        notebook's folder (``solutions/``).
    syllabus : dict, optional
        Parsed ``syllabus.yml``; default the repository's. Its ``careful:`` map (notes mistake
        id -> heading) of this chapter is checked.

    Returns
    -------
    list of TemplateViolation
        In cell order; empty when the notebook follows every rule in :data:`LINT_RULES`.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "markdown", "source": "# 99 · Test\\nYou will learn"},
    ...                 {"cell_type": "code", "source": "import numpy as np"},
    ...                 {"cell_type": "code", "source": "from helpers import _lazy"}]}
    >>> [v.rule for v in lint_notebook(nb, name="99_test", folder=".", syllabus={})]
    ['import-outside-setup', 'private-api', 'summary']
    """
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a chapter name such as '05_corners'; got {name!r}")
    if syllabus is not None and not isinstance(syllabus, dict):
        raise TypeError(f"syllabus must be the parsed syllabus.yml (a dict); got "
                        f"{type(syllabus).__name__}")
    folder = _as_folder(folder, "folder") if folder is not None else None
    if isinstance(notebook, (str, Path)):
        path = Path(notebook)
        if path.suffix != ".ipynb":
            raise ValueError(f"notebook must be an .ipynb file or a parsed notebook (dict); got "
                             f"{str(notebook)!r}")
        nb = json.loads(path.read_text(encoding="utf-8"))
        name = name or path.stem
        folder = folder or path.parent
    else:
        nb = notebook
        folder = folder or SOLUTIONS
    _check_notebook(nb, "notebook")
    if syllabus is None:
        syllabus = _load_syllabus(ROOT / "syllabus.yml")
    number = int(name[:2]) if name and name[:2].isdigit() else None
    cells = nb.get("cells", [])
    out: list[TemplateViolation] = []

    def add(rule: str, cell: int | None, message: str) -> None:
        out.append(TemplateViolation(rule, cell, message))

    first = _source(cells[0]) if cells else ""
    if not cells or cells[0].get("cell_type") != "markdown" or \
            not re.search(r"^# \d\d · \S", first, re.MULTILINE) or "You will learn" not in first:
        add("title", 0, "the first cell must be the title `# NN · Title` followed by "
                        "\"**You will learn to**\" and the objectives")

    code_cells = [i for i, c in enumerate(cells) if c.get("cell_type") == "code"]
    all_code = "\n".join(_source(cells[i]) for i in code_cells)
    checked = set()
    for i in code_cells:
        tree = _code_tree(_source(cells[i]))
        if tree is not None:
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                        node.func.id.startswith("check_") and node.args and \
                        isinstance(node.args[0], ast.Name):
                    checked.add(node.args[0].id)

    exists = {p.stem[:2] for p in folder.glob("[0-9][0-9]_*.ipynb")} if folder.is_dir() else set()
    fitted = False
    for i in code_cells:
        cell = cells[i]
        text = _source(cell)
        tags = cell.get("metadata", {}).get("tags", [])
        exercise = "### BEGIN SOLUTION" in text
        tree = _code_tree(text)
        n_lines = sum(1 for line in text.splitlines() if line.strip())
        if n_lines > LONG_CELL_LINES and not exercise and LONG_CELL_TAG not in tags:
            add("long-cell", i, f"{n_lines} non-blank lines (at most {LONG_CELL_LINES}): move "
                                "plotting or timing code into helpers, or split the cell")
        if re.search(r"\b\w+_explorer\(", text) and "nbval-ignore-output" not in tags:
            add("explorer-tag", i, "shows an explorer but is not tagged `nbval-ignore-output`")
        if re.search(r"\.backward\(", text) and re.search(r"\.step\(", text):
            add("training-loop", i, "a hand-written training loop: train with "
                                    "helpers.nets.training.fit")
        if tree is None:
            continue
        imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        if imports and i != code_cells[0]:
            what = ast.unparse(imports[0])
            add("import-outside-setup", i, f"`{what}`: every import belongs in the setup cell")
        defs = [n for n in ast.walk(tree)
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        if defs and not exercise:
            add("function-outside-exercise", i,
                f"defines `{defs[0].name}`: only the learner's exercise functions are defined in "
                "a notebook; put the rest in helpers")
        if exercise:
            for node in tree.body:
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                if ast.get_docstring(node) is None:
                    add("exercise-docstring", i, f"`{node.name}` has no docstring (say the "
                                                 "shapes and dtypes of its arguments and result)")
                body = ast.get_source_segment(text, node) or ""
                if "### BEGIN SOLUTION" in body and node.name not in checked:
                    add("exercise-check", i, f"`{node.name}` is never passed to a check "
                                             f"(`check_...({node.name})`)")
        for use in sorted(set(_private_uses(tree))):
            add("private-api", i, f"`{use}` is private: use a public name (or make it public)")
        for s in _string_constants(tree):
            if "target" in s.lower() and _CLAIM_WORDS.search(s):
                at = s.lower().index("target")
                add("target-claim", i, f"prints a target claim ({s[max(at - 20, 0):at + 30]!r}):"
                                       " targets belong in `make bench`, not in the lesson")
                break
        if any(isinstance(n, ast.Call) and (
                (isinstance(n.func, ast.Name) and n.func.id == "fit") or
                (isinstance(n.func, ast.Attribute) and n.func.attr == "fit" and
                 isinstance(n.func.value, ast.Name) and n.func.value.id == "training"))
               for n in ast.walk(tree)):
            fitted = True
    if fitted and "plot_history(" not in all_code:
        add("training-curves", None, "trains with fit but never plots its curves with "
                                     "plot_history(history)")

    headings: list[tuple[tuple[int, int], int, str]] = []  # ((cell, offset), level, text)
    careful: list[tuple[int, int]] = []  # (cell, offset) of each Careful box
    summary_cell = None
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "markdown":
            continue
        text = _source(cell)
        for m in _HEADING.finditer(text):
            headings.append(((i, m.start()), len(m[1]), m[2].strip()))
            if m[1] == "##" and m[2].strip() == "Summary":
                summary_cell = i
        for target in _LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
                continue
            file = target.split("#")[0]
            if file and not (folder / file).exists():
                add("broken-link", i, f"link to `{file}`, which does not exist: write the plain "
                                      "text \"(chapter NN, coming)\" until it does")
        for m in _CHAPTER_MENTION.finditer(_LINK.sub("", text)):
            nn = f"{int(m[1]):02d}"
            if nn not in exists and not re.match(r"\s*,?\s*\(?coming", m["rest"]):
                add("coming-chapter", i, f"mentions chapter {nn}, which does not exist yet: "
                                         f"write \"(chapter {nn}, coming)\"")
            elif nn in exists and re.match(r"\s*,?\s*\(?coming", m["rest"]):
                add("stale-coming", i, f"calls chapter {nn} \"coming\", but it exists: link it "
                                       f"([{nn} · Title]({nn}_name.ipynb))")
        for offset, quote in _blockquotes(text):
            if quote.startswith("**Careful:**"):
                careful.append((i, offset))
                if not ("notes" in quote and _QUOTE.search(quote) and "section" in quote.lower()):
                    add("careful-section", i, "a Careful box must quote the notes (\"...\") and "
                                              "name the notes' section (e.g. 'the notes' "
                                              "*Strided Convolution* section says \"...\"')")
    if summary_cell is None:
        add("summary", None, "no `## Summary` heading")
    elif number != LAST_CHAPTER:
        after = "\n".join(_source(c) for c in cells[summary_cell:]
                          if c.get("cell_type") == "markdown")
        if not re.search(r"\*\*Next:?\*\*:?\s*(\[[^\]]+\]\([^)]+\)|\(?chapter \d\d, coming)",
                         after):
            add("next-link", None, "no `**Next:** [NN · Title](NN_name.ipynb)` (or \"(chapter "
                                   "NN, coming)\") after the summary")

    entry = syllabus.get(name, {}) if isinstance(syllabus, dict) and name else {}
    for mistake, heading in (entry.get("careful") or {}).items() if isinstance(entry, dict) else []:
        found = [h for h in headings if h[2] == heading]
        if not found:
            add("careful-syllabus", None, f"syllabus.yml maps `{mistake}` to the heading "
                                          f"{heading!r}, which is not in the notebook")
            continue
        start, level, _ = found[0]
        end = next((pos for pos, lv, _ in headings if pos > start and lv <= level),
                   (len(cells), 0))
        if not any(start <= pos < end for pos in careful):
            add("careful-syllabus", start[0], f"no Careful box under {heading!r} for the notes "
                                              f"mistake `{mistake}` (syllabus.yml)")
    return sorted(out, key=lambda v: (v.cell if v.cell is not None else len(cells), v.rule))


# -- command line -----------------------------------------------------------------------------


def _strip_in_place(paths: list[Path]) -> None:
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        text = _dump(strip_outputs(nb))
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"stripped {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.authoring", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["student", "check", "strip", "backups", "restore",
                                            "lint"])
    parser.add_argument("name", nargs="*", help="restore: the backup (or chapter) to restore; "
                                                "lint: notebooks to check")
    args = parser.parse_args(argv)
    if args.command == "student":
        for line in generate():
            print(line)
        return 0
    if args.command == "strip":
        _strip_in_place(sorted(SOLUTIONS.glob("*.ipynb")))
        return 0
    if args.command == "backups":
        backups = list_backups()
        if not backups:
            print(f"no backups in {CHAPTERS / 'backup'} (one is made whenever `make student` "
                  "replaces a chapter you edited)")
        for b in backups:
            print(f"{b.path.name}  ({b.chapter}, saved {b.saved}): {b.differences()}")
        return 0
    if args.command == "restore":
        if len(args.name) != 1:
            parser.error("restore takes one name: a backup's file name, or a chapter for its "
                         "newest backup (see `python -m helpers.authoring backups`)")
        try:
            report = restore_backup(args.name[0])
        except ValueError as exc:
            print(exc)
            return 1
        for line in report:
            print(line)
        return 0
    if args.command == "lint":
        paths = [Path(p) for p in args.name] or sorted(SOLUTIONS.glob("*.ipynb"))
        count = 0
        for path in paths:
            for violation in lint_notebook(path):
                print(f"{path.name}: {violation}")
                count += 1
        return 1 if count else 0
    stale = out_of_date()
    for name in stale:
        print(f"chapters/{name} is out of date: run `make student`")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
