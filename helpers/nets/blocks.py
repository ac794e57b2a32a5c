"""Building blocks of modern CNNs, one class per idea (chapters 11 and 17).

Each block is a small ``torch.nn.Module`` whose ``forward`` reads like the paper's equation.
"""

from __future__ import annotations

import torch
from torch import nn

from .._validation import check_int

__all__ = ["SqueezeExcitation"]

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
