"""Counting a CNN by hand: output shapes, parameters and multiply-accumulates, layer by layer.

The arithmetic behind chapters 10 and 11, in plain Python integers (exact, no overflow), so that
every number a chapter states about an architecture - VGG-16's 138 million parameters, the cost of
an Inception module, the saving of a depthwise separable convolution, EfficientNet's compound
scaling - comes from a formula a learner can read. :mod:`helpers.nets.summary` applies these
formulas to every layer of a real ``torch.nn.Module`` and the tests check them against torch.

Conventions, stated once:

* **Parameters** are the learnable numbers: weights and biases (batch norm's running mean and
  variance are buffers, not parameters - torch does not count them either).
* **MACs** are multiply-accumulates, ``a += w * x``, of the *weight* layers (convolution, fully
  connected, attention), per image. They are what papers call "FLOPs" (ResNet-50's "3.8 GFLOPs")
  and half of what ``torch.utils.flop_counter.FlopCounterMode`` reports (it counts the multiply
  and the add as two operations). Biases, batch norm (folded into the convolution at inference),
  activations, pooling and element-wise sums are not counted: they are a few percent at most.
* Sizes are tuples ``(H, W)`` (or ``(L,)``, ``(D, H, W)`` for 1-D and 3-D layers); an int means
  the same value along every axis, as in ``torch.nn.Conv2d``.

Used in chapters/10_classic_networks.ipynb and chapters/11_modern_architectures.ipynb.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._validation import check_bool, check_float, check_int, describe
from .conv import conv_output_size

__all__ = [
    "EFFICIENTNET_B0_STAGES",
    "EFFICIENTNET_VARIANTS",
    "attention_layer_macs",
    "attention_layer_params",
    "compound_scaling",
    "conv_layer_cost",
    "conv_layer_macs",
    "conv_layer_params",
    "conv_output_shape",
    "conv_transpose_layer_macs",
    "dense_block_cost",
    "efficientnet_cost",
    "inception_cost",
    "linear_layer_macs",
    "linear_layer_params",
    "norm_layer_params",
    "receptive_field",
    "separable_conv_cost",
    "separable_cost_ratio",
]

#: Upper bounds that keep every function fast and its answer meaningful.
MAX_CHANNELS = 1 << 20
MAX_SIZE = 1 << 16
MAX_KERNEL = 4096
MAX_STRIDE = 4096
MAX_LAYERS = 10_000
MAX_ROWS = 1 << 40

#: EfficientNet-B0's stages (Tan & Le 2019, table 1; torchvision's order): expand ratio, kernel,
#: stride of the first block, input channels, output channels, number of blocks.
EFFICIENTNET_B0_STAGES: tuple[tuple[int, int, int, int, int, int], ...] = (
    (1, 3, 1, 32, 16, 1),
    (6, 3, 2, 16, 24, 2),
    (6, 5, 2, 24, 40, 2),
    (6, 3, 2, 40, 80, 3),
    (6, 5, 1, 80, 112, 3),
    (6, 5, 2, 112, 192, 4),
    (6, 3, 1, 192, 320, 1),
)

#: The published EfficientNet family: name -> (width multiplier, depth multiplier, resolution),
#: as in the paper's code and torchvision's ``efficientnet_b0`` ... ``efficientnet_b7``.
EFFICIENTNET_VARIANTS: dict[str, tuple[float, float, int]] = {
    "B0": (1.0, 1.0, 224),
    "B1": (1.0, 1.1, 240),
    "B2": (1.1, 1.2, 260),
    "B3": (1.2, 1.4, 300),
    "B4": (1.4, 1.8, 380),
    "B5": (1.6, 2.2, 456),
    "B6": (1.8, 2.6, 528),
    "B7": (2.0, 3.1, 600),
}


# -- argument handling ------------------------------------------------------------------------
def _ints(value: Any, name: str, *, ndim: int | None, min: int, max: int) -> tuple[int, ...]:  # noqa: A002
    """An int (repeated ``ndim`` times, twice if None: a square) or a tuple of 1-3 ints."""
    if isinstance(value, (tuple, list)):
        if not 1 <= len(value) <= 3 or (ndim is not None and len(value) != ndim):
            want = f"{ndim} values" if ndim is not None else "1 to 3 values"
            raise ValueError(f"{name} must be an int or a tuple of {want}; got {describe(value)}")
        return tuple(check_int(v, name, min=min, max=max) for v in value)
    value = check_int(value, name, min=min, max=max)
    return (value,) * (ndim or 2)


def _channels(value: Any, name: str) -> int:
    return check_int(value, name, min=1, max=MAX_CHANNELS)


def _groups(c_in: int, c_out: int, groups: Any) -> int:
    groups = check_int(groups, "groups", min=1, max=MAX_CHANNELS)
    for name, c in (("c_in", c_in), ("c_out", c_out)):
        if c % groups:
            raise ValueError(
                f"{name} must be divisible by groups: each group sees {name}/groups channels; "
                f"got {name}={c}, groups={groups}"
            )
    return groups


# -- one layer --------------------------------------------------------------------------------
def conv_output_shape(
    input_size: int | Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
) -> tuple[int, ...]:
    """Spatial output size of a convolution or pooling layer, axis by axis.

    Parameters
    ----------
    input_size : int or tuple of 1-3 int
        ``(H, W)`` (or ``(L,)``, ``(D, H, W)``); each side 1 to 65,536.
    kernel_size, stride, padding, dilation : int or tuple
        As in ``torch.nn.Conv2d``: one value for every axis, or one per axis.

    Returns
    -------
    tuple of int
        One output side per axis, each :func:`helpers.conv.conv_output_size`.

    Notes
    -----
    Per axis, :math:`n_{out} = \\lfloor (n + 2p - d(f - 1) - 1) / s \\rfloor + 1`.

    References
    ----------
    Dumoulin & Visin, "A guide to convolution arithmetic for deep learning", arXiv:1603.07285.
    Used in chapters/10_classic_networks.ipynb.

    Examples
    --------
    >>> conv_output_shape((227, 227), 11, stride=4)      # AlexNet's first layer
    (55, 55)
    >>> conv_output_shape((224, 224), 7, stride=2, padding=1)   # ZFNet's first layer
    (110, 110)
    """
    size = _ints(input_size, "input_size", ndim=None, min=1, max=MAX_SIZE)
    nd = len(size)
    kernel = _ints(kernel_size, "kernel_size", ndim=nd, min=1, max=MAX_KERNEL)
    step = _ints(stride, "stride", ndim=nd, min=1, max=MAX_STRIDE)
    pad = _ints(padding, "padding", ndim=nd, min=0, max=MAX_KERNEL)
    dil = _ints(dilation, "dilation", ndim=nd, min=1, max=MAX_KERNEL)
    return tuple(
        conv_output_size(n, f, padding=p, stride=s, dilation=d)
        for n, f, s, p, d in zip(size, kernel, step, pad, dil, strict=True)
    )


def conv_layer_params(
    c_in: int, c_out: int, kernel_size: int | Sequence[int], *, groups: int = 1, bias: bool = True
) -> int:
    """Learnable parameters of a (grouped) convolution layer.

    Parameters
    ----------
    c_in, c_out : int
        Input and output channels, each divisible by ``groups``.
    kernel_size : int or tuple of 1-3 int
        ``f`` or ``(f_h, f_w)``.
    groups : int
        The channels are split into ``groups`` independent convolutions (AlexNet's two GPUs:
        2; a depthwise convolution: ``groups = c_in``).
    bias : bool
        One bias per output channel.

    Returns
    -------
    int

    Notes
    -----
    Each of the :math:`C_{out}` filters sees only its group's :math:`C_{in}/g` channels:

    .. math:: P = C_{out} \\cdot \\frac{C_{in}}{g} \\cdot f_h f_w + C_{out}\\,[\\text{bias}]

    With :math:`g = 1` this is :func:`helpers.conv.conv_param_count`. Equals
    ``sum(p.numel() for p in torch.nn.Conv2d(c_in, c_out, k, groups=g).parameters())``
    (tests/test_architecture.py).

    References
    ----------
    Krizhevsky, Sutskever & Hinton, "ImageNet classification with deep convolutional neural
    networks", NeurIPS 2012 (grouped convolutions). Used in chapters/10_classic_networks.ipynb.

    Examples
    --------
    >>> conv_layer_params(3, 6, 5)               # LeNet-5's C1: 6 * 3*5*5 + 6
    456
    >>> conv_layer_params(96, 256, 5, groups=2)  # AlexNet's conv2, split over two GPUs
    307456
    >>> conv_layer_params(32, 32, 3, groups=32, bias=False)   # depthwise: 32 * 1*3*3
    288
    """
    c_in, c_out = _channels(c_in, "c_in"), _channels(c_out, "c_out")
    kernel = _ints(kernel_size, "kernel_size", ndim=None, min=1, max=MAX_KERNEL)
    groups = _groups(c_in, c_out, groups)
    bias = check_bool(bias, "bias")
    return c_out * (c_in // groups) * math.prod(kernel) + (c_out if bias else 0)


def conv_layer_macs(
    c_in: int,
    c_out: int,
    kernel_size: int | Sequence[int],
    output_size: int | Sequence[int],
    *,
    groups: int = 1,
) -> int:
    """Multiply-accumulates of a (grouped) convolution layer, for one image.

    Parameters
    ----------
    c_in, c_out : int
        Input and output channels, each divisible by ``groups``.
    kernel_size : int or tuple of 1-3 int
    output_size : int or tuple of 1-3 int
        The output's spatial size ``(H_out, W_out)``, e.g. from :func:`conv_output_shape`.
    groups : int

    Returns
    -------
    int

    Notes
    -----
    Every output value is one filter's dot product with a :math:`C_{in}/g \\times f_h \\times
    f_w` window:

    .. math:: \\mathrm{MACs} = H_{out} W_{out} C_{out} \\cdot \\frac{C_{in}}{g} f_h f_w

    The bias adds are not counted (the papers' and torch's flop counter's convention).

    References
    ----------
    Used in chapters/10_classic_networks.ipynb and chapters/11_modern_architectures.ipynb.

    Examples
    --------
    >>> conv_layer_macs(1, 6, 5, (28, 28))        # LeNet-5's C1: 28*28*6 outputs, 25 MACs each
    117600
    """
    c_in, c_out = _channels(c_in, "c_in"), _channels(c_out, "c_out")
    kernel = _ints(kernel_size, "kernel_size", ndim=None, min=1, max=MAX_KERNEL)
    size = _ints(output_size, "output_size", ndim=None, min=1, max=MAX_SIZE)
    groups = _groups(c_in, c_out, groups)
    return math.prod(size) * c_out * (c_in // groups) * math.prod(kernel)


def conv_transpose_layer_macs(
    c_in: int,
    c_out: int,
    kernel_size: int | Sequence[int],
    input_size: int | Sequence[int],
    *,
    groups: int = 1,
) -> int:
    """Multiply-accumulates of a transposed convolution, for one image.

    Notes
    -----
    Every *input* value is multiplied by a whole :math:`C_{out}/g \\times f_h \\times f_w`
    kernel and added into the output:
    :math:`\\mathrm{MACs} = H_{in} W_{in} C_{in} \\cdot \\frac{C_{out}}{g} f_h f_w`.
    Its parameters are those of :func:`conv_layer_params` (the weight has the same elements).

    References
    ----------
    Dumoulin & Visin, arXiv:1603.07285, section 4. Used by :mod:`helpers.nets.summary`.

    Examples
    --------
    >>> conv_transpose_layer_macs(1, 1, 2, (2, 2))     # a 2x2 input, a 2x2 kernel: 16 products
    16
    """
    c_in, c_out = _channels(c_in, "c_in"), _channels(c_out, "c_out")
    kernel = _ints(kernel_size, "kernel_size", ndim=None, min=1, max=MAX_KERNEL)
    size = _ints(input_size, "input_size", ndim=None, min=1, max=MAX_SIZE)
    groups = _groups(c_in, c_out, groups)
    return math.prod(size) * c_in * (c_out // groups) * math.prod(kernel)


def linear_layer_params(n_in: int, n_out: int, *, bias: bool = True) -> int:
    """Learnable parameters of a fully connected layer: ``n_in * n_out`` weights + ``n_out`` biases.

    Notes
    -----
    Every output is connected to every input: :math:`P = n_{in} n_{out} + n_{out}`.

    References
    ----------
    Used in chapters/10_classic_networks.ipynb.

    Examples
    --------
    >>> linear_layer_params(400, 120)     # LeNet-5's first fully connected layer
    48120
    """
    n_in = check_int(n_in, "n_in", min=1, max=MAX_CHANNELS * 64)
    n_out = check_int(n_out, "n_out", min=1, max=MAX_CHANNELS * 64)
    return n_in * n_out + (n_out if check_bool(bias, "bias") else 0)


def linear_layer_macs(n_in: int, n_out: int, *, rows: int = 1) -> int:
    """Multiply-accumulates of a fully connected layer applied to ``rows`` vectors.

    Parameters
    ----------
    n_in, n_out : int
    rows : int
        How many vectors the layer is applied to per image: 1 after ``flatten``; ``H * W``
        for a layer applied at every pixel (ConvNeXt), ``L`` for every token (ViT).

    Notes
    -----
    :math:`\\mathrm{MACs} = \\text{rows} \\cdot n_{in} n_{out}`.

    Examples
    --------
    >>> linear_layer_macs(400, 120)
    48000
    """
    n_in = check_int(n_in, "n_in", min=1, max=MAX_CHANNELS * 64)
    n_out = check_int(n_out, "n_out", min=1, max=MAX_CHANNELS * 64)
    rows = check_int(rows, "rows", min=1, max=MAX_ROWS)
    return rows * n_in * n_out


def norm_layer_params(channels: int, *, affine: bool = True) -> int:
    """Learnable parameters of batch, layer, group or instance norm: a scale and a shift each.

    Notes
    -----
    :math:`y = \\gamma \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}} + \\beta` with one
    :math:`\\gamma` and one :math:`\\beta` per channel: :math:`2C`. The running mean and variance
    are buffers (statistics), not learned.

    Examples
    --------
    >>> norm_layer_params(64)
    128
    """
    channels = check_int(channels, "channels", min=1, max=MAX_CHANNELS * 64)
    return 2 * channels if check_bool(affine, "affine") else 0


def attention_layer_params(
    embed_dim: int, *, kdim: int | None = None, vdim: int | None = None, bias: bool = True,
    add_bias_kv: bool = False,
) -> int:
    """Learnable parameters of multi-head attention (``torch.nn.MultiheadAttention``).

    Notes
    -----
    Query, key and value projections :math:`E \\times E`, :math:`E \\times k`,
    :math:`E \\times v` (with :math:`3E` biases), and the output projection
    :math:`E \\times E + E`; the number of heads does not change the count.

    Examples
    --------
    >>> attention_layer_params(768)       # one ViT-B attention layer: 4 * 768^2 + 4 * 768
    2362368
    """
    e = check_int(embed_dim, "embed_dim", min=1, max=MAX_CHANNELS)
    k = e if kdim is None else check_int(kdim, "kdim", min=1, max=MAX_CHANNELS)
    v = e if vdim is None else check_int(vdim, "vdim", min=1, max=MAX_CHANNELS)
    bias, add_bias_kv = check_bool(bias, "bias"), check_bool(add_bias_kv, "add_bias_kv")
    return e * (e + k + v) + e * e + (4 * e if bias else 0) + (2 * e if add_bias_kv else 0)


def attention_layer_macs(
    embed_dim: int, target_length: int, source_length: int, *, kdim: int | None = None,
    vdim: int | None = None,
) -> int:
    """Multiply-accumulates of multi-head attention for one sequence.

    Notes
    -----
    Projections :math:`L E^2 + S E k + S E v`, scores :math:`Q K^T`: :math:`L S E`, weighted
    values: :math:`L S E`, output projection :math:`L E^2` (summed over the heads, each of
    size :math:`E/h`).

    Examples
    --------
    >>> attention_layer_macs(4, 3, 3)      # 2*3*16 + 2*3*16 + 2*3*3*4
    264
    """
    e = check_int(embed_dim, "embed_dim", min=1, max=MAX_CHANNELS)
    length = check_int(target_length, "target_length", min=1, max=MAX_SIZE * 16)
    source = check_int(source_length, "source_length", min=1, max=MAX_SIZE * 16)
    k = e if kdim is None else check_int(kdim, "kdim", min=1, max=MAX_CHANNELS)
    v = e if vdim is None else check_int(vdim, "vdim", min=1, max=MAX_CHANNELS)
    return length * e * e + source * e * (k + v) + 2 * length * source * e + length * e * e


def conv_layer_cost(
    input_shape: Sequence[int],
    c_out: int,
    kernel_size: int | Sequence[int],
    *,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    bias: bool = True,
) -> tuple[tuple[int, ...], int, int]:
    """Output shape, parameters and MACs of one convolution layer: the whole count at once.

    Parameters
    ----------
    input_shape : tuple (C, H, W)
        One input's shape, without the batch axis (``(C, L)`` or ``(C, D, H, W)`` also work).
    c_out : int
        Filters (output channels).
    kernel_size, stride, padding, dilation : int or tuple
        As in ``torch.nn.Conv2d``.
    groups : int
    bias : bool

    Returns
    -------
    output_shape : tuple (C_out, H_out, W_out)
    params : int
        :func:`conv_layer_params`.
    macs : int
        :func:`conv_layer_macs` for one image.

    References
    ----------
    Used in chapters/10_classic_networks.ipynb (the exercise).

    Examples
    --------
    >>> conv_layer_cost((3, 227, 227), 96, 11, stride=4)     # AlexNet's conv1
    ((96, 55, 55), 34944, 105415200)
    """
    if not isinstance(input_shape, (tuple, list)) or not 2 <= len(input_shape) <= 4:
        raise TypeError(
            f"input_shape must be a tuple (C, H, W) (or (C, L), (C, D, H, W)); got "
            f"{describe(input_shape)}"
        )
    c_in = _channels(input_shape[0], "input_shape[0] (channels)")
    spatial = _ints(tuple(input_shape[1:]), "input_shape[1:] (sizes)", ndim=None, min=1,
                    max=MAX_SIZE)
    size = conv_output_shape(spatial, kernel_size, stride, padding, dilation)
    kernel = _ints(kernel_size, "kernel_size", ndim=len(size), min=1, max=MAX_KERNEL)
    params = conv_layer_params(c_in, c_out, kernel, groups=groups, bias=bias)
    macs = conv_layer_macs(c_in, c_out, kernel, size, groups=groups)
    return (int(c_out), *size), params, macs


# -- stacks of layers -------------------------------------------------------------------------
def receptive_field(
    kernel_sizes: Sequence[int],
    strides: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Receptive field of each layer of a stack: how many input pixels one output value sees.

    Parameters
    ----------
    kernel_sizes : sequence of int
        Kernel (window) side of each layer, convolution or pooling, first layer first.
    strides : sequence of int, optional
        Stride of each layer (default 1 everywhere).
    dilations : sequence of int, optional
        Dilation of each layer (default 1).

    Returns
    -------
    size : (L,) ndarray of int64
        Receptive field side after each layer.
    jump : (L,) ndarray of int64
        Distance, in input pixels, between neighbouring outputs of each layer (the product of
        the strides so far).

    Notes
    -----
    With :math:`r_0 = 1` and :math:`j_0 = 1` (one input pixel),

    .. math:: r_l = r_{l-1} + (f_l - 1)\\, d_l\\, j_{l-1}, \\qquad j_l = j_{l-1} s_l .

    Two stacked 3x3 convolutions (stride 1) see 5x5 pixels, three see 7x7: the reason VGG
    replaced large filters with stacks of 3x3 ones (fewer parameters, more non-linearities).
    Padding moves the field but does not change its size.

    References
    ----------
    Simonyan & Zisserman, "Very deep convolutional networks for large-scale image recognition",
    ICLR 2015, section 2.3. Araujo, Norris & Sim, "Computing receptive fields of convolutional
    neural networks", Distill 2019. Used in chapters/10_classic_networks.ipynb.

    Examples
    --------
    >>> size, jump = receptive_field([3, 3, 3])
    >>> size.tolist(), jump.tolist()
    ([3, 5, 7], [1, 1, 1])
    >>> receptive_field([3, 2, 3], strides=[1, 2, 1])[0].tolist()    # conv, pool 2, conv
    [3, 4, 8]
    """
    if isinstance(kernel_sizes, (str, bytes)) or not isinstance(kernel_sizes, Sequence):
        raise TypeError(f"kernel_sizes must be a sequence of ints; got {describe(kernel_sizes)}")
    n = len(kernel_sizes)
    if not 1 <= n <= MAX_LAYERS:
        raise ValueError(f"kernel_sizes must hold 1 to {MAX_LAYERS} layers; got {n}")

    def column(values: Any, name: str, default: int, max_value: int) -> list[int]:
        if values is None:
            return [default] * n
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise TypeError(f"{name} must be a sequence of ints; got {describe(values)}")
        if len(values) != n:
            raise ValueError(
                f"{name} must have one entry per layer ({n}, like kernel_sizes); got {len(values)}"
            )
        return [check_int(v, f"{name}[{i}]", min=1, max=max_value) for i, v in enumerate(values)]

    kernels = column(kernel_sizes, "kernel_sizes", 1, MAX_KERNEL)
    steps = column(strides, "strides", 1, MAX_STRIDE)
    dils = column(dilations, "dilations", 1, MAX_KERNEL)
    size, jump = np.empty(n, np.int64), np.empty(n, np.int64)
    r, j = 1, 1
    for i, (f, s, d) in enumerate(zip(kernels, steps, dils, strict=True)):
        r += (f - 1) * d * j
        j *= s
        if r > 1 << 62 or j > 1 << 62:
            raise ValueError(f"the receptive field overflows 2**62 pixels at layer {i}; "
                             "use fewer or smaller strides")
        size[i], jump[i] = r, j
    return size, jump


def separable_conv_cost(
    c_in: int, c_out: int, f: int, output_size: int | Sequence[int], *, bias: bool = False
) -> dict[str, float]:
    """A standard convolution against a depthwise separable one with the same input and output.

    Parameters
    ----------
    c_in, c_out : int
        Input channels M and output channels N.
    f : int
        Kernel side.
    output_size : int or (H_out, W_out)
    bias : bool
        Count biases (MobileNet has none: batch norm follows every convolution).

    Returns
    -------
    dict
        ``standard_params``, ``standard_macs``; ``depthwise_params``, ``depthwise_macs``
        (one f x f filter per input channel, ``groups = M``); ``pointwise_params``,
        ``pointwise_macs`` (a 1x1 convolution M -> N); ``separable_params``,
        ``separable_macs`` (their sums); ``macs_ratio`` (separable / standard) and
        ``params_ratio``.

    Notes
    -----
    For an :math:`H \\times W` output,

    .. math::
        \\frac{HWMf^2 + HWMN}{HWMNf^2} = \\frac{1}{N} + \\frac{1}{f^2}

    (:func:`separable_cost_ratio`): with 3x3 kernels, 8 to 9 times fewer MACs.

    References
    ----------
    Howard et al., "MobileNets: efficient convolutional neural networks for mobile vision
    applications", arXiv:1704.04861 (2017), section 3.1. Used in
    chapters/11_modern_architectures.ipynb.

    Examples
    --------
    >>> cost = separable_conv_cost(32, 64, 3, (112, 112))
    >>> cost["standard_macs"], cost["separable_macs"], round(cost["macs_ratio"], 4)
    (231211008, 29302784, 0.1267)
    """
    c_in, c_out = _channels(c_in, "c_in"), _channels(c_out, "c_out")
    f = check_int(f, "f", min=1, max=MAX_KERNEL)
    size = _ints(output_size, "output_size", ndim=None, min=1, max=MAX_SIZE)
    bias = check_bool(bias, "bias")
    cost: dict[str, float] = {
        "standard_params": conv_layer_params(c_in, c_out, f, bias=bias),
        "standard_macs": conv_layer_macs(c_in, c_out, f, size),
        "depthwise_params": conv_layer_params(c_in, c_in, f, groups=c_in, bias=bias),
        "depthwise_macs": conv_layer_macs(c_in, c_in, f, size, groups=c_in),
        "pointwise_params": conv_layer_params(c_in, c_out, 1, bias=bias),
        "pointwise_macs": conv_layer_macs(c_in, c_out, 1, size),
    }
    cost["separable_params"] = cost["depthwise_params"] + cost["pointwise_params"]
    cost["separable_macs"] = cost["depthwise_macs"] + cost["pointwise_macs"]
    cost["macs_ratio"] = cost["separable_macs"] / cost["standard_macs"]
    cost["params_ratio"] = cost["separable_params"] / cost["standard_params"]
    return cost


def separable_cost_ratio(c_out: int, f: int) -> float:
    """MACs of a depthwise separable convolution over a standard one: ``1/N + 1/f**2``.

    Examples
    --------
    >>> round(separable_cost_ratio(64, 3), 4)
    0.1267
    """
    c_out = _channels(c_out, "c_out")
    f = check_int(f, "f", min=1, max=MAX_KERNEL)
    return 1 / c_out + 1 / f**2


def inception_cost(
    c_in: int,
    size: int | Sequence[int],
    c1: int,
    c3_reduce: int,
    c3: int,
    c5_reduce: int,
    c5: int,
    pool_proj: int,
    *,
    reduce: bool = True,
    bias: bool = True,
) -> dict[str, Any]:
    """Parameters and MACs of an Inception module, branch by branch, with or without 1x1 reductions.

    Parameters
    ----------
    c_in : int
        Input channels.
    size : int or (H, W)
        Spatial size (every branch keeps it: stride 1, "same" padding).
    c1 : int
        1x1 branch filters.
    c3_reduce, c3 : int
        1x1 reduction before the 3x3 convolution, and its filters.
    c5_reduce, c5 : int
        1x1 reduction before the 5x5 convolution, and its filters.
    pool_proj : int
        1x1 projection after the 3x3 max pooling.
    reduce : bool
        True: GoogLeNet's module (figure 2b of the paper). False: the "naive" module (figure
        2a): the 3x3 and 5x5 convolutions see all ``c_in`` channels and the pooled input is
        concatenated as it is (``c3_reduce``, ``c5_reduce`` and ``pool_proj`` are ignored).
    bias : bool
        Count the convolutions' biases.

    Returns
    -------
    dict
        ``branches``: name -> ``{"params", "macs", "out_channels"}``; ``params``, ``macs``
        (totals); ``out_channels`` (the concatenation's).

    Notes
    -----
    A 5x5 convolution from :math:`C_{in}` to :math:`c_5` channels costs
    :math:`HW \\cdot 25\\, C_{in} c_5` MACs; reducing to :math:`r_5` channels first costs
    :math:`HW (C_{in} r_5 + 25\\, r_5 c_5)`, far less when :math:`r_5 \\ll C_{in}`. Without the
    pool projection the concatenation also keeps all :math:`C_{in}` channels, so channels pile up
    from module to module.

    References
    ----------
    Szegedy et al., "Going deeper with convolutions", CVPR 2015, section 4 and table 1. Used in
    chapters/10_classic_networks.ipynb and chapters/11_modern_architectures.ipynb.

    Examples
    --------
    >>> cost = inception_cost(192, 28, 64, 96, 128, 16, 32, 32)        # GoogLeNet's (3a)
    >>> cost["out_channels"], cost["params"], cost["macs"]
    (256, 163696, 128049152)
    >>> inception_cost(192, 28, 64, 96, 128, 16, 32, 32, reduce=False)["macs"]
    303464448
    """
    c_in = _channels(c_in, "c_in")
    hw = _ints(size, "size", ndim=None, min=1, max=MAX_SIZE)
    names = ("c1", "c3_reduce", "c3", "c5_reduce", "c5", "pool_proj")
    c1, r3, c3, r5, c5, pp = (
        _channels(v, n) for v, n in zip((c1, c3_reduce, c3, c5_reduce, c5, pool_proj), names,
                                        strict=True)
    )
    reduce, bias = check_bool(reduce, "reduce"), check_bool(bias, "bias")

    def chain(*layers: tuple[int, int, int]) -> dict[str, int]:
        return {
            "params": sum(conv_layer_params(a, b, f, bias=bias) for a, b, f in layers),
            "macs": sum(conv_layer_macs(a, b, f, hw) for a, b, f in layers),
            "out_channels": layers[-1][1] if layers else c_in,
        }

    if reduce:
        branches = {
            "1x1": chain((c_in, c1, 1)),
            "3x3": chain((c_in, r3, 1), (r3, c3, 3)),
            "5x5": chain((c_in, r5, 1), (r5, c5, 5)),
            "pool": chain((c_in, pp, 1)),
        }
    else:
        branches = {
            "1x1": chain((c_in, c1, 1)),
            "3x3": chain((c_in, c3, 3)),
            "5x5": chain((c_in, c5, 5)),
            "pool": chain(),
        }
    return {
        "branches": branches,
        "params": sum(b["params"] for b in branches.values()),
        "macs": sum(b["macs"] for b in branches.values()),
        "out_channels": sum(b["out_channels"] for b in branches.values()),
    }


def dense_block_cost(
    c_in: int,
    growth: int,
    n_layers: int,
    size: int | Sequence[int],
    *,
    bottleneck: int | None = 4,
) -> dict[str, Any]:
    """Channels, parameters and MACs of each layer of a DenseNet dense block.

    Parameters
    ----------
    c_in : int
        Channels entering the block.
    growth : int
        k: channels each layer adds to the concatenation.
    n_layers : int
        Layers in the block (1 to 10,000).
    size : int or (H, W)
        Spatial size (constant inside a block).
    bottleneck : int or None
        DenseNet-BC's 1x1 bottleneck to ``bottleneck * k`` channels before each 3x3 convolution
        (4 in the paper and torchvision); None for the plain DenseNet layer.

    Returns
    -------
    dict
        ``in_channels``, ``params``, ``macs``: (n_layers,) int64 arrays, one entry per layer;
        ``out_channels`` = ``c_in + n_layers * growth``; ``params_total``, ``macs_total``;
        ``stored_values``: (n_layers,) array, the feature values layer l reads (its
        concatenated input, ``in_channels * H * W``).

    Notes
    -----
    Layer :math:`l` (from 0) sees :math:`c_l = c_{in} + l k` channels: the concatenation of the
    block input and every earlier layer's :math:`k` new maps. It is BN-ReLU-conv1x1 (to
    :math:`bk`)-BN-ReLU-conv3x3 (to :math:`k`), without biases, so it has
    :math:`2c_l + c_l\\, bk + 2bk + 9\\, bk\\, k` parameters. Its cost grows linearly with
    :math:`l`, the whole block's quadratically with the number of layers: why DenseNets keep
    blocks short and :math:`k` small (32) and put transition layers (1x1 conv + pooling)
    between blocks.

    References
    ----------
    Huang, Liu, van der Maaten & Weinberger, "Densely connected convolutional networks", CVPR
    2017. Used in chapters/11_modern_architectures.ipynb.

    Examples
    --------
    >>> cost = dense_block_cost(64, 32, 6, 56)               # DenseNet-121's first block
    >>> cost["in_channels"].tolist(), cost["out_channels"], cost["params_total"]
    ([64, 96, 128, 160, 192, 224], 256, 335040)
    """
    c_in = _channels(c_in, "c_in")
    growth = _channels(growth, "growth")
    n_layers = check_int(n_layers, "n_layers", min=1, max=MAX_LAYERS)
    hw = _ints(size, "size", ndim=None, min=1, max=MAX_SIZE)
    if bottleneck is not None:
        bottleneck = check_int(bottleneck, "bottleneck", min=1, max=64)
    ins = c_in + growth * np.arange(n_layers, dtype=np.int64)
    params, macs = np.empty(n_layers, np.int64), np.empty(n_layers, np.int64)
    for i, c in enumerate(ins.tolist()):
        if bottleneck is None:
            params[i] = norm_layer_params(c) + conv_layer_params(c, growth, 3, bias=False)
            macs[i] = conv_layer_macs(c, growth, 3, hw)
        else:
            mid = bottleneck * growth
            params[i] = (norm_layer_params(c) + conv_layer_params(c, mid, 1, bias=False)
                         + norm_layer_params(mid) + conv_layer_params(mid, growth, 3, bias=False))
            macs[i] = conv_layer_macs(c, mid, 1, hw) + conv_layer_macs(mid, growth, 3, hw)
    return {
        "in_channels": ins,
        "params": params,
        "macs": macs,
        "out_channels": int(c_in + n_layers * growth),
        "params_total": int(params.sum()),
        "macs_total": int(macs.sum()),
        "stored_values": ins * math.prod(hw),
    }


# -- EfficientNet -----------------------------------------------------------------------------
def compound_scaling(
    phi: float, alpha: float = 1.2, beta: float = 1.1, gamma: float = 1.15
) -> dict[str, float]:
    """EfficientNet's compound scaling: one coefficient phi scales depth, width and resolution.

    Parameters
    ----------
    phi : float
        The compound coefficient, 0 to 10 (0 is the base network).
    alpha, beta, gamma : float
        Per-step multipliers of depth, width and resolution, each in [1, 4]. The paper's grid
        search found 1.2, 1.1 and 1.15 under :math:`\\alpha \\beta^2 \\gamma^2 \\approx 2`.

    Returns
    -------
    dict
        ``depth`` = alpha**phi, ``width`` = beta**phi, ``resolution`` = gamma**phi (multipliers),
        ``flops`` = (alpha * beta**2 * gamma**2)**phi, the predicted cost multiplier, and
        ``flops_per_step`` = alpha * beta**2 * gamma**2.

    Notes
    -----
    A convolution's MACs grow linearly with depth (more layers) but quadratically with width
    (both its input and output channels grow) and with resolution (both sides grow):

    .. math:: \\mathrm{FLOPs} \\propto d \\cdot w^2 \\cdot r^2
              = (\\alpha \\beta^2 \\gamma^2)^{\\phi} \\approx 2^{\\phi}.

    So each step of :math:`\\phi` doubles the budget, shared among the three dimensions.

    References
    ----------
    Tan & Le, "EfficientNet: rethinking model scaling for convolutional neural networks", ICML
    2019, section 3.3. Used in chapters/11_modern_architectures.ipynb.

    Examples
    --------
    >>> s = compound_scaling(1)
    >>> round(s["depth"], 3), round(s["width"], 3), round(s["resolution"], 3), round(s["flops"], 3)
    (1.2, 1.1, 1.15, 1.92)
    """
    phi = check_float(phi, "phi", min=0, max=10)
    alpha = check_float(alpha, "alpha", min=1, max=4)
    beta = check_float(beta, "beta", min=1, max=4)
    gamma = check_float(gamma, "gamma", min=1, max=4)
    step = alpha * beta**2 * gamma**2
    return {"depth": alpha**phi, "width": beta**phi, "resolution": gamma**phi,
            "flops": step**phi, "flops_per_step": step}


def _round_channels(channels: float, divisor: int = 8) -> int:
    """Channels times a width multiplier, rounded to a multiple of 8 (never more than 10% down).

    The rule of the EfficientNet and MobileNet code (torchvision's ``_make_divisible``).
    """
    rounded = max(divisor, int(channels + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * channels else rounded


def efficientnet_cost(
    width: float = 1.0, depth: float = 1.0, resolution: int = 224, *, num_classes: int = 1000
) -> dict[str, Any]:
    """Parameters and MACs of EfficientNet-B0 scaled in width, depth and resolution.

    Parameters
    ----------
    width : float
        Channel multiplier (0.1 to 8); channels are rounded to multiples of 8.
    depth : float
        Layer multiplier (0.1 to 8); each stage gets ``ceil(blocks * depth)`` blocks.
    resolution : int
        Input side in pixels (32 to 2048).
    num_classes : int
        Outputs of the final fully connected layer.

    Returns
    -------
    dict
        ``params`` and ``macs`` (one image), ``blocks`` (MBConv blocks), ``channels`` (output
        channels of each stage), ``final_size`` (side of the last feature map).

    Notes
    -----
    Each MBConv block: a 1x1 expansion to :math:`tC` channels (if :math:`t > 1`), a
    :math:`k \\times k` depthwise convolution, squeeze-and-excitation (two 1x1 convolutions
    through :math:`\\max(1, C/4)` units), and a 1x1 projection; batch norm after each
    convolution. The stem is a 3x3 stride-2 convolution, the head a 1x1 convolution to
    :math:`4 \\times` the last stage's channels, global pooling and a fully connected layer.
    The channel rounding follows torchvision's code, so the counts equal
    ``count_params(torchvision.models.efficientnet_b1())`` etc. (tests/test_architecture.py).

    References
    ----------
    Tan & Le, ICML 2019, table 1 (:data:`EFFICIENTNET_B0_STAGES`). Used in
    chapters/11_modern_architectures.ipynb.

    Examples
    --------
    >>> cost = efficientnet_cost()                       # EfficientNet-B0 at 224x224
    >>> cost["params"], cost["macs"], cost["blocks"]
    (5288548, 385814752, 16)
    """
    width = check_float(width, "width", min=0.1, max=8)
    depth = check_float(depth, "depth", min=0.1, max=8)
    resolution = check_int(resolution, "resolution", min=32, max=2048)
    num_classes = check_int(num_classes, "num_classes", min=1, max=100_000)

    # The formulas of conv_layer_params / conv_layer_macs, inline: the explorer calls this on
    # every slider move and the arguments are already checked. (bias=False: batch norm follows.)
    def conv(c_in: int, c_out: int, k: int, side: int, groups: int = 1, bias: bool = False):
        per_filter = (c_in // groups) * k * k
        return c_out * per_filter + (c_out if bias else 0), side * side * c_out * per_filter

    def add(cost: tuple[int, int], norm_channels: int = 0) -> None:
        nonlocal params, macs
        params += cost[0] + 2 * norm_channels          # batch norm: a scale and a shift each
        macs += cost[1]

    params, macs, blocks, channels = 0, 0, 0, []
    stem = _round_channels(EFFICIENTNET_B0_STAGES[0][3] * width)
    side = (resolution + 2 - 3) // 2 + 1                # 3x3, stride 2, padding 1
    add(conv(3, stem, 3, side), stem)
    c = stem
    for expand, k, first_stride, _c_in, c_out, n in EFFICIENTNET_B0_STAGES:
        out = _round_channels(c_out * width)
        for b in range(int(math.ceil(n * depth))):
            stride = first_stride if b == 0 else 1
            mid = _round_channels(c * expand)
            if mid != c:   # 1x1 expansion (the first stage has expand ratio 1: none)
                add(conv(c, mid, 1, side), mid)
            side = (side + 2 * ((k - 1) // 2) - k) // stride + 1
            add(conv(mid, mid, k, side, groups=mid), mid)          # depthwise k x k
            squeeze = max(1, c // 4)
            add(conv(mid, squeeze, 1, 1, bias=True))               # SE: squeeze ...
            add(conv(squeeze, mid, 1, 1, bias=True))               # ... and excite
            add(conv(mid, out, 1, side), out)                      # 1x1 projection
            c = out
            blocks += 1
        channels.append(out)
    head = 4 * c
    add(conv(c, head, 1, side), head)
    add((linear_layer_params(head, num_classes), linear_layer_macs(head, num_classes)))
    return {"params": params, "macs": macs, "blocks": blocks, "channels": channels,
            "final_size": side}
