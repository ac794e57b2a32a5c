"""Chapter 09's small digit classifier in torch, twin of the numpy :class:`helpers.cnn.SmallCNN`.

The numpy network (:mod:`helpers.cnn`) is the one the chapter builds layer by layer; this is the
same architecture written as a ``torch.nn.Module``, so that the two can be compared logit for
logit and gradient for gradient, and trained on the very same batches.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._validation import check_instance, check_int, check_network_input

__all__ = ["TorchSmallCNN"]


class TorchSmallCNN(nn.Module):
    """``conv1 -> ReLU -> max-pool 2 -> conv2 -> ReLU -> max-pool 2 -> flatten -> fc``.

    Parameters
    ----------
    c1, c2 : int
        Channels of the two 3x3 convolutions (padding 1: "same").
    size : int
        Side of the square input (divisible by 4: two 2x2 poolings).
    n_classes : int
        Outputs of the fully connected layer.
    in_channels : int
        Channels of the input (1 for gray digits).
    seed : int
        Seeds torch's default initialisation (the global RNG is left as it was). To start from
        a numpy :class:`~helpers.cnn.SmallCNN`'s weights use :meth:`from_numpy`.

    Notes
    -----
    Input ``(N, in_channels, size, size)`` float in [0, 1]; output ``(N, n_classes)`` logits.
    Layer by layer the numpy forward pass of :class:`helpers.cnn.SmallCNN` (the flatten order
    is (C, H, W) in both), so on equal weights the logits agree to float32 rounding.

    References
    ----------
    LeCun et al., "Gradient-based learning applied to document recognition", Proc. IEEE 86(11),
    1998. Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> model = TorchSmallCNN(c1=4, c2=8)
    >>> model(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        c1: int = 16,
        c2: int = 32,
        *,
        size: int = 28,
        n_classes: int = 10,
        in_channels: int = 1,
        seed: int = 0,
    ) -> None:
        super().__init__()
        c1, c2 = check_int(c1, "c1", min=1, max=512), check_int(c2, "c2", min=1, max=512)
        size = check_int(size, "size", min=4, max=512)
        if size % 4:
            raise ValueError(f"size must be divisible by 4 (two 2x2 poolings); got {size}")
        n_classes = check_int(n_classes, "n_classes", min=2, max=10_000)
        in_channels = check_int(in_channels, "in_channels", min=1, max=64)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(check_int(seed, "seed", min=0))
            self.conv1 = nn.Conv2d(in_channels, c1, 3, padding=1)
            self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
            self.fc = nn.Linear(c2 * (size // 4) ** 2, n_classes)
        self.size, self.in_channels = size, in_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, in_channels, size, size)`` images -> ``(N, n_classes)`` logits."""
        x = check_network_input(x, "this TorchSmallCNN", channels=self.in_channels,
                                hint=f"(N, {self.in_channels}, {self.size}, {self.size})",
                                side=lambda h: h // 4, want=self.size // 4)
        x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))

    @classmethod
    def from_numpy(cls, net) -> TorchSmallCNN:
        """The same network with the numpy ``net``'s weights copied in (as float32).

        Examples
        --------
        >>> from helpers.cnn import SmallCNN
        >>> net = SmallCNN.init(rng=0)
        >>> model = TorchSmallCNN.from_numpy(net)
        >>> bool(np.allclose(model.fc.weight.detach().numpy(), net.fc_w))
        True
        """
        from ..cnn import SmallCNN

        check_instance(net, "net", SmallCNN)
        c1, c_in = net.conv1_w.shape[:2]
        c2 = net.conv2_w.shape[0]
        n_classes, n_flat = net.fc_w.shape
        size = 4 * int(round(np.sqrt(n_flat / c2)))
        model = cls(c1, c2, size=size, n_classes=n_classes, in_channels=c_in)
        with torch.no_grad():
            for layer, (w, b) in (
                (model.conv1, (net.conv1_w, net.conv1_b)),
                (model.conv2, (net.conv2_w, net.conv2_b)),
                (model.fc, (net.fc_w, net.fc_b)),
            ):
                layer.weight.copy_(torch.from_numpy(np.asarray(w, np.float32)))
                layer.bias.copy_(torch.from_numpy(np.asarray(b, np.float32)))
        return model
