"""Checks for the exercises of chapters/02_filtering.ipynb."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import filters, notes
from ._core import Case, CheckResult, run_cases

__all__ = ["check_correlate_valid", "check_median3x3", "check_window_correlation"]

# The notes' 6x6 example and their vertical-edge filter.
_NOTES_IMAGE = notes.EDGE_INPUT.astype(int)
_VERTICAL = notes.VERTICAL_EDGE_KERNEL.astype(int)


def _valid(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return filters.correlate2d(np.asarray(image, np.float64), kernel, mode="valid")


def _window(window: np.ndarray, kernel: np.ndarray) -> float:
    return float(_valid(window, kernel)[0, 0])


def check_window_correlation(fn: Callable) -> CheckResult:
    """Check ``fn(window, kernel)``: the sum of element-wise products of two equal-shape arrays."""
    rng = np.random.default_rng(21)
    cases = [
        Case("the notes' first window with the vertical-edge kernel", _NOTES_IMAGE[:3, :3],
             _VERTICAL),
        Case("the window one step to the right", _NOTES_IMAGE[:3, 1:4], _VERTICAL),
        Case("a box kernel (all ones) sums the window", _NOTES_IMAGE[2:5, 2:5],
             np.ones((3, 3), int)),
        Case("an asymmetric kernel: is it flipped? (it must not be)",
             np.arange(9).reshape(3, 3), np.array([[0, 0, 0], [0, 0, 1], [0, 0, 0]])),
        Case("negative pixel values", -np.arange(9).reshape(3, 3), _VERTICAL),
        Case("a 1x1 window", np.array([[4.0]]), np.array([[0.5]])),
        Case("a random 5x5 float window", rng.random((5, 5)), rng.standard_normal((5, 5))),
    ]
    return run_cases("window_correlation", fn, cases, reference=_window, atol=1e-9)


def check_correlate_valid(fn: Callable) -> CheckResult:
    """Check ``fn(image, kernel)``: correlation without padding, output (H-kh+1, W-kw+1)."""
    rng = np.random.default_rng(22)
    cases = [
        Case("the notes' 6x6 example (a 4x4 result)", _NOTES_IMAGE, _VERTICAL),
        Case("a shift kernel (catches a flipped kernel)", np.arange(20).reshape(4, 5),
             np.array([[0, 0, 0], [0, 0, 1], [0, 0, 0]])),
        Case("a wide image, 4x7", rng.integers(0, 10, (4, 7)), np.ones((3, 3), int)),
        Case("a non-square 2x3 kernel", rng.integers(0, 10, (5, 6)),
             np.array([[1, 2, 3], [-1, -2, -3]])),
        Case("kernel as large as the image (a 1x1 result)", _NOTES_IMAGE[:3, :3], _VERTICAL),
        Case("a 1x1 kernel scales the image", rng.random((3, 4)), np.array([[2.0]])),
        Case("a random float image and kernel", rng.random((7, 8)), rng.standard_normal((3, 3))),
    ]
    return run_cases("correlate_valid", fn, cases, reference=_valid, atol=1e-9)


def _median3x3(image: np.ndarray) -> np.ndarray:
    return filters.median_filter(image, 3, border="replicate")


def check_median3x3(fn: Callable) -> CheckResult:
    """Check ``fn(image)``: 3x3 median, same size as the input, border pixels replicated."""
    rng = np.random.default_rng(23)
    salt = np.full((5, 5), 50, np.uint8)
    salt[2, 2] = 255
    step = np.zeros((5, 6), np.uint8)
    step[:, 3:] = 200
    step[1, 1], step[3, 4] = 255, 0
    corner = np.full((4, 4), 10, np.uint8)
    corner[0, 0] = 255
    cases = [
        Case("one salt pixel on a flat 5x5 image", salt),
        Case("a step edge with one salt and one pepper pixel", step),
        Case("salt in the corner (needs the replicated border)", corner),
        Case("a random 6x7 uint8 image", rng.integers(0, 256, (6, 7), dtype=np.uint8)),
        Case("a single row, 1x5", np.array([[5, 1, 9, 3, 7]], np.uint8)),
        Case("a 1x1 image", np.array([[42]], np.uint8)),
    ]
    return run_cases("median3x3", fn, cases, reference=_median3x3, atol=0)
