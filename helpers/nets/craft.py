"""A tiny CRAFT (chapter 22): character-region and affinity heatmaps from a small U-Net.

* :class:`TinyCraft`: a four-stage encoder and a two-stage decoder with skip connections (a
  small U-Net, as CRAFT's VGG-16 U-Net), two output channels at stride 2: the region score
  and the affinity score.
* :func:`craft_loss`: the mean squared error of both maps, positive cells weighted up.
* :func:`train_craft` (through :func:`helpers.nets.training.fit`, targets from
  :func:`helpers.text_detection.craft_targets`) and :func:`craft_predict`.

Images go in as the course's stacks ``(N, H, W, 3)`` through :func:`helpers.image.to_tensor`.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - torch's own convention
from torch import nn

from .._validation import as_array, check_bool, check_float, check_instance, check_int, check_tensor
from ..image import to_tensor
from ..text_detection import craft_targets
from .blocks import conv_bn_relu
from .history import History
from .training import fit, predict

__all__ = ["CRAFT_RECIPE", "CRAFT_STRIDE", "TinyCraft", "craft_loss", "craft_predict",
           "train_craft"]

#: Pixels per output cell of :class:`TinyCraft` (CRAFT's maps are half the image's size too).
CRAFT_STRIDE = 2
MAX_WIDTH = 256
MAX_EPOCHS = 1000
MAX_IMAGES = 50_000
#: Chapter 22's CRAFT, shared by its notebook and ``bench/cases_frontiers.py`` (read-only):
#: :func:`helpers.text_detection.make_text_dataset` images of ``image_size`` pixels,
#: ``train_images`` from seed ``train_seed``, ``test_images`` held out from ``straight_seed`` and,
#: bent by ``bend`` degrees, from ``curved_seed``; :class:`TinyCraft`'s ``width``;
#: :func:`train_craft`'s ``epochs``, ``batch_size`` and ``lr``; and the thresholds of
#: :func:`helpers.text_detection.group_words` for this small network. Its maps peak lower than
#: CRAFT's VGG-16, so CRAFT's thresholds (0.7, 0.4, 0.4) lose words: these were chosen by F1
#: among text 0.5/0.6/0.7 x link 0.2/0.3/0.4 x low_text 0.2/0.3/0.4 on 120 *validation* images
#: (seed ``validation_seed``, straight text), never on the held-out ones.
CRAFT_RECIPE = MappingProxyType({
    "image_size": 96, "train_images": 300, "train_seed": 11, "test_images": 120,
    "straight_seed": 12, "curved_seed": 13, "bend": (20.0, 50.0), "validation_seed": 14,
    "width": 8, "epochs": 12, "batch_size": 8, "lr": 1e-2,
    "text_threshold": 0.6, "link_threshold": 0.2, "low_text": 0.3,
})
#: Weight of the cells where a target exceeds 0.1, against 1 for the background: text covers
#: a few per cent of an image, and an unweighted MSE is content predicting low scores.
POSITIVE_WEIGHT = 3.0


def _conv1x1_bn_relu(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


class TinyCraft(nn.Module):
    """A small U-Net predicting CRAFT's region and affinity scores at half resolution.

    Parameters
    ----------
    width : int
        Channels of the first stage (1 to 256); the encoder has ``w, 2w, 4w, 4w``.
    seed : int
        Seeds the weight initialisation (torch's global RNG is left as it was).

    Notes
    -----
    ``(N, 3, H, W)`` in [0, 1], sides multiples of 8 -> ``(N, 2, H / 2, W / 2)``: channel 0
    the region score, channel 1 the affinity score (raw values, trained towards [0, 1]).
    Encoder: 3x3 conv stages at 1, 1/2, 1/4 and 1/8 of the image, 2x2 max-pools between.
    Decoder: upsample x2 (nearest), concatenate the encoder's map of that size (the skip), a
    1x1 conv to reduce the channels and a 3x3 conv; twice, ending at 1/2. Each output cell
    sees about 50 pixels of the image: a character and its neighbours, which the affinity
    needs.

    References
    ----------
    Baek et al., "Character Region Awareness for Text Detection", CVPR 2019; Ronneberger et
    al., "U-Net", MICCAI 2015. Used in chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    >>> tuple(TinyCraft()(torch.zeros(1, 3, 96, 96)).shape)
    (1, 2, 48, 48)
    """

    stride = CRAFT_STRIDE

    def __init__(self, *, width: int = 8, seed: int = 0) -> None:
        super().__init__()
        w = check_int(width, "width", min=1, max=MAX_WIDTH)
        seed = check_int(seed, "seed", min=0)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.enc1 = nn.Sequential(*conv_bn_relu(3, w))
            self.enc2 = nn.Sequential(nn.MaxPool2d(2), *conv_bn_relu(w, 2 * w))
            self.enc3 = nn.Sequential(nn.MaxPool2d(2), *conv_bn_relu(2 * w, 4 * w))
            self.enc4 = nn.Sequential(nn.MaxPool2d(2), *conv_bn_relu(4 * w, 4 * w))
            self.dec3 = nn.Sequential(*_conv1x1_bn_relu(8 * w, 2 * w),
                                      *conv_bn_relu(2 * w, 2 * w))
            self.dec2 = nn.Sequential(*_conv1x1_bn_relu(4 * w, w), *conv_bn_relu(w, w))
            self.head = nn.Conv2d(w, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = check_tensor(x, "x", ndim=4, channels=3)
        if x.shape[-1] % 8 or x.shape[-2] % 8:
            raise ValueError(f"x must have sides that are multiples of 8; got {tuple(x.shape)}")
        e1 = self.enc1(x - 0.5)  # centre [0, 1] inputs on 0
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        e4 = self.enc4(e3)
        d = self.dec3(torch.cat([F.interpolate(e4, scale_factor=2.0), e3], 1))
        d = self.dec2(torch.cat([F.interpolate(d, scale_factor=2.0), e2], 1))
        return self.head(d)


def craft_loss(out: torch.Tensor, region: torch.Tensor, affinity: torch.Tensor) -> torch.Tensor:
    """Weighted mean squared error of the region and affinity maps.

    Parameters
    ----------
    out : (N, 2, h, w) torch.Tensor
        :class:`TinyCraft`'s output.
    region, affinity : (N, h, w) torch.Tensor
        Targets from :func:`helpers.text_detection.craft_targets`.

    Returns
    -------
    scalar torch.Tensor

    Notes
    -----
    .. math:: L = \\frac{1}{|P|} \\sum_p w_p \\big[(\\hat S_r(p) - S_r(p))^2 +
              (\\hat S_a(p) - S_a(p))^2\\big]

    with :math:`w_p` = :data:`POSITIVE_WEIGHT` where either target exceeds 0.1, else 1.
    CRAFT uses the plain squared error with online hard negative mining (three negative
    pixels per positive); the weight plays the same role, more simply.

    References
    ----------
    Baek et al., "Character Region Awareness for Text Detection", CVPR 2019, equation (1).
    Used in chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    >>> out, target = torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2)
    >>> float(craft_loss(out, target, target))
    0.0
    """
    out = check_tensor(out, "out", ndim=4)
    region = check_tensor(region, "region", ndim=3)
    affinity = check_tensor(affinity, "affinity", ndim=3)
    if out.ndim != 4 or out.shape[1] != 2:
        raise ValueError(f"out must be (N, 2, h, w); got {tuple(out.shape)}")
    shape = (out.shape[0], *out.shape[2:])
    if tuple(region.shape) != shape or tuple(affinity.shape) != shape:
        raise ValueError(f"region and affinity must be {shape} for out {tuple(out.shape)}; got "
                         f"{tuple(region.shape)} and {tuple(affinity.shape)}")
    target = torch.stack([region, affinity], 1)
    weight = 1.0 + (POSITIVE_WEIGHT - 1.0) * (target.amax(1, keepdim=True) > 0.1).float()
    return (weight * (out - target) ** 2).mean()


def _rgb_batch(images: Any, name: str = "images") -> torch.Tensor:
    arr = as_array(images, name, ndim=4, shape_hint="(N, H, W, 3)")
    if arr.shape[-1] != 3:
        raise ValueError(f"{name} must be (N, H, W, 3) RGB; got shape {arr.shape}")
    if len(arr) > MAX_IMAGES:
        raise ValueError(f"{name} must hold at most {MAX_IMAGES:,} images; got {len(arr):,}")
    if arr.shape[1] % 8 or arr.shape[2] % 8:
        raise ValueError(f"{name} must have sides that are multiples of 8; got {arr.shape}")
    return to_tensor(arr, name)


def train_craft(
    model: TinyCraft,
    images: Any,
    char_quads: list[Any],
    char_words: list[Any],
    *,
    epochs: int = 10,
    batch_size: int = 16,
    lr: float = 5e-3,
    seed: int = 0,
    progress: bool = True,
) -> tuple[TinyCraft, History]:
    """Train a :class:`TinyCraft` on images with character boxes (Adam, one-cycle).

    Parameters
    ----------
    model : TinyCraft
        Trained in place (and returned).
    images : (N, H, W, 3) ndarray
        Square images, sides a multiple of 8 (:func:`helpers.text_detection.make_text_dataset`).
    char_quads : list of N (K_i, 4, 2) arrays
    char_words : list of N (K_i,) arrays of int
    epochs : int
        Passes over the images (1 to 1,000).
    batch_size : int
        Images per step (>= 2).
    lr : float
        Peak learning rate of the one-cycle schedule, in (0, 1].
    seed : int
        Seeds the batch order.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    model : TinyCraft
    history : helpers.nets.history.History

    Examples
    --------
    >>> from helpers.text_detection import make_text_dataset
    >>> images, quads, words, _ = make_text_dataset(4, rng=0)
    >>> model, history = train_craft(TinyCraft(), images, quads, words, epochs=1,
    ...                              progress=False)
    >>> len(history.loss)
    1
    """
    check_instance(model, "model", TinyCraft)
    x = _rgb_batch(images)
    side = x.shape[-1]
    if x.shape[-2] != side:
        raise ValueError(f"images must be square; got {tuple(x.shape)}")
    for name, value in (("char_quads", char_quads), ("char_words", char_words)):
        check_instance(value, name, (list, tuple), "a list with one array per image")
        if len(value) != len(x):
            raise ValueError(f"{name} must have one entry per image; got {len(value)} for "
                             f"{len(x)} images")
    epochs = check_int(epochs, "epochs", min=1, max=MAX_EPOCHS)
    batch_size = check_int(batch_size, "batch_size", min=2, max=MAX_IMAGES)
    lr = check_float(lr, "lr", min=0, max=1, min_inclusive=False)
    seed = check_int(seed, "seed", min=0)
    progress = check_bool(progress, "progress")
    maps = [craft_targets(q, w, image_size=side, stride=CRAFT_STRIDE)
            for q, w in zip(char_quads, char_words, strict=True)]
    region = torch.from_numpy(np.stack([m[0] for m in maps]))
    affinity = torch.from_numpy(np.stack([m[1] for m in maps]))
    return fit(model, (x, region, affinity), loss=craft_loss, epochs=epochs, lr=lr,
               batch_size=batch_size, schedule="onecycle", seed=seed, progress=progress,
               desc="training CRAFT")


def craft_predict(model: TinyCraft, images: Any) -> tuple[np.ndarray, np.ndarray]:
    """Region and affinity scores of a trained :class:`TinyCraft`, clipped to [0, 1].

    Parameters
    ----------
    model : TinyCraft
    images : (N, H, W, 3) ndarray
        Sides multiples of 8.

    Returns
    -------
    region, affinity : (N, H / 2, W / 2) ndarrays of float32

    Examples
    --------
    >>> region, affinity = craft_predict(TinyCraft(), np.zeros((1, 32, 32, 3)))
    >>> region.shape
    (1, 16, 16)
    """
    check_instance(model, "model", TinyCraft)
    out = predict(model, _rgb_batch(images), batch_size=32).clamp(0, 1).numpy()
    return out[:, 0], out[:, 1]
