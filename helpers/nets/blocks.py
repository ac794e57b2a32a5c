"""Building blocks of CNNs, one class (or layer recipe) per idea (chapters 11, 12, 13, 17, 21).

Each block is a small ``torch.nn.Module`` whose ``forward`` reads like the paper's equation;
:func:`conv_bn_relu` is the plain conv - batch norm - ReLU (- pool) stage the small detection
and embedding networks are stacked from.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .._validation import check_bool, check_float, check_int, check_tensor

__all__ = [
    "DenseBlock",
    "DenseLayer",
    "DepthwiseSeparableConv",
    "HighwayLayer",
    "InceptionModule",
    "ResidualBlock",
    "SqueezeExcitation",
    "conv_bn_relu",
]

MAX_CHANNELS = 8192
#: Largest block the constructors build (about 200 MB of float32 weights): a typo such as
#: 8192 channels gets an error instead of gigabytes of memory.
MAX_BLOCK_PARAMS = 50_000_000


def _check_input(x: Any, channels: int) -> torch.Tensor:
    """A block's input: a finite float batch ``(N, channels, H, W)`` of bounded size."""
    return check_tensor(x, "x", ndim=4, channels=channels, shape_hint=f"(N, {channels}, H, W)")


def _check_block_size(params: int, what: str) -> None:
    if params > MAX_BLOCK_PARAMS:
        raise ValueError(
            f"{what} would hold {params:,} parameters ({params * 4 / 2**20:,.0f} MB); at most "
            f"{MAX_BLOCK_PARAMS:,} are built - use fewer channels or layers"
        )


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation: reweight each channel by a gate computed from the whole image.

    Parameters
    ----------
    channels : int
        C, the number of channels of the input (and output).
    reduction : int
        r: the bottleneck has ``max(1, C // r)`` units.

    Attributes
    ----------
    last_scale : torch.Tensor or None
        The ``(N, C)`` channel weights of the latest forward pass (detached), for inspection.

    Notes
    -----
    Squeeze: :math:`z_c = \\frac{1}{HW}\\sum_{i,j} x_{c,i,j}`. Excite:
    :math:`s = \\sigma(W_2\\, \\mathrm{ReLU}(W_1 z))` with
    :math:`W_1 \\in \\mathbb{R}^{C/r \\times C}`, :math:`W_2 \\in \\mathbb{R}^{C \\times C/r}`.
    Scale: :math:`y_c = s_c\\, x_c`. It adds :math:`2C^2/r` weights (plus biases) to a layer
    of :math:`9C^2` or more.

    References
    ----------
    J. Hu, L. Shen, G. Sun, "Squeeze-and-excitation networks", CVPR 2018. Used in
    chapters/11_modern_architectures.ipynb and chapters/17_inside_cnns.ipynb.

    Examples
    --------
    >>> se = SqueezeExcitation(8, reduction=4)
    >>> se(torch.ones(2, 8, 5, 5)).shape
    torch.Size([2, 8, 5, 5])
    >>> tuple(se.last_scale.shape)
    (2, 8)
    """

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        channels = check_int(channels, "channels", min=1, max=MAX_CHANNELS)
        reduction = check_int(reduction, "reduction", min=1, max=channels)
        hidden = max(1, channels // reduction)
        self.channels = channels
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)
        self.last_scale: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.channels)
        z = x.mean(dim=(2, 3))                                  # squeeze: (N, C)
        s = torch.sigmoid(self.fc2(torch.relu(self.fc1(z))))    # excite: (N, C) in (0, 1)
        self.last_scale = s.detach()
        return x * s[:, :, None, None]                          # scale each channel


def conv_bn_relu(
    c_in: int, c_out: int, *, stride: int = 1, pool: bool = False, inplace: bool = False
) -> list[nn.Module]:
    """One VGG-style stage as a list of layers: 3x3 conv (no bias), batch norm, ReLU, [2x2 pool].

    Parameters
    ----------
    c_in, c_out : int
        Input and output channels.
    stride : int
        Stride of the convolution (1 or 2).
    pool : bool
        Append a 2x2 max-pool (halves the map again).
    inplace : bool
        ReLU in place (saves memory; changes nothing else).

    Returns
    -------
    list of torch.nn.Module
        Splice it into an ``nn.Sequential`` with ``*``: the layers keep flat names
        (``features.0.weight``, ``features.1.running_mean``, ...), so saved weights stay loadable.

    Notes
    -----
    The convolution has no bias: batch norm subtracts the channel mean right after, which would
    cancel it; BN's own shift :math:`\\beta` plays its role.

    References
    ----------
    Ioffe & Szegedy, "Batch normalization", ICML 2015; Simonyan & Zisserman, "Very deep
    convolutional networks", ICLR 2015. Used in chapters/12_localization.ipynb,
    chapters/13_detection.ipynb and chapters/21_deep_sort.ipynb.

    Examples
    --------
    >>> [type(m).__name__ for m in conv_bn_relu(3, 8, pool=True)]
    ['Conv2d', 'BatchNorm2d', 'ReLU', 'MaxPool2d']
    """
    c_in = check_int(c_in, "c_in", min=1, max=MAX_CHANNELS)
    c_out = check_int(c_out, "c_out", min=1, max=MAX_CHANNELS)
    stride = check_int(stride, "stride", min=1, max=2)
    layers = [nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
              nn.BatchNorm2d(c_out), nn.ReLU(inplace=check_bool(inplace, "inplace"))]
    return layers + ([nn.MaxPool2d(2)] if check_bool(pool, "pool") else [])


class ResidualBlock(nn.Module):
    """ResNet's basic block: two 3x3 convolutions whose output is added to the block's input.

    Parameters
    ----------
    in_channels, out_channels : int
    stride : int
        1 or 2; with 2 (or a change of channels) the shortcut becomes a 1x1 convolution with the
        same stride (the paper's "projection shortcut", option B) so the shapes match.
    batch_norm : bool
        Batch norm after each convolution (the paper); without it the convolutions have biases.

    Notes
    -----
    :math:`y = \\mathrm{ReLU}(F(x) + S(x))` with
    :math:`F(x) = \\mathrm{BN}(W_2 * \\mathrm{ReLU}(\\mathrm{BN}(W_1 * x)))` and :math:`S` the
    identity (or the projection). The block only has to learn the *residual* :math:`F(x) = H(x)
    - x`; a block that is not needed can learn :math:`F = 0`, and the gradient reaches earlier
    layers through the identity: :math:`\\partial y / \\partial x = \\partial F / \\partial x + I`.
    Equals torchvision's ``BasicBlock`` (same layers, same order) for ``batch_norm=True``.

    References
    ----------
    He, Zhang, Ren & Sun, "Deep residual learning for image recognition", CVPR 2016, section
    3.2 and figure 2. Used in chapters/11_modern_architectures.ipynb.

    Examples
    --------
    >>> block = ResidualBlock(8, 16, stride=2)
    >>> block(torch.zeros(1, 8, 10, 10)).shape
    torch.Size([1, 16, 5, 5])
    >>> type(ResidualBlock(8, 8).shortcut).__name__
    'Identity'
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 batch_norm: bool = True) -> None:
        super().__init__()
        c_in = check_int(in_channels, "in_channels", min=1, max=MAX_CHANNELS)
        c_out = check_int(out_channels, "out_channels", min=1, max=MAX_CHANNELS)
        stride = check_int(stride, "stride", min=1, max=2)
        bn = check_bool(batch_norm, "batch_norm")
        _check_block_size(9 * c_out * (c_in + c_out) + c_in * c_out, "this residual block")
        self.in_channels = c_in

        def norm(c: int) -> nn.Module:
            return nn.BatchNorm2d(c) if bn else nn.Identity()

        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=not bn)
        self.bn1 = norm(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=not bn)
        self.bn2 = norm(c_out)
        self.relu = nn.ReLU(inplace=True)
        if stride != 1 or c_in != c_out:
            self.shortcut: nn.Module = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=not bn), norm(c_out))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.in_channels)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))     # the skip connection: F(x) + x


