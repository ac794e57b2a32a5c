"""A tiny CenterNet (chapter 22): a heatmap of object centres per class, plus sizes and offsets.

* :class:`TinyCenterNet`: four 3x3 conv stages down to stride 4 and a head with ``C + 4``
  outputs per cell (C centre heatmaps, the box size, the sub-cell offset), CenterNet's three
  heads sharing their 3x3 convolution.
* :func:`centernet_loss`: the paper's penalty-reduced focal loss on the heatmaps plus L1 on
  size (weight 0.1) and offset (weight 1) at the object centres.
* :func:`train_centernet` (through :func:`helpers.nets.training.fit`) and
  :func:`centernet_predict` (numpy maps that :func:`helpers.centernet.centernet_decode` reads).

Images go in as the course's stacks ``(N, H, W, 3)`` and become ``(N, 3, H, W)`` batches
through :func:`helpers.image.to_tensor`; the network centres them (``x - 0.5``) itself.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - torch's own convention
from torch import nn

from .._validation import (
    as_array,
    check_bool,
    check_float,
    check_instance,
    check_int,
    check_tensor,
)
from ..centernet import centernet_encode
from ..image import to_tensor
from .blocks import conv_bn_relu
from .history import History
from .training import fit, predict

__all__ = [
    "CENTERNET_RECIPE",
    "CENTERNET_STRIDE",
    "TinyCenterNet",
    "centernet_loss",
    "centernet_predict",
    "train_centernet",
]

#: Pixels per heatmap cell of :class:`TinyCenterNet` (two 2x2 max-pools); CenterNet uses 4.
CENTERNET_STRIDE = 4
MAX_WIDTH = 256
MAX_CLASSES = 1000
MAX_EPOCHS = 1000
MAX_IMAGES = 100_000
#: Chapter 22's CenterNet, shared by its notebook and ``bench/cases_frontiers.py`` (read-only):
#: chapter 13's shapes (:func:`helpers.shapes.make_detection_dataset`, ``image_size`` pixels,
#: ``train_images`` from seed ``train_seed`` and the held-out ``test_images`` from ``test_seed``),
#: :class:`TinyCenterNet`'s ``width``, :func:`train_centernet`'s ``epochs``, ``batch_size``, ``lr``
#: and ``min_overlap``, and the ``threshold`` of :func:`helpers.centernet.centernet_decode`.
#: Eight epochs on 600 images: four reached AP@0.5 0.76, eight 0.95 for two more CPU seconds.
CENTERNET_RECIPE = MappingProxyType({
    "image_size": 64, "train_images": 600, "train_seed": 1, "test_images": 300, "test_seed": 2,
    "width": 6, "epochs": 8, "batch_size": 32, "lr": 5e-3, "min_overlap": 0.3, "threshold": 0.05,
})
#: Heatmap logits are clamped so the focal loss never takes log(0) (the official code's 1e-4).
_EPS = 1e-4


class TinyCenterNet(nn.Module):
    """A tiny CenterNet: conv stages to stride 4, one shared 3x3 head conv, ``C + 4`` outputs.

    Parameters
    ----------
    num_classes : int
        C, the number of object classes (1 to 1,000).
    width : int
        Channels of the first stage (doubled after each pool, up to ``4 * width``; 1 to 256).
    seed : int
        Seeds the weight initialisation (torch's global RNG is left as it was).

    Notes
    -----
    ``(N, 3, H, W)`` in [0, 1], sides multiples of 4 -> ``(N, C + 4, H / 4, W / 4)``: channels
    ``0..C-1`` are the centre heatmaps' logits (a sigmoid gives scores), ``C, C+1`` the box
    width and height in pixels, ``C+2, C+3`` the offset of the centre inside its cell.
    Stages: conv 3x3 (w) + pool, conv 3x3 (2w) + pool, conv 3x3 (4w), conv 3x3 with dilation 2
    (4w, so each output cell sees about 38 pixels, more than the largest object), then the
    head: conv 3x3 (4w) + ReLU + conv 1x1. The heatmap's bias starts at
    :math:`-\\log((1 - 0.1) / 0.1) \\approx -2.19`, so every cell first predicts 0.1 (the
    official code's initialisation: the focal loss is stable from the first step).

    References
    ----------
    Zhou, Wang & Krähenbühl, "Objects as Points", arXiv:1904.07850, 2019.
    Used in chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    >>> net = TinyCenterNet(3)
    >>> tuple(net(torch.zeros(1, 3, 64, 64)).shape)
    (1, 7, 16, 16)
    """

    stride = CENTERNET_STRIDE

    def __init__(self, num_classes: int = 3, *, width: int = 8, seed: int = 0) -> None:
        super().__init__()
        c = check_int(num_classes, "num_classes", min=1, max=MAX_CLASSES)
        w = check_int(width, "width", min=1, max=MAX_WIDTH)
        seed = check_int(seed, "seed", min=0)
        self.num_classes = c
        with torch.random.fork_rng(devices=[]):  # seeded weights, global RNG untouched
            torch.manual_seed(seed)
            self.backbone = nn.Sequential(
                *conv_bn_relu(3, w, pool=True),
                *conv_bn_relu(w, 2 * w, pool=True),
                *conv_bn_relu(2 * w, 4 * w),
                nn.Conv2d(4 * w, 4 * w, 3, padding=2, dilation=2, bias=False),
                nn.BatchNorm2d(4 * w),
                nn.ReLU(),
            )
            self.head = nn.Sequential(nn.Conv2d(4 * w, 4 * w, 3, padding=1), nn.ReLU(),
                                      nn.Conv2d(4 * w, c + 4, 1))
            with torch.no_grad():
                self.head[-1].bias[:c].fill_(-2.19)  # every cell starts at score 0.1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = check_tensor(x, "x", ndim=4, channels=3)
        return self.head(self.backbone(x - 0.5))  # centre [0, 1] inputs on 0


def centernet_loss(
    out: torch.Tensor,
    heatmap: torch.Tensor,
    size: torch.Tensor,
    offset: torch.Tensor,
    mask: torch.Tensor,
) -> torch.Tensor:
    """CenterNet's loss: penalty-reduced focal loss on the heatmaps, L1 on size and offset.

    Parameters
    ----------
    out : (N, C + 4, h, w) torch.Tensor
        :class:`TinyCenterNet`'s raw output.
    heatmap : (N, C, h, w) torch.Tensor
        Targets from :func:`helpers.centernet.centernet_encode`, stacked.
    size, offset : (N, 2, h, w) torch.Tensor
    mask : (N, h, w) torch.Tensor of bool
        The object centres.

    Returns
    -------
    scalar torch.Tensor

    Notes
    -----
    With :math:`\\hat Y` the predicted scores, :math:`Y` the target heatmap and :math:`N_o` the
    number of objects (at least 1):

    .. math:: L_k = \\frac{-1}{N_o} \\sum_{cyx} \\begin{cases}
              (1 - \\hat Y)^{\\alpha} \\log \\hat Y & Y = 1 \\\\
              (1 - Y)^{\\beta} \\hat Y^{\\alpha} \\log(1 - \\hat Y) & \\text{otherwise}
              \\end{cases}

    with :math:`\\alpha = 2, \\beta = 4`: easy cells count little (focal), and cells near a
    centre are penalised less for a high score (the :math:`(1 - Y)^4` factor). Then
    :math:`L = L_k + 0.1 \\, L_{size} + L_{off}`, both L1 averaged over the centres.

    References
    ----------
    Zhou et al., "Objects as Points", 2019, equations (1)-(3); Lin et al., "Focal Loss for
    Dense Object Detection", ICCV 2017. Used in chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    >>> out = torch.zeros(1, 5, 2, 2)
    >>> heat, sz, off = torch.zeros(1, 1, 2, 2), torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, 2)
    >>> heat[0, 0, 0, 0] = 1.0
    >>> mask = heat[:, 0] == 1
    >>> # score 0.5 everywhere: (0.25 log 2) for the centre + 3 x (0.25 log 2) for the others
    >>> round(float(centernet_loss(out, heat, sz, off, mask)), 4)
    0.6931
    """
    for name, t in (("out", out), ("heatmap", heatmap), ("size", size), ("offset", offset)):
        check_tensor(t, name, ndim=4)  # finite, float, (N, channels, h, w)
    check_instance(mask, "mask", torch.Tensor, "a torch.Tensor (N, h, w) of bool")
    c = heatmap.shape[1]
    n, _, h, w = out.shape
    if out.shape[1] != c + 4 or heatmap.shape[0] != n or heatmap.shape[2:] != (h, w):
        raise ValueError(f"out must be (N, C + 4, h, w) for a heatmap (N, C, h, w); got "
                         f"{tuple(out.shape)} and {tuple(heatmap.shape)}")
    if size.shape != (n, 2, h, w) or offset.shape != (n, 2, h, w) or mask.shape != (n, h, w):
        raise ValueError(f"size and offset must be {(n, 2, h, w)} and mask {(n, h, w)}; got "
                         f"{tuple(size.shape)}, {tuple(offset.shape)} and {tuple(mask.shape)}")
    pred = torch.sigmoid(out[:, :c]).clamp(_EPS, 1 - _EPS)
    positive = heatmap.eq(1).float()
    pos_loss = torch.log(pred) * (1 - pred) ** 2 * positive
    neg_loss = torch.log(1 - pred) * pred**2 * (1 - heatmap) ** 4 * (1 - positive)
    n_obj = positive.sum().clamp(min=1)
    focal = -(pos_loss.sum() + neg_loss.sum()) / n_obj
    m = mask.bool()
    if not bool(m.any()):
        return focal
    sel = lambda t: t.permute(0, 2, 3, 1)[m]  # noqa: E731 - (objects, 2) at the centres
    l_size = F.l1_loss(sel(out[:, c : c + 2]), sel(size))
    l_off = F.l1_loss(sel(out[:, c + 2 : c + 4]), sel(offset))
    return focal + 0.1 * l_size + l_off


def _rgb_batch(images: Any, name: str = "images") -> torch.Tensor:
    arr = as_array(images, name, ndim=4, shape_hint="(N, H, W, 3)")
    if arr.shape[-1] != 3:
        raise ValueError(f"{name} must be (N, H, W, 3) RGB; got shape {arr.shape}")
    if len(arr) > MAX_IMAGES:
        raise ValueError(f"{name} must hold at most {MAX_IMAGES:,} images; got {len(arr):,}")
    return to_tensor(arr, name)


def train_centernet(
    model: TinyCenterNet,
    images: Any,
    boxes: list[Any],
    labels: list[Any],
    *,
    epochs: int = 10,
    batch_size: int = 32,
    lr: float = 5e-3,
    min_overlap: float = 0.3,
    seed: int = 0,
    progress: bool = True,
) -> tuple[TinyCenterNet, History]:
    """Train a :class:`TinyCenterNet` on images with boxes and labels (Adam, one-cycle).

    Parameters
    ----------
    model : TinyCenterNet
        Trained in place (and returned).
    images : (N, H, W, 3) ndarray
        Square images, sides a multiple of 4; uint8, or float in [0, 1].
    boxes, labels : lists of N arrays
        xyxy boxes ``(K_i, 4)`` and classes ``(K_i,)`` per image
        (:func:`helpers.shapes.make_detection_dataset`).
    epochs : int
        Passes over the images (1 to 1,000).
    batch_size : int
        Images per step (>= 2: batch norm needs two).
    lr : float
        Peak learning rate of the one-cycle schedule, in (0, 1].
    min_overlap : float
        The IoU of :func:`helpers.centernet.gaussian_radius` (sets the heatmaps' bumps).
    seed : int
        Seeds the batch order.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    model : TinyCenterNet
        The same object, trained, in eval mode.
    history : helpers.nets.history.History

    Notes
    -----
    Targets: :func:`helpers.centernet.centernet_encode` per image. Loss:
    :func:`centernet_loss`. Adam through :func:`helpers.nets.training.fit` on one thread.

    Examples
    --------
    >>> from helpers.shapes import make_detection_dataset
    >>> images, boxes, labels = make_detection_dataset(8, rng=0)
    >>> model, history = train_centernet(TinyCenterNet(3), images, boxes, labels, epochs=1,
    ...                                  progress=False)
    >>> len(history.loss)
    1
    """
    check_instance(model, "model", TinyCenterNet)
    x = _rgb_batch(images)
    side = x.shape[-1]
    if x.shape[-2] != side or side % CENTERNET_STRIDE:
        raise ValueError(f"images must be square with sides a multiple of 4; got "
                         f"{tuple(x.shape)}")
    check_instance(boxes, "boxes", (list, tuple), "a list with one (K, 4) box array per image")
    check_instance(labels, "labels", (list, tuple), "a list with one (K,) label array per image")
    if len(boxes) != len(x) or len(labels) != len(x):
        raise ValueError(f"boxes and labels must have one entry per image; got {len(boxes)} and "
                         f"{len(labels)} for {len(x)} images")
    epochs = check_int(epochs, "epochs", min=1, max=MAX_EPOCHS)
    batch_size = check_int(batch_size, "batch_size", min=2, max=MAX_IMAGES)
    lr = check_float(lr, "lr", min=0, max=1, min_inclusive=False)
    seed = check_int(seed, "seed", min=0)
    progress = check_bool(progress, "progress")
    targets = [centernet_encode(b, lab, num_classes=model.num_classes, image_size=side,
                                stride=CENTERNET_STRIDE, min_overlap=min_overlap)
               for b, lab in zip(boxes, labels, strict=True)]
    heat, size, offset, mask = (torch.from_numpy(np.stack(t)) for t in zip(*targets,
                                                                           strict=True))
    return fit(model, (x, heat, size, offset, mask), loss=centernet_loss, epochs=epochs, lr=lr,
               batch_size=batch_size, schedule="onecycle", seed=seed, progress=progress,
               desc="training CenterNet")


def centernet_predict(
    model: TinyCenterNet, images: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run a :class:`TinyCenterNet`: heatmap scores, sizes and offsets as numpy maps.

    Parameters
    ----------
    model : TinyCenterNet
    images : (N, H, W, 3) ndarray
        Sides multiples of 4 (any size: the network is fully convolutional).

    Returns
    -------
    heatmap : (N, C, H / 4, W / 4) ndarray of float32
        Sigmoid scores in [0, 1].
    size : (N, 2, H / 4, W / 4) ndarray of float32
        Box ``(w, h)`` in pixels.
    offset : (N, 2, H / 4, W / 4) ndarray of float32

    Examples
    --------
    >>> heat, size, offset = centernet_predict(TinyCenterNet(3), np.zeros((1, 16, 16, 3)))
    >>> heat.shape, size.shape
    ((1, 3, 4, 4), (1, 2, 4, 4))
    """
    check_instance(model, "model", TinyCenterNet)
    x = _rgb_batch(images)
    if x.shape[-1] % CENTERNET_STRIDE or x.shape[-2] % CENTERNET_STRIDE:
        raise ValueError(f"images must have sides that are multiples of 4; got {tuple(x.shape)}")
    out = predict(model, x, batch_size=32)   # small batches keep peak memory low
    c = model.num_classes
    return (torch.sigmoid(out[:, :c]).numpy(), out[:, c : c + 2].numpy(),
            out[:, c + 2 :].numpy())
