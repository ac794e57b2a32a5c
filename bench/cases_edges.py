"""Canny (chapters/03_edges.ipynb): our NumPy pipeline against cv2.Canny, speed and agreement.

Records (stable names):

* ``canny/ours_ms``, ``canny/opencv_ms`` - median time on the 512x512 camera photo, already
  smoothed (both get the same uint8 image; cv2.Canny does not smooth), OpenCV on one thread
  (``cv2.setNumThreads(1)``) like NumPy, calls interleaved (``timing.compare_ms``);
* ``canny/vs_opencv`` - the median ratio of three rounds (target <= 5, issue 18; OpenCV is
  hand-vectorised C++), ``_min``/``_max`` the spread of the rounds, ``_cpu`` the ratio of CPU
  times (on a shared machine numpy's many passes over memory suffer more than OpenCV's one);
* ``canny/stage/<stage>_ms`` - where our time goes: the median of each stage of
  ``edges.CANNY_STAGE_NAMES`` and their total (``edges.canny_stage_times``, from
  ``edges.canny(..., timings=...)``) over 15 runs;
* ``canny/f1_vs_opencv_min`` - the smallest edge-pixel F1 over four photos, three threshold
  pairs, L1 and L2 (target >= 0.9; measured 1.0).
"""

from __future__ import annotations

import numpy as np
from timing import compare_ms, record_comparison


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
        result = compare_ms(lambda: edges.canny(image, 50, 150, blur_size=1),
                            lambda: cv2.Canny(image, 50, 150), repeats=15)
        stages = edges.canny_stage_times(image, 50, 150, blur_size=1, repeats=15)
    finally:
        cv2.setNumThreads(threads)
    record_comparison(record, "canny", "opencv", result, "<= 5",
                      "1 thread (cv2.setNumThreads(1); numpy runs these on one thread)")
    for stage, ms in stages.items():
        record(f"canny/stage/{stage.replace(' ', '_').replace('-', '_')}_ms", ms, "ms")

    scores = []
    for name in ("camera", "coins", "astronaut", "coffee"):
        img = smoothed(name)
        for low, high in ((30, 90), (50, 150), (100, 200)):
            for l2 in (False, True):
                mine = edges.canny(img, low, high, blur_size=1, l2_gradient=l2)
                ref = edges.canny_opencv(img, low, high, l2_gradient=l2)
                scores.append(edges.edge_agreement(mine, ref).f1)
    record("canny/f1_vs_opencv_min", min(scores), "F1", ">= 0.9")
