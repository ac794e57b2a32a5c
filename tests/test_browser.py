"""The course as a learner meets it: JupyterLab in a real (headless) browser.

Unit tests drive the explorers from Python; this module checks what a person sees. It starts
JupyterLab on 127.0.0.1 (free port, random token, throwaway config) over a temporary copy of
``chapters/``, opens every chapter notebook that has widgets in headless Chromium, runs all
cells from the menu, and works each explorer's controls the way a person does: focus a slider
and press the arrow keys, type into a field and press Enter (or Tab), pick from a drop-down,
press a toggle button or tick a box. An explorer's first control must change what is shown,
and for each explorer both the readout text and the picture (its image bytes) must change. The
first control of each kind is worked, then more until readout and picture have both changed.

A notebook "has widgets" when it imports from ``helpers.widgets`` and has cells tagged
``nbval-ignore-output`` (see DEVELOPING.md); new chapters are picked up without editing this
file. Timings (open + kernel ready, run all, control -> updated readout) are printed.

Chromium comes from Debian (``make test`` installs it when it can); it is driven by the Python
``playwright`` package with ``executable_path=/usr/bin/chromium`` - never ``playwright
install``. Without Chromium the tests are skipped with the reason, except under ``CI=true``,
where a missing browser fails. Each explorer's first look is saved as
``tests/_artifacts/explorers/<chapter>-<index>.png`` for review; on failure a screenshot of the
page and the server log are saved to ``tests/_artifacts/``.
``COURSE_BROWSER_CHAPTERS=/some/dir`` tests the notebooks of another folder (for trying a
chapter before it is committed).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = Path(os.environ.get("COURSE_BROWSER_CHAPTERS", ROOT / "chapters"))
ARTIFACTS = ROOT / "tests" / "_artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WIDGET_TAG = "nbval-ignore-output"

# Seconds. Notebooks must run in well under 60 s on 2 cores (DEVELOPING.md); the margins are for
# a busy machine. Each notebook's whole test is capped by pytest-timeout (signal method, so the
# fixtures' finalizers still stop the server).
SERVER_START_S = 90
OPEN_S = 90
RUN_ALL_S = 180
UPDATE_S = 20
NOTEBOOK_TEST_S = 420

pytestmark = [pytest.mark.browser, pytest.mark.timeout(NOTEBOOK_TEST_S, method="signal")]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def widget_notebooks(folder: Path = CHAPTERS) -> list[Path]:
    """Chapter notebooks that display explorers: they use helpers.widgets and tag widget cells."""
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        code = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
                if c.get("cell_type") == "code"]
        uses_widgets = any("helpers.widgets" in _source(c) for c in code)
        tagged = any(WIDGET_TAG in c.get("metadata", {}).get("tags", []) for c in code)
        if uses_widgets and tagged:
            found.append(path)
    return found


NOTEBOOKS = widget_notebooks()


def _missing(reason: str) -> None:
    """Skip with the reason; in CI (CI=true) a missing browser is a failure instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser test must run in CI)", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base: str, token: str, path: str, method: str = "GET"):
    request = urllib.request.Request(f"{base}{path}", method=method,
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


class Lab:
    """A JupyterLab server of our own: where it is and how to reach it."""

    def __init__(self, base: str, token: str, root: Path, log: Path, process: subprocess.Popen):
        self.base, self.token, self.root, self.log, self.process = base, token, root, log, process

    def url(self, notebook: str) -> str:
        # A workspace per notebook, reset: no state carried from one page to the next.
        stem = re.sub(r"\W", "-", Path(notebook).stem)
        return f"{self.base}/lab/workspaces/{stem}/tree/{notebook}?reset&token={self.token}"

    def shutdown_kernels(self) -> None:
        for session in _api(self.base, self.token, "/api/sessions"):
            _api(self.base, self.token, f"/api/sessions/{session['id']}", method="DELETE")


def start_lab(chapters: Path, tmp: Path) -> Lab:
    """Start JupyterLab on 127.0.0.1 over a copy of ``chapters`` made under ``tmp``.

    Free port, random token, throwaway config, no news or update checks; the caller stops it
    with :func:`_stop`. Also used by ``bench/browser.py`` (what a learner feels, in ``make bench``).
    """
    root = tmp / "root"
    shutil.copytree(chapters, root / "chapters",
                    ignore=shutil.ignore_patterns("backup", ".ipynb_checkpoints"))
    if (ROOT / "data").is_dir():  # the same relative layout as the repository
        (root / "data").symlink_to(ROOT / "data")
    settings = tmp / "lab-settings"
    # No news or update checks (they would reach for the internet) and no toast over the page.
    apputils = settings / "@jupyterlab" / "apputils-extension"
    apputils.mkdir(parents=True)
    (apputils / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    env = dict(
        os.environ,  # keeps COURSE_BLOCK_NETWORK and the guard on PYTHONPATH (see conftest.py)
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTER_DATA_DIR=str(tmp / "data"),  # kernels from this venv only, not ~/.local
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        JUPYTER_PLATFORM_DIRS="1",
        MPLBACKEND="module://matplotlib_inline.backend_inline",
    )
    port, token = _free_port(), secrets.token_hex(24)
    log = tmp / "server.log"
    cmd = [
        str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False", "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--ServerApp.allow_root=True")
    with open(log, "wb") as out:
        process = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server = Lab(f"http://127.0.0.1:{port}", token, root, log, process)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with {process.returncode}:\n"
                            f"{log.read_text()[-3000:]}")
            try:
                _api(server.base, token, "/api/status")
                return server
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer within {SERVER_START_S} s:\n"
                                f"{log.read_text()[-3000:]}")
                time.sleep(0.2)
    except BaseException:
        _stop(server)
        raise


def launch_chromium(pw, profile: Path):
    """Debian's Chromium, headless, with a fresh profile at ``profile`` (a playwright context)."""
    return pw.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 1000},
    )


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 over a temporary copy of the chapters; always stopped after."""
    if not NOTEBOOKS:
        pytest.skip(f"no notebook in {CHAPTERS} displays explorers yet")
    server = start_lab(CHAPTERS, tmp_path_factory.mktemp("lab"))
    try:
        yield server
    finally:
        _stop(server)


def _stop(server: Lab) -> None:
    if server.process.poll() is None:
        try:
            server.shutdown_kernels()
        except OSError:
            pass
        # SIGTERM: the server shuts its kernels down (they run in sessions of their own).
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(10)


def test_course_lab_sends_kernel_messages_at_once(lab):
    # helpers/_jupyter_server.py, enabled by `make`: without it each explorer step waits up to
    # 40 ms for TCP (Nagle + delayed ACK); the extension says so when it loads, at start-up.
    log = lab.log.read_text()
    assert "kernel websockets send at once (TCP_NODELAY)" in log, (
        "the course's Jupyter server extension did not load: run `make setup` (or "
        "`python -m helpers._jupyter_server`)")
    assert "widget messages leave the kernel status alone" in log, log[-2000:]


def test_course_lab_tells_jupyterlab_to_leave_widget_messages_out_of_the_kernel_status(lab):
    # What the page reads (jupyterlab_server copies the kernel manager's list into the page
    # config); the notebook test below checks the status stays idle while explorers are worked.
    request = urllib.request.Request(f"{lab.base}/lab?token={lab.token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        page = response.read().decode()
    config = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                       page, re.S)
    assert config, "no jupyter-config-data in JupyterLab's page"
    untracked = json.loads(config.group(1)).get("untracked_message_types", [])
    assert "comm_msg" in untracked and "execute_request" not in untracked, untracked


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Debian's Chromium, headless, with a fresh profile, driven through playwright."""
    if not NOTEBOOKS:
        pytest.skip(f"no notebook in {CHAPTERS} displays explorers yet")
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} not found: install Debian's chromium (`make test` does it when "
                 "apt-get is usable) to run the browser test")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed "
                 "(pip install -r requirements-dev.txt)")
    with sync_playwright() as pw:
        context = launch_chromium(pw, tmp_path_factory.mktemp("chromium-profile"))
        try:
            yield context
        finally:
            context.close()


