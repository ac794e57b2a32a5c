"""Building blocks of CNNs, one class (or layer recipe) per idea (chapters 11, 12, 13, 17, 21).

Each block is a small ``torch.nn.Module`` whose ``forward`` reads like the paper's equation;
:func:`conv_bn_relu` is the plain conv - batch norm - ReLU (- pool) stage the small detection
and embedding networks are stacked from.
"""

from __future__ import annotations

import torch
from torch import nn

from .._validation import check_bool, check_int

__all__ = ["SqueezeExcitation", "conv_bn_relu"]

MAX_CHANNELS = 8192


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
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)
        self.last_scale: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
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
