"""Every solution notebook follows the chapter template, as far as a program can see it.

`helpers.authoring.lint_notebook` checks the rules in `helpers.authoring.LINT_RULES` (title and
objectives, imports only in the setup cell, short cells, no private API, no "target met" prints,
links that resolve, exercises with docstrings and checks, Careful boxes that quote the notes and
name their section, summary, next link, syllabus.yml's `careful:` map, explorers tagged, training
through `fit` with its curves). Run it by hand with `python -m helpers.authoring lint`.

ALLOWED records, per chapter and rule, how many violations the nine chapters written before the
rules had when the lint arrived: the test fails on any violation beyond that, and on an entry that
is now larger than needed (lower it, or delete it at 0). New chapters get no entry: they follow
every rule from the start. The engineers revising these chapters empty the list.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from helpers import authoring

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))

ALLOWED: dict[str, dict[str, int]] = {}


def _violations(path: Path) -> list[authoring.TemplateViolation]:
    return authoring.lint_notebook(path)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_no_new_template_violations(path):
    allowed = ALLOWED.get(path.stem, {})
    found = _violations(path)
    counts = Counter(v.rule for v in found)
    new = {rule: n for rule, n in counts.items() if n > allowed.get(rule, 0)}
    listing = "\n".join(f"  {v}" for v in found if v.rule in new)
    assert not new, (
        f"{path.name} breaks the chapter template ({new}; allowed {allowed}):\n{listing}\n"
        "Rules: helpers.authoring.LINT_RULES; run `python -m helpers.authoring lint`."
    )


@pytest.mark.parametrize("chapter", sorted(ALLOWED))
def test_the_allow_list_shrinks_as_chapters_are_fixed(chapter):
    path = ROOT / "solutions" / f"{chapter}.ipynb"
    if not path.exists():
        pytest.fail(f"ALLOWED lists {chapter}, which is not in solutions/: delete its entry")
    counts = Counter(v.rule for v in _violations(path))
    stale = {rule: (n, counts.get(rule, 0)) for rule, n in ALLOWED[chapter].items()
             if counts.get(rule, 0) < n}
    assert not stale, (
        f"{chapter} now has fewer violations than ALLOWED says ({{rule: (allowed, found)}}: "
        f"{stale}): lower those entries in tests/test_template.py (delete them at 0)"
    )


def test_allow_list_names_only_known_rules():
    for chapter, rules in ALLOWED.items():
        assert set(rules) <= set(authoring.LINT_RULES), chapter
