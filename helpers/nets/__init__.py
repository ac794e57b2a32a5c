"""The course's torch networks, one documented class per idea, and the one training loop.

Every ``torch.nn.Module`` the chapters train or inspect lives here as an importable class
(never defined inside a function), grouped by chapter topic; :func:`helpers.nets.training.fit`
trains all of them. Unlike the rest of :mod:`helpers`, these modules import torch at the top:
nothing imports them until a chapter asks for a network, so ``import helpers`` stays light.

One module per topic::

    helpers.nets.training    fit (the one training loop), predict, accuracy
    helpers.nets.history     History, the record of a run (torch-free: the numpy trainer fills it)
    helpers.nets.blocks      building blocks: conv_bn_relu, SqueezeExcitation
    helpers.nets.cnn         TorchSmallCNN, chapter 09's network in torch
    helpers.nets.detection   TinyDetector, LandmarkRegressor, their loss, trainers, predictors
    helpers.nets.embedding   EmbeddingNet, CosineSoftmax: Deep SORT's appearance net
    helpers.nets.segmentation TinyUNet, TinyUNet3d, TinyFPN, the Dice loss (chapters 14, 18)

Names are looked up lazily, as in :mod:`helpers.widgets`: ``from helpers.nets import fit``
imports only :mod:`helpers.nets.training`.
"""

from __future__ import annotations

from .. import _lazy

__all__: list[str] = []


def __getattr__(name: str):
    return _lazy.resolve(__name__, __path__[0], name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_lazy.exports(__path__[0])))
