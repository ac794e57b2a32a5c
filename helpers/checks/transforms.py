"""Checks for the exercises of chapters/04_transforms.ipynb."""

from __future__ import annotations

import numpy as np

from .. import transforms
from ._core import Case, CheckResult, run_cases

__all__ = ["check_bilinear_sample", "check_inverse_warp"]


def _bilinear_zero_fill(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return transforms.sample_bilinear(image, x, y, fill=0.0)


def check_bilinear_sample(fn) -> CheckResult:
    """Check ``fn(image, x, y)``: bilinear samples of a gray image, 0 outside it."""
    rng = np.random.default_rng(4)
    square = np.array([[0.0, 10.0], [20.0, 30.0]])
    ramp = np.arange(12.0).reshape(3, 4)

    def pts(*values):
        return np.array(values, dtype=np.float64)

    cases = [
        Case("exactly on pixel centres", square, pts(0, 1, 0, 1), pts(0, 0, 1, 1)),
        Case("half way between two pixels", square, pts(0.5, 0.0), pts(0.0, 0.5)),
        Case("the centre of a 2x2 block", square, pts(0.5), pts(0.5)),
        Case("a quarter and three quarters", square, pts(0.25), pts(0.75)),
        Case("on the last column and row (no neighbour beyond)", ramp, pts(3.0, 2.0),
             pts(1.5, 2.0)),
        Case("half a pixel beyond the right edge: half the image, half 0", ramp, pts(3.5),
             pts(1.0)),
        Case("far outside the image: 0", ramp, pts(-5.0, 10.0), pts(1.0, 1.0)),
        Case("a 2-D grid of points", ramp, rng.uniform(0, 3, (2, 3)), rng.uniform(0, 2, (2, 3))),
        Case("random points, some outside", rng.random((5, 6)), rng.uniform(-1.5, 6.5, 12),
             rng.uniform(-1.5, 5.5, 12)),
    ]
    return run_cases("bilinear_sample", fn, cases, reference=_bilinear_zero_fill, atol=1e-6)


def _warp(image: np.ndarray, matrix: np.ndarray, output_shape: tuple[int, int]) -> np.ndarray:
    return transforms.warp_affine(image, matrix, output_shape, interpolation="bilinear", fill=0.0)


def check_inverse_warp(fn) -> CheckResult:
    """Check ``fn(image, matrix, output_shape)``: inverse mapping with bilinear sampling."""
    rng = np.random.default_rng(5)
    image = rng.random((6, 7))
    cases = [
        Case("the identity", image, np.eye(3), (6, 7)),
        Case("shift 2 right and 1 down", image, transforms.translation_matrix(2, 1), (6, 7)),
        Case("half a pixel to the left", image, transforms.translation_matrix(-0.5, 0), (6, 7)),
        Case("enlarge by 2 (a larger output)", image, transforms.scaling_matrix(2), (12, 14)),
        Case("rotate 30 degrees about the centre", image,
             transforms.rotation_matrix((3, 2.5), 30, homogeneous=True), (6, 7)),
        Case("shear, rectangular output", image, transforms.shear_matrix(0.4), (5, 9)),
    ]
    return run_cases("inverse_warp", fn, cases, reference=_warp, atol=1e-6)
