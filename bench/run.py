"""`make bench`: how fast the course is, measured on this machine.

Prints a table and writes ``bench/results.json``: a list of ``{"name", "value", "unit",
"target"}`` objects with stable names, so runs can be compared over time:

* ``import/helpers/seconds``           - ``import helpers`` in a fresh interpreter
* ``notebook/<file>/seconds``          - executing a solution notebook top to bottom
* ``notebook/<file>/peak_mb``          - the kernel's peak resident memory for it
* ``notebook/<file>/first_widget_seconds`` - kernel start to the end of the first cell that
  displays an explorer (what a learner waits before the first slider answers)
* ``course/seconds``                   - the sum of every solution notebook's run time (the
  whole course top to bottom; only recorded when every notebook ran, not with --notebook)
* ``widget/<name>/median_ms``, ``p95_ms`` - 30 control changes: compute + draw + PNG
* whatever the ``bench/cases_*.py`` modules record (each defines ``run(record)``)
* ``browser/...`` - input to painted pixels for every explorer in JupyterLab in Chromium, drag
  figures and chapter open times (see ``bench/browser.py``)

Usage: ``python bench/run.py [--only notebooks|widgets|cases|references|import|browser]
[--notebook PATTERN] [--cases PATTERN]``; ``--only references`` times just the numpy reference
implementations against their libraries (conv layer, NMS, IoU matrix, Canny: a subset of the
cases); ``--only cases --cases frontiers`` runs ``bench/cases_frontiers.py`` alone.
Targets are the course's (2 cores): notebooks <= 60 s and <= 1 GB peak memory, widget median
<= 50 ms, p95 <= 100 ms.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"

NOTEBOOK_SECONDS_TARGET = 60.0
NOTEBOOK_PEAK_MB_TARGET = 1024.0  # two chapters open at once fit Binder's 2 GB
COURSE_SECONDS_TARGET = 300.0     # all 22 chapters top to bottom in five minutes
WIDGET_MEDIAN_TARGET_MS = 50.0
WIDGET_P95_TARGET_MS = 100.0
IMPORT_TARGET_S = 0.5


class Recorder:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def __call__(self, name: str, value: float, unit: str, target: str | None = None) -> None:
        row = {"name": name, "value": round(float(value), 4), "unit": unit, "target": target}
        self.rows.append(row)
        mark = "" if target is None else ("  ok" if _meets(value, target) else "  MISSED")
        print(f"{name:<58} {value:>11.3f} {unit:<8} {target or '':<10}{mark}", flush=True)


def _meets(value: float, target: str) -> bool:
    op, number = target.split(" ", 1)
    number = float(number)
    import operator

    compare = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}[op]
    return compare(value, number)


def bench_import(record: Recorder) -> None:
    code = "import time; t = time.perf_counter(); import helpers; print(time.perf_counter() - t)"
    times = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout)
        for _ in range(5)
    ]
    record("import/helpers/seconds", statistics.median(times), "s", f"<= {IMPORT_TARGET_S}")


def bench_notebooks(record: Recorder, pattern: str) -> None:
    import nbformat
    from nbclient import NotebookClient

    # The kernel's own high-water mark. On Linux, VmHWM belongs to the kernel's address space;
    # ru_maxrss would not do: it survives fork + exec, so every kernel would report at least the
    # memory this benchmark process had when it started the kernel.
    peak_code = (
        "import re, resource, sys\n"
        "try:\n"
        "    status = open('/proc/self/status').read()\n"
        "    print(int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) / 1024)\n"
        "except OSError:  # macOS: no /proc; ru_maxrss is in bytes there\n"
        "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)\n"
    )
    total = 0.0
    for path in sorted((ROOT / "solutions").glob(pattern)):
        nb = nbformat.read(path, as_version=4)
        n_cells = len(nb.cells)
        nb.cells.append(nbformat.v4.new_code_cell(peak_code))
        client = NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        first_widget = None
        kernel_start = time.perf_counter()
        with client.setup_kernel():
            start = time.perf_counter()
            for index in range(n_cells):
                client.execute_cell(nb.cells[index], index)
                if first_widget is None and _shows_explorer(nb.cells[index], client.widget_state):
                    first_widget = time.perf_counter() - kernel_start
            seconds = time.perf_counter() - start
            client.execute_cell(nb.cells[-1], n_cells)
        peak_mb = float(nb.cells[-1].outputs[0]["text"].strip())
        total += seconds
        record(f"notebook/{path.name}/seconds", seconds, "s", f"<= {NOTEBOOK_SECONDS_TARGET:g}")
        record(f"notebook/{path.name}/peak_mb", peak_mb, "MB", f"<= {NOTEBOOK_PEAK_MB_TARGET:g}")
        if first_widget is not None:
            record(f"notebook/{path.name}/first_widget_seconds", first_widget, "s")
    if pattern == "*.ipynb":
        record("course/seconds", total, "s", f"<= {COURSE_SECONDS_TARGET:g}")


def _shows_explorer(cell: dict, widget_state: dict) -> bool:
    """True when the cell displayed an explorer: a VBox of controls, an Image and an HTML readout
    (the layout of helpers/widgets/_base.py), told from the widget models the kernel sent."""
    for output in cell.get("outputs", []):
        view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
        if not view:
            continue
        state = widget_state.get(view.get("model_id"), {})
        kinds = {widget_state.get(child.removeprefix("IPY_MODEL_"), {}).get("_model_name")
                 for child in state.get("children", [])}
        if state.get("_model_name") == "VBoxModel" and {"ImageModel", "HTMLModel"} <= kinds:
            return True
    return False


def bench_widgets(record: Recorder, n: int = 30) -> None:
    from helpers.widgets import BENCH_FACTORIES, load_all

    load_all()
    for name, factory in sorted(BENCH_FACTORIES.items()):
        explorer = factory()
        times = []
        for control, value in explorer.bench_changes(n):
            before = explorer.controls[control].value
            start = time.perf_counter()
            explorer.controls[control].value = value
            elapsed = (time.perf_counter() - start) * 1e3
            if before != explorer.controls[control].value:  # only real updates count
                times.append(elapsed)
        if explorer.error:
            print(f"  note: {name} ended on an error setting: {explorer.error}")
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        record(f"widget/{name}/median_ms", statistics.median(times), "ms",
               f"<= {WIDGET_MEDIAN_TARGET_MS:g}")
        record(f"widget/{name}/p95_ms", p95, "ms", f"<= {WIDGET_P95_TARGET_MS:g}")


def bench_cases(record: Recorder, pattern: str = "*") -> None:
    sys.path.insert(0, str(ROOT / "bench"))  # the cases share bench/timing.py
    for path in sorted((ROOT / "bench").glob(f"cases_{pattern}.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.run(record)


def bench_references(record: Recorder) -> None:
    """Only issue 18's reference implementations against their libraries (a minute, not the
    cases' training runs): ``conv_layer/*``, ``nms/*``, ``box_iou/*``, ``canny/*``."""
    sys.path.insert(0, str(ROOT / "bench"))
    for stem, function in (("cases_conv", "conv_layer"), ("cases_detection", "references"),
                           ("cases_edges", "run")):
        spec = importlib.util.spec_from_file_location(stem, ROOT / "bench" / f"{stem}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        getattr(module, function)(record)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=["import", "cases", "references",
                                                            "widgets", "notebooks", "browser"])
    parser.add_argument("--notebook", default="*.ipynb", help="glob of solution notebooks to time")
    parser.add_argument("--cases", default="*",
                        help="glob of bench/cases_*.py to run (frontiers: cases_frontiers.py)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    parts = args.only or ["import", "cases", "widgets", "notebooks", "browser"]
    os.environ.setdefault("MPLBACKEND", "Agg")
    print(f"{'name':<58} {'value':>11} {'unit':<8} target   (on {os.cpu_count()} cores)")
    record = Recorder()
    if "import" in parts:
        bench_import(record)
    if "cases" in parts:
        bench_cases(record, args.cases)
    if "references" in parts and "cases" not in parts:
        bench_references(record)
    if "widgets" in parts:
        bench_widgets(record)
    if "notebooks" in parts:
        bench_notebooks(record, args.notebook)
    if "browser" in parts:
        sys.path.insert(0, str(ROOT / "bench"))
        import browser

        browser.run(record, pattern=args.notebook)
    # Merge with earlier results so a partial run (--only) keeps the other figures.
    old = json.loads(args.output.read_text()) if args.output.exists() else []
    new_names = {r["name"] for r in record.rows}
    merged = [r for r in old if r["name"] not in new_names] + record.rows
    args.output.write_text(json.dumps(sorted(merged, key=lambda r: r["name"]), indent=1) + "\n")
    missed = [r["name"] for r in record.rows if r["target"] and not _meets(r["value"], r["target"])]
    print(f"\n{len(record.rows)} figures written to {os.path.relpath(args.output, ROOT)}; "
          f"{len(missed)} missed their target" + (f": {', '.join(missed)}" if missed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
