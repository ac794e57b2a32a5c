"""Checks for the exercises of chapters/16_style_transfer.ipynb."""

from __future__ import annotations

import numpy as np

from .. import style
from ._core import Case, CheckResult, run_cases

__all__ = ["check_gram_matrix", "check_style_layer_cost"]


def check_gram_matrix(fn) -> CheckResult:
    """Check a learner's ``gram_matrix(features)``: (C, H, W) -> (C, C), unnormalised."""
    rng = np.random.default_rng(16)
    cases = [
        Case("one channel of a 1x2 map", np.array([[[1.0, 2.0]]])),
        Case("two channels of a 1x2 map", np.array([[[1.0, 2.0]], [[0.0, 3.0]]])),
        Case("3 channels of a 4x5 map", rng.standard_normal((3, 4, 5))),
        Case("a non-square 2x7 map with 4 channels (sum over all positions)",
             rng.random((4, 2, 7))),
        Case("a single position, 5 channels (an outer product)", rng.random((5, 1, 1))),
    ]
    return run_cases("gram_matrix", fn, cases, reference=style.gram_matrix, atol=1e-9)


def check_style_layer_cost(fn) -> CheckResult:
    """Check a learner's ``style_layer_cost(style_features, generated_features)``.

    Both maps have the same shape (C, H, W) here, where the notes' formula
    ``||G(S) - G(G)||_F^2 / (4 n^2 m^2)`` and the course's helper agree.
    """
    rng = np.random.default_rng(17)
    a = rng.random((3, 4, 4))
    cases = [
        Case("one channel, two positions", np.ones((1, 1, 2)), np.zeros((1, 1, 2))),
        Case("identical maps cost nothing", a, a.copy()),
        Case("random 3-channel 4x4 maps", a, rng.random((3, 4, 4))),
        Case("same values at other positions: a Gram matrix ignores where",
             np.array([[[1.0, 2.0, 3.0]]]), np.array([[[3.0, 1.0, 2.0]]])),
        Case("8 channels of a 3x5 map (divide by 4 n^2 m^2)",
             rng.standard_normal((8, 3, 5)), rng.standard_normal((8, 3, 5))),
    ]
    return run_cases("style_layer_cost", fn, cases, reference=style.style_layer_cost,
                     atol=1e-9, rtol=1e-6)
