"""Every chapter teaches its syllabus row and follows the course template.

syllabus.yml maps each topic of the lecture notes to the notebook heading that teaches it; the
template (objectives, worked example, explorer, exercise with check, Careful box, summary) is
checked on every solution notebook, and README's chapter table must list exactly the chapters.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SYLLABUS = yaml.safe_load((ROOT / "syllabus.yml").read_text())
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def text(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def headings(path: Path) -> set[str]:
    found = set()
    for cell in cells(path):
        if cell["cell_type"] == "markdown":
            found |= {m.strip() for m in re.findall(r"^#+\s+(.+)$", text(cell), re.MULTILINE)}
    return found


def test_every_solution_notebook_is_in_the_syllabus_map():
    assert sorted(p.stem for p in SOLUTIONS) == sorted(SYLLABUS)


@pytest.mark.parametrize("chapter", sorted(SYLLABUS))
def test_every_topic_has_its_section(chapter):
    found = headings(ROOT / "solutions" / f"{chapter}.ipynb")
    missing = {topic: h for topic, h in SYLLABUS[chapter]["topics"].items() if h not in found}
    assert not missing, f"{chapter}: headings not found for {missing}"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_chapter_follows_the_template(path):
    nb = cells(path)
    markdown = "\n".join(text(c) for c in nb if c["cell_type"] == "markdown")
    code = [text(c) for c in nb if c["cell_type"] == "code"]
    assert re.search(r"^# \d\d · ", text(nb[0]), re.MULTILINE), "title cell first"
    assert "You will learn" in text(nb[0]), "learning objectives in the first cell"
    assert "> **Careful:**" in markdown, "at least one Careful box"
    assert "## Summary" in markdown
    widget_cells = [c for c in nb if "nbval-ignore-output" in c.get("metadata", {}).get("tags", [])]
    assert any("explorer(" in text(c) for c in widget_cells), "a live explorer, tagged for nbval"
    exercises = [c for c in code if "### BEGIN SOLUTION" in c and "check_" in c]
    assert exercises, "an exercise with a check"
    # Notebooks stay thin: the only functions defined are the learner's exercises.
    for c in code:
        for name in re.findall(r"^def (\w+)", c, re.MULTILINE):
            assert "### BEGIN SOLUTION" in c, f"{path.name}: function {name} outside an exercise"


def test_readme_lists_exactly_the_chapters():
    readme = (ROOT / "README.md").read_text()
    listed = re.findall(r"\(chapters/(\d\d_\w+)\.ipynb\)", readme)
    assert sorted(listed) == sorted(SYLLABUS)