class DenseLayer(nn.Module):
    """One layer of a DenseNet-BC block: BN-ReLU-conv1x1 (to ``bottleneck * k``)-BN-ReLU-conv3x3.

    Returns only its ``growth`` new maps; :class:`DenseBlock` concatenates them to its input.
    Same layers as torchvision's ``_DenseLayer``.

    Examples
    --------
    >>> DenseLayer(16, 4)(torch.zeros(1, 16, 5, 5)).shape
    torch.Size([1, 4, 5, 5])
    """

    def __init__(self, in_channels: int, growth: int, bottleneck: int = 4) -> None:
        super().__init__()
        c = check_int(in_channels, "in_channels", min=1, max=MAX_CHANNELS)
        k = check_int(growth, "growth", min=1, max=MAX_CHANNELS)
        b = check_int(bottleneck, "bottleneck", min=1, max=64)
        _check_block_size(c * b * k + 9 * b * k * k, "this dense layer")
        self.in_channels = c
        self.norm1 = nn.BatchNorm2d(c)
        self.conv1 = nn.Conv2d(c, b * k, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(b * k)
        self.conv2 = nn.Conv2d(b * k, k, 3, padding=1, bias=False)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.in_channels)
        return self.conv2(self.relu(self.norm2(self.conv1(self.relu(self.norm1(x))))))


