"""Checks for the exercises of chapters/08_conv_arithmetic.ipynb."""

from __future__ import annotations

import numpy as np

from .. import conv, notes
from ._core import Case, CheckResult, run_cases

__all__ = ["check_conv2d", "check_conv_output_size"]

_NOTES_6X6 = notes.EDGE_INPUT
_VERTICAL = notes.VERTICAL_EDGE_KERNEL


def _reference_size(n, f, padding, stride):
    return conv.conv_output_size(n, f, padding=padding, stride=stride)


def check_conv_output_size(fn) -> CheckResult:
    """Check a learner's ``output_size(n, f, padding, stride)`` -> int."""
    cases = [
        Case("the notes' 6x6 input, 3x3 filter", 6, 3, 0, 1),
        Case("'same' padding p=1 for f=3", 6, 3, 1, 1),
        Case("stride 2, divides evenly", 7, 3, 0, 2),
        Case("stride 2, the floor matters", 8, 3, 0, 2),
        Case("padding and stride", 7, 3, 1, 2),
        Case("a 1x1 convolution", 5, 1, 0, 1),
        Case("kernel as large as the input", 5, 5, 0, 3),
        Case("large image, stride 4", 227, 11, 0, 4),
    ]
    return run_cases("output_size", fn, cases, reference=_reference_size, returns=int)


def check_conv2d(fn) -> CheckResult:
    """Check a learner's ``conv2d(x, w, b, stride, padding)`` on (N, C, H, W) batches."""
    rng = np.random.default_rng(8)
    cases = [
        Case(
            "the notes' 6x6 example, vertical-edge filter",
            _NOTES_6X6[None, None],
            _VERTICAL[None, None],
            np.zeros(1),
            1,
            0,
        ),
        Case(
            "with a bias of 10",
            _NOTES_6X6[None, None],
            _VERTICAL[None, None],
            np.array([10.0]),
            1,
            0,
        ),
        Case(
            "padding 1 (same size out)",
            _NOTES_6X6[None, None],
            _VERTICAL[None, None],
            np.zeros(1),
            1,
            1,
        ),
        Case("stride 2", _NOTES_6X6[None, None], _VERTICAL[None, None], np.zeros(1), 2, 0),
        Case(
            "3 channels, 2 filters",
            rng.standard_normal((1, 3, 5, 5)),
            rng.standard_normal((2, 3, 3, 3)),
            rng.standard_normal(2),
            1,
            0,
        ),
        Case(
            "a batch of 2, stride 2, padding 1",
            rng.standard_normal((2, 2, 6, 5)),
            rng.standard_normal((3, 2, 3, 3)),
            rng.standard_normal(3),
            2,
            1,
        ),
        Case(
            "a 1x1 convolution mixing 4 channels",
            rng.standard_normal((1, 4, 3, 3)),
            rng.standard_normal((2, 4, 1, 1)),
            np.zeros(2),
            1,
            0,
        ),
    ]
    return run_cases("conv2d", fn, cases, reference=conv.conv2d, atol=1e-8, rtol=1e-8)