# -- what the page shows ------------------------------------------------------------------------

# Marks each explorer (a VBox holding the controls, a Picture and an HTML readout, as
# helpers/widgets/_base.py lays it out) with data-explorer=i and returns how many there are.
# A Picture (helpers/widgets/_picture.py) is a canvas in its view's element; data-frame counts
# the pictures it has drawn.
_MARK_EXPLORERS = """() => {
  const boxes = Array.from(document.querySelectorAll('.jp-Notebook .widget-vbox')).filter(b => {
    const kids = Array.from(b.children);
    return !!b.querySelector(':scope > * > canvas.explorer-picture')
           && kids.some(k => k.matches('.widget-html'));
  });
  boxes.forEach((b, i) => b.setAttribute('data-explorer', String(i)));
  return boxes.length;
}"""

# What one explorer shows: readout text and a digest of the picture's pixels.
_SHOWN = """async (box) => {
  const canvas = box.querySelector(':scope > * > canvas.explorer-picture');
  const html = Array.from(box.children).find(k => k.matches('.widget-html'));
  let digest = '';
  if (canvas && canvas.dataset.frame) {
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const hash = await crypto.subtle.digest('SHA-256', pixels);
    digest = Array.from(new Uint8Array(hash)).map(b => b.toString(16).padStart(2, '0')).join('');
  }
  return {readout: html ? html.textContent.trim() : '', image: digest};
}"""