class DenseBlock(nn.Module):
    """A dense block: each layer sees the concatenation of the block input and all earlier outputs.

    Parameters
    ----------
    in_channels : int
    growth : int
        k, the maps each layer adds.
    n_layers : int
        1 to 256.
    bottleneck : int
        The 1x1 bottleneck's width, in multiples of k (4 in DenseNet-BC).

    Notes
    -----
    :math:`x_l = H_l([x_0, x_1, \\dots, x_{l-1}])`, where :math:`[\\cdot]` is concatenation along
    the channels; the block outputs :math:`[x_0, \\dots, x_L]`: :math:`C_0 + Lk` channels. Costs
    per layer: :func:`helpers.architecture.dense_block_cost`.

    References
    ----------
    Huang et al., "Densely connected convolutional networks", CVPR 2017, section 3. Used in
    chapters/11_modern_architectures.ipynb.

    Examples
    --------
    >>> DenseBlock(16, growth=4, n_layers=3)(torch.zeros(1, 16, 5, 5)).shape
    torch.Size([1, 28, 5, 5])
    """

    def __init__(self, in_channels: int, growth: int, n_layers: int, bottleneck: int = 4) -> None:
        super().__init__()
        c = check_int(in_channels, "in_channels", min=1, max=MAX_CHANNELS)
        k = check_int(growth, "growth", min=1, max=MAX_CHANNELS)
        n = check_int(n_layers, "n_layers", min=1, max=256)
        b = check_int(bottleneck, "bottleneck", min=1, max=64)
        _check_block_size(sum((c + i * k) * b * k + 9 * b * k * k for i in range(n)),
                          "this dense block")
        self.in_channels = c
        self.layers = nn.ModuleList(DenseLayer(c + i * k, k, bottleneck) for i in range(n))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [_check_input(x, self.in_channels)]
        for layer in self.layers:
            features.append(layer(torch.cat(features, dim=1)))   # concatenate, never add
        return torch.cat(features, dim=1)


