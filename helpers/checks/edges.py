"""Checks for the exercises of chapters/03_edges.ipynb."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import edges
from ._core import Case, CheckResult, run_cases

__all__ = ["check_hysteresis", "check_non_max_suppression"]


def _sobel_case(image: np.ndarray, kind: str = "l1") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(magnitude, gx, gy) of an image, as Canny's stage 2 computes them (float64)."""
    gx, gy = edges.sobel(np.asarray(image, np.float64), border="replicate")
    return edges.gradient_magnitude(gx, gy, kind=kind), gx, gy


def check_non_max_suppression(fn: Callable) -> CheckResult:
    """Check ``fn(magnitude, gx, gy)`` -> (H, W) float: Canny's non-maximum suppression."""
    rng = np.random.default_rng(31)
    step = np.zeros((3, 6))
    step[:, 3:] = 200.0
    square = np.zeros((8, 8))
    square[2:6, 2:6] = 100.0
    ridge = np.array([[1.0, 3, 1], [1, 3, 1], [1, 3, 1]])
    smooth = np.cumsum(np.cumsum(rng.normal(0, 10, (9, 10)), axis=0), axis=1)
    diagonal = np.add.outer(np.arange(6.0), np.arange(6.0)) * 10  # gradient along (1, 1)
    cases = [
        Case("a vertical ridge, gradient to the right: only the ridge stays", ridge,
             np.ones((3, 3)), np.zeros((3, 3))),
        Case("the same ridge with the gradient pointing left (gx < 0)", ridge,
             -np.ones((3, 3)), np.zeros((3, 3))),
        Case("a horizontal ridge, vertical gradient: compare up and down", ridge.T,
             np.zeros((3, 3)), np.ones((3, 3))),
        Case("a step 0 -> 200: two equal columns, the tie goes to the left one",
             *_sobel_case(step)),
        Case("a bright square (corners have diagonal gradients)", *_sobel_case(square)),
        Case("a diagonal ramp: plateaus along the diagonal are dropped (strict)",
             *_sobel_case(diagonal)),
        Case("a strong pixel on the image border (outside counts as 0)",
             np.array([[9.0, 2, 1], [1, 1, 1]]), np.ones((2, 3)), np.zeros((2, 3))),
        Case("L2 magnitude of a smooth random 9x10 image", *_sobel_case(smooth, "l2")),
    ]
    return run_cases("non_max_suppression", fn, cases, reference=edges.non_max_suppression)


def _masks(magnitude: np.ndarray, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    return edges.double_threshold(magnitude, low, high)


def _picture(*rows: str) -> tuple[np.ndarray, np.ndarray]:
    """(strong, weak) masks drawn as text: ``S`` strong, ``w`` weak, ``.`` neither."""
    grid = np.array([list(row) for row in rows])
    return grid == "S", grid == "w"


def check_hysteresis(fn: Callable) -> CheckResult:
    """Check ``fn(strong, weak)`` -> (H, W) bool: strong pixels and the weak ones 8-connected."""
    rng = np.random.default_rng(32)
    cases = [
        Case("a weak chain touching a strong pixel, and a weak speck far away",
             *_picture("Sww..w")),
        Case("diagonal neighbours count as connected (8-connectivity)",
             *_picture("S..", ".w.", "..w")),
        Case("no strong pixel: nothing survives", *_picture("ww", "w.")),
        Case("strong pixels alone, no weak ones", *_picture("S.S", "...")),
        Case("a weak path winding around the image to one strong pixel",
             *_picture("wwwwwww",
                       "......w",
                       "wwwww.w",
                       "w...w.w",
                       "w...S.w",
                       "w.....w",
                       "wwwwwww")),
        Case("two weak groups, only one connected to the strong pixel",
             *_picture("w..ww", ".S.w.")),
        Case("weak pixels along the image border", *_picture("wwwS", "w..w", "wwww")),
        Case("a random 12x12 double threshold (low 100, high 200)",
             *_masks(rng.uniform(0, 300, (12, 12)), 100, 200)),
    ]
    return run_cases("hysteresis", fn, cases, reference=edges.hysteresis)
