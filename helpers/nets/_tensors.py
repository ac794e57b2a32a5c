"""Input checks for the networks' ``forward`` methods and losses (torch tensors, not arrays).

:mod:`helpers._validation` checks numpy inputs and never imports torch; the networks check the
tensors they are handed here, so a wrong shape, an integer tensor or a NaN fails with a message
naming the argument instead of deep inside a convolution.
"""

from __future__ import annotations

from typing import Any

import torch

from .._validation import check_instance

__all__ = ["check_tensor"]


def check_tensor(x: Any, name: str, *, ndim: int, channels: int | None = None) -> torch.Tensor:
    """A finite, non-empty float tensor with ``ndim`` dimensions (and ``channels`` in axis 1).

    Examples
    --------
    >>> check_tensor(torch.zeros(2, 3), "x", ndim=2).shape
    torch.Size([2, 3])
    >>> check_tensor(torch.zeros(2, 3), "x", ndim=4)
    Traceback (most recent call last):
    ...
    ValueError: x must be 4-D; got shape (2, 3)
    """
    check_instance(x, name, torch.Tensor, f"a torch.Tensor with {ndim} dimensions")
    if x.ndim != ndim or (channels is not None and x.shape[1] != channels):
        want = f"(N, {channels}, H, W)" if channels is not None else f"{ndim}-D"
        raise ValueError(f"{name} must be {want}; got shape {tuple(x.shape)}")
    if x.numel() == 0:
        raise ValueError(f"{name} must not be empty; got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a float tensor; got {x.dtype}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or infinity")
    return x