# Finished: kernel idle and every code cell numbered, or more tracebacks than cells tagged
# raises-exception (JupyterLab's Run All stops at an unexpected error).
_RUN_FINISHED = """(allowed) => {
  const status = document.querySelector('.jp-Notebook-ExecutionIndicator');
  if (!status || status.getAttribute('data-status') !== 'idle') return false;
  const prompts = Array.from(
    document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt'));
  const failed = Array.from(document.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
    .filter(o => /Traceback/.test(o.textContent)).length > allowed;
  return failed || (prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent)));
}"""

_KERNEL_READY = """() => {
  const status = document.querySelector('.jp-Notebook-ExecutionIndicator');
  const name = document.querySelector('.jp-Toolbar-kernelName');
  return !!status && status.getAttribute('data-status') === 'idle' && !!name
         && !/No Kernel|^Kernel$/.test((name.getAttribute('aria-label') || name.innerText).trim());
}"""


# Records every kernel status the notebook's toolbar shows from now on, in window.__statuses.
_WATCH_STATUS = """() => {
  const status = document.querySelector('.jp-Notebook-ExecutionIndicator');
  window.__statuses = [];
  new MutationObserver(() => window.__statuses.push(status.getAttribute('data-status')))
    .observe(status, {attributes: true, attributeFilter: ['data-status']});
}"""


def _open_and_run(page, lab: Lab, notebook: str, timings: dict) -> int:
    """Open, wait for the kernel, Run All Cells from the menu; return how many explorers show."""
    cells = json.loads((lab.root / notebook).read_text(encoding="utf-8"))["cells"]
    allowed = sum("raises-exception" in c.get("metadata", {}).get("tags", []) for c in cells)
    start = time.perf_counter()
    page.goto(lab.url(notebook), timeout=OPEN_S * 1000)
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=OPEN_S * 1000)
    page.wait_for_function(_KERNEL_READY, timeout=OPEN_S * 1000, polling=100)
    timings["open + kernel ready"] = time.perf_counter() - start

    start = time.perf_counter()
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    # Give the kernel the first request before polling for "idle and every cell numbered".
    page.wait_for_function(
        "() => !!document.querySelector('.jp-Notebook .jp-InputPrompt') && "
        "Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt'))"
        ".some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))",
        timeout=OPEN_S * 1000, polling=100)
    page.wait_for_function(_RUN_FINISHED, arg=allowed, timeout=RUN_ALL_S * 1000, polling=100)
    timings["run all"] = time.perf_counter() - start

    errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
                          has_text="Traceback")
    if errors.count() > allowed:
        pytest.fail(f"{notebook}: a cell raised:\n{errors.first.inner_text()[-2000:]}")
    # Widget views render after their outputs arrive: wait until the explorers are all drawn.
    deadline, seen, stable = time.monotonic() + UPDATE_S, -1, 0
    while stable < 3:
        count = page.evaluate(_MARK_EXPLORERS)
        drawn = page.locator("[data-explorer] > * > canvas.explorer-picture[data-frame]").count()
        stable = stable + 1 if count == seen and drawn == count and count else 0
        seen = count
        if time.monotonic() > deadline:
            break
        time.sleep(0.3)
    broken = page.locator(".jp-OutputArea-output", has_text="Error displaying widget")
    assert broken.count() == 0, f"{notebook}: {broken.first.inner_text()}"
    return seen


