"""The one timing rule shared by every ``bench/cases_*.py``: warm up, then the median of repeats.

Warm-up matters here: the first calls pay for imports, caches and (on this kind of VM) the page
faults of freshly allocated arrays; the median ignores the odd interrupted repeat.

Comparisons with a reference library (:func:`compare_ms`) interleave the two and repeat in
rounds, so that both see the same load on a shared machine and the spread of the ratio shows.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import NamedTuple


def median_ms(fn: Callable[[], object], repeats: int = 30, warmup: int = 5) -> float:
    """Median wall time of ``fn()`` in milliseconds over ``repeats`` calls, after ``warmup``."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


class Comparison(NamedTuple):
    """What :func:`compare_ms` measured: ours against a reference, interleaved."""

    ours_ms: float
    """Median wall time of ours over every repeat of every round."""
    reference_ms: float
    ratio: float
    """Median over the rounds of (ours / reference), each from that round's wall medians."""
    spread: tuple[float, float]
    """Smallest and largest round ratio."""
    cpu_ratio: float
    """The same ratio from this thread's CPU time (``time.thread_time``): what the two cost
    without the time the OS gave to other processes (the machine is shared)."""


def compare_ms(ours: Callable[[], object], reference: Callable[[], object], *, repeats: int = 21,
               warmup: int = 3, rounds: int = 3) -> Comparison:
    """Time ``ours`` against ``reference`` fairly on a loaded machine.

    The two are called alternately (ours, reference, ours, ...) so that both see the same load;
    each round takes the median of ``repeats`` calls of each, after ``warmup`` calls of each;
    the ratio is the median of the ``rounds`` round ratios and ``spread`` their range. The
    caller sets the thread counts (the same for both).
    """
    for _ in range(warmup):
        ours()
        reference()
    wall: dict[str, list[float]] = {"ours": [], "ref": []}
    ratios, cpu_ratios = [], []
    for _ in range(rounds):
        times: dict[str, list[float]] = {"ours": [], "ref": [], "ours_cpu": [], "ref_cpu": []}
        for _ in range(repeats):
            for key, fn in (("ours", ours), ("ref", reference)):
                cpu, start = time.thread_time(), time.perf_counter()
                fn()
                times[key].append(time.perf_counter() - start)
                times[key + "_cpu"].append(time.thread_time() - cpu)
        wall["ours"] += times["ours"]
        wall["ref"] += times["ref"]
        ratios.append(statistics.median(times["ours"]) / statistics.median(times["ref"]))
        cpu_ratios.append(statistics.median(times["ours_cpu"])
                          / max(statistics.median(times["ref_cpu"]), 1e-9))
    return Comparison(statistics.median(wall["ours"]) * 1e3, statistics.median(wall["ref"]) * 1e3,
                      statistics.median(ratios), (min(ratios), max(ratios)),
                      statistics.median(cpu_ratios))


def record_comparison(record: Callable[..., None], prefix: str, reference: str,
                      result: Comparison, target: str | None, threads: str) -> None:
    """Record a :func:`compare_ms` result under stable names: ``<prefix>/ours_ms``,
    ``<prefix>/<reference>_ms``, ``<prefix>/vs_<reference>`` (with the target),
    ``.../vs_<reference>_min``, ``_max`` (the round spread) and ``_cpu`` (the CPU-time ratio),
    and print the thread counts both ran with."""
    print(f"  {prefix}: both on {threads}; ratio = median of rounds, interleaved calls")
    record(f"{prefix}/ours_ms", result.ours_ms, "ms")
    record(f"{prefix}/{reference}_ms", result.reference_ms, "ms")
    record(f"{prefix}/vs_{reference}", result.ratio, "x", target)
    record(f"{prefix}/vs_{reference}_min", result.spread[0], "x")
    record(f"{prefix}/vs_{reference}_max", result.spread[1], "x")
    record(f"{prefix}/vs_{reference}_cpu", result.cpu_ratio, "x")
