"""Checks for the exercises of chapters/02_filtering.ipynb."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import filters, notes
from ._core import Case, CheckResult, run_cases

__all__ = ["check_correlate_same", "check_correlate_valid", "check_median_filter"]

# The notes' 6x6 example and their vertical-edge filter.
_NOTES_IMAGE = notes.EDGE_INPUT.astype(int)
_VERTICAL = notes.VERTICAL_EDGE_KERNEL.astype(int)
# One weight off centre: the output is the image shifted, which shows a flip at once.
_SHIFT = np.array([[0.0, 0, 0], [0, 0, 1], [0, 0, 0]])


def _valid(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return filters.correlate2d(np.asarray(image, np.float64), kernel, mode="valid")


def check_correlate_valid(fn: Callable) -> CheckResult:
    """Check ``fn(image, kernel)``: correlation without padding, output (H-kh+1, W-kw+1)."""
    rng = np.random.default_rng(22)
    cases = [
        Case("the notes' 6x6 example (a 4x4 result)", _NOTES_IMAGE, _VERTICAL),
        Case("a shift kernel (catches a flipped kernel)", np.arange(20).reshape(4, 5), _SHIFT),
        Case("a wide image, 4x7", rng.integers(0, 10, (4, 7)), np.ones((3, 3), int)),
        Case("a non-square 2x3 kernel", rng.integers(0, 10, (5, 6)),
             np.array([[1, 2, 3], [-1, -2, -3]])),
        Case("kernel as large as the image (a 1x1 result)", _NOTES_IMAGE[:3, :3], _VERTICAL),
        Case("a 1x1 kernel scales the image", rng.random((3, 4)), np.array([[2.0]])),
        Case("a random float image and kernel", rng.random((7, 8)), rng.standard_normal((3, 3))),
    ]
    return run_cases("correlate_valid", fn, cases, reference=_valid, atol=1e-9)


def _same(image: np.ndarray, kernel: np.ndarray, border: str) -> np.ndarray:
    return filters.correlate2d(np.asarray(image, np.float64), kernel, border=border)


def check_correlate_same(fn: Callable) -> CheckResult:
    """Check ``fn(image, kernel, border)``: correlation padded by ``border``, output (H, W)."""
    rng = np.random.default_rng(24)
    ramp = np.arange(20, dtype=float).reshape(4, 5)
    cases = [
        Case("the identity kernel, zero border: the image comes back", ramp,
             filters.KERNELS["identity"], "constant"),
        Case("a shift kernel, zero border (catches a flipped kernel)", ramp, _SHIFT, "constant"),
        Case("the shift kernel with border 'replicate' (aaa|abcd|ddd)", ramp, _SHIFT, "replicate"),
        Case("the shift kernel with border 'reflect101' (dcb|abcd|cba)", ramp, _SHIFT,
             "reflect101"),
        Case("the shift kernel with border 'reflect' (cba|abcd|dcb)", ramp, _SHIFT, "reflect"),
        Case("the notes' 6x6 example and vertical-edge filter, border 'reflect101'",
             _NOTES_IMAGE.astype(float), _VERTICAL.astype(float), "reflect101"),
        Case("a 3x5 kernel (pad 1 row and 2 columns), border 'reflect'", rng.random((5, 6)),
             rng.standard_normal((3, 5)), "reflect"),
        Case("a 1x3 kernel on a single row, border 'replicate'", np.array([[1.0, 4, 9, 16]]),
             np.array([[1.0, -2, 1]]), "replicate"),
        Case("a 5x5 box blur of a 5x5 image, border 'constant'", rng.random((5, 5)),
             filters.box_kernel(5), "constant"),
        Case("a random 8x9 image and 3x3 kernel, border 'reflect101'", rng.random((8, 9)),
             rng.standard_normal((3, 3)), "reflect101"),
    ]
    return run_cases("correlate_same", fn, cases, reference=_same, atol=1e-9)


def _median(image: np.ndarray, size: int) -> np.ndarray:
    return filters.median_filter(image, size, border="replicate")


def check_median_filter(fn: Callable) -> CheckResult:
    """Check ``fn(image, size)``: the median of every size x size window, border replicated."""
    rng = np.random.default_rng(23)
    salt = np.full((5, 5), 50, np.uint8)
    salt[2, 2] = 255
    step = np.zeros((5, 6), np.uint8)
    step[:, 3:] = 200
    step[1, 1], step[3, 4] = 255, 0
    corner = np.full((4, 4), 10, np.uint8)
    corner[0, 0] = 255
    cases = [
        Case("one salt pixel on a flat 5x5 image, 3x3", salt, 3),
        Case("a step edge with one salt and one pepper pixel, 3x3", step, 3),
        Case("salt in the corner (needs the replicated border), 3x3", corner, 3),
        Case("size 1: every pixel is its own median", rng.integers(0, 256, (3, 4), dtype=np.uint8),
             1),
        Case("a 5x5 window on a random 7x8 uint8 image", rng.integers(0, 256, (7, 8),
                                                                      dtype=np.uint8), 5),
        Case("a single row, 1x5, 3x3 window", np.array([[5, 1, 9, 3, 7]], np.uint8), 3),
        Case("a float image, 3x3", rng.random((4, 6)), 3),
        Case("a window larger than the image (7x7 on 3x3)", rng.integers(0, 9, (3, 3),
                                                                         dtype=np.uint8), 7),
    ]
    return run_cases("median_filter", fn, cases, reference=_median, atol=0)
