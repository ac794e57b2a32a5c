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
# The runtime set (what `make lab` and Binder install) and the development set (`make test` only).
RUNTIME = ("requirements.txt", "requirements-nodeps.txt")
DEV = ("requirements-dev.txt", "requirements-dev-nodeps.txt")
NO_DEPS = ("requirements-nodeps.txt", "requirements-dev-nodeps.txt")


def _pip_requirements(file: str = "requirements.txt") -> dict[str, str]:
    reqs = {}
    for line in (ROOT / file).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            reqs[name.strip().lower()] = version.strip()
    return reqs


# A conda match spec as environment.yml writes them: `name`, `name==1.2.3`, `name=1.2` (fuzzy:
# 1.2.*), or `name=1.2.3=build*` (exact version, given build string).
_CONDA_SPEC = re.compile(r"^([A-Za-z0-9_.-]+)\s*(?:(==|=)([^=\s]+)(?:=(\S+))?)?$")


def _conda_requirements() -> dict[str, tuple[str, bool]]:
    """pip name -> (version, exact) for every environment.yml dependency (pip section too)."""
    import yaml

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for pip_dep in dep.get("pip", []):
                name, _, version = pip_dep.partition("==")
                names[name.strip().lower()] = (version.strip(), bool(version))
            continue
        match = _CONDA_SPEC.match(dep)
        assert match, f"environment.yml: cannot read {dep!r}"
        name, op, version, build = match.groups()
        exact = op == "==" or (op == "=" and build is not None and "*" not in (version or ""))
        names[CONDA_TO_PIP.get(name, name)] = (version or "", exact)
    return {k: v for k, v in names.items() if k not in CONDA_ONLY}


def test_every_requirement_is_pinned_exactly_and_listed_once():
    seen: dict[str, str] = {}
    for file in RUNTIME + DEV:
        for name, version in _pip_requirements(file).items():
            assert re.fullmatch(r"\d+(\.\d+)*(\.post\d+)?", version), f"{file}: {name} not pinned"
            assert name not in seen, f"{name} is in both {seen[name]} and {file}"
            seen[name] = file


def test_environment_yml_names_the_same_runtime_packages_as_requirements():
    pip, conda = _pip_requirements(), _conda_requirements()
    assert sorted(conda) == sorted(pip), (
        f"only in requirements.txt: {sorted(set(pip) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pip))}"
    )


def test_environment_yml_pins_the_same_versions_exactly():
    pip, conda = _pip_requirements(), _conda_requirements()
    for name, (version, exact) in conda.items():
        assert exact, f"environment.yml: {name} is not pinned exactly (use == or =version=build)"
        assert version == pip[name], f"{name}: environment.yml {version!r}, requirements.txt " \
                                     f"{pip[name]!r}"


def test_conda_uses_cpu_builds_of_torch():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*- pytorch=[\d.]+=cpu\*$", text, re.MULTILINE)
    assert re.search(r"^\s*- torchvision=[\d.]+=cpu\*$", text, re.MULTILINE)


def test_opencv_pinned_below_5_everywhere():
    # OpenCV 5.0 has no CascadeClassifier and no Haar cascades (chapter 15 needs them).
    assert _pip_requirements()["opencv-python-headless"].startswith("4.")
    assert _conda_requirements()["opencv-python-headless"][0].startswith("4.")


def test_no_package_pulls_in_the_gui_opencv():
    # opencv-python and opencv-python-headless both own the cv2 module: one would overwrite the
    # other. Packages that declare opencv-python are installed with --no-deps from their own files.
    for file in RUNTIME + DEV:
        assert "opencv-python" not in _pip_requirements(file), file
    postbuild = (ROOT / "postBuild").read_text()
    assert "pip install --no-deps -r requirements-nodeps.txt" in postbuild
    assert not any(file in postbuild for file in DEV), "Binder installs the runtime set only"


# What the Makefile's set-up reads (the server extension's module is a prerequisite of enabling it).
MAKE_INPUTS = ("Makefile", "pyproject.toml", "helpers/_jupyter_server.py") + RUNTIME + DEV


