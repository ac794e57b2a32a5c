"""The classic CNNs of chapter 10, written out layer by layer as their papers describe them.

* :class:`LeNet5` (LeCun et al. 1998): two convolution + average-pooling stages and three fully
  connected layers, tanh activations; small enough to train on the course's digits in seconds.
* :class:`AlexNet` (Krizhevsky et al. 2012) as in the paper: 96-256-384-384-256 filters, ReLU,
  local response normalisation, overlapping 3x3/2 max pooling, dropout, and the two-GPU split
  as grouped convolutions (``groups=2``: exactly the paper's 60,965,224 parameters).
  ``torchvision.models.alexnet`` is a later one-GPU variant (64-192-384-256-256 filters, no
  LRN), so its counts differ; chapter 10 shows both.
* :class:`ZFNet` (Zeiler & Fergus 2014): AlexNet with a 7x7 stride-2 first layer instead of
  11x11 stride 4, a stride-2 second layer, and no GPU split.

VGG-16 and GoogLeNet come from torchvision (``vgg16(weights=None)``, ``googlenet(weights=None)``),
whose layouts follow their papers. Build the ImageNet-sized networks on torch's ``meta`` device
(``with torch.device("meta"): AlexNet()``) to count them without allocating their weights.

Used in chapters/10_classic_networks.ipynb.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._validation import (
    check_bool,
    check_choice,
    check_int,
    check_network_input,
    check_tensor,
    describe,
)

__all__ = ["AlexNet", "LeNet5", "Standardize", "ZFNet", "random_shift_batch"]

MAX_CLASSES = 100_000
#: AlexNet's and ZFNet's last layer has 4096 x num_classes weights: 10,000 classes are 164 MB.
MAX_IMAGENET_CLASSES = 10_000
#: Mean and standard deviation of MNIST's training pixels in [0, 1] (the usual constants).
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


class Standardize(nn.Module):
    """First layer of a network that wants centred inputs: ``(x - mean) / std``, nothing learned.

    The course feeds every network ``[0, 1]`` batches (:func:`helpers.image.to_tensor`); a
    network that was designed for standardised inputs says so with this layer.

    Examples
    --------
    >>> Standardize(0.5, 0.25)(torch.tensor([0.0, 0.5, 1.0]))
    tensor([-2.,  0.,  2.])
    """

    def __init__(self, mean: float = MNIST_MEAN, std: float = MNIST_STD) -> None:
        super().__init__()
        for name, value in (("mean", mean), ("std", std)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                    not abs(value) < 1e6 or value != value:
                raise ValueError(f"{name} must be a finite number; got {value!r}")
        if std <= 0:
            raise ValueError(f"std must be > 0; got {std!r}")
        self.mean, self.std = float(mean), float(std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(x - mean) / std`` for a float tensor of any shape."""
        meta = isinstance(x, torch.Tensor) and x.device.type == "meta"
        return (check_tensor(x, "x", finite=not meta) - self.mean) / self.std

    def extra_repr(self) -> str:
        return f"mean={self.mean}, std={self.std}"


def random_shift_batch(batch: tuple, rng: np.random.Generator, max_shift: int = 2) -> tuple:
    """Augmentation for :func:`helpers.nets.training.fit`: move each image by up to 2 pixels.

    Parameters
    ----------
    batch : tuple (images, *targets)
        ``images`` a ``(N, C, H, W)`` tensor; the targets pass through unchanged.
    rng : numpy.random.Generator
        fit's generator (so a run is reproducible).
    max_shift : int
        Largest shift in each direction, 0 to 8; each image gets its own (dy, dx).

    Returns
    -------
    tuple
        The shifted images (zeros come in at the border) and the unchanged targets.

    Notes
    -----
    A digit moved by two pixels is still the same digit: every epoch the network sees slightly
    different images and memorises the 4,000 training digits less.

    References
    ----------
    Simard, Steinkraus & Platt, "Best practices for convolutional neural networks applied to
    visual document analysis", ICDAR 2003. Used in chapters/10_classic_networks.ipynb and
    chapters/11_modern_architectures.ipynb.

    Examples
    --------
    >>> x = torch.arange(9.0).reshape(1, 1, 3, 3)
    >>> random_shift_batch((x,), np.random.default_rng(0), max_shift=0)[0].equal(x)
    True
    """
    if not isinstance(batch, (tuple, list)) or not batch or not isinstance(batch[0], torch.Tensor) \
            or batch[0].dim() != 4:
        raise TypeError("batch must be a tuple (images, *targets) with images a (N, C, H, W) "
                        f"tensor; got {describe(batch)}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {describe(rng)}")
    m = check_int(max_shift, "max_shift", min=0, max=8)
    x = batch[0]
    n, _, h, w = x.shape
    padded = torch.nn.functional.pad(x, (m, m, m, m))
    dy = torch.from_numpy(rng.integers(0, 2 * m + 1, n))
    dx = torch.from_numpy(rng.integers(0, 2 * m + 1, n))
    rows = (dy[:, None] + torch.arange(h))[:, :, None]              # (N, H, 1)
    cols = (dx[:, None] + torch.arange(w))[:, None, :]              # (N, 1, W)
    shifted = padded[torch.arange(n)[:, None, None], :, rows, cols]  # (N, H, W, C)
    return (shifted.permute(0, 3, 1, 2).contiguous(), *batch[1:])


