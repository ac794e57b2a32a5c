"""Checks for the exercises of chapters/05_corners.ipynb."""

from __future__ import annotations

import numpy as np

from .. import features
from ._core import Case, CheckResult, run_cases

__all__ = ["check_harris_from_gradients", "check_ratio_test"]


def _harris(gx: np.ndarray, gy: np.ndarray, block_size: int, k: float) -> np.ndarray:
    sxx = features.window_sum(gx * gx, block_size)
    sxy = features.window_sum(gx * gy, block_size)
    syy = features.window_sum(gy * gy, block_size)
    return sxx * syy - sxy**2 - k * (sxx + syy) ** 2


def check_harris_from_gradients(fn) -> CheckResult:
    """Check ``fn(gx, gy, block_size, k)``: the Harris response from the structure tensor."""
    rng = np.random.default_rng(6)
    corner = np.zeros((8, 8))
    corner[3:, 3:] = 1.0
    cgx, cgy = features.corner_gradients(corner, 3)
    edge = np.zeros((6, 6))
    edge[:, 3:] = 1.0
    egx, egy = features.corner_gradients(edge, 2)
    cases = [
        Case("a flat image: R = 0 everywhere", np.zeros((4, 5)), np.zeros((4, 5)), 2, 0.04),
        Case("a vertical edge: R <= 0 (one large eigenvalue)", egx, egy, 2, 0.04),
        Case("one corner, 3x3 windows", cgx, cgy, 3, 0.04),
        Case("block_size 1: the window is the pixel itself", cgx, cgy, 1, 0.05),
        Case("k = 0: just det M", cgx, cgy, 3, 0.0),
        Case("random gradients, 4x4 windows (even: one more row above)",
             rng.normal(size=(7, 9)), rng.normal(size=(7, 9)), 4, 0.06),
    ]
    return run_cases("harris_from_gradients", fn, cases, reference=_harris, atol=1e-9,
                     rtol=1e-7)


def check_ratio_test(fn) -> CheckResult:
    """Check ``fn(distances, ratio) -> (K, 2) int pairs`` (Lowe's ratio test)."""
    rng = np.random.default_rng(7)
    cases = [
        Case("one clear match, one ambiguous", np.array([[1.0, 4.0, 5.0], [2.0, 2.1, 9.0]]), 0.75),
        Case("the best is not in the first column", np.array([[5.0, 1.0, 9.0]]), 0.75),
        Case("exactly at the ratio: rejected (strict <)", np.array([[3.0, 4.0]]), 0.75),
        Case("nothing passes: an empty (0, 2) array", np.array([[1.0, 1.0], [2.0, 2.0]]), 0.8),
        Case("ties for the best: rejected", np.array([[2.0, 7.0, 2.0]]), 0.9),
        Case("random distances, ratio 0.8", rng.uniform(0, 10, (12, 9)), 0.8),
    ]

    def reference(distances, ratio):
        return features.ratio_test(distances, ratio)

    return run_cases("ratio_test", fn, cases, reference=reference)
