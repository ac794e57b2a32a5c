"""Checks for the exercises of chapters/08_conv_arithmetic.ipynb (output size, conv2d),
chapters/14_segmentation_cnns.ipynb (transpose convolution) and chapters/18_conv_1d_3d.ipynb
(conv1d)."""

from __future__ import annotations

import numpy as np

from .. import conv, notes
from ._core import Case, CheckResult, run_cases

__all__ = [
    "check_conv1d",
    "check_conv2d",
    "check_conv_output_shape",
    "check_conv_output_size",
    "check_conv_transpose",
]

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


def _reference_shape(x_shape, w_shape, stride, padding, dilation):
    (n, _, h, w), (f, _, kh, kw) = x_shape, w_shape
    return (n, f,
            conv.conv_output_size(h, kh, padding=padding[0], stride=stride[0],
                                  dilation=dilation[0]),
            conv.conv_output_size(w, kw, padding=padding[1], stride=stride[1],
                                  dilation=dilation[1]))


def check_conv_output_shape(fn) -> CheckResult:
    """Check a learner's ``conv_output_shape(x_shape, w_shape, stride, padding, dilation)``.

    Shapes are ``(N, C, H, W)`` and ``(F, C, kh, kw)`` tuples; stride, padding and dilation
    ``(rows, cols)`` pairs; the answer is the ``(N, F, H', W')`` tuple of ints, as
    :func:`helpers.conv.conv2d` (and torch's ``conv2d``) produces.
    """
    cases = [
        Case("the notes' 6x6 input, one 3x3 filter", (1, 1, 6, 6), (1, 1, 3, 3), (1, 1),
             (0, 0), (1, 1)),
        Case("a batch of 8 RGB images, 16 filters, 'same' padding", (8, 3, 32, 32),
             (16, 3, 3, 3), (1, 1), (1, 1), (1, 1)),
        Case("stride 2 on a 7x7 input", (1, 1, 7, 7), (1, 1, 3, 3), (2, 2), (0, 0), (1, 1)),
        Case("a rectangular input (H != W)", (2, 1, 6, 10), (4, 1, 3, 3), (1, 1), (0, 0),
             (1, 1)),
        Case("a 1x5 kernel, padding only along the columns", (1, 2, 7, 9), (3, 2, 1, 5),
             (1, 1), (0, 2), (1, 1)),
        Case("different strides along rows and columns", (1, 1, 9, 9), (1, 1, 3, 3), (2, 3),
             (1, 1), (1, 1)),
        Case("dilation 2: a 3x3 kernel spanning 5x5", (1, 1, 9, 9), (1, 1, 3, 3), (1, 1),
             (0, 0), (2, 2)),
        Case("AlexNet's first layer: 227x227, 96 filters 11x11, stride 4", (1, 3, 227, 227),
             (96, 3, 11, 11), (4, 4), (0, 0), (1, 1)),
        Case("dilation, stride and padding together", (2, 4, 15, 12), (5, 4, 3, 2), (2, 1),
             (2, 0), (3, 2)),
    ]
    return run_cases("conv_output_shape", fn, cases, reference=_reference_shape,
                     returns=(int, int, int, int))


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


def _transpose_reference(x, kernel, stride):
    x, kernel = np.asarray(x, float), np.asarray(kernel, float)
    return conv.conv_transpose2d(x[None, None], kernel[None, None], stride=stride)[0, 0]


def check_conv_transpose(fn) -> CheckResult:
    """Check a learner's ``conv_transpose(x, kernel, stride)`` on one (H, W) map, no padding."""
    rng = np.random.default_rng(14)
    cases = [
        Case("the notes' 2x2 input and 2x2 kernel", notes.TRANSPOSE_INPUT,
             notes.TRANSPOSE_KERNEL, 1),
        Case("one value scatters the kernel scaled by it", np.array([[2.0]]),
             np.array([[1.0, -1.0], [0.5, 3.0]]), 1),
        Case("stride 2: the copies land 2 cells apart", notes.TRANSPOSE_INPUT,
             notes.TRANSPOSE_KERNEL, 2),
        Case("stride 3, larger than the kernel (gaps of zeros)", np.ones((2, 2)),
             np.ones((2, 2)), 3),
        Case("a 3x3 kernel with stride 2 (uneven overlaps)", rng.standard_normal((3, 4)),
             rng.standard_normal((3, 3)), 2),
        Case("a 1x1 kernel", rng.standard_normal((3, 3)), np.array([[2.0]]), 2),
        Case("a non-square kernel", rng.standard_normal((2, 3)), rng.standard_normal((1, 3)), 1),
    ]
    return run_cases("conv_transpose", fn, cases, reference=_transpose_reference,
                     atol=1e-8, rtol=1e-8)


def _conv1d_reference(signal, kernel, stride, dilation):
    signal, kernel = np.asarray(signal, float), np.asarray(kernel, float)
    return conv.conv1d(signal[None, None], kernel[None, None], stride=stride,
                       dilation=dilation)[0, 0]


def check_conv1d(fn) -> CheckResult:
    """Check a learner's ``conv1d(signal, kernel, stride, dilation)`` on one (L,) signal."""
    rng = np.random.default_rng(18)
    step = np.array([0.0, 0, 0, 1, 1, 1])
    cases = [
        Case("a difference kernel on a step", step, np.array([-1.0, 1.0]), 1, 1),
        Case("a moving average of 3", np.arange(8.0), np.ones(3) / 3, 1, 1),
        Case("stride 2", np.arange(9.0), np.array([1.0, 0.0, -1.0]), 2, 1),
        Case("dilation 2: taps two samples apart", np.arange(9.0), np.array([1.0, 0.0, -1.0]),
             1, 2),
        Case("stride 3 and dilation 2, the floor matters", rng.standard_normal(20),
             rng.standard_normal(3), 3, 2),
        Case("kernel as long as the signal", rng.standard_normal(5), rng.standard_normal(5),
             1, 1),
        Case("a 1-tap kernel (a scaling)", rng.standard_normal(6), np.array([2.5]), 1, 1),
    ]
    return run_cases("conv1d", fn, cases, reference=_conv1d_reference, atol=1e-8, rtol=1e-8)
