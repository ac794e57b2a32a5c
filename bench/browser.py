"""What a learner feels: input to painted pixels for every explorer, in JupyterLab in Chromium.

``python bench/run.py --only browser`` (part of ``make bench``) starts JupyterLab over a copy of
``chapters/`` (the same server and browser as ``tests/test_browser.py``), runs every chapter that
shows explorers, and for each explorer works its first control from the keyboard (the next one
if the first changes only the readout, never the picture):

* ``browser/<chapter>/open_seconds``       - page opened to kernel ready
* ``browser/<chapter>#<i>/p50_ms``, ``p95_ms`` - single steps (an arrow key on the slider, or the
  first control of another kind): from the input event that commits the change (the key, the
  selection; a text field's Enter, not the typing before it), time-stamped by a listener inside
  the page, to paint, taken as the task after the first animation frame that follows the drawing
  of the new picture on the explorer's canvas (its ``data-frame`` counts up once the picture is
  decoded and drawn -> ``requestAnimationFrame`` -> ``setTimeout(0)``)
* ``browser/<chapter>#<i>/drag_fps``       - holding a key (one press every 30 ms for about a
  second, as a slider drag does): new pictures painted per second, first key to last paint
* ``browser/<chapter>#<i>/drag_final_ms``  - last key to the last picture painted
* ``browser/<chapter>#<i>/kernel_ms``, ``kernel_cpu_ms`` - of each single step, the explorer's
  update (compute + draw + encode) in the live kernel: wall time and the kernel thread's own CPU
  time (a cell the bench puts first in its copy of each notebook times ``Explorer.update``)
* ``browser/<chapter>#<i>/outside_kernel_ms`` - the rest of each step (median): event to kernel,
  picture to page, decode and paint, on the same cores as the kernel

``<i>`` is the explorer's position in the chapter (0 is the first). Targets (2 cores, idle):
p50 <= 50 ms, p95 <= 100 ms, drag >= 20 pictures a second, final picture <= 100 ms.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import test_browser as tb  # noqa: E402  (the browser test's server and browser set-up)

P50_TARGET_MS, P95_TARGET_MS = 50.0, 100.0
DRAG_FPS_TARGET, DRAG_FINAL_TARGET_MS = 20.0, 100.0
STEPS = 20          # single steps per explorer
DRAG_KEYS = 30      # key presses in a drag, one every DRAG_INTERVAL_S
DRAG_INTERVAL_S = 0.03
SETTLE_S = 1.0      # no new picture for this long: the explorer has settled

# Arms listeners inside the page: input events (keyboard, pointer, change) are time-stamped and
# each new picture is time-stamped when painted. Everything is kept on window.__lat.
_ARM = """(box) => {
  const canvas = box.querySelector(':scope > * > canvas.explorer-picture');
  const lat = {inputs: [], paints: []};
  window.__lat = lat;
  // Milliseconds since the epoch, as the kernel's time.time() counts (same machine).
  const now = () => performance.timeOrigin + performance.now();
  const onInput = () => lat.inputs.push(now());
  for (const kind of ['keydown', 'change', 'pointerdown']) {
    document.addEventListener(kind, onInput, {capture: true});
  }
  lat.disarm = () => {
    for (const kind of ['keydown', 'change', 'pointerdown']) {
      document.removeEventListener(kind, onInput, {capture: true});
    }
    lat.observer.disconnect();
  };
  lat.observer = new MutationObserver(() => {
    requestAnimationFrame(() => setTimeout(() => lat.paints.push(now()), 0));
  });
  lat.observer.observe(canvas, {attributes: true, attributeFilter: ['data-frame']});
}"""

# Put first in the bench's copy of each notebook: every Explorer.update in the kernel appends
# [start, end] (ms since the epoch) and the kernel thread's CPU ms to a log the bench reads.
_TIMING_CELL = """# Added by bench/browser.py: times each explorer update in this kernel.
import json as _json, time as _time
from helpers.widgets._base import Explorer as _Explorer
_untimed_update, _update_log = _Explorer.update, open({log!r}, "a")
def _timed_update(self):
    wall, cpu = _time.time(), _time.thread_time()
    _untimed_update(self)
    _update_log.write(_json.dumps([wall * 1e3, _time.time() * 1e3,
                                   (_time.thread_time() - cpu) * 1e3]) + "\\n")
    _update_log.flush()
