"""A small digit CNN built to be looked into (chapter 17): named stages and optional SE blocks.

:class:`SEDigitNet` classifies 28x28 digits with three named convolution stages
(``conv1``, ``conv2``, ``conv3``), so Grad-CAM can hook ``net.conv3`` and the chapter can name
what it shows. With ``se=True`` a squeeze-and-excitation block
(:class:`helpers.nets.blocks.SqueezeExcitation`) follows ``conv2`` and ``conv3``: the course's own
network with channel attention, trained in the chapter, because the pretrained EfficientNet-Lite
has no SE blocks to show (its "Lite" variant removed them).

Used in chapters/17_inside_cnns.ipynb.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._memory import release_memory
from .._validation import check_bool, check_int, check_network_input
from .blocks import SqueezeExcitation

__all__ = ["SEDigitNet"]

MAX_WIDTH = 256
MAX_BATCH = 100_000


class SEDigitNet(nn.Module):
    """A three-stage digit CNN, with squeeze-and-excitation after stages 2 and 3 if asked.

    Parameters
    ----------
    width : int
        Channels of ``conv1`` (``conv2`` and ``conv3`` have twice as many), 4 to 256.
    se : bool
        Add :class:`~helpers.nets.blocks.SqueezeExcitation` blocks (``se2``, ``se3``).
    reduction : int
        The SE bottleneck's reduction ratio r.
    seed : int
        Seeds the initial weights (inside ``torch.random.fork_rng``: the global torch random
        state is left alone).

    Attributes
    ----------
    conv1, conv2, conv3 : torch.nn.Sequential
        The stages; their outputs are 28x28, 14x14 and 14x14 maps. ``conv3`` is the last
        convolutional stage, the usual Grad-CAM layer.
    se2, se3 : SqueezeExcitation or torch.nn.Identity
        Channel attention after ``conv2`` and ``conv3`` (``se2.last_scale`` holds the latest
        channel weights).
    classifier : torch.nn.Sequential
        2x2 max-pool, flatten, 64 hidden units, 10 logits.

    Notes
    -----
    ``(N, 1, 28, 28)`` in [0, 1] -> centre (subtract 0.5) -> conv1 (3x3, ReLU) -> 2x2 max-pool
    -> conv2 (3x3, ReLU) -> se2 -> conv3 (3x3, ReLU) -> se3 -> classifier. About 45,000
    weights at ``width=16``.

    References
    ----------
    J. Hu, L. Shen, G. Sun, "Squeeze-and-excitation networks", CVPR 2018. Used in
    chapters/17_inside_cnns.ipynb.

    Examples
    --------
    >>> net = SEDigitNet(width=8)
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    >>> tuple(net.se3.last_scale.shape)
    (2, 16)
    """

    def __init__(self, width: int = 16, *, se: bool = True, reduction: int = 4,
                 seed: int = 0) -> None:
        super().__init__()
        width = check_int(width, "width", min=4, max=MAX_WIDTH)
        se = check_bool(se, "se")
        reduction = check_int(reduction, "reduction", min=1, max=2 * width)
        seed = check_int(seed, "seed", min=0, max=2**63 - 1)
        wide = 2 * width
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.conv1 = nn.Sequential(nn.Conv2d(1, width, 3, padding=1), nn.ReLU())
            self.pool = nn.MaxPool2d(2)
            self.conv2 = nn.Sequential(nn.Conv2d(width, wide, 3, padding=1), nn.ReLU())
            self.se2 = SqueezeExcitation(wide, reduction) if se else nn.Identity()
            self.conv3 = nn.Sequential(nn.Conv2d(wide, wide, 3, padding=1), nn.ReLU())
            self.se3 = SqueezeExcitation(wide, reduction) if se else nn.Identity()
            self.classifier = nn.Sequential(
                nn.MaxPool2d(2), nn.Flatten(), nn.Linear(wide * 7 * 7, 32), nn.ReLU(),
                nn.Linear(32, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, 1, 28, 28)`` digits in [0, 1] -> ``(N, 10)`` logits."""
        x = check_network_input(x, "SEDigitNet", channels=1, hint="(N, 1, 28, 28)",
                                side=lambda h: h // 4, want=7)
        x = self.pool(self.conv1(x - 0.5))
        x = self.se2(self.conv2(x))
        x = self.se3(self.conv3(x))
        return self.classifier(x)

    def channel_weights(self, x: torch.Tensor, *, batch_size: int = 250) -> dict[str, np.ndarray]:
        """The SE blocks' channel weights for every digit of ``x``.

        Parameters
        ----------
        x : (N, 1, 28, 28) torch.Tensor
            Digits in [0, 1] (:func:`helpers.image.to_tensor`).
        batch_size : int
            Digits per forward pass (1 to 100,000): memory is that of one batch, not of all N.

        Returns
        -------
        dict
            ``{"se2": (N, C) ndarray, "se3": (N, C) ndarray}`` of float32 in (0, 1), C being
            ``2 * width``: what each block multiplied each channel by, digit by digit. Computed
            in eval mode without gradients.

        Examples
        --------
        >>> w = SEDigitNet(width=8).channel_weights(torch.zeros(3, 1, 28, 28))
        >>> {name: v.shape for name, v in w.items()}
        {'se2': (3, 16), 'se3': (3, 16)}
        """
        if not isinstance(self.se2, SqueezeExcitation):
            raise ValueError("this SEDigitNet was built with se=False: it has no channel weights")
        x = check_network_input(x, "SEDigitNet", channels=1, hint="(N, 1, 28, 28)",
                                side=lambda h: h // 4, want=7)
        batch_size = check_int(batch_size, "batch_size", min=1, max=MAX_BATCH)
        parts: dict[str, list[np.ndarray]] = {"se2": [], "se3": []}
        was_training = self.training
        try:
            self.eval()
            with torch.no_grad():
                for chunk in x.split(batch_size):
                    self(chunk)
                    for name, found in parts.items():
                        found.append(getattr(self, name).last_scale.numpy())
        finally:
            self.train(was_training)
        weights = {name: np.concatenate(found) for name, found in parts.items()}
        release_memory()  # the batches' activations
        return weights
