"""Why skip connections matter, measured: a deep plain network and the same one with skips.

:class:`DeepDigitNet` stacks ``n_blocks`` blocks of two 3x3 convolutions on 28x28 digits, with
or without the identity shortcut of a residual block and without batch norm, so that the only
difference between the two networks is the ``+ x``. :func:`layer_gradient_norms` measures how
much gradient reaches each layer at initialisation (the vanishing-gradient picture); chapter 11
trains both with :func:`helpers.nets.training.fit` under the same budget.

Used in chapters/11_modern_architectures.ipynb.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from .._validation import check_bool, check_int, check_network_input, check_tensor, describe

__all__ = ["DeepDigitNet", "layer_gradient_norms"]


class DeepDigitNet(nn.Module):
    """A deep CNN for 28x28 digits: stem, ``n_blocks`` two-convolution blocks, pooling, classifier.

    Parameters
    ----------
    n_blocks : int
        Blocks of two 3x3 convolutions (1 to 64); the network has ``2 * n_blocks + 2`` weight
        layers (stem and classifier included).
    width : int
        Channels inside the blocks (1 to 128).
    residual : bool
        Add each block's input to its output (``y = ReLU(F(x) + x)``, a ResNet basic block
        without batch norm) or not (``y = ReLU(F(x))``, a plain network of the same depth, same
        layers and same parameter count).
    in_channels, num_classes : int

    Notes
    -----
    Stem: 3x3 convolution with stride 2 (28 -> 14), ReLU and 2x2 max pooling (-> 7). Blocks:
    conv-ReLU-conv (+ x) - ReLU at 7x7. Head: a fully connected layer on the flattened maps.
    There is no batch norm on purpose (the other remedy for vanishing gradients; ResNet uses
    both): the two networks differ only by the skip connections. Weights start with torch's
    defaults.

    References
    ----------
    He et al., "Deep residual learning for image recognition", CVPR 2016, section 4.2 (plain
    vs residual networks of equal depth). Used in chapters/11_modern_architectures.ipynb.

    Examples
    --------
    >>> net = DeepDigitNet(n_blocks=3, width=8, residual=True)
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    >>> len(net.weight_layers())
    8
    """

    def __init__(self, n_blocks: int = 10, width: int = 16, residual: bool = True,
                 in_channels: int = 1, num_classes: int = 10) -> None:
        super().__init__()
        n = check_int(n_blocks, "n_blocks", min=1, max=64)
        w = check_int(width, "width", min=1, max=128)
        self.residual = check_bool(residual, "residual")
        c = check_int(in_channels, "in_channels", min=1, max=64)
        k = check_int(num_classes, "num_classes", min=1, max=100_000)
        self.stem = nn.Conv2d(c, w, 3, stride=2, padding=1)
        self.stem_pool = nn.MaxPool2d(2)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv2d(w, w, 3, padding=1), nn.ReLU(), nn.Conv2d(w, w, 3, padding=1))
            for _ in range(n)
        )
        self.fc = nn.Linear(w * 7 * 7, k)
        self.in_channels = c

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, in_channels, 28, 28)`` digits -> ``(N, num_classes)`` scores."""
        x = check_network_input(x, "DeepDigitNet", channels=self.in_channels,
                                hint=f"(N, {self.in_channels}, 28, 28)",
                                side=lambda h: ((h - 1) // 2 + 1) // 2, want=7)
        x = self.stem_pool(torch.relu(self.stem(x)))
        for block in self.blocks:
            x = torch.relu(block(x) + x) if self.residual else torch.relu(block(x))
        return self.fc(x.flatten(1))

    def weight_layers(self) -> list[tuple[str, nn.Module]]:
        """(name, module) of the convolution and linear layers, input side first."""
        return [(name, m) for name, m in self.named_modules()
                if isinstance(m, (nn.Conv2d, nn.Linear))]


def layer_gradient_norms(
    model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, *, loss: Any = None
) -> tuple[list[str], np.ndarray]:
    """The gradient norm of each weight layer for one batch: how much learning signal reaches it.

    Parameters
    ----------
    model : torch.nn.Module
        Its convolution and linear layers are measured, input side first. Not changed (its
        gradients are computed and cleared, its train/eval mode restored).
    inputs : (N, C, H, W) torch.Tensor
    targets : (N,) torch.Tensor of int64
    loss : callable, optional
        ``loss(outputs, targets)``; cross-entropy by default.

    Returns
    -------
    names : list of str
        The layers' names.
    norms : (L,) ndarray of float64
        :math:`\\lVert \\partial L / \\partial W_l \\rVert_2` for each layer's weight.

    Notes
    -----
    Backpropagation multiplies the gradient by each layer's Jacobian on its way down. In a
    plain stack these factors compound, so the first layers can receive orders of magnitude
    less gradient than the last (vanishing) or more (exploding); a skip connection adds an
    identity path, :math:`\\partial (F(x) + x)/\\partial x = \\partial F / \\partial x + I`,
    which keeps the signal.

    References
    ----------
    Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural
    networks", AISTATS 2010. Used in chapters/11_modern_architectures.ipynb.

    Examples
    --------
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> net = DeepDigitNet(n_blocks=2, width=4)
    >>> names, norms = layer_gradient_norms(net, torch.rand(8, 1, 28, 28), torch.arange(8))
    >>> names[0], len(norms), bool((norms > 0).all())
    ('stem', 6, True)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {describe(model)}")
    if not isinstance(inputs, torch.Tensor) or not inputs.is_floating_point():
        raise TypeError(f"inputs must be a float torch.Tensor (N, C, H, W); got "
                        f"{describe(inputs)} - convert images with helpers.image.to_tensor")
    check_tensor(inputs, "inputs", ndim=4, shape_hint="(N, C, H, W)")
    check_int(len(inputs), "len(inputs)", min=1, max=4096)
    if not isinstance(targets, torch.Tensor) or targets.dim() != 1 or \
            len(targets) != len(inputs):
        raise ValueError(f"targets must be a 1-D tensor with one label per input of inputs "
                         f"({len(inputs)}); got {describe(targets)}")
    if loss is None:
        loss = nn.functional.cross_entropy
    elif not callable(loss):
        raise TypeError(f"loss must be a function loss(outputs, targets); got {describe(loss)}")
    layers = [(n, m) for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    if not layers:
        raise ValueError("model has no convolution or linear layer to measure")
    params = [m.weight for _, m in layers]
    was_training = model.training
    model.eval()
    try:
        grads = torch.autograd.grad(loss(model(inputs), targets), params)
    finally:
        model.train(was_training)
    norms = np.array([float(g.norm()) for g in grads], dtype=np.float64)
    return [name for name, _ in layers], norms
