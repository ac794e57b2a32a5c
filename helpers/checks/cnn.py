"""Checks for the exercises of chapters/09_cnn_from_scratch.ipynb.

The three backward-pass checks (:func:`check_linear_backward`, :func:`check_max_pool_backward`,
:func:`check_conv_backward`) compare the learner's gradients with the course's reference
(``cnn.linear_backward``, ``conv.max_pool2d_backward``, ``conv.conv2d_backward``) and, case by
case, with the chapter's numeric gradient check (:func:`helpers.cnn.gradient_check`, central
differences of :math:`L = \\sum \\mathrm{out} \\cdot g`): before a case is compared, the
reference's gradients are confirmed to agree with the numeric ones to a relative error below
1e-6, and the learner's must then match them to 1e-7, so an answer that passes passes the
gradient check too. (The one exception is a max-pool window with tied values, where the numeric
gradient is undefined: half of it to each tied value; there the reference's convention, the
first maximum in row-major order, as torch, is the expected answer.)
"""

from __future__ import annotations

import numpy as np

from .. import cnn, conv
from ._core import Case, CheckResult, run_cases

__all__ = [
    "check_conv_backward",
    "check_linear_backward",
    "check_max_pool_backward",
    "check_softmax_cross_entropy",
]

#: Largest relative error between the reference and the numeric gradient of a case.
GRADIENT_CHECK_TOLERANCE = 1e-6


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


def _confirmed(grads, errors: dict[str, float], layer: str):
    """``grads`` once the numeric gradient check agrees with them; a course bug otherwise."""
    worst = max(errors.values())
    if not worst < GRADIENT_CHECK_TOLERANCE:
        raise RuntimeError(f"the reference {layer} backward pass fails the numeric gradient "
                           f"check (relative errors {errors})")
    return grads


def _linear_reference(dout, cache):
    grads = cnn.linear_backward(dout, cache)
    inputs = {"x": cache.x, "w": cache.w, "b": np.zeros(cache.w.shape[0])}
    return _confirmed(grads, cnn.gradient_check(cnn.linear_forward, cnn.linear_backward,
                                                inputs, dout), "linear")


def check_linear_backward(fn) -> CheckResult:
    """Check a learner's ``linear_backward(dout, cache)`` -> ``(dx, dw, db)``.

    ``cache`` is what ``cnn.linear_forward(x, w, b)`` returns: ``cache.x`` (N, D) and
    ``cache.w`` (M, D); ``dout`` is (N, M).
    """
    rng = np.random.default_rng(91)

    def case(name, n, d, m):
        x, w = rng.standard_normal((n, d)), rng.standard_normal((m, d))
        _, cache = cnn.linear_forward(x, w, rng.standard_normal(m))
        return Case(name, rng.standard_normal((n, m)), cache)

    cases = [
        Case("one input of 2 features, one output",
             np.array([[1.0]]), cnn.linear_forward(np.array([[2.0, 5.0]]),
                                                   np.array([[3.0, -1.0]]))[1]),
        case("one input, 3 features -> 2 outputs", 1, 3, 2),
        case("a batch of 4 (db and dw sum over the batch)", 4, 5, 3),
        case("more outputs than features (dw is (M, D), not (D, M))", 3, 2, 6),
    ]
    return run_cases("linear_backward", fn, cases, reference=_linear_reference,
                     solution=cnn.linear_backward, returns=(np.ndarray, np.ndarray, np.ndarray),
                     atol=1e-7, rtol=1e-7)


def _has_ties(cache) -> bool:
    """True when some pooling window's maximum occurs more than once."""
    x, (kh, kw), (sh, sw), (oh, ow) = cache
    for r in range(oh):
        for q in range(ow):
            window = x[:, :, r * sh:r * sh + kh, q * sw:q * sw + kw].reshape(*x.shape[:2], -1)
            if np.any((window == window.max(axis=2, keepdims=True)).sum(axis=2) > 1):
                return True
    return False


def _max_pool_reference(dout, cache):
    dx = conv.max_pool2d_backward(dout, cache)
    if _has_ties(cache):
        return dx  # the numeric gradient splits a tie in half: the convention decides

    def forward(x):
        return conv.max_pool2d_forward(x, cache.size, cache.stride)

    return _confirmed(dx, cnn.gradient_check(forward, conv.max_pool2d_backward,
                                             {"x": cache.x}, dout), "max-pool")


