"""Repository-level promises: notebooks stored clean, student notebooks generated from the
solutions, conda and pip naming the same packages, the two-command start, no network."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import authoring

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
NOTEBOOKS += sorted((ROOT / "solutions").glob("*.ipynb"))

# conda-forge name -> pip name, where they differ.
CONDA_TO_PIP = {"pytorch": "torch", "matplotlib-base": "matplotlib"}
CONDA_ONLY = {"python", "pip"}


def _pip_requirements() -> dict[str, str]:
    reqs = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            reqs[name.lower()] = version
    return reqs


def _conda_requirements() -> dict[str, str]:
    import yaml

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for pip_dep in dep.get("pip", []):
                name, _, version = pip_dep.partition("==")
                names[name.lower()] = version
            continue
        name, _, version = dep.partition("=")
        names[CONDA_TO_PIP.get(name, name)] = version.split("=")[0]
    return {k: v for k, v in names.items() if k not in CONDA_ONLY}


def test_environment_yml_names_the_same_packages_as_requirements():
    pip, conda = _pip_requirements(), _conda_requirements()
    assert sorted(conda) == sorted(pip), (
        f"only in requirements.txt: {sorted(set(pip) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pip))}"
    )


def test_environment_yml_versions_agree_with_pins():
    pip, conda = _pip_requirements(), _conda_requirements()
    for name, spec in conda.items():
        spec = spec.rstrip("*").rstrip(".")
        if spec and pip[name]:
            assert pip[name].startswith(spec), f"{name}: conda {spec!r} vs pip {pip[name]!r}"


def test_conda_uses_cpu_builds_of_torch():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"pytorch=[^\n]*=cpu", text) and re.search(r"torchvision=[^\n]*=cpu", text)


def test_opencv_pinned_below_5_everywhere():
    # OpenCV 5.0 has no CascadeClassifier and no Haar cascades (chapter 15 needs them).
    assert _pip_requirements()["opencv-python-headless"].startswith("4.")
    assert _conda_requirements()["opencv-python-headless"].startswith("4.")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [
        i for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; run `make student` after strip"


def test_every_solution_has_a_student_notebook_in_sync():
    assert authoring.out_of_date() == [], "run `make student`"
    solutions = {p.name for p in (ROOT / "solutions").glob("*.ipynb")}
    chapters = {p.name for p in (ROOT / "chapters").glob("*.ipynb")}
    assert chapters == solutions


@pytest.mark.parametrize(
    "path", sorted((ROOT / "chapters").glob("*.ipynb")), ids=lambda p: p.name
)
def test_student_notebooks_hold_no_solutions(path):
    text = path.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text


def test_chapter_numbers_follow_the_syllabus():
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name


def test_readme_quick_start_has_exactly_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\s*(make \w+)\s*$", quick, re.MULTILINE)
    assert commands == ["make lab", "make test"]


def test_ci_runs_make_test_and_nothing_else():
    lines = [
        ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    assert "make test" in lines[-1]


def test_network_is_blocked_in_this_process():
    with pytest.raises(OSError, match="network access is blocked"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


def test_network_is_blocked_in_child_processes_such_as_kernels():
    code = "import socket; socket.create_connection(('192.0.2.1', 80), timeout=1)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "network access is blocked" in proc.stderr


def test_loopback_stays_open():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=5)
    client.close()
    server.close()


def test_import_helpers_does_not_load_torch_or_opencv():
    code = "import sys, helpers; print('torch' in sys.modules, 'cv2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_import_widgets_and_checks_does_not_load_torch_or_opencv():
    # The packages and every public module in them, at module level (DEVELOPING.md): opening a
    # chapter must not pay for torch or OpenCV until a function that needs them runs.
    code = (
        "import importlib, pkgutil, sys\n"
        "import helpers.widgets, helpers.checks\n"
        "names = ['helpers.widgets', 'helpers.checks'] + [\n"
        "    f'{pkg.__name__}.{m.name}' for pkg in (helpers.widgets, helpers.checks)\n"
        "    for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith('_')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "    heavy = [m for m in ('torch', 'torchvision', 'cv2') if m in sys.modules]\n"
        "    if heavy:\n"
        "        print(name, 'loads', ' and '.join(heavy)); break\n"
        "else:\n"
        "    print('clean', len(names))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.startswith("clean"), out.stdout + out.stderr


def test_make_lab_opens_the_first_chapter_and_works_as_root():
    out = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    command = [ln for ln in out.stdout.splitlines() if "jupyter lab" in ln]
    assert command and command[-1].rstrip().endswith("chapters/01_pixels.ipynb"), out.stdout
    # Jupyter refuses to run as root without --allow-root (containers, cloud machines).
    assert ("--allow-root" in command[-1]) == (os.geteuid() == 0)
