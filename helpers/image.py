"""The one contract for images and batches, and the one converter between their forms.

Every chapter passes images around in exactly these forms (``../shared/STYLE.md``, rule 4):

==========================  ===========================================  ==================
form                        shape                                        values
==========================  ===========================================  ==================
image (gray)                ``(H, W)`` ndarray                           uint8 0-255, or
image (colour)              ``(H, W, 3)`` ndarray, RGB order             float32 in [0, 1],
image stack                 ``(N, H, W)`` or ``(N, H, W, 3)`` ndarray    or bool
batch (what a CNN eats)     ``(N, C, H, W)`` float32 ndarray or tensor   [0, 1]
==========================  ===========================================  ==================

* :func:`as_float_image` / :func:`as_uint8_image` move one image (or a stack) between uint8 and
  float; :func:`to_batch` turns a stack into a ``(N, C, H, W)`` float32 batch and
  :func:`from_batch` turns one back; :func:`to_tensor` is :func:`to_batch` followed by
  ``torch.from_numpy``: **the** way images cross into torch. Networks that want centred or
  standardised inputs (ImageNet's mean and std, say) do it in their first layer, so every course
  network is fed the same ``[0, 1]`` batch.
* Integer images other than uint8 (int64 from ``np.array([[255]])``, uint16 from a camera) and
  float images outside [0, 1] are refused with an error that says how to convert them: a silent
  guess would be wrong for some of them (is an int64 255 white, or 255/65535 gray?).
* OpenCV's BGR order never leaves the function that called OpenCV.

Used in every chapter; the layout contract for the rest of the package is in DEVELOPING.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import as_array, check_image, check_str, describe

__all__ = ["as_float_image", "as_uint8_image", "from_batch", "to_batch", "to_tensor"]

_FORMS = "uint8 (0-255), bool, or float in [0, 1]"


def _float_values(arr: np.ndarray, name: str) -> np.ndarray:
    """Float32 values in [0, 1] from a uint8, bool or float array (anything else refused)."""
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / np.float32(255)
    if arr.dtype == bool:
        return arr.astype(np.float32)
    if arr.dtype.kind == "f":
        lo, hi = float(arr.min()), float(arr.max())
        if lo < 0 or hi > 1:
            raise ValueError(
                f"{name} is float with values in [{lo:.4g}, {hi:.4g}]; float images must lie in "
                "[0, 1] - divide 0-255 data by 255, or clip with np.clip(x, 0, 1)"
            )
        return arr.astype(np.float32, copy=False)
    hi = int(arr.max()) if arr.size else 0
    hint = (
        f"{name}.astype(np.uint8) if it holds 0-255 values (its largest is {hi})"
        if 0 <= int(arr.min()) and hi <= 255
        else f"{name}.astype(np.float32) / {name}.max() (its values run to {hi})"
    )
    raise TypeError(f"{name} must be {_FORMS}; got dtype {arr.dtype} - convert with {hint}")


def as_float_image(image: Any, name: str = "image") -> np.ndarray:
    """Convert an image to float32 in [0, 1].

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        uint8 (0-255, divided by 255), bool (False/True -> 0/1), or float already in [0, 1].
    name : str
        The argument's name in error messages (for helpers that call this on their input).

    Returns
    -------
    ndarray of float32, same shape, values in [0, 1].

    Raises
    ------
    TypeError
        For integer dtypes other than uint8: their range is ambiguous.
    ValueError
        For a float image with values outside [0, 1], or a shape that is not an image.

    Notes
    -----
    :math:`x = I / 255` for uint8. Float images are returned without a copy when already
    float32.

    References
    ----------
    Used in every chapter, first in chapters/01_pixels.ipynb.

    Examples
    --------
    >>> as_float_image(np.array([[0, 51, 255]], np.uint8))
    array([[0. , 0.2, 1. ]], dtype=float32)
    >>> as_float_image(np.array([[0, 255]]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: image must be uint8 (0-255), bool, or float in [0, 1]; got dtype int64 - ...
    """
    name = check_str(name, "name")
    return _float_values(check_image(image, name), name)


def as_uint8_image(image: Any, name: str = "image") -> np.ndarray:
    """Convert an image to uint8 in 0-255 (floats in [0, 1] are scaled and rounded).

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        As accepted by :func:`as_float_image`.
    name : str
        The argument's name in error messages.

    Returns
    -------
    ndarray of uint8, same shape (the input itself if it is already uint8).

    Notes
    -----
    :math:`I = \\mathrm{round}(255 x)`, rounding halves to even as numpy does.

    References
    ----------
    Used in chapters/01_pixels.ipynb and wherever OpenCV needs 8-bit input.

    Examples
    --------
    >>> as_uint8_image(np.array([[0.0, 0.5, 1.0]]))
    array([[  0, 128, 255]], dtype=uint8)
    """
    image = check_image(image, check_str(name, "name"))
    if image.dtype == np.uint8:
        return image
    return np.round(_float_values(image, name) * 255).astype(np.uint8)


def to_batch(images: Any, name: str = "images") -> np.ndarray:
    """A stack of images -> a ``(N, C, H, W)`` float32 batch in [0, 1].

    Parameters
    ----------
    images : (N, H, W) or (N, H, W, C) ndarray
        A stack of gray images, or of images with C channels (RGB: C = 3) in the last axis;
        uint8, bool or float in [0, 1]. One image goes in as ``image[None]``. A 3-D array is
        always read as N gray images, never as one colour image.
    name : str
        The argument's name in error messages.

    Returns
    -------
    (N, C, H, W) ndarray of float32
        C = 1 for gray stacks. Contiguous, values in [0, 1].

    Raises
    ------
    TypeError, ValueError
        As :func:`as_float_image`; also for a 2-D array (one gray image: pass ``image[None]``).

    Notes
    -----
    The channel axis moves first (``(N, H, W, C) -> (N, C, H, W)``): the layout of
    ``torch.nn.Conv2d`` and of the numpy layers in :mod:`helpers.conv`.

    References
    ----------
    Used in chapters/09_cnn_from_scratch.ipynb and every chapter that trains a network.

    Examples
    --------
    >>> to_batch(np.full((2, 3, 3), 255, np.uint8)).shape
    (2, 1, 3, 3)
    >>> float(to_batch(np.full((1, 2, 2, 3), 255, np.uint8)).max())
    1.0
    """
    name = check_str(name, "name")
    arr = as_array(images, name, ndim=(3, 4), shape_hint="(N, H, W) or (N, H, W, C)",
                   fix="one image goes in as image[None]")
    values = _float_values(arr, name)
    batch = values[:, None] if values.ndim == 3 else values.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(batch, dtype=np.float32)


def from_batch(batch: Any, name: str = "batch") -> np.ndarray:
    """A ``(N, C, H, W)`` batch -> a stack of images ``(N, H, W)`` (C = 1) or ``(N, H, W, C)``.

    Parameters
    ----------
    batch : (N, C, H, W) ndarray or torch.Tensor
        Float values (a tensor is detached and copied to numpy).
    name : str
        The argument's name in error messages.

    Returns
    -------
    (N, H, W) or (N, H, W, C) ndarray of float32
        Values as they are: a network's output is not clipped, so a display helper can choose.

    Examples
    --------
    >>> from_batch(np.zeros((2, 1, 4, 5), np.float32)).shape
    (2, 4, 5)
    >>> from_batch(np.zeros((2, 3, 4, 5), np.float32)).shape
    (2, 4, 5, 3)
    """
    name = check_str(name, "name")
    if type(batch).__module__.startswith("torch"):
        batch = batch.detach().cpu().numpy()
    arr = as_array(batch, name, ndim=4, kinds="f", shape_hint="(N, C, H, W)")
    out = arr[:, 0] if arr.shape[1] == 1 else arr.transpose(0, 2, 3, 1)
    return np.ascontiguousarray(out, dtype=np.float32)


def to_tensor(images: Any, name: str = "images") -> Any:
    """A stack of images (or a batch) -> a float32 ``torch.Tensor`` ``(N, C, H, W)`` in [0, 1].

    Parameters
    ----------
    images : (N, H, W) or (N, H, W, C) ndarray, or (N, C, H, W) torch.Tensor
        A numpy stack goes through :func:`to_batch`. A tensor is taken to be a batch already:
        it must be 4-D and floating point, and is returned as float32 (no copy if it is).
    name : str
        The argument's name in error messages.

    Returns
    -------
    torch.Tensor of float32, shape (N, C, H, W)

    Notes
    -----
    The only place where course images become tensors, so every network sees the same scale.

    References
    ----------
    Used in every chapter that runs a torch network (09 onwards).

    Examples
    --------
    >>> to_tensor(np.zeros((2, 8, 8, 3), np.uint8)).shape
    torch.Size([2, 3, 8, 8])
    """
    name = check_str(name, "name")
    import torch

    if isinstance(images, torch.Tensor):
        if images.ndim != 4 or not images.is_floating_point():
            raise ValueError(
                f"{name} as a tensor must be a float (N, C, H, W) batch; got shape "
                f"{tuple(images.shape)} and dtype {images.dtype} - pass numpy images instead"
            )
        return images.float()
    if not isinstance(images, np.ndarray) and not isinstance(images, (list, tuple)):
        raise TypeError(f"{name} must be a numpy stack of images; got {describe(images)}")
    return torch.from_numpy(to_batch(images, name))
