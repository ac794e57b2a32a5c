"""Checks for the exercises of chapters/06_segmentation.ipynb and (Dice)
chapters/14_segmentation_cnns.ipynb."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import segmentation
from ._core import Case, CheckResult, run_cases

__all__ = ["check_dice", "check_kmeans_step", "check_otsu_variance", "check_region_grow"]


def check_otsu_variance(fn: Callable) -> CheckResult:
    """Check ``fn(counts) -> sigma_b``: Otsu's between-class variance for every threshold ``t``
    (class 0 = levels ``0..t``), 0 where a class is empty."""
    rng = np.random.default_rng(61)
    two_peaks = np.zeros(256, np.int64)
    two_peaks[[40, 41, 42, 200, 201]] = [30, 50, 20, 60, 40]
    cases = [
        Case("two pixels at level 0, two at level 2", np.array([2, 0, 2])),
        Case("four levels with one pixel each", np.array([1, 1, 1, 1])),
        Case("all pixels at one level (no split anywhere)", np.array([0, 0, 7, 0])),
        Case("two peaks in a 256-level histogram", two_peaks),
        Case("empty levels at both ends", np.array([0, 0, 3, 5, 0, 9, 0, 0])),
        Case("a random 256-level histogram", rng.integers(0, 500, 256)),
        Case("the histogram of the cameraman",
             np.bincount(_camera().ravel(), minlength=256)),
        Case("float counts (weights)", rng.random(16)),
    ]
    return run_cases("otsu_variance", fn, cases,
                     reference=segmentation.otsu_between_class_variance, atol=1e-6, rtol=1e-6)


def _camera() -> np.ndarray:
    from ..data import load_photo

    return load_photo("camera")


def _grow(image: np.ndarray, seed: tuple[int, int], tolerance: float) -> np.ndarray:
    return segmentation.region_grow(image, seed, tolerance, connectivity=4) == 1


def check_region_grow(fn: Callable) -> CheckResult:
    """Check ``fn(image, seed, tolerance) -> mask``: the pixels reachable from ``seed`` through
    4-neighbours whose value differs from the seed's by at most ``tolerance``."""
    rng = np.random.default_rng(62)
    plus = np.array([[9, 1, 9], [1, 1, 1], [9, 1, 9]], np.uint8)
    diagonal = np.array([[5, 0, 0], [0, 5, 0], [0, 0, 5]], np.uint8)
    ring = np.full((7, 7), 200, np.uint8)
    ring[1:-1, 1:-1] = 10
    ring[3, 3] = 200
    cases = [
        Case("a plus sign of 1s among 9s, seed in the middle", plus, (1, 1), 0),
        Case("tolerance exactly reaching the other value (<= counts)", plus, (1, 1), 8),
        Case("a diagonal line: 4-neighbours only, no diagonal steps", diagonal, (0, 0), 0),
        Case("seed in the bottom-right corner", diagonal, (2, 2), 1),
        Case("an island cut off by a ring: similar but not connected", ring, (0, 0), 5),
        Case("a 1x1 image", np.array([[7]], np.uint8), (0, 0), 0),
        Case("a random 12x15 uint8 image", rng.integers(0, 40, (12, 15)).astype(np.uint8),
             (6, 7), 12),
        Case("a float image in [0, 1]", rng.random((9, 11)), (4, 5), 0.3),
    ]
    return run_cases("region_grow", fn, cases, reference=_grow)


def _step(points: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return segmentation.kmeans_step(points, centres)


def check_kmeans_step(fn: Callable) -> CheckResult:
    """Check ``fn(points, centres) -> (labels, new_centres)``: one assignment and one update of
    k-means; ties go to the lower index and a centre without points stays where it was."""
    rng = np.random.default_rng(63)
    cases = [
        Case("four points on a line, two centres", np.array([[0.0], [1.0], [9.0], [10.0]]),
             np.array([[0.0], [4.0]])),
        Case("2-D points, three centres", np.array([[0.0, 0], [0, 1], [5, 5], [6, 5], [9, 0]]),
             np.array([[0.0, 0], [5, 5], [9, 1]])),
        Case("a point exactly halfway: the lower index wins", np.array([[0.0], [2.0], [4.0]]),
             np.array([[1.0], [3.0]])),
        Case("a centre far from every point keeps its place", np.array([[0.0, 0], [1, 1]]),
             np.array([[0.5, 0.5], [100.0, 100.0]])),
        Case("one centre: the mean of everything", rng.random((20, 3)),
             np.array([[0.5, 0.5, 0.5]])),
        Case("random RGB colours, four centres", rng.random((200, 3)), rng.random((4, 3))),
    ]
    return run_cases("kmeans_step", fn, cases, reference=_step, atol=1e-9)


def _dice_reference(pred, target):
    return segmentation.dice(np.asarray(pred, bool), np.asarray(target, bool))


def check_dice(fn: Callable) -> CheckResult:
    """Check ``fn(pred, target) -> float``: the Dice coefficient of two boolean masks, 1.0 when
    both are empty."""
    rng = np.random.default_rng(14)
    square = np.zeros((6, 6), bool)
    square[1:4, 1:4] = True
    shifted = np.roll(square, 1, axis=1)
    cases = [
        Case("two identical masks", square, square.copy()),
        Case("a square and the same square one pixel to the right", square, shifted),
        Case("masks that do not touch", square, np.roll(square, 3, axis=0)),
        Case("an empty prediction of a non-empty mask", np.zeros_like(square), square),
        Case("both masks empty (nothing to find, nothing found)", np.zeros((4, 4), bool),
             np.zeros((4, 4), bool)),
        Case("random 32x32 masks", rng.random((32, 32)) < 0.3, rng.random((32, 32)) < 0.5),
        Case("3-D masks (a volume)", rng.random((4, 5, 6)) < 0.4, rng.random((4, 5, 6)) < 0.4),
    ]
    return run_cases("dice", fn, cases, reference=_dice_reference, returns=float)
