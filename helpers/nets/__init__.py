"""The course's torch networks, one documented class per idea, and the one training loop.

Every ``torch.nn.Module`` the chapters train or inspect lives here as an importable class
(never defined inside a function), grouped by chapter topic; :func:`helpers.nets.training.fit`
trains all of them. Unlike the rest of :mod:`helpers`, these modules import torch at the top:
nothing imports them until a chapter asks for a network, so ``import helpers`` stays light.

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
