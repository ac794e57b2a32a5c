"""Speed of our vectorised correlation against torch and OpenCV (chapter 02).

One 512x512 float32 single-channel image, one 3x3 kernel, "same" output size with zero padding
for all three (torch's ``padding=1``; ``cv2.BORDER_CONSTANT``; our ``border="constant"``), so
the three compute the same numbers. Every library runs on one thread (numpy is single-threaded;
``torch.set_num_threads(1)``, ``cv2.setNumThreads(1)``). Each is warmed up first (the first calls
pay for memory allocation and lazy initialisation on this VM); we report the median of many runs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from timing import median_ms

from helpers.filters import correlate2d, correlate2d_naive

REPEATS, WARMUP = 200, 20


def _median_ms(fn: Callable[[], object], repeats: int = REPEATS, warmup: int = WARMUP) -> float:
    return median_ms(fn, repeats, warmup)


def run(record: Callable[..., None]) -> None:
    import cv2
    import torch

    torch_threads, cv2_threads = torch.get_num_threads(), cv2.getNumThreads()
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    try:
        rng = np.random.default_rng(0)
        image = rng.random((512, 512), dtype=np.float32)
        kernel = rng.standard_normal((3, 3)).astype(np.float32)
        x, w = torch.from_numpy(image)[None, None], torch.from_numpy(kernel)[None, None]

        def ours():
            return correlate2d(image, kernel, border="constant")

        def with_torch():
            with torch.no_grad():
                return torch.nn.functional.conv2d(x, w, padding=1)

        def with_cv2():
            return cv2.filter2D(image, cv2.CV_32F, kernel, borderType=cv2.BORDER_CONSTANT)

        # Same numbers from all three before timing anything.
        np.testing.assert_allclose(ours(), with_torch()[0, 0].numpy(), atol=1e-5)
        np.testing.assert_allclose(ours(), with_cv2(), atol=1e-5)

        t_ours, t_torch, t_cv2 = _median_ms(ours), _median_ms(with_torch), _median_ms(with_cv2)
        record("conv2d/ours_ms", t_ours, "ms")
        record("conv2d/torch_ms", t_torch, "ms")
        record("conv2d/cv2_ms", t_cv2, "ms")
        record("conv2d/vs_torch", t_ours / t_torch, "ratio", "<= 1.5")
        record("conv2d/vs_cv2", t_ours / t_cv2, "ratio")

        # The loops are the lesson, not the speed: how much vectorising buys on a 64x64 image.
        small = image[:64, :64]
        t_naive = _median_ms(lambda: correlate2d_naive(small, kernel), repeats=5, warmup=1)
        t_fast = _median_ms(lambda: correlate2d(small, kernel), repeats=100, warmup=10)
        record("conv2d/naive_vs_vectorised", t_naive / t_fast, "x")
    finally:
        torch.set_num_threads(torch_threads)
        cv2.setNumThreads(cv2_threads)
