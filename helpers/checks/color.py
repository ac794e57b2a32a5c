"""Checks for the exercises of chapters/01_pixels.ipynb."""

from __future__ import annotations

import numpy as np

from .. import color
from ._core import Case, CheckResult, run_cases

__all__ = ["check_threshold", "check_to_gray"]


def check_to_gray(fn) -> CheckResult:
    """Check a learner's ``to_gray(rgb)`` for float RGB images in [0, 1] (BT.601 luma)."""
    rng = np.random.default_rng(1)
    cases = [
        Case("one pure red pixel", np.array([[[1.0, 0.0, 0.0]]])),
        Case("pure green and pure blue", np.array([[[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]])),
        Case("white and black", np.array([[[1.0, 1.0, 1.0]], [[0.0, 0.0, 0.0]]])),
        Case("a random 4x5 image", rng.random((4, 5, 3))),
        Case("a 1x1 mid-gray pixel", np.full((1, 1, 3), 0.5)),
    ]
    return run_cases("to_gray", fn, cases, reference=color.to_gray, atol=1e-6)


def check_threshold(fn) -> CheckResult:
    """Check a learner's ``threshold(gray, t)`` -> bool image, white where gray > t."""
    rng = np.random.default_rng(2)
    cases = [
        Case("three pixels around t=128", np.array([[10, 200, 130]], np.uint8), 128),
        Case("a pixel exactly at the threshold", np.array([[127, 128, 129]], np.uint8), 128),
        Case("a random 6x7 uint8 image", rng.integers(0, 256, (6, 7), dtype=np.uint8), 100),
        Case("t = 255: nothing is brighter", np.array([[255, 0]], np.uint8), 255),
        Case("a float image with t = 0.5", rng.random((3, 3)), 0.5),
    ]
    return run_cases("threshold", fn, cases, reference=color.threshold)
