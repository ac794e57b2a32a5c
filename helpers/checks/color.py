"""Checks for the exercises of chapters/01_pixels.ipynb."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import color
from ._core import Case, CheckResult, run_cases

__all__ = ["check_hue_mask", "check_threshold_for_fraction"]


def _hsv(hues, saturations=None, values=None) -> np.ndarray:
    """A (1, N, 3) float32 HSV row from lists of hues (and S, V; default 1)."""
    hues = np.asarray(hues, dtype=np.float32)
    ones = np.ones_like(hues)
    s = ones if saturations is None else np.asarray(saturations, dtype=np.float32)
    v = ones if values is None else np.asarray(values, dtype=np.float32)
    return np.stack([hues, s, v], axis=-1)[None]


def _hue_mask(hsv: np.ndarray, hue: float, width: float, min_saturation: float) -> np.ndarray:
    return color.hue_mask(hsv, hue, width, min_saturation=min_saturation)


def check_hue_mask(fn: Callable) -> CheckResult:
    """Check ``fn(hsv, hue, width, min_saturation)`` -> (H, W) bool: a hue band on the circle."""
    rng = np.random.default_rng(11)
    random_hsv = np.stack([rng.uniform(0, 360, (6, 7)), rng.random((6, 7)), rng.random((6, 7))],
                          axis=-1).astype(np.float32)
    cases = [
        Case("a green band (hue 120 +/- 30) that does not wrap",
             _hsv([60, 89, 90, 120, 150, 151, 240]), 120.0, 30.0, 0.0),
        Case("red: hue 0 +/- 20 wraps around 360 (340 and 20 are inside)",
             _hsv([330, 340, 350, 0, 5, 20, 25, 180]), 0.0, 20.0, 0.0),
        Case("hue 350 +/- 20: 5 degrees is only 15 away", _hsv([320, 330, 350, 5, 10, 15, 90]),
             350.0, 20.0, 0.0),
        Case("hue 10 +/- 30: 345 is 25 away the short way round",
             _hsv([300, 339, 345, 0, 40, 41]), 10.0, 30.0, 0.0),
        Case("gray and washed-out pixels (S < min_saturation) are never selected",
             _hsv([0, 0, 10, 10, 200], [0.0, 0.5, 0.29, 0.3, 1.0]), 0.0, 20.0, 0.3),
        Case("width 180 takes the whole circle", _hsv([0, 90, 179.5, 180, 270, 359]),
             200.0, 180.0, 0.0),
        Case("width 0 keeps exactly the centre hue", _hsv([59, 60, 61]), 60.0, 0.0, 0.0),
        Case("hue 360 is the same as hue 0", _hsv([350, 0, 10, 30]), 360.0, 15.0, 0.0),
        Case("a random 6x7 HSV image, hue 300 +/- 90 (wraps), S >= 0.5", random_hsv,
             300.0, 90.0, 0.5),
    ]
    return run_cases("hue_mask", fn, cases, reference=_hue_mask)


def check_threshold_for_fraction(fn: Callable) -> CheckResult:
    """Check ``fn(gray, fraction)`` -> int t: the smallest t with mean(gray > t) <= fraction."""
    rng = np.random.default_rng(12)
    ramp = np.arange(256, dtype=np.uint8).reshape(16, 16)
    cases = [
        Case("five pixels, at most 40 % white", np.array([[0, 50, 100, 150, 200]], np.uint8),
             0.4),
        Case("fraction 0: nothing may be white", np.array([[3, 7, 7, 2]], np.uint8), 0.0),
        Case("fraction 1: everything may be white", np.array([[3, 7, 7, 2]], np.uint8), 1.0),
        Case("a ramp 0..255, 10 % white", ramp, 0.1),
        Case("ties: half the pixels share one level", np.array([[10, 10, 10, 200, 90, 30]],
                                                              np.uint8), 0.4),
        Case("a flat image (all 128), 50 % white", np.full((3, 4), 128, np.uint8), 0.5),
        Case("a random 20x30 image, 5 % white", rng.integers(0, 256, (20, 30), dtype=np.uint8),
             0.05),
    ]
    return run_cases("threshold_for_fraction", fn, cases, reference=color.threshold_for_fraction,
                     returns=int)
