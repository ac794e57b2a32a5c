"""Spatial transformer networks (chapter 17): a module that learns to undo a warp.

* :func:`warp_digits` is the seeded generator of the chapter's data: each 28x28 digit is placed
  on a larger canvas and rotated, scaled and shifted at random (the "RTS" digits of the STN
  paper), with the true warp returned too.
* :class:`SpatialTransformer` is the learnable module: a small *localisation* network looks at the
  input and predicts the 6 numbers of an affine map :math:`\\theta`; a *grid generator*
  (``torch.nn.functional.affine_grid``) turns :math:`\\theta` into sampling positions, and a
  *sampler* (``grid_sample``, bilinear) reads the input there. Every step is differentiable, so
  the classifier's loss alone teaches the localisation net where to look - no warp labels.
* :class:`WarpedDigitClassifier` is the classifier, used with and without the transformer in
  front (:class:`STNClassifier`) so the chapter compares like with like.

Both the generator and the transformer warp with the same sampler, so "undoing the warp" has a
precise meaning: the transformer's :math:`\\theta` should approach the generator's inverse.

Used in chapters/17_inside_cnns.ipynb.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._validation import as_array, check_float, check_int, check_rng, check_tensor, describe
from ..image import from_batch, to_batch

__all__ = [
    "STNClassifier",
    "SpatialTransformer",
    "WarpedDigitClassifier",
    "affine_theta",
    "warp_digits",
]

MAX_CANVAS = 128
MAX_IMAGES = 100_000


def affine_theta(angle: Any, scale: Any, shift_x: Any, shift_y: Any) -> np.ndarray:
    """Affine matrices in ``affine_grid``'s convention, from angle, scale and shift.

    Parameters
    ----------
    angle : (N,) array_like of float
        Rotation in degrees (counter-clockwise as displayed, y pointing down).
    scale : (N,) array_like of float
        > 0; 1.2 shows the digit 20% larger.
    shift_x, shift_y : (N,) array_like of float
        Displacement of the digit as a fraction of the canvas half-width (+x right, +y down).

    Returns
    -------
    (N, 2, 3) ndarray of float32
        :math:`\\theta` mapping *output* coordinates to *input* sampling positions, both in
        [-1, 1] (``torch.nn.functional.affine_grid``'s convention).

    Notes
    -----
    To show the digit rotated by :math:`a`, scaled by :math:`s` and moved by :math:`t`, each
    output pixel :math:`p` must sample the input at :math:`R(-a)(p - t)/s`:
    :math:`\\theta = [R(-a)/s \\mid -R(-a)\\, t / s]`.

    Examples
    --------
    >>> affine_theta([0.0], [1.0], [0.0], [0.0])[0] + 0.0   # + 0.0 turns -0.0 into 0.0
    array([[1., 0., 0.],
           [0., 1., 0.]], dtype=float32)
    >>> np.round(affine_theta([90.0], [2.0], [0.5], [0.0])[0], 3) + 0.0
    array([[ 0.  , -0.5 ,  0.  ],
           [ 0.5 ,  0.  , -0.25]], dtype=float32)
    """
    a, s, tx, ty = (np.atleast_1d(as_array(v, name, ndim=(0, 1), kinds="iuf")).astype(float)
                    for v, name in ((angle, "angle"), (scale, "scale"), (shift_x, "shift_x"),
                                    (shift_y, "shift_y")))
    if len(a) > MAX_IMAGES:
        raise ValueError(f"angle must hold at most {MAX_IMAGES} values; got {len(a)}")
    if not (len(a) == len(s) == len(tx) == len(ty)):
        raise ValueError("angle, scale, shift_x and shift_y must have the same length")
    if (s <= 0).any():
        raise ValueError(f"scale must be > 0; got {s.min()}")
    r = np.deg2rad(-a)  # the inverse rotation; minus again because y points down on screen
    cos, sin = np.cos(-r), np.sin(-r)
    inv = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2) / s[:, None, None]
    t = np.stack([tx, ty], -1)
    offset = -np.einsum("nij,nj->ni", inv, t)
    return np.concatenate([inv, offset[:, :, None]], axis=2).astype(np.float32)


def warp_digits(
    images: Any,
    *,
    rng: Any,
    canvas: int = 40,
    max_angle: float = 45.0,
    scale_range: tuple[float, float] = (0.7, 1.2),
    max_shift: float = 0.25,
) -> tuple[np.ndarray, np.ndarray]:
    """Digits rotated, scaled and shifted at random on a larger canvas (seeded).

    Parameters
    ----------
    images : (N, h, w) ndarray
        uint8 or float digits (white on black), h and w at most ``canvas``; at most 100,000.
    rng : numpy.random.Generator or int
        Seeds every warp.
    canvas : int
        Side of the output, 8 to 128 pixels; the digit is first centred on it.
    max_angle : float
        Rotations are uniform in [-max_angle, max_angle] degrees (0 to 180).
    scale_range : (float, float)
        Scales are uniform in this range (0.2 to 3).
    max_shift : float
        Shifts are uniform in [-max_shift, max_shift] of the canvas half-width, in x and y
        (0 to 1).

    Returns
    -------
    warped : (N, canvas, canvas) ndarray of float32
        Values in [0, 1].
    theta : (N, 2, 3) ndarray of float32
        The warp applied to each (:func:`affine_theta`'s convention).

    Notes
    -----
    Sampling is bilinear with zeros outside the canvas (``grid_sample``,
    ``align_corners=False``), the sampler a spatial transformer uses.

    References
    ----------
    M. Jaderberg, K. Simonyan, A. Zisserman, K. Kavukcuoglu, "Spatial transformer networks",
    NeurIPS 2015 (their rotated-translated-scaled MNIST). Used in chapters/17_inside_cnns.ipynb.

    Examples
    --------
    >>> warped, theta = warp_digits(np.zeros((3, 28, 28), np.uint8), rng=0)
    >>> warped.shape, theta.shape
    ((3, 40, 40), (3, 2, 3))
    """
    canvas = check_int(canvas, "canvas", min=8, max=MAX_CANVAS)
    batch = to_batch(images, "images")
    n, c, h, w = batch.shape
    if c != 1:
        raise ValueError(f"images must be gray (N, h, w) digits; got {c} channels")
    if n > MAX_IMAGES or h > canvas or w > canvas:
        raise ValueError(f"images must be at most {MAX_IMAGES} digits no larger than canvas "
                         f"({canvas}); got shape {np.shape(images)}")
    max_angle = check_float(max_angle, "max_angle", min=0, max=180)
    if not isinstance(scale_range, (tuple, list)) or len(scale_range) != 2:
        raise TypeError(f"scale_range must be a pair (low, high); got {describe(scale_range)}")
    lo = check_float(scale_range[0], "scale_range[0]", min=0.2, max=3)
    hi = check_float(scale_range[1], "scale_range[1]", min=lo, max=3)
    max_shift = check_float(max_shift, "max_shift", min=0, max=1)
    gen = check_rng(rng)
    top, left = (canvas - h) // 2, (canvas - w) // 2
    angle, scale = gen.uniform(-max_angle, max_angle, n), gen.uniform(lo, hi, n)
    shift = gen.uniform(-max_shift, max_shift, (2, n))
    theta = affine_theta(angle, scale, shift[0], shift[1])
    out = np.empty((n, canvas, canvas), np.float32)
    with torch.no_grad():
        for start in range(0, n, 512):  # 512 digits at a time: small temporary arrays
            part = batch[start:start + 512]
            padded = np.zeros((len(part), 1, canvas, canvas), np.float32)
            padded[:, :, top:top + h, left:left + w] = part   # centred on the canvas
            x = torch.from_numpy(padded)
            grid = F.affine_grid(torch.from_numpy(theta[start:start + 512]), list(x.shape),
                                 align_corners=False)
            out[start:start + 512] = from_batch(F.grid_sample(
                x, grid, mode="bilinear", padding_mode="zeros", align_corners=False))
    return np.clip(out, 0, 1, out=out), theta


def _check_digits(x: Any, size: int) -> torch.Tensor:
    """A network's input: a finite float batch ``(N, 1, size, size)``."""
    check_tensor(x, "x", ndim=4, channels=1, shape_hint=f"(N, 1, {size}, {size})")
    if tuple(x.shape[2:]) != (size, size):
        raise ValueError(f"x must be (N, 1, {size}, {size}) (the size the network was built "
                         f"for); got shape {tuple(x.shape)}")
    return x


class SpatialTransformer(nn.Module):
    """A localisation net + grid generator + sampler: the input, warped by a learned affine map.

    Parameters
    ----------
    size : int
        Side of the (square, one-channel) input and output, 32 to 128.
    seed : int
        Seeds the localisation net's initial weights (inside ``torch.random.fork_rng``).

    Attributes
    ----------
    localization : torch.nn.Sequential
        A 2x2 average pool (it looks at a half-size copy), two conv + max-pool + ReLU
        stages and two linear layers -> 6 numbers.
    last_theta : torch.Tensor or None
        The ``(N, 2, 3)`` affine maps of the latest forward pass (detached).

    Notes
    -----
    :math:`\\theta = f_{loc}(U)`; sampling grid :math:`(x^s, y^s)^\\top = \\theta\\,
    (x^t, y^t, 1)^\\top` for every output pixel :math:`(x^t, y^t)` in [-1, 1] coordinates;
    :math:`V = \\text{bilinear}(U; x^s, y^s)`. The last layer starts at zero weights and the
    identity's bias, so training starts from "do nothing", as in the paper.

    References
    ----------
    M. Jaderberg et al., "Spatial transformer networks", NeurIPS 2015. Used in
    chapters/17_inside_cnns.ipynb.

    Examples
    --------
    >>> stn = SpatialTransformer(40)
    >>> x = torch.rand(2, 1, 40, 40)
    >>> bool(torch.allclose(stn(x), x, atol=1e-5))   # starts as the identity
    True
    """

    def __init__(self, size: int = 40, *, seed: int = 0) -> None:
        super().__init__()
        size = check_int(size, "size", min=32, max=MAX_CANVAS)
        seed = check_int(seed, "seed", min=0, max=2**63 - 1)
        self.size = size
        side = ((size // 2 - 4) // 2 - 2) // 2  # after pool 2, conv 5, pool 2, conv 3, pool 2
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            # It looks at a half-size copy: where the digit is needs no fine detail (and it is
            # 4x cheaper than looking at every pixel).
            self.localization = nn.Sequential(
                nn.AvgPool2d(2),
                nn.Conv2d(1, 8, 5), nn.MaxPool2d(2), nn.ReLU(),
                nn.Conv2d(8, 16, 3), nn.MaxPool2d(2), nn.ReLU(),
                nn.Flatten(), nn.Linear(16 * side * side, 32), nn.ReLU(), nn.Linear(32, 6))
        last = self.localization[-1]
        nn.init.zeros_(last.weight)
        with torch.no_grad():
            last.bias.copy_(torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]))
        self.last_theta: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_digits(x, self.size)
        theta = self.localization(x).view(-1, 2, 3)            # where to look
        self.last_theta = theta.detach()
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)    # grid generator
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros",
                             align_corners=False)             # sampler