class InceptionModule(nn.Module):
    """GoogLeNet's Inception module: 1x1, 3x3, 5x5 convolutions and max pooling side by side.

    Parameters
    ----------
    in_channels : int
    c1 : int
        Filters of the 1x1 branch.
    c3_reduce, c3 : int
        1x1 reduction, then 3x3 filters.
    c5_reduce, c5 : int
        1x1 reduction, then 5x5 filters.
    pool_proj : int
        1x1 projection after the 3x3 max pooling.
    reduce : bool
        True: with the 1x1 reductions (the module GoogLeNet uses). False: the "naive" module
        (no reductions, no pool projection; the reduce arguments are ignored).

    Notes
    -----
    Every branch keeps the spatial size (stride 1, "same" padding), so the outputs can be
    concatenated along the channels: :math:`c_1 + c_3 + c_5 + p` channels (naive:
    :math:`c_1 + c_3 + c_5 + C_{in}`). Convolutions have biases and ReLU, as in the paper (no
    batch norm, which came later). Costs: :func:`helpers.architecture.inception_cost`.

    References
    ----------
    Szegedy et al., "Going deeper with convolutions", CVPR 2015, figure 2. Used in
    chapters/11_modern_architectures.ipynb.

    Examples
    --------
    >>> m = InceptionModule(192, 64, 96, 128, 16, 32, 32)      # GoogLeNet's (3a)
    >>> m(torch.zeros(1, 192, 28, 28)).shape
    torch.Size([1, 256, 28, 28])
    """

    def __init__(self, in_channels: int, c1: int, c3_reduce: int, c3: int, c5_reduce: int,
                 c5: int, pool_proj: int, reduce: bool = True) -> None:
        super().__init__()
        c_in = check_int(in_channels, "in_channels", min=1, max=MAX_CHANNELS)
        c1, r3, c3, r5, c5, pp = (
            check_int(v, n, min=1, max=MAX_CHANNELS) for v, n in
            ((c1, "c1"), (c3_reduce, "c3_reduce"), (c3, "c3"), (c5_reduce, "c5_reduce"),
             (c5, "c5"), (pool_proj, "pool_proj")))
        self.reduce = check_bool(reduce, "reduce")
        weights = c_in * c1 + (c_in * r3 + 9 * r3 * c3 + c_in * r5 + 25 * r5 * c5 + c_in * pp
                               if self.reduce else 9 * c_in * c3 + 25 * c_in * c5)
        _check_block_size(weights, "this Inception module")
        self.in_channels = c_in

        def conv(a: int, b: int, f: int) -> list[nn.Module]:
            return [nn.Conv2d(a, b, f, padding=f // 2), nn.ReLU(inplace=True)]

        self.branch1 = nn.Sequential(*conv(c_in, c1, 1))
        if self.reduce:
            self.branch3 = nn.Sequential(*conv(c_in, r3, 1), *conv(r3, c3, 3))
            self.branch5 = nn.Sequential(*conv(c_in, r5, 1), *conv(r5, c5, 5))
            self.branch_pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),
                                             *conv(c_in, pp, 1))
        else:
            self.branch3 = nn.Sequential(*conv(c_in, c3, 3))
            self.branch5 = nn.Sequential(*conv(c_in, c5, 5))
            self.branch_pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.in_channels)
        branches = (self.branch1, self.branch3, self.branch5, self.branch_pool)
        return torch.cat([branch(x) for branch in branches], dim=1)