def check_max_pool_backward(fn) -> CheckResult:
    """Check a learner's ``max_pool_backward(dout, cache)`` -> ``dx``.

    ``cache`` is what ``conv.max_pool2d_forward(x, size, stride)`` returns: ``cache.x``
    (N, C, H, W), ``cache.size`` and ``cache.stride`` as ``(rows, cols)`` pairs; ``dout`` is
    (N, C, H', W').
    """
    rng = np.random.default_rng(92)

    def case(name, shape, size, stride=None):
        _, cache = conv.max_pool2d_forward(rng.standard_normal(shape), size, stride)
        dout = rng.standard_normal((*shape[:2], *cache.out_size))
        return Case(name, dout, cache)

    notes_input = np.array([[0, 2, 3, 4], [1, 0, 0, 0], [5, 6, 0, 7], [4, 1, 0, 2]], float)
    cases = [
        Case("the notes' 4x4 example, 2x2 windows, stride 2, upstream gradient 1",
             np.ones((1, 1, 2, 2)), conv.max_pool2d_forward(notes_input[None, None], 2)[1]),
        case("random 4x4, 2x2 windows, stride 2", (1, 1, 4, 4), 2),
        case("a batch of 2 images with 3 channels (each channel on its own)", (2, 3, 4, 6), 2),
        case("3x3 windows, stride 2 (overlapping windows add up)", (1, 2, 7, 7), 3, 2),
        case("a 5x5 input, 2x2 windows: the last row and column are in no window",
             (1, 1, 5, 5), 2),
        Case("a window of four equal values (the first maximum gets it, as torch)",
             np.array([[[[2.0]]]]), conv.max_pool2d_forward(np.ones((1, 1, 2, 2)), 2)[1]),
    ]
    return run_cases("max_pool_backward", fn, cases, reference=_max_pool_reference,
                     solution=conv.max_pool2d_backward, returns=np.ndarray,
                     atol=1e-7, rtol=1e-7)


def _conv_reference(dout, cache):
    grads = conv.conv2d_backward(dout, cache)

    def forward(x, w, b):
        return conv.conv2d_forward(x, w, b, cache.stride, cache.padding, cache.dilation)

    inputs = {"x": cache.x, "w": cache.w, "b": np.zeros(cache.w.shape[0])}
    return _confirmed(grads, cnn.gradient_check(forward, conv.conv2d_backward, inputs, dout),
                      "convolution")


def check_conv_backward(fn) -> CheckResult:
    """Check a learner's ``conv_backward(dout, cache)`` -> ``(dx, dw, db)``.

    ``cache`` is what ``conv.conv2d_forward(x, w, b, stride, padding)`` returns: ``cache.x``
    (N, C, H, W), ``cache.w`` (F, C, kh, kw), ``cache.stride`` and ``cache.padding`` as
    ``(rows, cols)`` pairs; ``dout`` is (N, F, H', W').
    """
    rng = np.random.default_rng(93)

    def case(name, x_shape, w_shape, stride=1, padding=0):
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        out, cache = conv.conv2d_forward(x, w, rng.standard_normal(w_shape[0]), stride, padding)
        return Case(name, rng.standard_normal(out.shape), cache)

    cases = [
        Case("a 3x3 input of ones, a 2x2 kernel of ones, upstream gradient 1",
             np.ones((1, 1, 2, 2)), conv.conv2d_forward(np.ones((1, 1, 3, 3)),
                                                        np.ones((1, 1, 2, 2)))[1]),
        case("one 5x5 channel, one 3x3 filter", (1, 1, 5, 5), (1, 1, 3, 3)),
        case("3 channels, 2 filters", (1, 3, 5, 5), (2, 3, 3, 3)),
        case("a batch of 2 (dw and db sum over the batch)", (2, 2, 4, 4), (3, 2, 3, 3)),
        case("padding 1 (dx must drop the padded border)", (1, 2, 4, 4), (2, 2, 3, 3),
             padding=1),
        case("stride 2 with padding 1", (2, 2, 6, 5), (2, 2, 3, 3), stride=2, padding=1),
        case("a 1x2 kernel, stride 2: the last column is in no window", (1, 1, 3, 5),
             (1, 1, 1, 2), stride=2),
    ]
    return run_cases("conv_backward", fn, cases, reference=_conv_reference,
                     solution=conv.conv2d_backward,
                     returns=(np.ndarray, np.ndarray, np.ndarray), atol=1e-7, rtol=1e-7)