class WarpedDigitClassifier(nn.Module):
    """A small CNN for one-channel square digits (three conv + pool stages, 10 logits).

    Parameters
    ----------
    size : int
        Input side, 16 to 128.
    width : int
        Channels of the first conv (then twice as many), 4 to 128.
    seed : int
        Seeds the initial weights.

    Examples
    --------
    >>> WarpedDigitClassifier(40)(torch.zeros(2, 1, 40, 40)).shape
    torch.Size([2, 10])
    """

    def __init__(self, size: int = 40, width: int = 16, *, seed: int = 0) -> None:
        super().__init__()
        size = check_int(size, "size", min=16, max=MAX_CANVAS)
        width = check_int(width, "width", min=4, max=128)
        seed = check_int(seed, "seed", min=0, max=2**63 - 1)
        side = size // 8
        self.size = size
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.features = nn.Sequential(
                nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(2 * width * side * side, 64),
                                      nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_digits(x, self.size)
        return self.head(self.features(x - 0.5))


class STNClassifier(nn.Module):
    """A classifier with an optional spatial transformer in front of it.

    Parameters
    ----------
    classifier : torch.nn.Module
        E.g. :class:`WarpedDigitClassifier`.
    transformer : SpatialTransformer or None
        None gives the same classifier alone (the baseline).

    Examples
    --------
    >>> net = STNClassifier(WarpedDigitClassifier(40), SpatialTransformer(40))
    >>> net(torch.zeros(3, 1, 40, 40)).shape
    torch.Size([3, 10])
    """

    def __init__(self, classifier: nn.Module, transformer: nn.Module | None = None) -> None:
        super().__init__()
        if not isinstance(classifier, nn.Module):
            raise TypeError(f"classifier must be a torch.nn.Module; got {describe(classifier)}")
        if transformer is not None and not isinstance(transformer, nn.Module):
            raise TypeError(f"transformer must be a torch.nn.Module or None; got "
                            f"{describe(transformer)}")
        self.transformer = transformer
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x", ndim=4, shape_hint="(N, 1, size, size)")
        if self.transformer is not None:
            x = self.transformer(x)
        return self.classifier(x)
