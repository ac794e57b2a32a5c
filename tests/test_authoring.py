"""helpers.authoring: student notebooks generated from the solutions, and a learner's edits never
lost when they are regenerated. Everything runs in temporary folders, never in chapters/."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import authoring
from helpers.authoring import (
    generate,
    make_student,
    out_of_date,
    solution_stub,
    source_digest,
    strip_outputs,
)

ROOT = Path(__file__).resolve().parent.parent

SOLVED = (
    "def double_exercise(x):\n"
    '    """Return 2 * x."""\n'
    "    ### BEGIN SOLUTION\n"
    "    return 2 * x\n"
    "    ### END SOLUTION\n"
    "\n"
    "check_double(double_exercise)"
)


def _solution_notebook(extra: str = "") -> dict:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 99 Doubling\n" + extra),
        nbformat.v4.new_code_cell("from helpers.checks import check_double"),
        nbformat.v4.new_code_cell(SOLVED, metadata={"tags": ["exercise"]}),
        nbformat.v4.new_markdown_cell(
            "Why?\n<!-- BEGIN SOLUTION -->\nBecause 2 * x doubles.\n<!-- END SOLUTION -->\nNext."
        ),
        nbformat.v4.new_code_cell("widget()", metadata={"tags": ["nbval-ignore-output"]}),
    ]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"  # stable ids: generating twice gives the same bytes
    return json.loads(json.dumps(nb))


@pytest.fixture
def course(tmp_path):
    """A throwaway course: solutions/99_double.ipynb and an empty chapters/."""
    (tmp_path / "solutions").mkdir()
    (tmp_path / "chapters").mkdir()
    _write(tmp_path / "solutions" / "99_double.ipynb", _solution_notebook())
    return tmp_path


def _write(path: Path, nb: dict) -> None:
    path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _generate(course: Path) -> list[str]:
    return generate(course / "solutions", course / "chapters")


def _backups(course: Path) -> list[Path]:
    return sorted((course / "chapters" / "backup").glob("*.ipynb"))


def _learner_edits(path: Path) -> None:
    """What a learner does: write an answer in the exercise cell (and run it)."""
    nb = _read(path)
    cell = nb["cells"][2]
    cell["source"] = authoring._source(cell).replace(
        'raise NotImplementedError("exercise not attempted yet")', "return x + x  # my answer"
    )
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "double: passed\n"}]
    cell["execution_count"] = 3
    _write(path, nb)


def _learner_only_runs(path: Path) -> None:
    """Run every cell without editing any, the way JupyterLab saves it (outputs, counts,
    widget state, different JSON layout)."""
    nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    for n, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = n + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"ran {n}\n")]
        cell.metadata["execution"] = {"iopub.status.busy": "2026-11-22T10:00:00Z"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    nbformat.write(nb, str(path))


# -- make_student ---------------------------------------------------------------------------


def test_make_student_replaces_the_solution_region_with_the_stub_keeping_the_indent():
    student = make_student(_solution_notebook())
    code = authoring._source(student["cells"][2])
    assert "BEGIN SOLUTION" not in code and "return 2 * x" not in code
    stub = ('    # YOUR CODE HERE (1 line)\n'
            '    raise NotImplementedError("exercise not attempted yet")\n')
    assert code == SOLVED.replace(
        "    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n", stub
    )
    assert code.startswith('def double_exercise(x):\n    """Return 2 * x."""\n')
    assert code.endswith("check_double(double_exercise)")


def test_make_student_handles_several_regions_and_unindented_ones():
    nb = _solution_notebook()
    nb["cells"][2]["source"] = (
        "### BEGIN SOLUTION\nA = 1\n### END SOLUTION\n"
        "def f():\n\t### BEGIN SOLUTION\n\treturn A\n\t### END SOLUTION\n"
    )
    code = authoring._source(make_student(nb)["cells"][2])
    stub = solution_stub("A = 1\n")
    assert stub == ('# YOUR CODE HERE (1 line)\n'
                    'raise NotImplementedError("exercise not attempted yet")')
    assert code == stub + "\ndef f():\n" + "".join(f"\t{ln}\n" for ln in stub.splitlines())


def test_make_student_drops_markdown_solutions_and_keeps_the_rest():
    text = authoring._source(make_student(_solution_notebook())["cells"][3])
    assert text == "Why?\nNext."


def test_make_student_refuses_unbalanced_markers():
    nb = _solution_notebook()
    nb["cells"][2]["source"] = "def f():\n    ### BEGIN SOLUTION\n    return 1\n"
    with pytest.raises(ValueError, match="unbalanced solution markers"):
        make_student(nb)


def test_make_student_leaves_the_solution_untouched_and_records_its_digest():
    nb = _solution_notebook()
    nb["cells"][2]["metadata"]["solution"] = True
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
    before = json.dumps(nb, sort_keys=True)
    student = make_student(nb)
    assert json.dumps(nb, sort_keys=True) == before  # a copy, not in place
    assert "solution" not in student["cells"][2]["metadata"]
    assert student["cells"][4]["metadata"]["tags"] == ["nbval-ignore-output"]
    assert student["cells"][1]["outputs"] == []
    course = student["metadata"]["course"]
    assert course["student_version"] is True
    assert course["source_sha256"] == source_digest(student)


def test_source_digest_sees_sources_not_outputs_or_layout():
    nb = make_student(_solution_notebook())
    ran = json.loads(json.dumps(nb))
    ran["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
    ran["cells"][1]["execution_count"] = 7
    ran["cells"][2]["source"] = "".join(ran["cells"][2]["source"])  # str instead of lines
    assert source_digest(ran) == source_digest(nb)
    ran["cells"][2]["source"] += "\n# a comment"
    assert source_digest(ran) != source_digest(nb)


# -- strip_outputs --------------------------------------------------------------------------


def test_strip_outputs_removes_outputs_counts_and_run_metadata_but_keeps_tags():
    nb = _solution_notebook()
    for cell in nb["cells"]:
        cell["metadata"].update(execution={"a": 1}, collapsed=True, scrolled=True, jupyter={})
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
            cell["execution_count"] = 5
    nb["metadata"]["widgets"] = {"state": {}}
    assert strip_outputs(nb) is nb
    for cell in nb["cells"]:
        assert not set(cell["metadata"]) & {"execution", "collapsed", "scrolled", "jupyter"}
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    assert "widgets" not in nb["metadata"] and "kernelspec" in nb["metadata"]
    assert nb["cells"][4]["metadata"]["tags"] == ["nbval-ignore-output"]
    assert nb["cells"][2]["source"] == SOLVED


# -- generate: a learner's edits are never lost ---------------------------------------------


def test_generate_writes_missing_student_notebooks(course):
    assert _generate(course) == [f"wrote {course / 'chapters' / '99_double.ipynb'}"]
    written = _read(course / "chapters" / "99_double.ipynb")
    assert written == make_student(_read(course / "solutions" / "99_double.ipynb"))
    assert not (course / "chapters" / "backup").exists()


def test_generate_leaves_an_up_to_date_notebook_alone(course):
    _generate(course)
    target = course / "chapters" / "99_double.ipynb"
    stat = target.stat()
    assert _generate(course) == []
    assert target.stat().st_mtime_ns == stat.st_mtime_ns
    assert _backups(course) == []


def test_generate_backs_up_an_edited_notebook_before_replacing_it(course):
    _generate(course)
    target = course / "chapters" / "99_double.ipynb"
    _learner_edits(target)
    edited = target.read_bytes()
    _write(course / "solutions" / "99_double.ipynb", _solution_notebook(extra="New intro."))

    report = _generate(course)

    [saved] = _backups(course)
    assert saved.read_bytes() == edited  # the learner's answer, outputs and all
    assert saved.name.startswith("99_double-")
    assert report == [f"backed up your edited 99_double.ipynb to {saved}", f"wrote {target}"]
    assert "New intro." in authoring._source(_read(target)["cells"][0])
    assert "my answer" not in target.read_text(encoding="utf-8")


def test_generate_backs_up_an_edited_notebook_even_when_the_solution_did_not_change(course):
    _generate(course)
    target = course / "chapters" / "99_double.ipynb"
    _learner_edits(target)
    edited = target.read_bytes()
    _generate(course)
    [saved] = _backups(course)
    assert saved.read_bytes() == edited


def test_generate_never_backs_up_a_notebook_that_was_only_run(course):
    _generate(course)
    target = course / "chapters" / "99_double.ipynb"
    _learner_only_runs(target)
    assert authoring._is_edited(target) is False
    _write(course / "solutions" / "99_double.ipynb", _solution_notebook(extra="New intro."))

    report = _generate(course)

    assert _backups(course) == []
    assert report == [f"wrote {target}"]
    assert _read(target) == make_student(_read(course / "solutions" / "99_double.ipynb"))


def test_generate_keeps_every_backup_when_run_twice_in_the_same_second(course):
    _generate(course)
    target = course / "chapters" / "99_double.ipynb"
    contents = []
    for n in range(3):
        _learner_edits(target)
        nb = _read(target)
        nb["cells"][0]["source"] += f"\nattempt {n}"
        _write(target, nb)
        contents.append(target.read_bytes())
        _generate(course)
    assert sorted(p.read_bytes() for p in _backups(course)) == sorted(contents)


def test_generate_backs_up_a_notebook_it_cannot_read(course):
    target = course / "chapters" / "99_double.ipynb"
    target.write_text("{ half a notebook", encoding="utf-8")
    _generate(course)
    [saved] = _backups(course)
    assert saved.read_text(encoding="utf-8") == "{ half a notebook"


def test_generate_uses_the_backup_folder_it_is_given(course, tmp_path):
    _generate(course)
    _learner_edits(course / "chapters" / "99_double.ipynb")
    elsewhere = tmp_path / "elsewhere"
    generate(course / "solutions", course / "chapters", backup=elsewhere)
    assert len(list(elsewhere.glob("99_double-*.ipynb"))) == 1
    assert not (course / "chapters" / "backup").exists()


def test_command_line_student_backs_up_edits_in_chapters_backup(course):
    # `python -m helpers.authoring student` (what `make student` runs) on a copy of the module,
    # so that its chapters/ and solutions/ are the temporary ones, not the repository's.
    (course / "helpers").mkdir()
    (course / "helpers" / "__init__.py").write_text("")
    shutil.copy(ROOT / "helpers" / "authoring.py", course / "helpers" / "authoring.py")
    run = [sys.executable, "-m", "helpers.authoring"]

    first = subprocess.run([*run, "student"], cwd=course, capture_output=True, text=True,
                           timeout=60, check=True)
    assert f"wrote {course / 'chapters' / '99_double.ipynb'}" in first.stdout
    check = subprocess.run([*run, "check"], cwd=course, capture_output=True, timeout=60)
    assert check.returncode == 0

    target = course / "chapters" / "99_double.ipynb"
    _learner_edits(target)
    edited = target.read_bytes()
    check = subprocess.run([*run, "check"], cwd=course, capture_output=True, text=True, timeout=60)
    assert check.returncode == 1 and "99_double.ipynb is out of date" in check.stdout

    second = subprocess.run([*run, "student"], cwd=course, capture_output=True, text=True,
                            timeout=60, check=True)
    [saved] = _backups(course)
    assert saved.read_bytes() == edited
    assert f"backed up your edited 99_double.ipynb to {saved}" in second.stdout


# -- out_of_date ----------------------------------------------------------------------------


def test_out_of_date_names_missing_and_stale_notebooks_only(course):
    solutions, chapters = course / "solutions", course / "chapters"
    assert out_of_date(solutions, chapters) == ["99_double.ipynb"]  # missing
    _generate(course)
    assert out_of_date(solutions, chapters) == []
    _write(solutions / "98_other.ipynb", _solution_notebook(extra="Other."))
    _write(solutions / "99_double.ipynb", _solution_notebook(extra="Changed."))
    assert out_of_date(solutions, chapters) == ["98_other.ipynb", "99_double.ipynb"]
    _generate(course)
    assert out_of_date(solutions, chapters) == []
    # A notebook that was only run differs from the generated one (but is not "edited").
    _learner_only_runs(chapters / "99_double.ipynb")
    assert out_of_date(solutions, chapters) == ["99_double.ipynb"]


# -- stubs: docstring, skeleton, length and hints kept --------------------------------------

SKELETON = '''def correlate_valid(image, kernel):
    """Correlate without padding: (H, W), (kh, kw) -> (H - kh + 1, W - kw + 1) float."""
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for y in range(out.shape[0]):
        for x in range(out.shape[1]):
            ### BEGIN SOLUTION
            ### HINT: the window is image[y:y + kh, x:x + kw]
            # a comment does not count as a line

            window = image[y:y + kh, x:x + kw]
            out[y, x] = np.sum(window * kernel)
            ### END SOLUTION
    return out

check_correlate_valid(correlate_valid)'''


def test_stub_keeps_docstring_skeleton_and_hints_and_counts_the_lines():
    nb = _solution_notebook()
    nb["cells"][2]["source"] = SKELETON
    code = authoring._source(make_student(nb)["cells"][2])
    assert code == '''def correlate_valid(image, kernel):
    """Correlate without padding: (H, W), (kh, kw) -> (H - kh + 1, W - kw + 1) float."""
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for y in range(out.shape[0]):
        for x in range(out.shape[1]):
            # YOUR CODE HERE (about 2 lines)
            # HINT: the window is image[y:y + kh, x:x + kw]
            raise NotImplementedError("exercise not attempted yet")
    return out

check_correlate_valid(correlate_valid)'''
    compile(code, "stub", "exec")  # still valid Python


@pytest.mark.parametrize(("n", "said"), [(0, ""), (1, " (1 line)"), (2, " (about 2 lines)"),
                                         (10, " (about 10 lines)"), (12, " (about 10 lines)"),
                                         (13, " (about 15 lines)"), (24, " (about 25 lines)")])
def test_stub_length_is_exact_up_to_ten_then_rounded_to_five(n, said):
    body = "".join(f"    x{i} = {i}\n" for i in range(n)) + "    # only a comment\n\n"
    assert solution_stub(body).splitlines()[0] == "# YOUR CODE HERE" + said


def test_stub_refuses_what_is_not_text():
    with pytest.raises(TypeError, match="body must be"):
        solution_stub(None)
    with pytest.raises(TypeError, match="nb must be a notebook"):
        make_student(None)
    with pytest.raises(TypeError, match="nb must be a notebook"):
        strip_outputs([])


# -- template lint --------------------------------------------------------------------------


def _md(text, **meta):
    return {"cell_type": "markdown", "metadata": meta, "source": text}


def _code(text, tags=()):
    return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": text,
            "outputs": [], "execution_count": None}


GOOD_EXERCISE = '''def double_exercise(x):
    """Twice ``x``: (N,) float -> (N,) float."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION


