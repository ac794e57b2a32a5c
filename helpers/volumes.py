"""Volumes: synthetic 3-D scans with exact masks, and a 3-D edge filter (chapter 18).

A volume is a ``(D, H, W)`` float array (depth, height, width: a stack of D slices), a stack
of them ``(N, D, H, W)``; networks take ``(N, C, D, H, W)`` batches, so add the channel axis
with ``volumes[:, None]``. Values are in [0, 1], like float images.

Used in chapters/18_conv_1d_3d.ipynb.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_float, check_int, check_rng

__all__ = ["BlobVolumes", "make_blob_volumes", "sobel_kernel3d"]


class BlobVolumes(NamedTuple):
    """Noisy volumes with ellipsoids ("organs") in them, and the exact masks."""

    volumes: np.ndarray
    """``(n, size, size, size)`` float32 in [0, 1]."""
    masks: np.ndarray
    """``(n, size, size, size)`` bool: True inside an ellipsoid."""


def make_blob_volumes(
    n: int,
    *,
    size: int = 16,
    max_blobs: int = 3,
    contrast: float = 0.25,
    noise: float = 0.2,
    rng: np.random.Generator | int,
) -> BlobVolumes:
    """Volumes of 1 to ``max_blobs`` random ellipsoids in noise, a bias field and texture.

    Parameters
    ----------
    n : int
        Number of volumes (1 to 5,000).
    size : int
        Side of the cubic volumes (8 to 64).
    max_blobs : int
        Ellipsoids per volume, 1 to ``max_blobs`` (at most 8).
    contrast : float
        How much brighter an ellipsoid is than its surroundings (0 to 1).
    noise : float
        Standard deviation of the Gaussian noise added to every voxel (0 to 1).
    rng : numpy.random.Generator or int

    Returns
    -------
    BlobVolumes
        ``(volumes, masks)``.

    Notes
    -----
    Each ellipsoid has random semi-axes between ``size/8`` and ``size/4`` and a random
    orientation of its axes along D, H, W. The background is 0.35 plus a smooth linear bias
    field (up to 0.15 from one side to the other, like the intensity drift of an MRI coil);
    the ellipsoids add ``contrast``. With the default noise (0.2) and contrast (0.25) single
    voxels overlap heavily (a threshold misclassifies many), while a 3x3x3 neighbourhood
    separates them: the case for 3-D context.

    References
    ----------
    Milletari et al., "V-Net", 3DV 2016 (prostate MRI volumes, the real version of this).
    Used in chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    >>> vols, masks = make_blob_volumes(2, size=12, rng=0)
    >>> vols.shape, vols.dtype, masks.dtype
    ((2, 12, 12, 12), dtype('float32'), dtype('bool'))
    >>> bool(masks.any(axis=(1, 2, 3)).all())
    True
    """
    n = check_int(n, "n", min=1, max=5000)
    size = check_int(size, "size", min=8, max=64)
    max_blobs = check_int(max_blobs, "max_blobs", min=1, max=8)
    contrast = check_float(contrast, "contrast", min=0, max=1)
    noise = check_float(noise, "noise", min=0, max=1)
    rng = check_rng(rng)
    grid = (np.indices((size,) * 3) + 0.5) / size  # voxel centres in [0, 1]
    volumes = np.empty((n,) + (size,) * 3, np.float32)
    masks = np.zeros((n,) + (size,) * 3, bool)
    for i in range(n):
        for _ in range(rng.integers(1, max_blobs + 1)):
            radii = rng.uniform(1 / 8, 1 / 4, size=3)
            centre = rng.uniform(radii, 1 - radii)
            inside = sum(((g - c) / r) ** 2 for g, c, r in zip(grid, centre, radii,
                                                              strict=True)) <= 1
            masks[i] |= inside
        slope = rng.uniform(-0.15, 0.15, size=3)
        bias = 0.35 + sum(s * (g - 0.5) for s, g in zip(slope, grid, strict=True))
        value = bias + contrast * masks[i] + rng.normal(0, noise, masks[i].shape)
        volumes[i] = np.clip(value, 0, 1)
    return BlobVolumes(volumes, masks)


def sobel_kernel3d(axis: int = 0) -> np.ndarray:
    """The 3x3x3 Sobel kernel: a derivative along ``axis``, smoothing [1, 2, 1] along the others.

    Parameters
    ----------
    axis : {0, 1, 2}
        0 for depth (D), 1 for height (H), 2 for width (W).

    Returns
    -------
    (3, 3, 3) ndarray of float64
        The outer product of ``[-1, 0, 1]`` along ``axis`` and ``[1, 2, 1]`` along the other
        two, divided by 32 so that a unit ramp gives 1 (sums of absolute values: 32).

    Notes
    -----
    As in 2-D (chapter 03), correlating with ``[-1, 0, 1] / 2`` estimates the derivative and
    ``[1, 2, 1] / 4`` smooths across it; in 3-D the smoothing runs along two axes, so the
    kernel is :math:`\\frac{1}{32} d \\otimes s \\otimes s` (in the order of the axes).
    It is *separable*: three 1-D passes (3 + 3 + 3 taps) give the same result as one
    27-tap 3-D pass (chapter 18 measures both).

    References
    ----------
    Sobel & Feldman (1968), in its usual 3-D extension; used in chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    >>> k = sobel_kernel3d(2)
    >>> k.shape, float(k[1, 1, 2]), float(np.abs(k).sum())
    ((3, 3, 3), 0.125, 1.0)
    """
    axis = check_int(axis, "axis", min=0, max=2)
    derivative, smooth = np.array([-1.0, 0.0, 1.0]), np.array([1.0, 2.0, 1.0])
    factors = [smooth, smooth, smooth]
    factors[axis] = derivative
    return np.einsum("i,j,k->ijk", *factors) / 32.0