_Explorer.update = _timed_update"""

_READ = """() => ({inputs: window.__lat.inputs.slice(), paints: window.__lat.paints.slice()})"""

# Waits inside the page (no polling from Python, whose round trips would take CPU from the page
# and the kernel while they work): for a paint beyond the first ``before``, then for ``settle``
# ms without a new one, or ``timeout`` ms in all.
_SETTLED = """([before, settle, timeout]) => new Promise(resolve => {
  const lat = window.__lat, start = performance.now();
  let seen = lat.paints.length, last = start;
  const check = () => {
    const now = performance.now();
    if (lat.paints.length !== seen) { seen = lat.paints.length; last = now; }
    if ((seen > before && now - last > settle) || now - start > timeout) {
      resolve({inputs: lat.inputs.slice(), paints: lat.paints.slice()});
    } else {
      setTimeout(check, 50);
    }
  };
  check();
})"""

# Holds an arrow key on a slider's handle from inside the page: a key every ``interval`` ms, at
# most ``count``, stopping at the end of the range. Keys sent from Python cost two round trips
# each (press, read the value), CPU a real drag does not take from the page and the kernel.
# Returns the slider's value after each key (the first entry: before any).
_DRAG = """(handle, [key, count, interval]) => new Promise(resolve => {
  // From the noUiSlider: aria-valuenow is rounded to one decimal (a 0.02 step looks like none).
  const slider = handle.closest('.noUi-target').noUiSlider;
  const value = () => Number(slider.get());
  const values = [value()];
  const press = () => {
    handle.dispatchEvent(new KeyboardEvent('keydown', {key, bubbles: true, cancelable: true}));
    values.push(value());
    if (values.length > count || values[values.length - 1] === values[values.length - 2]) {
      resolve(values);
    } else {
      setTimeout(press, interval);
    }
  };
  handle.focus();
  press();
})"""
_DISARM = """() => window.__lat.disarm()"""


def _slider_key(handle, step: int) -> str:
    now, low, high = tb.slider_state(handle)
    if now >= high:
        return "ArrowLeft"
    if now <= low:
        return "ArrowRight"
    return "ArrowRight" if (step // 5) % 2 == 0 else "ArrowLeft"


def _wait_settled(page, before: int, timeout_s: float = 10.0) -> dict:
    """Wait for at least one new paint after ``before`` paints, then for SETTLE_S of quiet."""
    return page.evaluate(_SETTLED, [before, SETTLE_S * 1e3, timeout_s * 1e3])


def _updates(log: Path | None, since: int) -> list[list[float]]:
    """Kernel updates logged after the first ``since`` lines: [start, end, cpu] each."""
    if log is None or not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()[since:]]


def measure_explorer(page, box, log: Path | None = None, which: int = 0) -> dict | None:
    """Step latencies and drag figures for one explorer, worked through its control number
    ``which`` (None when it has no such control)."""
    controls = tb._controls(box)
    if which >= len(controls):
        return None
    kind, control = controls[which]
    box.evaluate(_ARM)
    try:
        latencies, kernel, kernel_cpu, outside = [], [], [], []
        for step in range(STEPS):
            before = page.evaluate(_READ)
            logged = len(_updates(log, 0))
            if kind == "slider":
                control.focus()
                page.keyboard.press(_slider_key(control, step))
            else:
                tb._act(page, kind, control, step % 2 * 2)  # a move, then back
            state = _wait_settled(page, len(before["paints"]), timeout_s=5.0)
            inputs = state["inputs"][len(before["inputs"]):]
            paints = state["paints"][len(before["paints"]):]
            # From the input that committed the change (the last one before the picture): a
            # text field is clicked and typed into, and only its Enter sends the value.
            committed = [t for t in inputs if t <= paints[0]] if paints else []
            if committed:
                latencies.append(paints[0] - committed[-1])
                updates = [u for u in _updates(log, logged) if u[0] >= committed[-1]]
                if updates and updates[0][1] <= paints[0]:
                    kernel.append(updates[0][1] - updates[0][0])
                    kernel_cpu.append(updates[0][2])
                    outside.append(latencies[-1] - kernel[-1])
        result = {"steps": latencies, "kernel": kernel, "kernel_cpu": kernel_cpu,
                  "outside": outside}
        if kind == "slider":
            before = page.evaluate(_READ)
            now, low, high = tb.slider_state(control)
            key = "ArrowRight" if high - now >= now - low else "ArrowLeft"  # towards the far end
            values = control.evaluate(_DRAG, [key, DRAG_KEYS, DRAG_INTERVAL_S * 1e3])
            moved = [i for i in range(1, len(values)) if values[i] != values[i - 1]]
            state = _wait_settled(page, len(before["paints"]))
            inputs = state["inputs"][len(before["inputs"]):]
            paints = state["paints"][len(before["paints"]):]
            if not (moved and len(inputs) >= moved[-1] and paints):
                print(f"  note: the drag moved the slider {len(moved)} times and painted "
                      f"{len(paints)} pictures: no drag figures")
            else:
                last_key = inputs[moved[-1] - 1]
                span = max(paints[-1] - inputs[0], 1.0)
                result["drag_fps"] = len(paints) / span * 1e3
                result["drag_keys"] = len(moved)
                if paints[-1] >= last_key:
                    result["drag_final_ms"] = paints[-1] - last_key
                else:
                    # The last value painted nothing (a setting the algorithm refuses keeps the
                    # previous picture and says why in the readout): no final-picture figure.
                    result["drag_final_ms"] = None
        return result
    finally:
        page.evaluate(_DISARM)


def _timed_copy(chapters: Path, notebooks: list[Path], folder: Path, log: Path) -> None:
    """Copy ``notebooks`` into ``folder`` with the update-timing cell put first in each."""
    folder.mkdir(parents=True)
    for notebook in notebooks:
        content = json.loads(notebook.read_text(encoding="utf-8"))
        content["cells"].insert(0, {"cell_type": "code", "execution_count": None,
                                    "metadata": {}, "outputs": [],
                                    "source": _TIMING_CELL.format(log=str(log))})
        (folder / notebook.name).write_text(json.dumps(content), encoding="utf-8")
    for extra in chapters.iterdir():  # anything else the notebooks read next to them
        if extra.is_dir() and extra.name not in ("backup", ".ipynb_checkpoints"):
            shutil.copytree(extra, folder / extra.name)


def run(record, chapters: Path = tb.CHAPTERS, pattern: str = "*.ipynb") -> None:
    """Measure every explorer of every chapter that shows explorers; ``record`` as in run.py.

    ``pattern`` (a glob) picks the notebooks, as ``--notebook`` does for ``bench/run.py``.
    """
    from playwright.sync_api import sync_playwright

    notebooks = [n for n in tb.widget_notebooks(chapters) if n.match(pattern)]
    if not tb.CHROMIUM.exists():
        print(f"  note: {tb.CHROMIUM} missing: browser figures skipped (apt-get install chromium)")
        return
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        tmp = Path(tmp)
        log = tmp / "updates.jsonl"
        _timed_copy(chapters, notebooks, tmp / "chapters", log)
        server = tb.start_lab(tmp / "chapters", tmp / "lab")
        context = tb.launch_chromium(pw, tmp / "profile")
        try:
            for notebook in notebooks:
                _run_chapter(record, context, server, notebook, log)
        finally:
            context.close()
            tb._stop(server)


def _run_chapter(record, context, server, notebook: Path, log: Path | None = None) -> None:
    timings: dict[str, float] = {}
    page = context.new_page()
    try:
        count = tb._open_and_run(page, server, f"chapters/{notebook.name}", timings)
        record(f"browser/{notebook.stem}/open_seconds", timings["open + kernel ready"], "s")
        for i in range(count):
            box = page.locator(f'[data-explorer="{i}"]')
            box.scroll_into_view_if_needed()
            name = f"browser/{notebook.stem}#{i}"
            # The first control whose moves change the picture (some change only the readout,
            # such as the input channels of the separable-cost explorer, whose bars are ratios).
            for which in range(3):
                found = measure_explorer(page, box, log, which)
                if not found or found["steps"]:
                    break
                print(f"  note: {name}: control {which} painted nothing in {STEPS} steps; "
                      "trying the next one")
            if not found or not found["steps"]:
                print(f"  note: {name}: no control painted in {STEPS} steps")
                continue
            steps = sorted(found["steps"])
            p95 = steps[min(len(steps) - 1, int(round(0.95 * (len(steps) - 1))))]
            record(f"{name}/p50_ms", statistics.median(steps), "ms", f"<= {P50_TARGET_MS:g}")
            record(f"{name}/p95_ms", p95, "ms", f"<= {P95_TARGET_MS:g}")
            if found["kernel"]:
                record(f"{name}/kernel_ms", statistics.median(found["kernel"]), "ms")
                record(f"{name}/kernel_cpu_ms", statistics.median(found["kernel_cpu"]), "ms")
                record(f"{name}/outside_kernel_ms", statistics.median(found["outside"]), "ms")
            if "drag_fps" in found:
                record(f"{name}/drag_fps", found["drag_fps"], "1/s", f">= {DRAG_FPS_TARGET:g}")
                if found["drag_final_ms"] is None:
                    print(f"  note: {name}: the drag's last value painted nothing (refused "
                          "setting?): no drag_final_ms")
                else:
                    record(f"{name}/drag_final_ms", found["drag_final_ms"], "ms",
                           f"<= {DRAG_FINAL_TARGET_MS:g}")
    finally:
        page.close()
        try:
            server.shutdown_kernels()
        except OSError:
            pass