check_double(double_exercise)'''


def _good_chapter() -> dict:
    return {"metadata": {}, "cells": [
        _md("# 98 · Doubling\n\n**You will learn to**\n- double things"),
        _code("import numpy as np\nfrom helpers.checks import check_double\n"
              "from helpers.widgets import double_explorer"),
        _md("## Doubling\nAs in [chapter 97](97_prev.ipynb), see chapter 97 and "
            "(chapter 99, coming).\n\n"
            "> **Careful:** the notes' *Doubling* section says \"doubling adds one\". It "
            "multiplies by two."),
        _code("print(np.arange(3) * 2)"),
        _code("double_explorer()", tags=["nbval-ignore-output"]),
        _code(GOOD_EXERCISE),
        _md("## Summary\n- doubling\n\n**Next:** [97 · Previous](97_prev.ipynb)"),
    ]}


SYLLABUS = {"98_double": {"careful": {"doubling_adds_one": "Doubling"}}}


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "97_prev.ipynb").write_text("{}")
    return tmp_path


def _rules(nb, folder, syllabus=SYLLABUS):
    return [v.rule for v in authoring.lint_notebook(nb, name="98_double", folder=folder,
                                                    syllabus=syllabus)]


def test_lint_passes_a_chapter_that_follows_the_template(folder):
    assert _rules(_good_chapter(), folder) == []
    path = folder / "98_double.ipynb"
    _write(path, _good_chapter())
    assert authoring.lint_notebook(path, syllabus=SYLLABUS) == []


BREAKS = {
    "title": lambda nb: nb["cells"][0].update(source="# Doubling\nno objectives"),
    "import-outside-setup": lambda nb: nb["cells"][3].update(source="import torch\nprint(1)"),
    "function-outside-exercise": lambda nb: nb["cells"][3].update(
        source="def helper(x):\n    return x\n"),
    "long-cell": lambda nb: nb["cells"][3].update(source="x = 1\n" * 16),
    "private-api": lambda nb: nb["cells"][3].update(source="np._core.multiarray\n"),
    "target-claim": lambda nb: nb["cells"][3].update(
        source='acc = 0.9\nprint(f"accuracy {acc:.0%} (target met: {acc > 0.8})")'),
    "broken-link": lambda nb: nb["cells"][2].update(source="see [next](96_gone.ipynb)"),
    "coming-chapter": lambda nb: nb["cells"][2].update(source="as chapter 42 will show"),
    "stale-coming": lambda nb: nb["cells"][2].update(source="as chapter 97 (coming) will show"),
    "exercise-docstring": lambda nb: nb["cells"][5].update(
        source=GOOD_EXERCISE.replace('    """Twice ``x``: (N,) float -> (N,) float."""\n', "")),
    "exercise-check": lambda nb: nb["cells"][5].update(
        source=GOOD_EXERCISE.replace("check_double(double_exercise)", "")),
    "careful-section": lambda nb: nb["cells"][2].update(
        source="## Doubling\n> **Careful:** doubling is not adding one."),
    "summary": lambda nb: nb["cells"][6].update(source="## Wrap-up\n**Next:** [97](97_prev.ipynb)"),
    "next-link": lambda nb: nb["cells"][6].update(source="## Summary\n- doubling"),
    "explorer-tag": lambda nb: nb["cells"][4]["metadata"].update(tags=[]),
    "training-loop": lambda nb: nb["cells"][3].update(
        source="loss.backward()\noptimizer.step()"),
    "training-curves": lambda nb: nb["cells"][3].update(
        source="model, history = training.fit(model, (x, y), epochs=2)"),
}


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_lint_reports_each_rule_broken_on_its_own(rule, folder):
    nb = _good_chapter()
    BREAKS[rule](nb)
    found = _rules(nb, folder)
    assert rule in found, found
    assert set(found) <= {rule, "careful-syllabus"}, found  # no collateral noise
    assert rule in authoring.LINT_RULES


def test_lint_careful_syllabus_needs_the_box_under_the_named_heading(folder):
    nb = _good_chapter()
    missing = {"98_double": {"careful": {"x": "No such heading"}}}
    assert _rules(nb, folder, missing) == ["careful-syllabus"]
    nb["cells"].insert(3, _md("## Another section\nThe box above is not under it."))
    elsewhere = {"98_double": {"careful": {"x": "Another section"}}}
    violations = authoring.lint_notebook(nb, name="98_double", folder=folder, syllabus=elsewhere)
    assert [v.rule for v in violations] == ["careful-syllabus"]
    assert "Another section" in str(violations[0]) and violations[0].cell == 3


def test_lint_exemptions_exercise_cells_tagged_long_cells_magics_and_the_last_chapter(folder):
    nb = _good_chapter()
    nb["cells"][3] = _code("%matplotlib inline\n" + "x = 1\n" * 20, tags=["long-cell-ok"])
    nb["cells"][5]["source"] = GOOD_EXERCISE.replace("    return 2 * x\n", "    y = x\n" * 20
                                                     + "    return 2 * x\n")
    assert _rules(nb, folder) == []
    nb["cells"][6]["source"] = "## Summary\n- the end of the course"
    assert authoring.lint_notebook(nb, name="22_frontiers", folder=folder, syllabus={}) == []


def test_lint_messages_name_the_cell_and_the_fix(folder):
    nb = _good_chapter()
    BREAKS["private-api"](nb)
    [violation] = authoring.lint_notebook(nb, name="98_double", folder=folder, syllabus=SYLLABUS)
    assert str(violation) == ("private-api (cell 3): `._core` is private: use a public name "
                              "(or make it public)")


def test_lint_refuses_what_is_not_a_notebook():
    with pytest.raises(TypeError, match="notebook must be a notebook"):
        authoring.lint_notebook({"cells": "no"})
    with pytest.raises(ValueError, match="notebook must be an .ipynb file"):
        authoring.lint_notebook("05_corners")
    with pytest.raises(FileNotFoundError, match="folder folder .* is missing"):
        authoring.lint_notebook({"cells": []}, folder="no-such-folder")


def test_missing_folders_are_errors_not_empty_answers(tmp_path):
    with pytest.raises(FileNotFoundError, match="solutions folder .* is missing"):
        generate(tmp_path / "no-such-folder", tmp_path)
    with pytest.raises(FileNotFoundError, match="chapters folder .* is missing"):
        out_of_date(tmp_path, tmp_path / "no-such-folder")


# -- backups: listed, restored, never lost ----------------------------------------------------


def _edited_twice(course: Path) -> tuple[Path, bytes, bytes]:
    """Two learner sessions, each backed up by a regeneration."""
    _generate(course)
    target = course / "chapters" / "99_double.ipynb"
    contents = []
    for n in range(2):
        _learner_edits(target)
        nb = _read(target)
        nb["cells"][0]["source"] += f"\nsession {n}"
        _write(target, nb)
        contents.append(target.read_bytes())
        _generate(course)
    return target, contents[0], contents[1]


def test_list_backups_newest_first_with_what_differs(course):
    target, first, second = _edited_twice(course)
    backups = authoring.list_backups(course / "chapters")
    assert [b.path.read_bytes() for b in backups] == [second, first]
    assert all(b.chapter == "99_double" for b in backups)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", backups[0].saved)
    text = backups[0].differences(course / "chapters")
    assert text.startswith("2 cells not in the current 99_double.ipynb: cell 0 `# 99 Doubling`")
    assert text.endswith("cell 2 `def double_exercise(x):`")


def test_restore_puts_a_backup_back_and_keeps_the_current_work(course):
    target, first, second = _edited_twice(course)
    _learner_edits(target)  # new work in the regenerated chapter
    current = target.read_bytes()
    oldest = authoring.list_backups(course / "chapters")[-1]

    report = authoring.restore_backup(oldest.path.name, course / "chapters",
                                      solutions=course / "solutions")

    assert target.read_bytes() == first
    contents = sorted(b.path.read_bytes() for b in authoring.list_backups(course / "chapters"))
    assert contents == sorted([first, second, current])  # nothing lost, the backup kept
    assert report[0].startswith("backed up the current 99_double.ipynb to ")
    assert report[1].startswith(f"restored {oldest.path.name} (saved ")


def test_restore_by_chapter_name_takes_the_newest_and_skips_a_pristine_chapter(course):
    target, first, second = _edited_twice(course)  # the chapter is now freshly generated
    report = authoring.restore_backup("99_double", course / "chapters",
                                      solutions=course / "solutions")
    assert target.read_bytes() == second and len(report) == 1
    assert len(authoring.list_backups(course / "chapters")) == 2
    again = authoring.restore_backup("99_double.ipynb", course / "chapters",
                                     solutions=course / "solutions")
    assert again == [f"{target} is already the same as "
                     f"{authoring.list_backups(course / 'chapters')[0].path.name}: nothing to do"]


def test_restore_an_unknown_name_says_what_exists(course):
    _edited_twice(course)
    with pytest.raises(ValueError, match=r"no backup called 'nope'; newest backups: 99_double-"):
        authoring.restore_backup("nope", course / "chapters")
    with pytest.raises(TypeError, match="name must be"):
        authoring.restore_backup("", course / "chapters")


def test_command_line_backups_and_restore(course):
    (course / "helpers").mkdir()
    (course / "helpers" / "__init__.py").write_text("")
    shutil.copy(ROOT / "helpers" / "authoring.py", course / "helpers" / "authoring.py")
    run = [sys.executable, "-m", "helpers.authoring"]
    none = subprocess.run([*run, "backups"], cwd=course, capture_output=True, text=True,
                          timeout=60, check=True)
    assert none.stdout.startswith("no backups in ")
    target, first, second = _edited_twice(course)
    listed = subprocess.run([*run, "backups"], cwd=course, capture_output=True, text=True,
                            timeout=60, check=True).stdout.splitlines()
    assert len(listed) == 2 and listed[0].startswith("99_double-")
    assert "(99_double, saved " in listed[0] and "not in the current 99_double.ipynb" in listed[0]
    name = listed[1].split()[0]
    done = subprocess.run([*run, "restore", name], cwd=course, capture_output=True, text=True,
                          timeout=60, check=True)
    assert f"restored {name}" in done.stdout and target.read_bytes() == first
    bad = subprocess.run([*run, "restore", "nope"], cwd=course, capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 1 and "no backup called 'nope'" in bad.stdout


def test_pytest_never_collects_a_learners_backups(tmp_path):
    # The repository's conftest.py, in a throwaway course with one chapter and one backup.
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    shutil.copytree(ROOT / "tests" / "netguard", tmp_path / "tests" / "netguard")
    (tmp_path / "chapters" / "backup").mkdir(parents=True)
    nb = make_student(_solution_notebook())
    _write(tmp_path / "chapters" / "99_double.ipynb", nb)
    _write(tmp_path / "chapters" / "backup" / "99_double-20261122-101500.ipynb", nb)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "--nbval-lax", "chapters",
         "-p", "no:cacheprovider", "--rootdir", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "chapters/99_double.ipynb" in out.stdout, out.stdout + out.stderr
    assert "backup" not in out.stdout, out.stdout


@pytest.mark.parametrize("call", [
    lambda: authoring.generate(None),
    lambda: authoring.out_of_date(chapters=3),
    lambda: authoring.list_backups(None),
    lambda: authoring.restore_backup("x", None),
    lambda: authoring.lint_notebook(_good_chapter(), folder=1),
    lambda: authoring.lint_notebook(_good_chapter(), name=5),
    lambda: authoring.lint_notebook(_good_chapter(), syllabus=[]),
    lambda: authoring.source_digest(None),
])
def test_bad_arguments_are_named(call):
    with pytest.raises(TypeError, match=r"^(solutions|chapters|folder|name|syllabus|nb) must be"):
        call()
