"""The networks chapters 10 and 11 count, by name, built without allocating their weights.

:func:`build_network` returns a model on torch's ``meta`` device (shapes without data: VGG-16's
138 million parameters cost no memory) and its input shape; :func:`network_tables` returns their
:func:`helpers.nets.summary.layer_table` s, what the architecture explorer shows. The course's
own LeNet-5, AlexNet and ZFNet come from :mod:`helpers.nets.classic`, the others from
torchvision's constructors with ``weights=None`` (nothing is downloaded).

Used in chapters/10_classic_networks.ipynb and chapters/11_modern_architectures.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from .._validation import check_choice, describe
from . import classic
from .summary import layer_table

__all__ = ["NETWORKS", "build_network", "network_tables"]

#: name -> (builder, input shape, year, paper). Builders take no argument.
NETWORKS: dict[str, tuple[str, tuple[int, int, int], int, str]] = {
    "LeNet-5": ("classic.LeNet5", (1, 28, 28), 1998, "LeCun et al., Proc. IEEE 1998"),
    "AlexNet": ("classic.AlexNet", (3, 227, 227), 2012, "Krizhevsky et al., NeurIPS 2012"),
    "ZFNet": ("classic.ZFNet", (3, 224, 224), 2013, "Zeiler & Fergus, ECCV 2014"),
    "VGG-16": ("vgg16", (3, 224, 224), 2014, "Simonyan & Zisserman, ICLR 2015"),
    "GoogLeNet": ("googlenet", (3, 224, 224), 2014, "Szegedy et al., CVPR 2015"),
    "ResNet-18": ("resnet18", (3, 224, 224), 2015, "He et al., CVPR 2016"),
    "ResNet-50": ("resnet50", (3, 224, 224), 2015, "He et al., CVPR 2016"),
    "DenseNet-121": ("densenet121", (3, 224, 224), 2016, "Huang et al., CVPR 2017"),
    "MobileNetV2": ("mobilenet_v2", (3, 224, 224), 2018, "Sandler et al., CVPR 2018"),
    "EfficientNet-B0": ("efficientnet_b0", (3, 224, 224), 2019, "Tan & Le, ICML 2019"),
}


def build_network(name: str, *, device: str = "meta") -> tuple[nn.Module, tuple[int, ...]]:
    """One of :data:`NETWORKS`, with random (or no) weights, and its input shape.

    Parameters
    ----------
    name : str
        A key of :data:`NETWORKS`, e.g. ``"VGG-16"``.
    device : {"meta", "cpu"}
        ``"meta"`` (default): shapes only, no memory, cannot compute; ``"cpu"``: real random
        weights (VGG-16 then takes 553 MB).

    Returns
    -------
    model : torch.nn.Module
        In eval mode.
    input_shape : tuple (C, H, W)
        The input size of the paper (227 for the course's AlexNet, 28 for LeNet-5 on digits).

    Examples
    --------
    >>> model, shape = build_network("VGG-16")
    >>> shape, next(model.parameters()).device.type
    ((3, 224, 224), 'meta')
    """
    check_choice(name, "name", NETWORKS)
    check_choice(device, "device", ("meta", "cpu"))
    builder, shape, _, _ = NETWORKS[name]
    with torch.device(device):
        if builder.startswith("classic."):
            model = getattr(classic, builder.split(".")[1])()
        else:
            import torchvision

            kwargs = {"init_weights": True} if builder == "googlenet" else {}
            model = getattr(torchvision.models, builder)(weights=None, **kwargs)
    return model.eval(), shape


def network_tables(names: Sequence[str] | None = None) -> dict[str, Any]:
    """Layer tables of several :data:`NETWORKS` (all by default), built on ``meta``.

    Parameters
    ----------
    names : sequence of str, optional
        Keys of :data:`NETWORKS` (at least one); None: all of them.

    Returns
    -------
    dict of str to pandas.DataFrame
        name -> :func:`helpers.nets.summary.layer_table` at the network's input shape.

    Examples
    --------
    >>> tables = network_tables(["LeNet-5"])
    >>> int(tables["LeNet-5"]["parameters"].sum())
    61706
    """
    if names is None:
        names = list(NETWORKS)
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise TypeError(f"names must be a list of network names; got {describe(names)}")
    if not names:
        raise ValueError("names must list at least one network (None: all of NETWORKS); got "
                         "an empty list")
    for i, name in enumerate(names):
        check_choice(name, f"names[{i}]", NETWORKS)
    tables = {}
    for name in names:
        model, shape = build_network(name)
        tables[name] = layer_table(model, shape)
    return tables
