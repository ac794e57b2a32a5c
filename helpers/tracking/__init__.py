"""Multi-object tracking: SORT and Deep SORT, on a synthetic scene with an honest benchmark.

One concept per module, in the order chapters 20 and 21 use them::

    helpers.tracking.boxes        the Kalman filter's box format (xyah); IoU is in helpers.boxes
    helpers.tracking.scene        the seeded benchmark scene: walkers, pillars, rendered frames
    helpers.tracking.detector     a noisy detector: misses under occlusion, jitter, false positives
    helpers.tracking.mot_io       MOTChallenge text files (ground truth, detections, results)
    helpers.tracking.kalman       the constant-velocity Kalman filter, with no hidden state
    helpers.tracking.assignment   the Hungarian algorithm (teaching version) and gated assignment
    helpers.tracking.association  IoU association, Mahalanobis gating, the matching cascade
    helpers.tracking.track        a track's life cycle: tentative, confirmed, deleted
    helpers.tracking.sort         the SORT tracker                     (chapters/20_sort.ipynb)
    helpers.tracking.gallery      per-track appearance galleries with a budget
    helpers.tracking.embedding    the appearance embedding net (torch, imported lazily)
    helpers.tracking.deep_sort    the Deep SORT tracker                (chapters/21_deep_sort.ipynb)
    helpers.tracking.metrics      MOTA, IDF1, ID switches via motmetrics
    helpers.tracking.benchmark    ``python -m helpers.tracking.benchmark --seeds ... --json FILE``

Names are looked up lazily (``from helpers.tracking import SortTracker`` imports only
``helpers.tracking.sort``), so torch loads only when the embedding net is used.
"""

from __future__ import annotations

from .. import _lazy

__all__: list[str] = []


def __getattr__(name: str):
    return _lazy.resolve(__name__, __path__[0], name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_lazy.exports(__path__[0])))
