"""helpers.authoring: student notebooks generated from the solutions, and a learner's edits never
lost when they are regenerated. Everything runs in temporary folders, never in chapters/."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import authoring
from helpers.authoring import (
    STUB,
    generate,
    make_student,
    out_of_date,
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
    stub = "".join("    " + line + "\n" for line in STUB.splitlines())
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
    assert code == STUB + "\ndef f():\n" + "".join(f"\t{ln}\n" for ln in STUB.splitlines())


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