class LeNet5(nn.Module):
    """LeNet-5: conv 5x5 (6) - avg pool - conv 5x5 (16) - avg pool - FC 120 - FC 84 - FC 10.

    Parameters
    ----------
    in_channels : int
        1 for gray digits.
    num_classes : int
    padding : int
        Zero padding of the first convolution: 2 turns a 28x28 MNIST digit into the 32x32 field
        the paper's first layer saw (its digits were centred in 32x32 images).
    activation : {"tanh", "relu"}
        The paper used a scaled tanh; "relu" is the modern choice.
    standardize : bool
        Start with :class:`Standardize` (MNIST's mean and std), as the paper scaled its inputs
        to mean 0 and variance about 1 (background -0.1, ink 1.175): tanh units learn faster
        on centred inputs.

    Notes
    -----
    Shapes for a (1, 28, 28) digit: C1 (6, 28, 28) -> S2 (6, 14, 14) -> C3 (16, 10, 10) -> S4
    (16, 5, 5) -> C5 = FC 400 -> 120 -> F6 84 -> 10 scores. 61,706 parameters. The paper's C3
    connected each map to only some of S2's maps and its output layer was a radial-basis layer;
    here C3 is a full convolution and the output a plain linear layer, as in today's versions.

    References
    ----------
    LeCun, Bottou, Bengio & Haffner, "Gradient-based learning applied to document
    recognition", Proc. IEEE 86(11), 1998, section II.B. Used in
    chapters/10_classic_networks.ipynb.

    Examples
    --------
    >>> net = LeNet5()
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    >>> sum(p.numel() for p in net.parameters())
    61706
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, padding: int = 2,
                 activation: str = "tanh", standardize: bool = True) -> None:
        super().__init__()
        in_channels = check_int(in_channels, "in_channels", min=1, max=64)
        num_classes = check_int(num_classes, "num_classes", min=1, max=MAX_CLASSES)
        padding = check_int(padding, "padding", min=0, max=8)
        act = {"tanh": nn.Tanh, "relu": nn.ReLU}[check_choice(activation, "activation",
                                                                ("tanh", "relu"))]
        first = [Standardize()] if check_bool(standardize, "standardize") else []
        self.in_channels, self.padding = in_channels, padding
        self.features = nn.Sequential(
            *first,
            nn.Conv2d(in_channels, 6, 5, padding=padding), act(),   # C1
            nn.AvgPool2d(2),                                        # S2
            nn.Conv2d(6, 16, 5), act(),                             # C3
            nn.AvgPool2d(2),                                        # S4
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), act(),                      # C5
            nn.Linear(120, 84), act(),                              # F6
            nn.Linear(84, num_classes),                             # output
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, in_channels, 28, 28)`` digits (with padding 2) -> ``(N, num_classes)`` scores."""
        side = 28 + 2 * (2 - self.padding)  # 32 x 32 after the first convolution's padding
        x = check_network_input(x, "LeNet5", channels=self.in_channels,
                                hint=f"(N, {self.in_channels}, {side}, {side})",
                                side=lambda h: ((h + 2 * self.padding - 4) // 2 - 4) // 2, want=5)
        return self.classifier(self.features(x))


def _alexnet_side(h: int) -> int:
    h = (h - 11) // 4 + 1                 # conv1 11x11/4
    for _ in range(3):                    # three 3x3/2 max poolings (the convs keep the size)
        h = (h - 3) // 2 + 1
    return h


def _zfnet_side(h: int) -> int:
    h = (h + 2 - 7) // 2 + 1              # conv1 7x7/2, padding 1
    h = (h + 2 - 3) // 2 + 1              # max pool 3x3/2, padding 1
    h = (h - 5) // 2 + 1                  # conv2 5x5/2
    h = (h + 2 - 3) // 2 + 1              # max pool 3x3/2, padding 1
    return (h - 3) // 2 + 1               # max pool 3x3/2


class AlexNet(nn.Module):
    """AlexNet as in the 2012 paper, for 3x227x227 images.

    Parameters
    ----------
    num_classes : int
    groups : {1, 2}
        2 (the paper): conv2, conv4 and conv5 are split into two halves, one per GPU, each seeing
        only its half of the previous layer's maps. 1: every filter sees every map.
    dropout : float
        Dropout probability before the first two fully connected layers (0.5 in the paper).

    Notes
    -----
    conv1 96 11x11/4 - ReLU - LRN - max pool 3x3/2 - conv2 256 5x5 pad 2 - ReLU - LRN - max pool
    3x3/2 - conv3 384 3x3 - conv4 384 3x3 - conv5 256 3x3 - max pool 3x3/2 - FC 4096 - FC 4096
    - FC 1000, dropout before the first two FC layers. With ``groups=2``: 60,965,224
    parameters (the paper's "60 million"). The paper's text says 224x224 inputs, but its
    arithmetic needs 227: (227 - 11) / 4 + 1 = 55.

    References
    ----------
    Krizhevsky, Sutskever & Hinton, "ImageNet classification with deep convolutional neural
    networks", NeurIPS 2012, section 3 and figure 2. Used in chapters/10_classic_networks.ipynb.

    Examples
    --------
    >>> with torch.device("meta"):
    ...     net = AlexNet()
    >>> sum(p.numel() for p in net.parameters())
    60965224
    """

    def __init__(self, num_classes: int = 1000, groups: int = 2, dropout: float = 0.5) -> None:
        super().__init__()
        num_classes = check_int(num_classes, "num_classes", min=1, max=MAX_IMAGENET_CLASSES)
        groups = check_choice(groups, "groups", (1, 2))
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or \
                not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a probability in [0, 1); got {dropout!r}")
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(inplace=True),
            nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0),
            nn.MaxPool2d(3, stride=2),                                   # overlapping pooling
            nn.Conv2d(96, 256, 5, padding=2, groups=groups), nn.ReLU(inplace=True),
            nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0),
            nn.MaxPool2d(3, stride=2),
            nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 384, 3, padding=1, groups=groups), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, 3, padding=1, groups=groups), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, 3, 227, 227)`` images -> ``(N, num_classes)`` scores."""
        x = check_network_input(x, "AlexNet", channels=3, hint="(N, 3, 227, 227)",
                                side=_alexnet_side, want=6)
        return self.classifier(self.features(x))


class ZFNet(nn.Module):
    """ZFNet (Zeiler & Fergus 2013): AlexNet with smaller, denser first-layer filters.

    Parameters
    ----------
    num_classes : int
    dropout : float
        Dropout probability before the first two fully connected layers.

    Notes
    -----
    For 3x224x224 images: conv1 96 7x7/2 (AlexNet: 11x11/4) -> 110x110 - ReLU - LRN - max pool
    3x3/2 -> 55 - conv2 256 5x5/2 -> 26 (AlexNet's conv2 has stride 1) - ReLU - LRN - max pool
    -> 13 - conv3 384, conv4 384, conv5 256 (3x3, dense: no GPU split) - max pool -> 6 - FC 4096
    - FC 4096 - FC 1000. The paper's visualisations showed AlexNet's 11x11/4 first layer left
    dead filters and aliasing; the smaller filters and stride fixed both.

    References
    ----------
    Zeiler & Fergus, "Visualizing and understanding convolutional networks", ECCV 2014,
    section 4.1 and figure 3. Used in chapters/10_classic_networks.ipynb.

    Examples
    --------
    >>> with torch.device("meta"):
    ...     net = ZFNet()
    >>> net.features[0]
    Conv2d(3, 96, kernel_size=(7, 7), stride=(2, 2), padding=(1, 1))
    >>> net.features[4]
    Conv2d(96, 256, kernel_size=(5, 5), stride=(2, 2))
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        num_classes = check_int(num_classes, "num_classes", min=1, max=MAX_IMAGENET_CLASSES)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or \
                not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a probability in [0, 1); got {dropout!r}")
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, 7, stride=2, padding=1), nn.ReLU(inplace=True),
            nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0),
            nn.MaxPool2d(3, stride=2, padding=1),
            nn.Conv2d(96, 256, 5, stride=2), nn.ReLU(inplace=True),
            nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0),
            nn.MaxPool2d(3, stride=2, padding=1),
            nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, 3, 224, 224)`` images -> ``(N, num_classes)`` scores."""
        x = check_network_input(x, "ZFNet", channels=3, hint="(N, 3, 224, 224)",
                                side=_zfnet_side, want=6)
        return self.classifier(self.features(x))
