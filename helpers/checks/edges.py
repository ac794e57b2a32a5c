"""Checks for the exercises of chapters/03_edges.ipynb."""

from __future__ import annotations

import numpy as np

from .. import edges
from ._core import Case, CheckResult, run_cases

__all__ = ["check_double_threshold", "check_magnitude_direction", "check_nms_pixel"]


def _magnitude_direction(gx: np.ndarray, gy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return edges.gradient_magnitude(gx, gy), edges.gradient_direction(gx, gy)


def check_magnitude_direction(fn) -> CheckResult:
    """Check ``fn(gx, gy) -> (magnitude, direction)``: L2 norm and ``atan2(gy, gx)`` in radians."""
    rng = np.random.default_rng(3)
    cases = [
        Case("the 3-4-5 triangle", np.array([[3.0]]), np.array([[4.0]])),
        Case("gradient pointing left (gx < 0)", np.array([[-2.0]]), np.array([[1.0]])),
        Case("purely vertical gradients (gx = 0)", np.array([[0.0, 0.0]]), np.array([[5.0, -5.0]])),
        Case("no gradient at all (gx = gy = 0)", np.array([[0.0]]), np.array([[0.0]])),
        Case("a random 4x5 gradient field", rng.normal(0, 50, (4, 5)), rng.normal(0, 50, (4, 5))),
    ]
    return run_cases("magnitude_direction", fn, cases, reference=_magnitude_direction,
                     atol=1e-6, rtol=1e-6)


def check_double_threshold(fn) -> CheckResult:
    """Check ``fn(magnitude, low, high) -> (strong, weak)``: m > high, and low < m <= high."""
    rng = np.random.default_rng(4)
    cases = [
        Case("four pixels, low=20, high=30", np.array([[10.0, 25.0, 35.0, 50.0]]), 20, 30),
        Case("pixels exactly at the thresholds", np.array([[20.0, 30.0], [20.5, 30.5]]), 20, 30),
        Case("low == high: no weak pixels", np.array([[5.0, 10.0, 15.0]]), 10, 10),
        Case("all zero magnitude, low = 0", np.zeros((2, 3)), 0, 5),
        Case("a random 6x6 magnitude", rng.uniform(0, 300, (6, 6)).round(), 100, 200),
    ]
    return run_cases("double_threshold", fn, cases, reference=edges.double_threshold)


def _nms_centre(patch: np.ndarray, gx: float, gy: float) -> bool:
    # The course's per-pixel NMS on a 3x3 window decides exactly the centre pixel's fate.
    patch = np.asarray(patch, dtype=np.float64)
    field = np.ones_like(patch)
    kept = edges.non_max_suppression_naive(patch, field * gx, field * gy)
    return bool(kept[1, 1] > 0)


def check_nms_pixel(fn) -> CheckResult:
    """Check ``fn(patch, gx, gy) -> bool``: does non-max suppression keep the patch centre?"""

    def p(*rows):
        return np.array(rows, dtype=np.float64)

    cases = [
        Case("horizontal gradient, centre is the maximum",
             p([0, 0, 0], [2, 5, 3], [0, 0, 0]), 10.0, 0.0),
        Case("horizontal gradient, right neighbour larger",
             p([0, 0, 0], [2, 5, 6], [0, 0, 0]), 10.0, 0.0),
        Case("vertical gradient: only up and down count",
             p([0, 1, 0], [9, 5, 9], [0, 2, 0]), 0.0, 10.0),
        Case("horizontal gradient pointing left (gx < 0)",
             p([9, 0, 9], [2, 5, 3], [9, 0, 9]), -10.0, 0.0),
        Case("tie with the right neighbour: kept (m >= right)",
             p([0, 0, 0], [2, 5, 5], [0, 0, 0]), 10.0, 0.0),
        Case("tie with the left neighbour: dropped (m > left)",
             p([0, 0, 0], [5, 5, 2], [0, 0, 0]), 10.0, 0.0),
        Case("diagonal gx*gy > 0: up-left and down-right",
             p([1, 9, 9], [9, 5, 9], [9, 9, 4]), 6.0, 6.0),
        Case("diagonal gx*gy < 0: up-right and down-left",
             p([9, 9, 1], [9, 5, 9], [4, 9, 9]), 6.0, -6.0),
        Case("diagonal tie: dropped (strict on both sides)",
             p([5, 0, 0], [0, 5, 0], [0, 0, 1]), 6.0, 6.0),
        Case("|gy| = 0.4 |gx| < tan(22.5) |gx|: still horizontal",
             p([9, 0, 9], [2, 5, 3], [9, 0, 9]), 10.0, 4.0),
        Case("|gy| = 0.5 |gx| > tan(22.5) |gx|: diagonal",
             p([9, 0, 1], [2, 5, 3], [2, 0, 9]), 10.0, 5.0),
    ]
    return run_cases("nms_pixel", fn, cases, reference=_nms_centre)
