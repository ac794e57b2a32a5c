"""Checks for the exercises of chapters/09_cnn_from_scratch.ipynb."""

from __future__ import annotations

import numpy as np

from .. import cnn
from ._core import Case, CheckResult, run_cases

__all__ = ["check_softmax_cross_entropy"]


def check_softmax_cross_entropy(fn) -> CheckResult:
    """Check a learner's ``softmax_cross_entropy(logits, labels)`` -> ``(loss, dlogits)``."""
    rng = np.random.default_rng(9)
    cases = [
        Case("two equal scores", np.array([[0.0, 0.0]]), np.array([1])),
        Case("three classes, one row", np.array([[1.0, 2.0, 3.0]]), np.array([0])),
        Case(
            "a batch of 4 rows (mean, not sum)",
            rng.standard_normal((4, 10)),
            np.array([3, 0, 9, 3]),
        ),
        Case(
            "huge scores (exp overflows unless you subtract the max)",
            np.array([[1000.0, 0.0, -1000.0]]),
            np.array([0]),
        ),
        Case("a confident wrong answer", np.array([[50.0, 0.0]]), np.array([1])),
    ]
    return run_cases(
        "softmax_cross_entropy",
        fn,
        cases,
        reference=cnn.softmax_cross_entropy,
        atol=1e-8,
        rtol=1e-6,
    )
