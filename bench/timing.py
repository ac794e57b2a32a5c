"""The one timing rule shared by every ``bench/cases_*.py``: warm up, then the median of repeats.

Warm-up matters here: the first calls pay for imports, caches and (on this kind of VM) the page
faults of freshly allocated arrays; the median ignores the odd interrupted repeat.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


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
