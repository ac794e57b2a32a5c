"""Checks for the exercises of chapters/17_inside_cnns.ipynb."""

from __future__ import annotations

import numpy as np

from .. import gradcam
from ._core import Case, CheckResult, run_cases

__all__ = ["check_gradcam_map"]


def _reference(activations: np.ndarray, gradients: np.ndarray) -> np.ndarray:
    return gradcam.gradcam_map(activations, gradcam.gradcam_channel_weights(gradients))


def check_gradcam_map(fn) -> CheckResult:
    """Check a learner's ``gradcam(activations, gradients)``: (C, h, w) twice -> (h, w) map."""
    rng = np.random.default_rng(17)
    cases = [
        Case("one channel, gradient 1 everywhere", np.array([[[1.0, 2.0], [0.0, 3.0]]]),
             np.ones((1, 2, 2))),
        Case("two channels, one with a negative weight", np.array([[[1.0, 0.0]], [[0.0, 1.0]]]),
             np.array([[[2.0, 2.0]], [[-1.0, -1.0]]])),
        Case("every weight negative: the ReLU leaves zeros", rng.random((3, 2, 2)),
             -rng.random((3, 2, 2))),
        Case("the weight is the *mean* gradient of each channel", rng.random((2, 3, 3)),
             rng.standard_normal((2, 3, 3))),
        Case("8 channels of a 7x7 map", rng.random((8, 7, 7)), rng.standard_normal((8, 7, 7))),
        Case("a non-square 2x5 map", rng.random((4, 2, 5)), rng.standard_normal((4, 2, 5))),
    ]
    return run_cases("gradcam", fn, cases, reference=_reference, atol=1e-9)