class DepthwiseSeparableConv(nn.Module):
    """MobileNet's depthwise separable convolution: a depthwise f x f, then a pointwise 1x1.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int
        f (odd), 3 in MobileNet.
    stride : int
        Stride of the depthwise convolution.

    Notes
    -----
    Depthwise: one f x f filter per input channel (``groups = in_channels``), mixing space but
    not channels; pointwise: a 1x1 convolution mixing channels but not space. Each is followed
    by batch norm and ReLU (MobileNet v1, figure 3). Against a standard f x f convolution it
    costs :math:`1/N + 1/f^2` of the MACs (:func:`helpers.architecture.separable_conv_cost`).

    References
    ----------
    Howard et al., "MobileNets", arXiv:1704.04861, section 3.1. Used in
    chapters/11_modern_architectures.ipynb.

    Examples
    --------
    >>> block = DepthwiseSeparableConv(32, 64)
    >>> block(torch.zeros(1, 32, 8, 8)).shape, block.depthwise.groups
    (torch.Size([1, 64, 8, 8]), 32)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 stride: int = 1) -> None:
        super().__init__()
        c_in = check_int(in_channels, "in_channels", min=1, max=MAX_CHANNELS)
        c_out = check_int(out_channels, "out_channels", min=1, max=MAX_CHANNELS)
        f = check_int(kernel_size, "kernel_size", min=1, max=31, odd=True)
        stride = check_int(stride, "stride", min=1, max=4)
        _check_block_size(c_in * f * f + c_in * c_out, "this separable convolution")
        self.in_channels = c_in
        self.depthwise = nn.Conv2d(c_in, c_in, f, stride=stride, padding=f // 2, groups=c_in,
                                   bias=False)
        self.bn1 = nn.BatchNorm2d(c_in)
        self.pointwise = nn.Conv2d(c_in, c_out, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.in_channels)
        x = self.relu(self.bn1(self.depthwise(x)))       # space, channel by channel
        return self.relu(self.bn2(self.pointwise(x)))    # channels, pixel by pixel


class HighwayLayer(nn.Module):
    """A highway layer: a learned gate mixes a transformation of x with x itself.

    Parameters
    ----------
    features : int
        Width of the input and output vectors.
    gate_bias : float
        Initial bias of the transform gate, in [-10, 10]. Negative (the paper: -1 to -3) so
        that at first the gate is mostly closed and the layer mostly *carries* x through.

    Attributes
    ----------
    last_gate : torch.Tensor or None
        The transform gate T of the latest forward pass (detached), for inspection.

    Notes
    -----
    .. math:: y = T(x) \\odot H(x) + (1 - T(x)) \\odot x,\\qquad
              H(x) = \\mathrm{ReLU}(W_H x + b_H),\\quad T(x) = \\sigma(W_T x + b_T)

    With :math:`T = 0` the layer is the identity, with :math:`T = 1` a plain layer: gates learned
    per unit and per input, inspired by the LSTM's. A residual block is the special case with
    both paths always open (:math:`y = H(x) + x`), which needs no gate parameters.

    References
    ----------
    Srivastava, Greff & Schmidhuber, "Training very deep networks", NeurIPS 2015 (and "Highway
    networks", arXiv:1505.00387). Used in chapters/11_modern_architectures.ipynb.

    Examples
    --------
    >>> layer = HighwayLayer(4, gate_bias=-2.0)
    >>> _ = layer(torch.zeros(1, 4))
    >>> round(float(layer.last_gate[0, 0]), 3)          # sigmoid(-2): 88% of x is carried
    0.119
    """

    def __init__(self, features: int, gate_bias: float = -2.0) -> None:
        super().__init__()
        n = check_int(features, "features", min=1, max=MAX_CHANNELS)
        gate_bias = check_float(gate_bias, "gate_bias", min=-10, max=10)
        _check_block_size(2 * n * (n + 1), "this highway layer")
        self.features = n
        self.transform = nn.Linear(n, n)
        self.gate = nn.Linear(n, n)
        nn.init.constant_(self.gate.bias, gate_bias)
        self.last_gate: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x", ndim=2, shape_hint=f"(N, {self.features})")
        if x.shape[1] != self.features:
            raise ValueError(f"x must have {self.features} features in axis 1; got shape "
                             f"{tuple(x.shape)}")
        h = torch.relu(self.transform(x))
        t = torch.sigmoid(self.gate(x))
        self.last_gate = t.detach()
        return t * h + (1 - t) * x                      # transform where T ~ 1, carry where T ~ 0
