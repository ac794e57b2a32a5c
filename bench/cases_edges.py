"""Canny (chapters/03_edges.ipynb): our NumPy pipeline against cv2.Canny, speed and agreement.

Records (stable names):

* ``canny/ours_ms``, ``canny/opencv_ms`` - median time on the 512x512 camera photo, already
  smoothed (both get the same uint8 image; cv2.Canny does not smooth), OpenCV on one thread
  like NumPy;
* ``canny/vs_opencv`` - the ratio of the two (informative; OpenCV is hand-vectorised C++);
* ``canny/stage/<stage>_ms`` - where our time goes: the median of each stage of
  ``edges.CANNY_STAGE_NAMES`` (``edges.canny(..., timings=...)``) over the same runs;
* ``canny/f1_vs_opencv_min`` - the smallest edge-pixel F1 over four photos, three threshold
  pairs, L1 and L2 (target >= 0.9; measured 1.0).
"""

from __future__ import annotations

import statistics

import numpy as np
from timing import median_ms


def _median_ms(fn, repeats: int = 9) -> float:
    return median_ms(fn, repeats, warmup=1)


def run(record) -> None:
    import cv2

    from helpers import edges
    from helpers.data import load_photo
    from helpers.filters import gaussian_blur

    def smoothed(name: str) -> np.ndarray:
        gray = load_photo(name, gray=True)
        return np.clip(gaussian_blur(gray, 5), 0, 255).round().astype(np.uint8)

    image = smoothed("camera")
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        ours = _median_ms(lambda: edges.canny(image, 50, 150, blur_size=1))
        theirs = _median_ms(lambda: cv2.Canny(image, 50, 150))
        stages: list[dict] = []
        for _ in range(9):
            stages.append({})
            edges.canny(image, 50, 150, blur_size=1, timings=stages[-1])
    finally:
        cv2.setNumThreads(threads)
    record("canny/ours_ms", ours, "ms")
    record("canny/opencv_ms", theirs, "ms")
    record("canny/vs_opencv", ours / theirs, "x")
    for stage in edges.CANNY_STAGE_NAMES:
        ms = statistics.median(run[stage] for run in stages) * 1e3
        record(f"canny/stage/{stage.replace(' ', '_')}_ms", ms, "ms")

    scores = []
    for name in ("camera", "coins", "astronaut", "coffee"):
        img = smoothed(name)
        for low, high in ((30, 90), (50, 150), (100, 200)):
            for l2 in (False, True):
                mine = edges.canny(img, low, high, blur_size=1, l2_gradient=l2)
                ref = edges.canny_opencv(img, low, high, l2_gradient=l2)
                scores.append(edges.edge_agreement(mine, ref).f1)
    record("canny/f1_vs_opencv_min", min(scores), "F1", ">= 0.9")
