"""Checks for the exercises of chapters/15_faces.ipynb: a Haar feature from the integral image,
and the triplet loss with batch-hard mining.

torch is imported inside the check that needs it, so importing this module stays light.
"""

from __future__ import annotations

import numpy as np

from .. import faces
from ..features import integral_image
from ._core import Case, CheckResult, run_cases

__all__ = ["check_batch_hard_triplet_loss", "check_haar_feature"]


def check_haar_feature(fn) -> CheckResult:
    """Check a learner's ``haar_feature(ii, kind, y, x, h, w)`` against the course's.

    The reference is :func:`helpers.faces.haar_feature`.

    Cases go from a 2 x 2 image checkable by hand to features touching the bottom-right corner
    (where an off-by-one in the look-ups shows) and 1-pixel cells.
    """
    rng = np.random.default_rng(15)
    tiny = integral_image(np.array([[1, 2], [3, 4]]))
    step = np.zeros((4, 6))
    step[:, 3:] = 1.0
    ramp = integral_image(np.arange(30, dtype=float).reshape(5, 6))
    big = integral_image(rng.integers(0, 256, (25, 25)).astype(np.uint8))
    unit = integral_image(rng.random((9, 9)))
    cases = [
        Case("2x2 image [[1, 2], [3, 4]], type-2-x over all of it: (2+4) - (1+3)",
             tiny, "type-2-x", 0, 0, 2, 2),
        Case("2x2 image, type-2-y: (3+4) - (1+2)", tiny, "type-2-y", 0, 0, 2, 2),
        Case("a dark-to-bright step, type-2-x", integral_image(step), "type-2-x", 0, 0, 4, 6),
        Case("a ramp, type-3-x in the middle", ramp, "type-3-x", 1, 0, 3, 6),
        Case("a ramp, type-3-y", ramp, "type-3-y", 0, 2, 3, 2),
        Case("a ramp, type-4", ramp, "type-4", 1, 1, 4, 4),
        Case("a 25x25 random window, feature touching the bottom-right corner",
             big, "type-2-y", 15, 17, 10, 8),
        Case("the whole 25x25 window, type-3-x (25 is not divisible by 3: 24 columns)",
             big, "type-3-x", 0, 0, 25, 24),
        Case("1-pixel cells at the top-left corner", unit, "type-4", 0, 0, 2, 2),
        Case("a float image, type-2-x of width 2 at the right edge", unit, "type-2-x", 3, 7, 5, 2),
    ]
    return run_cases("haar_feature", fn, cases, reference=faces.haar_feature, atol=1e-9)


def check_batch_hard_triplet_loss(fn) -> CheckResult:
    """Check a learner's ``batch_hard_triplet_loss(embeddings, labels, margin)``.

    ``embeddings`` is a ``(B, D)`` float tensor, ``labels`` a ``(B,)`` int64 tensor; the answer
    (a scalar tensor or a float) is compared with
    :func:`helpers.nets.siamese.batch_hard_triplet_loss`. The last cases hold an identity with
    a single example (an anchor with no positive, left out of the mean) and a batch where
    every triplet already satisfies the margin (loss 0).
    """
    import torch

    from ..nets.siamese import batch_hard_triplet_loss

    g = torch.Generator().manual_seed(15)
    line = torch.tensor([[0.0], [1.0], [0.5], [3.0]])
    pair = torch.tensor([0, 0, 1, 1])
    random_unit = torch.nn.functional.normalize(torch.randn(12, 8, generator=g), dim=1)
    cases = [
        Case("four points on a line, two identities, margin 0.2", line, pair, 0.2),
        Case("the same points, margin 0", line, pair, 0.0),
        Case("2-D points, three identities",
             torch.tensor([[0.0, 0.0], [0.0, 1.0], [2.0, 0.0], [2.0, 1.5], [5.0, 5.0],
                           [4.0, 5.0]]), torch.tensor([0, 0, 1, 1, 2, 2]), 0.5),
        Case("12 random unit vectors, 3 identities", random_unit,
             torch.tensor([0, 1, 2] * 4), 0.2),
        Case("an identity with a single example (no positive: leave that anchor out)",
             torch.tensor([[0.0, 0.0], [0.0, 0.4], [1.0, 0.0], [1.5, 0.0], [1.1, 0.1]]),
             torch.tensor([0, 0, 1, 1, 2]), 0.3),
        Case("every triplet already satisfied: the loss is 0",
             torch.tensor([[0.0], [0.1], [5.0], [5.1]]), pair, 1.0),
    ]

    def reference(embeddings, labels, margin):
        return float(batch_hard_triplet_loss(embeddings, labels, margin))

    def learner(embeddings, labels, margin):
        out = fn(embeddings, labels, margin)
        if isinstance(out, torch.Tensor) and out.numel() == 1:
            return float(out.detach())
        return out

    # A scalar tensor is read as its number (without autograd's warning); anything else goes to
    # the engine as it came, which says what was wrong with it.
    return run_cases("batch_hard_triplet_loss", learner if callable(fn) else fn, cases,
                     reference=reference, atol=1e-5)