def _make_dry_run(target: str, cwd: Path = ROOT) -> str:
    out = subprocess.run(["make", "-n", target], cwd=cwd, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture
def make_copy(tmp_path):
    """The Makefile and the files its set-up depends on, in a scratch folder with a .venv whose
    set-up is done (stamps newer than every input)."""
    for file in MAKE_INPUTS:
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_bytes((ROOT / file).read_bytes())
        os.utime(tmp_path / file, (1_000_000_000, 1_000_000_000))
    server_ext = tmp_path / ".venv" / "etc" / "jupyter" / "jupyter_server_config.d"
    server_ext.mkdir(parents=True)
    (server_ext / "pixels-to-deepsort.json").touch()
    os.utime(server_ext / "pixels-to-deepsort.json", (1_600_000_000, 1_600_000_000))
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    for stamp in (".installed-runtime", ".installed-dev"):
        (tmp_path / ".venv" / stamp).touch()
        os.utime(tmp_path / ".venv" / stamp, (1_500_000_000, 1_500_000_000))
    return tmp_path


def test_make_lab_installs_the_runtime_set_and_make_test_both(tmp_path):
    for file in MAKE_INPUTS:
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_bytes((ROOT / file).read_bytes())
    lab, test = _make_dry_run("lab", tmp_path), _make_dry_run("test", tmp_path)
    assert "-r requirements.txt" in lab and "--no-deps -r requirements-nodeps.txt" in lab
    assert "requirements-dev" not in lab
    for file in RUNTIME + DEV:
        assert f"-r {file}" in test, file
    for file in NO_DEPS:
        assert re.search(rf"--no-deps -r {file}\b", test), f"{file} must be installed --no-deps"
    # The development set cannot move a runtime pin.
    assert "-r requirements-dev.txt -c requirements.txt" in test
    # The course's Jupyter server extension, enabled after the package is installed.
    for dry_run in (lab, test):
        assert dry_run.index("-m helpers._jupyter_server") > dry_run.index("--no-deps -e .")


@pytest.mark.parametrize("changed", ("pyproject.toml",) + RUNTIME + DEV)
def test_venv_is_updated_when_any_requirements_file_changes(make_copy, changed):
    assert "pip install" not in _make_dry_run("test", make_copy)
    os.utime(make_copy / changed, (1_600_000_000, 1_600_000_000))  # newer than the set-up
    lab, test = _make_dry_run("lab", make_copy), _make_dry_run("test", make_copy)
    assert "pip install" in test
    assert ("pip install" in lab) == (changed not in DEV)


def test_server_extension_is_enabled_again_when_its_module_changes(make_copy):
    assert "helpers._jupyter_server" not in _make_dry_run("lab", make_copy)
    os.utime(make_copy / "helpers/_jupyter_server.py", (1_700_000_000, 1_700_000_000))
    lab = _make_dry_run("lab", make_copy)
    assert "-m helpers._jupyter_server" in lab and "pip install" not in lab


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


def test_make_lab_serves_the_repository_root_on_the_first_chapter_and_works_as_root():
    command = [ln for ln in _make_dry_run("lab").splitlines() if "jupyter lab" in ln]
    assert command, "make lab starts no JupyterLab"
    words = command[-1].split()
    # Jupyter would serve the notebook's own folder (chapters/) when given a file: the root is
    # set explicitly, so README, solutions/ and data/ are browsable, as on Binder.
    assert "--ServerApp.root_dir=." in words and words[-1] == "chapters/01_pixels.ipynb"
    # Jupyter refuses to run as root without --allow-root (containers, cloud machines).
    assert ("--allow-root" in words) == (os.geteuid() == 0)


def test_binder_badge_opens_the_page_make_lab_opens():
    readme = (ROOT / "README.md").read_text()
    badge = re.search(r"https://mybinder\.org/v2/gh/[^)\s]*urlpath=lab/tree/([^)\s&]+)", readme)
    assert badge and badge.group(1) == "chapters/01_pixels.ipynb"


def test_files_named_in_set_up_files_exist():
    # Comments in requirements and environment files point at tests and tools: they must exist.
    for file in ("Makefile", "environment.yml", "postBuild") + RUNTIME + DEV:
        for named in re.findall(r"\b((?:tests|tools|helpers|bench)/[\w/.]+\.py)\b",
                                (ROOT / file).read_text()):
            assert (ROOT / named).exists(), f"{file} names {named}, which does not exist"