# How a person works each kind of control; sliders and text fields first.
_CONTROL_KINDS = (
    ("slider", ".widget-slider .noUi-handle"),
    ("text", ".widget-text input"),
    ("dropdown", ".widget-dropdown select"),
    ("toggle", ".widget-toggle-buttons button"),
    ("checkbox", ".widget-checkbox input"),
)


def _controls(box) -> list[tuple[str, object]]:
    """The explorer's enabled controls by kind (a toggle group counts once)."""
    found = []
    for kind, selector in _CONTROL_KINDS:
        if kind == "toggle":
            groups = box.locator(".widget-toggle-buttons")
            found += [(kind, groups.nth(i)) for i in range(groups.count())]
            continue
        controls = box.locator(selector)
        found += [(kind, controls.nth(i)) for i in range(controls.count())
                  if controls.nth(i).is_enabled()]
    return found


# A slider's value and range from its noUiSlider (in the slider's own units: exponents for a log
# slider). Its aria-valuenow attribute is rounded to one decimal, so steps of 0.01-0.05 look
# like no move there.
_SLIDER_STATE = """(handle) => {
  const slider = handle.closest('.noUi-target').noUiSlider;
  return [Number(slider.get()), Number(slider.options.range.min),
          Number(slider.options.range.max)];
}"""


def slider_state(handle) -> tuple[float, float, float]:
    """(value, min, max) of the slider whose handle is ``handle``."""
    now, low, high = handle.evaluate(_SLIDER_STATE)
    return float(now), float(low), float(high)


def _act(page, kind: str, control, attempt: int) -> None:
    """Change ``control`` as a person would; ``attempt`` 0 is a small move, later ones bigger or
    the other way (a slider at its end, a value the algorithm rejects)."""
    control.scroll_into_view_if_needed()
    if kind == "slider":
        now, low, high = slider_state(control)
        key = "ArrowLeft" if (now - low >= high - now) != (attempt == 2) else "ArrowRight"
        control.focus()
        for _ in range(3 if attempt == 0 else 10):
            page.keyboard.press(key)
    elif kind == "text":
        text = control.input_value().strip()
        try:
            old = float(text)
        except ValueError:
            new = text + "x"
        else:
            integer = old == int(old) and "." not in text and "e" not in text.lower()
            step = [1, 5, -1][attempt] if integer else [0.5, 2.0, -0.5][attempt]
            value = old + step if integer else (old * (1 + step) if old else step)
            new = str(int(value)) if integer else f"{value:.6g}"
        control.click()
        page.keyboard.press("Control+a")
        page.keyboard.type(new)
        page.keyboard.press("Enter" if attempt != 1 else "Tab")
    elif kind == "dropdown":  # pick another entry, as from the opened list
        options = control.locator("option")
        current = control.evaluate("(s) => s.selectedIndex")
        control.select_option(index=(current + [1, -1, 2][attempt]) % max(options.count(), 1))
    elif kind == "toggle":  # press another button of the group
        buttons = control.locator("button:not(.mod-active)")
        buttons.nth(attempt % max(buttons.count(), 1)).focus()
        page.keyboard.press("Enter")
    else:  # checkbox
        control.focus()
        page.keyboard.press("Space")


