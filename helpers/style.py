"""Neural style transfer: content cost, Gram matrices and style cost, total variation.

The costs follow the lecture notes' formulas (Gatys et al., 2016) and are written so the **same
expressions run on numpy arrays and on torch tensors**: on numpy they are easy to check by hand,
on tensors autograd differentiates them with respect to the pixels. Feature maps are
``(C, H, W)`` or batched ``(N, C, H, W)``.

The optimisation itself, :func:`style_transfer`, is *not* network training: the network's
weights never change, the image's pixels are the parameters, and there is no data set, no batch,
no epoch and nothing to generalise to. So it has its own short loop, not
:func:`helpers.nets.training.fit`: Adam on the pixels, written out (a few lines, the lesson
itself), and a clip to [0, 1] after every step. (Through ``fit`` it would need a one-image dummy
data set, would switch the frozen network's batch norm to training mode, and would record the
content, style and TV costs only as an extra "validation" pass per step.)
:func:`reconstruct_from_layer` runs the same loop from noise with one layer's content or style
only, to show what each layer keeps. The features come from the course's pretrained ImageNet
network (:mod:`helpers.nets.pretrained`; EfficientNet-Lite0, since no VGG weights install
offline).

Used in chapters/16_style_transfer.ipynb.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validation import (
    as_array,
    check_bool,
    check_choice,
    check_float,
    check_image,
    check_int,
    check_rng,
    describe,
)
from .image import as_float_image

__all__ = [
    "ADAM_BETAS",
    "ADAM_EPS",
    "CONTENT_LAYER",
    "STYLE_LAYERS",
    "StyleTransferResult",
    "content_cost",
    "gram_matrix",
    "make_painting",
    "reconstruct_from_layer",
    "style_cost",
    "style_layer_cost",
    "style_transfer",
    "style_weight_grid",
    "total_variation",
    "total_variation_naive",
]

#: The stage of :class:`helpers.nets.pretrained.ImageNetNet` whose activations carry content.
CONTENT_LAYER = "stage4"
#: The stages whose Gram matrices carry style, shallow to deep.
STYLE_LAYERS = ("stem", "stage1", "stage2", "stage3", "stage4")

MAX_CHANNELS = 4096
MAX_STEPS = 5000
#: Adam's decay rates for the running means of the gradient and of its square, and the
#: epsilon that keeps the division finite (Kingma & Ba's defaults, as ``torch.optim.Adam``).
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
MAX_SIDE = 512
MAX_GRID = 12


# -- arrays or tensors -----------------------------------------------------------------------
def _is_tensor(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


def _features(x: Any, name: str, ndim: Sequence[int] = (3, 4)) -> Any:
    """Validate a feature map (ndarray or tensor), ``(C, H, W)`` or ``(N, C, H, W)``."""
    hint = "(C, H, W) or (N, C, H, W)" if tuple(ndim) == (3, 4) else "(..., H, W)"
    if _is_tensor(x):
        if x.ndim not in ndim:
            raise ValueError(f"{name} must be {hint}; got a tensor of shape {tuple(x.shape)}")
        if not x.is_floating_point():
            raise TypeError(f"{name} must be a float tensor; got dtype {x.dtype}")
        if x.numel() == 0:
            raise ValueError(f"{name} must not be empty; got shape {tuple(x.shape)}")
        if not bool(x.detach().isfinite().all()):
            raise ValueError(f"{name} contains NaN or infinite values")
    else:
        x = as_array(x, name, ndim=tuple(ndim), shape_hint=hint)
        if x.dtype.kind != "f":
            x = x.astype(np.float64)
    if x.ndim >= 3 and x.shape[-3] > MAX_CHANNELS:
        raise ValueError(f"{name} has {x.shape[-3]} channels; at most {MAX_CHANNELS} are allowed")
    return x


def _same_kind(a: Any, b: Any, names: str) -> None:
    if _is_tensor(a) != _is_tensor(b):
        raise TypeError(f"{names} must both be numpy arrays or both torch tensors; got "
                        f"{type(a).__name__} and {type(b).__name__}")


# -- the costs -------------------------------------------------------------------------------
def gram_matrix(features: Any) -> Any:
    """The Gram matrix of a feature map: every channel's correlation with every other.

    Parameters
    ----------
    features : (C, H, W) or (N, C, H, W) ndarray or torch.Tensor
        Activations of one layer.

    Returns
    -------
    (C, C) or (N, C, C) array or tensor, same kind as the input
        :math:`G_{kk'} = \\sum_{i,j} a_{k,i,j}\\, a_{k',i,j}`. Symmetric; the diagonal holds
        each channel's energy.

    Notes
    -----
    Reshape the map to :math:`F \\in \\mathbb{R}^{C \\times HW}` (one row per channel); then
    :math:`G = F F^\\top`. The positions are summed over, so the Gram matrix says *which
    features occur together*, not *where*: that is why it describes texture (style) and not
    layout (content). Unnormalised, as in the notes; :func:`style_layer_cost` divides.

    References
    ----------
    L. Gatys, A. Ecker, M. Bethge, "Image style transfer using convolutional neural networks",
    CVPR 2016. Used in chapters/16_style_transfer.ipynb.

    Examples
    --------
    >>> a = np.array([[[1.0, 2.0]], [[0.0, 3.0]]])  # C=2 channels of a 1x2 map
    >>> gram_matrix(a)
    array([[5., 6.],
           [6., 9.]])
    """
    f = _features(features, "features")
    flat = f.reshape(tuple(f.shape[:-2]) + (f.shape[-2] * f.shape[-1],))
    return flat @ flat.swapaxes(-1, -2)


def content_cost(content_features: Any, generated_features: Any) -> Any:
    """Content cost of one layer: half the squared distance between two feature maps.

    Parameters
    ----------
    content_features, generated_features : (C, H, W) or (N, C, H, W) ndarray or torch.Tensor
        The same layer's activations for the content image C and the generated image G; same
        shape, both arrays or both tensors.

    Returns
    -------
    float or 0-d tensor
        :math:`J_{content}(C, G) = \\tfrac12 \\sum (a^{(C)} - a^{(G)})^2`.

    Notes
    -----
    The notes' formula (and Gatys et al.'s). The notes call it a mean squared error; it is a
    *sum*: the mean would divide by :math:`C \\cdot H \\cdot W` as well. The minimiser is the
    same, only the scale (and so the right content weight) changes.

    Examples
    --------
    >>> content_cost(np.ones((1, 2, 2)), np.zeros((1, 2, 2)))
    2.0
    """
    c = _features(content_features, "content_features")
    g = _features(generated_features, "generated_features")
    _same_kind(c, g, "content_features and generated_features")
    if tuple(c.shape) != tuple(g.shape):
        raise ValueError(f"content_features and generated_features must have the same shape; "
                         f"got {tuple(c.shape)} and {tuple(g.shape)}")
    cost = 0.5 * ((c - g) ** 2).sum()
    return cost if _is_tensor(cost) else float(cost)


def style_layer_cost(style_features: Any, generated_features: Any) -> Any:
    """Style cost of one layer: the distance between the two Gram matrices, normalised.

    Parameters
    ----------
    style_features, generated_features : (C, H, W) or (N, C, H, W) ndarray or torch.Tensor
        The same layer's activations for the style image S and the generated image G; the same
        channels C, but the maps may differ in size.

    Returns
    -------
    float or 0-d tensor
        :math:`E_l = \\frac{1}{4 n_l^2} \\left\\| \\frac{G_l(S)}{m_S} - \\frac{G_l(G)}{m_G}
        \\right\\|_F^2`, with :math:`n_l` channels and :math:`m = H W` positions per map.

    Notes
    -----
    When both maps have the same size :math:`m_l`, this is exactly the notes' (and Gatys')
    :math:`\\frac{1}{4 n_l^2 m_l^2} \\| G_l(S) - G_l(G) \\|_F^2`. Dividing each Gram matrix by
    its own number of positions lets the style image have another size than the generated one
    (a Gram matrix sums over positions, so it grows with the image).

    Examples
    --------
    >>> s = np.ones((1, 1, 2))          # one channel, two positions: G(S) = [[2]]
    >>> style_layer_cost(s, np.zeros((1, 1, 2)))   # (2 / 2 - 0)^2 / 4
    0.25
    """
    s = _features(style_features, "style_features")
    g = _features(generated_features, "generated_features")
    _same_kind(s, g, "style_features and generated_features")
    if s.ndim != g.ndim or s.shape[-3] != g.shape[-3] or (s.ndim == 4 and s.shape[0] != g.shape[0]):
        raise ValueError(
            "style_features and generated_features must have the same channels (and batch); got "
            f"shapes {tuple(s.shape)} and {tuple(g.shape)}"
        )
    n = s.shape[-3]
    m_s, m_g = s.shape[-2] * s.shape[-1], g.shape[-2] * g.shape[-1]
    diff = gram_matrix(s) / m_s - gram_matrix(g) / m_g
    cost = (diff**2).sum() / (4.0 * n * n)
    return cost if _is_tensor(cost) else float(cost)


def style_cost(
    style_features: Sequence[Any], generated_features: Sequence[Any],
    weights: Sequence[float] | None = None,
) -> Any:
    """Style cost across layers: :math:`J_{style} = \\sum_l \\lambda_l E_l`.

    Parameters
    ----------
    style_features, generated_features : sequence of feature maps
        One map per layer, in the same order (see :func:`style_layer_cost`).
    weights : sequence of float, optional
        :math:`\\lambda_l` per layer, >= 0; by default :math:`1/L` each.

    Returns
    -------
    float or 0-d tensor

    Examples
    --------
    >>> s = [np.ones((1, 1, 2)), np.ones((2, 1, 1))]
    >>> g = [np.zeros((1, 1, 2)), np.ones((2, 1, 1))]
    >>> style_cost(s, g)                 # (0.25 + 0) / 2
    0.125
    """
    if not isinstance(style_features, (list, tuple)) or not isinstance(
            generated_features, (list, tuple)):
        raise TypeError("style_features and generated_features must be lists of feature maps "
                        f"(one per layer); got {describe(style_features)}")
    if not style_features or len(style_features) != len(generated_features):
        raise ValueError(
            "style_features and generated_features must list the same, non-zero number of "
            f"layers; got {len(style_features)} and {len(generated_features)}"
        )
    n_layers = len(style_features)
    if weights is None:
        weights = [1.0 / n_layers] * n_layers
    elif not isinstance(weights, (list, tuple, np.ndarray)) or len(weights) != n_layers:
        raise ValueError(f"weights must give one number per layer ({n_layers}); got "
                         f"{describe(weights)}")
    lams = [check_float(w, f"weights[{i}]", min=0) for i, w in enumerate(weights)]
    total = 0.0
    for lam, s, g in zip(lams, style_features, generated_features, strict=True):
        total = total + lam * style_layer_cost(s, g)
    return total


def total_variation(images: Any) -> Any:
    """Total variation: the summed absolute differences between neighbouring pixels.

    Parameters
    ----------
    images : (H, W) or (N, C, H, W) ndarray or torch.Tensor
        One gray image, or a batch (:func:`helpers.image.to_batch` / ``to_tensor`` for colour).

    Returns
    -------
    float or 0-d tensor
        :math:`TV(x) = \\sum_{i,j} |x_{i+1,j} - x_{i,j}| + |x_{i,j+1} - x_{i,j}|`, summed over
        channels and images.

    Notes
    -----
    The anisotropic (L1) form, as ``tf.image.total_variation``. Small for smooth images, large
    for noise and checkerboards: adding :math:`\\gamma\\, TV` to the cost smooths the result.

    Examples
    --------
    >>> total_variation(np.array([[0.0, 1.0], [0.0, 1.0]]))   # two horizontal steps of 1
    2.0
    """
    x = _images(images)
    tv = abs(x[..., 1:, :] - x[..., :-1, :]).sum() + abs(x[..., :, 1:] - x[..., :, :-1]).sum()
    return tv if _is_tensor(tv) else float(tv)


def total_variation_naive(images: Any) -> float:
    """:func:`total_variation` with plain loops (numpy arrays only), to read and to test against.

    Examples
    --------
    >>> total_variation_naive(np.array([[0.0, 1.0], [0.0, 1.0]]))
    2.0
    """
    x = _images(images)
    if _is_tensor(x):
        raise TypeError("total_variation_naive takes numpy arrays; use total_variation on tensors")
    batch = x.reshape(-1, x.shape[-2], x.shape[-1])  # every (H, W) plane
    tv = 0.0
    for plane in batch:
        h, w = plane.shape
        for i in range(h):
            for j in range(w):
                if i + 1 < h:                          # the neighbour below
                    tv += abs(float(plane[i + 1, j]) - float(plane[i, j]))
                if j + 1 < w:                          # the neighbour to the right
                    tv += abs(float(plane[i, j + 1]) - float(plane[i, j]))
    return tv


def _images(images: Any) -> Any:
    dims = images.ndim if _is_tensor(images) or isinstance(images, np.ndarray) else None
    if dims == 3:
        raise ValueError(
            f"images must be (H, W) or (N, C, H, W); got shape {tuple(images.shape)} - an "
            "(H, W, 3) colour image goes in as helpers.image.to_batch(image[None])")
    return _features(images, "images", ndim=(2, 4))


# -- a painting the course makes ---------------------------------------------------------------
#: Colours of :func:`make_painting` (RGB): night blues, teal, straw yellow, cream.
PAINTING_PALETTE = np.array([[20, 40, 110], [40, 80, 170], [90, 150, 220], [240, 200, 60],
                             [250, 240, 180], [30, 120, 130], [15, 25, 60]], float)


def make_painting(size: int = 256, *, rng: Any = 0, strokes: int = 1800) -> np.ndarray:
    """A painting-like style image: short thick brush strokes that follow swirling currents.

    Parameters
    ----------
    size : int
        Side of the square image, 32 to 1024.
    rng : numpy.random.Generator or int
        Seeds the swirl centres, stroke positions, colours and widths.
    strokes : int
        Number of brush strokes, 1 to 20,000.

    Returns
    -------
    (size, size, 3) ndarray of uint8

    Notes
    -----
    A flow field is the sum of three vortices (velocity :math:`\\pm(-dy, dx) / r^2` around
    random centres) and a steady drift to the right. Each stroke starts at a random point and
    follows the flow for four short steps; it is drawn as an anti-aliased polyline 2-5 pixels
    wide in a palette colour (:data:`PAINTING_PALETTE`, jittered). A swirling, high-contrast
    texture in the manner of a night-sky painting, made here so its licence is the course's.

    References
    ----------
    Used in chapters/16_style_transfer.ipynb.

    Examples
    --------
    >>> make_painting(64, rng=1).shape
    (64, 64, 3)
    """
    import cv2  # deferred: only drawing needs OpenCV

    size = check_int(size, "size", min=32, max=1024)
    strokes = check_int(strokes, "strokes", min=1, max=20_000)
    gen = check_rng(rng)
    yy, xx = np.mgrid[0:size, 0:size] / size
    vx, vy = np.full_like(xx, 2.0), np.zeros_like(xx)
    centres = gen.uniform(0.15, 0.85, (3, 2))
    spins = gen.choice([-1.0, 1.0], 3) * gen.uniform(0.6, 1.0, 3)
    for (cx, cy), spin in zip(centres, spins, strict=True):
        dx, dy = xx - cx, yy - cy
        r2 = dx * dx + dy * dy + 0.01
        vx += spin * -dy / r2
        vy += spin * dx / r2
    angle = np.arctan2(vy, vx)
    # Trace every stroke at once: 5 points each, following the flow.
    pts = np.empty((strokes, 5, 2))
    pts[:, 0] = gen.uniform(0, size, (strokes, 2))
    step = gen.uniform(8, 22, strokes)[:, None] * size / 256 / 4
    for k in range(1, 5):
        ix = np.clip(pts[:, k - 1].astype(int), 0, size - 1)
        a = angle[ix[:, 1], ix[:, 0]]
        pts[:, k] = pts[:, k - 1] + step * np.stack([np.cos(a), np.sin(a)], 1)
    colours = np.clip(PAINTING_PALETTE[gen.integers(len(PAINTING_PALETTE), size=strokes)]
                      + gen.normal(0, 12, (strokes, 3)), 0, 255)
    widths = np.maximum(1, np.round(gen.integers(2, 6, strokes) * size / 256)).astype(int)
    canvas = np.empty((size, size, 3), np.uint8)
    canvas[:] = (25, 45, 100)
    fixed = np.round(pts * 4).astype(np.int32)  # 2 bits of sub-pixel precision (shift=2)
    for line, colour, width in zip(fixed, colours, widths, strict=True):
        cv2.polylines(canvas, [line], False, tuple(float(c) for c in colour), int(width),
                      lineType=cv2.LINE_AA, shift=2)
    return canvas


# -- the optimisation --------------------------------------------------------------------------
@dataclass
class StyleTransferResult:
    """What :func:`style_transfer` (or :func:`reconstruct_from_layer`) produced.

    Attributes
    ----------
    image : (H, W, 3) ndarray of float32
        The optimised image, in [0, 1].
    content, style : (H, W, 3) ndarray of float32, or None
        The content and style images as the network saw them (resized).
    costs : dict of str to list of float
        Per step (step 0 = the starting image): "content", "style" and "tv" (unweighted) and
        "total" (weighted, what was minimised).
    snapshots : list of (int, ndarray)
        ``(step, image)`` pairs recorded every ``snapshot_every`` steps (and at the end).
    weights : dict of str to float
        The content, style and TV weights used.
    seconds : float
        Wall time of the optimisation (feature extraction included).
    """

    image: np.ndarray
    content: np.ndarray | None
    style: np.ndarray | None
    costs: dict[str, list[float]] = field(default_factory=dict)
    snapshots: list[tuple[int, np.ndarray]] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def style_reduction(self) -> float:
        """Style cost at the start divided by the style cost at the end."""
        first, last = self.costs["style"][0], self.costs["style"][-1]
        return float("inf") if last == 0 else first / last


def _fit_side(image: Any, name: str, max_side: int) -> np.ndarray:
    """An RGB float image whose longer side is ``max_side`` (gray repeated into 3 channels)."""
    from skimage.transform import resize  # deferred

    rgb = as_float_image(check_image(image, name), name)
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[..., None], 3, axis=2)
    h, w = rgb.shape[:2]
    scale = max_side / max(h, w)
    shape = (max(8, round(h * scale)), max(8, round(w * scale)))
    return np.clip(resize(rgb, shape, order=1, anti_aliasing=scale < 1), 0, 1).astype(np.float32)


def _check_net(net: Any, layers: Sequence[tuple[str, Any]]) -> None:
    """``net`` is the feature network; each ``(argument name, value)`` of ``layers`` one of its
    stage names (the message names the public argument, e.g. ``style_layers[1]``)."""
    from torch import nn

    if not isinstance(net, nn.Module) or not hasattr(net, "features"):
        raise TypeError("net must be the course's feature network (helpers.nets.pretrained."
                        f"load_imagenet_net()); got {describe(net)}")
    names = list(getattr(net, "layers", {}))
    for name, layer in layers:
        if not isinstance(layer, str):
            raise TypeError(f"{name} must be a stage name, a str (one of {', '.join(names)}); "
                            f"got {describe(layer)}")
        check_choice(layer, name, names)


def _optimise(net, start, targets, *, content_layer, style_layers, content_weight, style_weight,
              tv_weight, steps, lr, snapshot_every, threads, progress, desc):
    """The loop: Adam on the pixels of ``start``; returns (image, costs, snapshots).

    Adam is written out here, on the one tensor it updates (the image), instead of calling
    ``torch.optim.Adam``: the update is the lesson ("the pixels are the parameters"), and any
    ``torch.optim`` optimizer imports torch's compiler stack on first use (about 160 MB that a
    chapter running on a 2 GB Binder cannot spare). tests/test_style.py checks that it takes
    the same steps as ``torch.optim.Adam``.
    """
    import torch
    from tqdm.auto import tqdm

    from .image import from_batch

    content_target, style_targets = targets
    names = ([content_layer] if content_weight > 0 else []) + (
        list(style_layers) if style_weight > 0 else [])
    names = list(dict.fromkeys(names))
    x = start.clone().requires_grad_(True)
    # Adam's state: running means of the gradient (m) and of its square (v), per pixel value.
    m, v = torch.zeros_like(x), torch.zeros_like(x)
    costs = {"content": [], "style": [], "tv": [], "total": []}
    snapshots = []

    def evaluate():
        feats = net.features(x, names) if names else {}
        jc = (content_cost(content_target, feats[content_layer]) if content_weight > 0
              else x.new_zeros(()))
        js = (style_cost(style_targets, [feats[n] for n in style_layers]) if style_weight > 0
              else x.new_zeros(()))
        jtv = total_variation(x)
        return jc, js, jtv, content_weight * jc + style_weight * js + tv_weight * jtv

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    bar = tqdm(total=steps, desc=desc, disable=not progress)
    try:
        for step in range(steps + 1):
            jc, js, jtv, total = evaluate()
            for key, value in zip(costs, (jc, js, jtv, total), strict=True):
                costs[key].append(float(value.detach()))
            if snapshot_every and (step % snapshot_every == 0 or step == steps):
                snapshots.append((step, from_batch(x.detach())[0].copy()))
            if step == steps:
                break
            if not bool(torch.isfinite(total)):
                raise FloatingPointError(f"the cost became {float(total)} at step {step}; "
                                         f"lower lr (={lr}) or the weights")
            # Only the pixels get a gradient: the network's weights are constants here.
            (grad,) = torch.autograd.grad(total, [x])
            del jc, js, jtv, total                 # free the graph before the update
            with torch.no_grad():
                t = step + 1
                m.mul_(ADAM_BETAS[0]).add_(grad, alpha=1 - ADAM_BETAS[0])
                v.mul_(ADAM_BETAS[1]).addcmul_(grad, grad, value=1 - ADAM_BETAS[1])
                m_hat = m / (1 - ADAM_BETAS[0] ** t)          # bias corrections: m and v
                v_hat = v / (1 - ADAM_BETAS[1] ** t)          # start at 0
                x -= lr * m_hat / (v_hat.sqrt() + ADAM_EPS)   # at most about lr per step
                x.clamp_(0.0, 1.0)                            # stay a valid image
            bar.update(1)
            bar.set_postfix(style=f"{costs['style'][-1]:.3g}",
                            content=f"{costs['content'][-1]:.3g}")
    finally:
        bar.close()
        torch.set_num_threads(before)
    return from_batch(x.detach())[0], costs, snapshots


def _check_common(steps, lr, snapshot_every, threads, progress, max_side):
    steps = check_int(steps, "steps", min=1, max=MAX_STEPS)
    lr = check_float(lr, "lr", min=0, max=1, min_inclusive=False)
    snapshot_every = check_int(snapshot_every, "snapshot_every", min=0, max=MAX_STEPS)
    threads = check_int(threads, "threads", min=1, max=64)
    progress = check_bool(progress, "progress")
    max_side = check_int(max_side, "max_side", min=16, max=MAX_SIDE)
    return steps, lr, snapshot_every, threads, progress, max_side


def style_transfer(
    content: Any,
    style: Any,
    *,
    net: Any,
    content_layer: str = CONTENT_LAYER,
    style_layers: Sequence[str] = STYLE_LAYERS,
    content_weight: float = 1.0,
    style_weight: float = 1e5,
    tv_weight: float = 0.0,
    steps: int = 100,
    lr: float = 0.02,
    max_side: int = 256,
    snapshot_every: int = 0,
    threads: int = 1,
    progress: bool = True,
) -> StyleTransferResult:
    """Neural style transfer: optimise an image's pixels to match one photo's content and
    another image's style.

    Parameters
    ----------
    content, style : (H, W, 3) or (H, W) ndarray
        uint8 or float in [0, 1]; both are resized so their longer side is ``max_side``.
    net : ImageNetNet
        The feature network (:func:`helpers.nets.pretrained.load_imagenet_net`).
    content_layer : str
        The stage whose activations must match the content image's.
    style_layers : sequence of str
        The stages whose Gram matrices must match the style image's (weighted equally).
    content_weight, style_weight, tv_weight : float
        :math:`\\alpha, \\beta, \\gamma` >= 0 (not all zero), at most 1e12.
    steps : int
        Adam steps, 1 to 5,000.
    lr : float
        Adam's learning rate, in pixel units (0.02: a pixel moves at most ~0.02 per step).
    max_side : int
        Working size: the longer side, 16 to 512 pixels (the chapter uses 256 at most).
    snapshot_every : int
        Keep the image every so many steps (0: none) - for the explorer's step slider.
    threads : int
        torch threads during the loop (restored afterwards).
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    StyleTransferResult

    Raises
    ------
    TypeError, ValueError
        For arguments of the wrong kind or range (the message names the argument).
    FloatingPointError
        If the cost becomes NaN or infinite (lower ``lr``).

    Notes
    -----
    Minimise :math:`J(G) = \\alpha J_{content}(C, G) + \\beta J_{style}(S, G) +
    \\gamma\\, TV(G)` over the pixels of :math:`G`, starting from the content image (so the
    layout is there from step 0, and the style cost starts high). Each step: one forward pass
    through the (fixed) network up to the deepest layer used, one backward pass to the pixels
    (:math:`g = \\partial J / \\partial G`), an Adam update and a clip to [0, 1]:

    .. math::

        m \\leftarrow \\beta_1 m + (1 - \\beta_1) g, \\quad
        v \\leftarrow \\beta_2 v + (1 - \\beta_2) g^2, \\quad
        G \\leftarrow \\mathrm{clip}_{[0, 1]}\\left(G - \\eta\\,
        \\frac{m / (1 - \\beta_1^t)}{\\sqrt{v / (1 - \\beta_2^t)} + \\epsilon}\\right)

    with :data:`ADAM_BETAS` :math:`= (0.9, 0.999)`, :math:`\\epsilon = 10^{-8}` and
    :math:`\\eta` = ``lr``: each pixel value moves by about ``lr`` at most per step, whatever
    the scale of the costs. This is not training: the weights never change, and there is
    nothing to generalise to.

    References
    ----------
    L. Gatys, A. Ecker, M. Bethge, "Image style transfer using convolutional neural networks",
    CVPR 2016. D. Kingma, J. Ba, "Adam: a method for stochastic optimization", ICLR 2015.
    Used in chapters/16_style_transfer.ipynb.
    """
    import torch

    from .image import to_tensor

    steps, lr, snapshot_every, threads, progress, max_side = _check_common(
        steps, lr, snapshot_every, threads, progress, max_side)
    if isinstance(style_layers, str) or not isinstance(style_layers, (list, tuple)):
        raise TypeError(f"style_layers must be a list of stage names; got {describe(style_layers)}")
    if not style_layers:
        raise ValueError("style_layers must name at least one stage")
    _check_net(net, [("content_layer", content_layer),
                     *((f"style_layers[{i}]", v) for i, v in enumerate(style_layers))])
    alpha = check_float(content_weight, "content_weight", min=0, max=1e12)
    beta = check_float(style_weight, "style_weight", min=0, max=1e12)
    gamma = check_float(tv_weight, "tv_weight", min=0, max=1e12)
    if alpha == beta == gamma == 0:
        raise ValueError("content_weight, style_weight and tv_weight are all 0: nothing to "
                         "minimise")
    content_img = _fit_side(content, "content", max_side)
    style_img = _fit_side(style, "style", max_side)
    start_time = time.perf_counter()
    net = net.eval()
    c = to_tensor(content_img[None])
    with torch.no_grad():
        content_target = net.features(c, [content_layer])[content_layer]
        style_feats = net.features(to_tensor(style_img[None]), list(style_layers))
    style_targets = [style_feats[n] for n in style_layers]
    image, costs, snaps = _optimise(
        net, c, (content_target, style_targets), content_layer=content_layer,
        style_layers=list(style_layers), content_weight=alpha, style_weight=beta,
        tv_weight=gamma, steps=steps, lr=lr, snapshot_every=snapshot_every, threads=threads,
        progress=progress, desc="style transfer")
    return StyleTransferResult(image=image, content=content_img, style=style_img, costs=costs,
                               snapshots=snaps, seconds=time.perf_counter() - start_time,
                               weights={"content": alpha, "style": beta, "tv": gamma})


def reconstruct_from_layer(
    image: Any,
    *,
    net: Any,
    layer: str,
    kind: str = "content",
    steps: int = 60,
    lr: float = 0.03,
    tv_weight: float = 1.0,
    max_side: int = 112,
    seed: int = 0,
    threads: int = 1,
    progress: bool = False,
) -> StyleTransferResult:
    """Start from gray noise and match one layer of one image: what does that layer keep?

    Parameters
    ----------
    image : (H, W, 3) or (H, W) ndarray
        The image to reconstruct.
    net : ImageNetNet
    layer : str
        One stage of the network.
    kind : {"content", "style"}
        Match the layer's activations (content) or only their Gram matrix (style).
    steps, lr, max_side, threads, progress
        As in :func:`style_transfer` (smaller defaults: several layers are compared).
    tv_weight : float
        :math:`\\gamma` >= 0 (at most 100), on the *normalised* costs below: a little smoothing
        keeps the pixel noise that deep layers cannot see out of the picture.
    seed : int
        Seeds the starting noise.

    Returns
    -------
    StyleTransferResult
        ``content`` is the resized image for "content", ``style`` for "style"; the costs are
        the unweighted ones, as in :func:`style_transfer`.

    Notes
    -----
    Minimise :math:`J(G)/J(G_0) + \\gamma\\, TV(G)/n`, where :math:`J` is the content cost of
    ``layer`` (or its style cost), :math:`G_0` the start - mid-gray plus uniform noise of
    amplitude 0.1 - and :math:`n` the number of pixel values: dividing by the starting cost makes
    one :math:`\\gamma` fit every layer. Shallow layers give the image back almost exactly; deep
    layers keep the layout but lose exact colours and fine detail (content), or keep textures of
    growing size and no layout at all (style).

    References
    ----------
    A. Mahendran, A. Vedaldi, "Understanding deep image representations by inverting them",
    CVPR 2015; Gatys et al., CVPR 2016 (their figure 1). Used in chapters/16_style_transfer.ipynb.
    """
    import torch

    from .image import to_tensor

    steps, lr, _, threads, progress, max_side = _check_common(
        steps, lr, 0, threads, progress, max_side)
    if not isinstance(kind, str):
        raise TypeError(f"kind must be 'content' or 'style'; got {describe(kind)}")
    kind = check_choice(kind, "kind", ("content", "style"))
    gamma = check_float(tv_weight, "tv_weight", min=0, max=100)
    _check_net(net, [("layer", layer)])
    gen = check_rng(check_int(seed, "seed", min=0, max=2**63 - 1))
    target_img = _fit_side(image, "image", max_side)
    start_time = time.perf_counter()
    net = net.eval()
    noise = 0.5 + gen.uniform(-0.1, 0.1, target_img.shape).astype(np.float32)
    start = to_tensor(noise[None])
    with torch.no_grad():
        target = net.features(to_tensor(target_img[None]), [layer])[layer]
        first = net.features(start, [layer])[layer]
        j0 = (content_cost(target, first) if kind == "content"
              else style_layer_cost(target, first))
    scale = 1.0 / max(float(j0), 1e-12)
    is_content = kind == "content"
    out, costs, snaps = _optimise(
        net, start, (target, [target]), content_layer=layer,
        style_layers=[layer], content_weight=scale if is_content else 0.0,
        style_weight=0.0 if is_content else scale, tv_weight=gamma / start.numel(),
        steps=steps, lr=lr, snapshot_every=0, threads=threads, progress=progress,
        desc=f"{kind} of {layer}")
    return StyleTransferResult(
        image=out, content=target_img if is_content else None,
        style=None if is_content else target_img, costs=costs, snapshots=snaps,
        seconds=time.perf_counter() - start_time,
        weights={"content": scale if is_content else 0.0,
                 "style": 0.0 if is_content else scale, "tv": gamma / start.numel()})


def style_weight_grid(
    content: Any,
    style: Any,
    *,
    net: Any,
    style_weights: Sequence[float],
    steps: int = 60,
    max_side: int = 128,
    snapshot_every: int = 10,
    **kwargs: Any,
) -> dict[float, StyleTransferResult]:
    """Style transfer for several style weights (content weight 1), for the explorer.

    Parameters
    ----------
    content, style, net
        As in :func:`style_transfer`.
    style_weights : sequence of float
        1 to 12 values of :math:`\\beta / \\alpha`, each > 0.
    steps, max_side, snapshot_every
        Smaller defaults than :func:`style_transfer`, so a grid fits in a few seconds.
    **kwargs
        Passed on to :func:`style_transfer` (``tv_weight``, ``lr``, ``threads``, ...).

    Returns
    -------
    dict of float to StyleTransferResult
        One optimisation per weight, each with snapshots.

    Notes
    -----
    Live optimisation takes seconds per image, far above the 50 ms an explorer update may
    take, so the explorer of chapter 16 shows this precomputed grid.
    """
    if not isinstance(style_weights, (list, tuple, np.ndarray)):
        raise TypeError(f"style_weights must be a list of numbers; got {describe(style_weights)}")
    if not 1 <= len(style_weights) <= MAX_GRID:
        raise ValueError(f"style_weights must hold 1 to {MAX_GRID} values; got "
                         f"{len(style_weights)}")
    betas = [check_float(b, f"style_weights[{i}]", min=0, max=1e12, min_inclusive=False)
             for i, b in enumerate(style_weights)]
    if "progress" not in kwargs:
        kwargs["progress"] = False
    return {b: style_transfer(content, style, net=net, style_weight=b, steps=steps,
                              max_side=max_side, snapshot_every=snapshot_every, **kwargs)
            for b in betas}

