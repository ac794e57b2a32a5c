"""Course authoring: student notebooks are generated from the solutions, never edited by hand.

``solutions/NN_topic.ipynb`` is the source: the full chapter with worked exercise solutions.
``chapters/NN_topic.ipynb`` is what learners open; :func:`make_student` derives it by replacing
every solution region with a stub, nbgrader-style::

    def to_gray_exercise(rgb):
        ### BEGIN SOLUTION
        r, g, b = ...
        ### END SOLUTION

becomes::

    def to_gray_exercise(rgb):
        # YOUR CODE HERE
        raise NotImplementedError("exercise not attempted yet")

In markdown cells, text between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` is
dropped. Regeneration never loses a learner's work: a student notebook whose cells were edited
since it was generated is copied to ``chapters/backup/`` before it is replaced.

Commands (``make student`` runs the first)::

    python -m helpers.authoring student   # regenerate chapters/ from solutions/
    python -m helpers.authoring check     # exit 1 if chapters/ is out of date
    python -m helpers.authoring strip     # remove outputs and execution counts in place
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import time
from pathlib import Path

__all__ = [
    "STUB",
    "generate",
    "make_student",
    "out_of_date",
    "source_digest",
    "strip_outputs",
]

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS, CHAPTERS = ROOT / "solutions", ROOT / "chapters"

STUB = '# YOUR CODE HERE\nraise NotImplementedError("exercise not attempted yet")'
_CODE_REGION = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION[ \t]*\n.*?^[ \t]*### END SOLUTION[ \t]*(\n|$)",
    re.MULTILINE | re.DOTALL,
)
_MD_REGION = re.compile(r"<!-- BEGIN SOLUTION -->.*?<!-- END SOLUTION -->\n?", re.DOTALL)


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _set_source(cell: dict, text: str) -> None:
    cell["source"] = text.splitlines(keepends=True)


def strip_outputs(nb: dict) -> dict:
    """Remove outputs, execution counts and run-time metadata from every code cell (in place).

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "source": "1", "outputs": [1],
    ...                  "execution_count": 3, "metadata": {"execution": {}}}]}
    >>> strip_outputs(nb)["cells"][0]
    {'cell_type': 'code', 'source': '1', 'outputs': [], 'execution_count': None, 'metadata': {}}
    """
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
    >>> code = "def f(x):\\n    ### BEGIN SOLUTION\\n    return 2 * x\\n    ### END SOLUTION\\n"
    >>> nb = {"cells": [{"cell_type": "code", "source": code, "metadata": {}}], "metadata": {}}
    >>> print(_source(make_student(nb)["cells"][0]))
    def f(x):
        # YOUR CODE HERE
        raise NotImplementedError("exercise not attempted yet")
    <BLANKLINE>
    """
    out = json.loads(json.dumps(nb))
    for cell in out.get("cells", []):
        text = _source(cell)
        if cell.get("cell_type") == "code" and "### BEGIN SOLUTION" in text:
            text = _CODE_REGION.sub(
                lambda m: "".join(m["indent"] + line + "\n" for line in STUB.splitlines()), text
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
    recorded = nb.get("metadata", {}).get("course", {}).get("source_sha256")
    return recorded != source_digest(nb)


def generate(
    solutions: Path = SOLUTIONS, chapters: Path = CHAPTERS, *, backup: Path | None = None
) -> list[str]:
    """Write the student version of every solution notebook; return what was done, line by line.

    A target that a learner has edited is copied to ``backup`` (default ``chapters/backup/``)
    under a time-stamped name before it is replaced; an unchanged target is left alone.
    """
    backup = backup or chapters / "backup"
    report = []
    for src in sorted(solutions.glob("*.ipynb")):
        student = _dump(make_student(json.loads(src.read_text(encoding="utf-8"))))
        dst = chapters / src.name
        if dst.exists():
            if dst.read_text(encoding="utf-8") == student:
                continue
            if _is_edited(dst):
                backup.mkdir(parents=True, exist_ok=True)
                stamp = time.strftime("%Y%m%d-%H%M%S")
                saved = backup / f"{dst.stem}-{stamp}.ipynb"
                n = 1
                while saved.exists():
                    saved, n = backup / f"{dst.stem}-{stamp}-{n}.ipynb", n + 1
                shutil.copy2(dst, saved)
                report.append(f"backed up your edited {dst.name} to {saved}")
        dst.write_text(student, encoding="utf-8")
        report.append(f"wrote {dst}")
    return report


def out_of_date(solutions: Path = SOLUTIONS, chapters: Path = CHAPTERS) -> list[str]:
    """Student notebooks that are missing or differ from what :func:`generate` would write."""
    stale = []
    for src in sorted(solutions.glob("*.ipynb")):
        dst = chapters / src.name
        want = _dump(make_student(json.loads(src.read_text(encoding="utf-8"))))
        if not dst.exists() or dst.read_text(encoding="utf-8") != want:
            stale.append(dst.name)
    return stale


def _strip_in_place(paths: list[Path]) -> None:
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        text = _dump(strip_outputs(nb))
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"stripped {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.authoring", description=__doc__)
    parser.add_argument("command", choices=["student", "check", "strip"])
    args = parser.parse_args(argv)
    if args.command == "student":
        for line in generate():
            print(line)
        return 0
    if args.command == "strip":
        _strip_in_place(sorted(SOLUTIONS.glob("*.ipynb")))
        return 0
    stale = out_of_date()
    for name in stale:
        print(f"chapters/{name} is out of date: run `make student`")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