_CHANGED = """([box, old]) => {
  const canvas = box.querySelector(':scope > * > canvas.explorer-picture');
  const text = box.querySelector('.widget-html').textContent.trim();
  return text !== old.text || (canvas ? canvas.dataset.frame : '') !== old.frame;
}"""

_STATE = """(box) => {
  const canvas = box.querySelector(':scope > * > canvas.explorer-picture');
  return {text: box.querySelector('.widget-html').textContent.trim(),
          frame: canvas ? canvas.dataset.frame : ''};
}"""


def _exercise(page, box, kind: str, control, wait_s: float) -> tuple[dict | None, list[str]]:
    """Change one control until what the explorer shows changes (to something not an error).

    Returns which of readout and image changed and the seconds from the first key press to the
    first visible change, or None when nothing changed; and what each attempt saw.
    """
    history = []
    for attempt in range(1 if kind in ("checkbox", "toggle") else 3):
        before, state = box.evaluate(_SHOWN), box.evaluate(_STATE)
        start = time.perf_counter()
        _act(page, kind, control, attempt)
        try:
            page.wait_for_function(_CHANGED, arg=[box.element_handle(), state],
                                   timeout=wait_s * 1000, polling="raf")
        except Exception:  # noqa: BLE001 - nothing changed: recorded below, maybe retried
            history.append(f"attempt {attempt}: nothing changed; readout {before['readout']!r}")
            continue
        latency = time.perf_counter() - start
        # Image and readout come from one update (image first); let the second one arrive.
        deadline = time.monotonic() + 0.5
        after = box.evaluate(_SHOWN)
        while (after["image"] == before["image"] or after["readout"] == before["readout"]) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
            after = box.evaluate(_SHOWN)
        if "Cannot compute" not in after["readout"]:
            return {"readout": after["readout"] != before["readout"],
                    "image": after["image"] != before["image"], "seconds": latency}, history
        history.append(f"attempt {attempt}: the readout shows an error: {after['readout']!r}")
    return None, history


def _check_explorer(page, box, label: str, timings: dict, notes: list[str]) -> None:
    """Work the first control of each kind, then more until both readout and image changed.

    The explorer's first control must visibly change it; a later one may legitimately change
    nothing in the current state (a per-class switch with one class left), which is noted.
    """
    controls = _controls(box)
    assert controls, f"{label} has no slider, text field, drop-down, toggle or check box"
    seen = {"readout": False, "image": False}
    kinds = set()
    for n, (kind, control) in enumerate(controls):
        if kind in kinds and all(seen.values()):
            continue
        kinds.add(kind)
        changed, history = _exercise(page, box, kind, control, UPDATE_S if n == 0 else 5)
        if changed is None:
            if n == 0:
                pytest.fail(f"{label}: changing its first control, a {kind}, changed nothing a "
                            "learner sees:\n" + "\n".join(history), pytrace=False)
            notes.append(f"{label}: {kind} {n} changed nothing visible here")
            continue
        what = "readout" if changed["readout"] else "image"
        timings[f"{label.rsplit(': ', 1)[-1]} {kind} {n} -> {what}"] = changed["seconds"]
        seen["readout"] |= changed["readout"]
        seen["image"] |= changed["image"]
    missing = [k for k, v in seen.items() if not v]
    assert not missing, f"{label}: no control changed the {' or the '.join(missing)}"


def _save_explorer_screenshot(box, stem: str, index: int) -> Path:
    """Save explorer ``index`` as the learner first sees it, for reviewing how it reads.

    ``tests/_artifacts/explorers/<chapter>-<index>.png``, one per explorer, overwritten each run
    (the directory is ignored by git). Returns the path; the PNG must be the explorer's size.
    """
    folder = ARTIFACTS / "explorers"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}-{index}.png"
    png = box.screenshot(path=str(path), animations="disabled")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    size = box.bounding_box()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and size and \
        abs(width - size["width"]) <= 2 and abs(height - size["height"]) <= 2, (
            f"{path.name}: the screenshot is not a {size} picture of the explorer")
    return path


