"""Checks for the exercises of chapters/19_motion.ipynb."""

from __future__ import annotations

import numpy as np

from .. import motion
from ..image import as_float_image
from ._core import Case, CheckResult, run_cases

__all__ = ["check_block_match", "check_lucas_kanade_step"]


def check_block_match(fn) -> CheckResult:
    """Check ``fn(prev, next, y, x, block, search) -> (dy, dx)``: SSD block matching, one block."""
    rng = np.random.default_rng(19)
    dot = np.zeros((12, 12))
    dot[5, 4] = 1.0
    texture = rng.random((24, 24))
    moved = np.roll(texture, (1, -2), axis=(0, 1))
    photo = motion.make_motion_pair(rng.integers(0, 256, (120, 120), dtype=np.uint8),
                                    "translation", size=48, shift=(-2.6, 1.7), blur=1.0, rng=1)
    # Columns 15 and 17 gray levels above a black block: in uint8, 17**2 = 289 wraps to 33.
    stripes = np.tile(np.array([100, 100, 15, 15, 17, 17], np.uint8), (6, 1))
    cases = [
        Case("a dot moved 2 pixels right", dot, np.roll(dot, 2, axis=1), 3, 2, 4, 3),
        Case("random texture moved by (dy, dx) = (1, -2)", texture, moved, 8, 8, 6, 3),
        Case("a block in the top-left corner: skip offsets that leave the frame", texture, moved,
             0, 0, 6, 3),
        Case("search = 0: only zero motion is tried", texture, moved, 8, 8, 6, 0),
        Case("a flat block: every offset ties, zero motion must win", np.ones((10, 10)),
             np.ones((10, 10)), 3, 3, 4, 2),
        Case("a uint8 photo moved by (-2.6, 1.7)", photo.prev, photo.next, 20, 20, 8, 4),
        Case("uint8 frames: convert to float before subtracting and squaring (uint8 wraps "
             "around: 17**2 = 289 becomes 33)", np.zeros((6, 6), np.uint8), stripes, 2, 2, 2, 2),
    ]

    def reference(prev, next, y, x, block, search):  # noqa: A002 - the exercise's names
        return motion.match_block(prev, next, y, x, block=block, search=search, metric="ssd")

    return run_cases("block_match", fn, cases, reference=reference)


def check_lucas_kanade_step(fn) -> CheckResult:
    """Check ``fn(ix, iy, it) -> (u, v)``: one Lucas-Kanade step for one window."""
    rng = np.random.default_rng(20)
    photo = motion.make_motion_pair(rng.integers(0, 256, (120, 120), dtype=np.uint8),
                                    "translation", size=48, shift=(0.6, -0.3), blur=1.5, rng=2)
    gx, gy = motion.scharr_gradients(photo.prev)
    gt = as_float_image(photo.next).astype(np.float64) - as_float_image(photo.prev)
    win = np.s_[14:29, 16:31]
    edge_x = np.tile([0.0, 0.5, 1.0, 0.5, 0.0], (5, 1))  # a vertical edge: no y gradient
    cases = [
        Case("two pixels, one gradient each: the motion is (2, 1)", np.array([[1.0, 0.0]]),
             np.array([[0.0, 1.0]]), np.array([[-2.0, -1.0]])),
        Case("a 15x15 window of a photo moved by (0.6, -0.3)", gx[win], gy[win], gt[win]),
        Case("a straight edge: A is singular - return (nan, nan)", edge_x, np.zeros((5, 5)),
             -0.3 * edge_x),
        Case("a flat window: no gradient at all - return (nan, nan)", np.zeros((4, 4)),
             np.zeros((4, 4)), np.zeros((4, 4))),
        Case("random derivatives in a 7x9 window", rng.normal(size=(7, 9)),
             rng.normal(size=(7, 9)), rng.normal(size=(7, 9))),
    ]
    return run_cases("lucas_kanade_step", fn, cases, reference=motion.lucas_kanade_step,
                     atol=1e-8, rtol=1e-6)