# What a person sees of the controls: every label whole, every slider with a track to drag and
# every drop-down wide enough for its choice (helpers/widgets/_base.py _fit_controls sizes them).
_LAYOUT_FAULTS = """(box) => {
  const faults = [], shown = (el) => el.offsetParent !== null;
  const font = document.createElement('canvas').getContext('2d');
  for (const el of box.querySelectorAll('.widget-label, .widget-label-basic')) {
    const text = el.textContent.trim();
    if (shown(el) && text && el.scrollWidth > el.clientWidth + 1)
      faults.push(`label "${text}" is cut off (${el.scrollWidth} px of text in `
                  + `${el.clientWidth} px)`);
  }
  for (const el of box.querySelectorAll('.widget-hslider .noUi-target')) {
    const width = el.getBoundingClientRect().width;
    const label = el.closest('.widget-hslider').querySelector('.widget-label');
    if (shown(el) && width < 100)
      faults.push(`slider "${label ? label.textContent.trim() : '?'}" has a `
                  + `${Math.round(width)} px track`);
  }
  for (const el of box.querySelectorAll('select')) {
    if (!shown(el) || el.multiple || el.selectedIndex < 0) continue;
    const style = getComputedStyle(el);
    font.font = `${style.fontSize} ${style.fontFamily}`;
    const text = el.options[el.selectedIndex].text;
    const need = font.measureText(text).width + 24;  // the arrow and padding
    if (need > el.clientWidth)
      faults.push(`drop-down shows "${text}" in ${el.clientWidth} px (needs ~${Math.round(need)})`);
  }
  return faults;
}"""


def _check_layout(box, label: str) -> None:
    """Fail if a control's label is cut off, a slider's track is under 100 px, or a drop-down
    is too narrow for its choice: what the explorer screenshots showed before _fit_controls."""
    faults = box.evaluate(_LAYOUT_FAULTS)
    assert not faults, f"{label}: " + "; ".join(faults)


@pytest.mark.parametrize("notebook", NOTEBOOKS or [None], ids=lambda p: p.name if p else "none")
def test_learner_runs_chapter_and_moves_every_explorer(notebook, browser, lab, capsys):
    name = f"chapters/{notebook.name}"
    timings: dict[str, float] = {}
    notes: list[str] = []
    page = browser.new_page()
    try:
        count = _open_and_run(page, lab, name, timings)
        assert count >= 1, (
            f"{name}: widget cells ran but no explorer (controls + image + readout) shows")
        page.evaluate(_WATCH_STATUS)
        for i in range(count):
            box = page.locator(f'[data-explorer="{i}"]')
            box.scroll_into_view_if_needed()
            _save_explorer_screenshot(box, notebook.stem, i)
            _check_layout(box, f"{name}: explorer {i}")
            _check_explorer(page, box, f"{name}: explorer {i}", timings, notes)
        # helpers/_jupyter_server.py: explorer updates (widget messages) leave the kernel status
        # alone, so JupyterLab does not redraw it on each step.
        shown = page.evaluate("() => window.__statuses")
        assert "busy" not in shown, (
            f"{name}: JupyterLab showed the kernel {shown} while the explorers were worked")
    except BaseException:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"browser-{notebook.stem}.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
            shutil.copy(lab.log, ARTIFACTS / "browser-jupyterlab.log")
        except Exception:  # noqa: BLE001 - the original failure matters more
            pass
        raise
    finally:
        page.close()
        try:
            lab.shutdown_kernels()  # free the memory before the next chapter
        except OSError:
            pass
        with capsys.disabled():
            shown = ", ".join(f"{k} {v:.2f} s" for k, v in timings.items())
            print(f"\n[browser] {notebook.name}: {shown}", flush=True)
            for note in notes:
                print(f"[browser] note: {note}", flush=True)
