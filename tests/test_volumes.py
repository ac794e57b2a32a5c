"""helpers.volumes: synthetic volumes with exact masks, and the 3-D Sobel kernel.

The kernel is checked against scipy.ndimage.sobel applied along each axis (which convolves, so
it is the flipped, i.e. negated, kernel, and unnormalised: scale 32), and against a unit ramp.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import conv, volumes


def test_blob_volumes(rng):
    vols, masks = volumes.make_blob_volumes(6, size=16, max_blobs=3, rng=rng)
    assert vols.shape == masks.shape == (6, 16, 16, 16) and vols.dtype == np.float32
    assert vols.min() >= 0 and vols.max() <= 1 and masks.any(axis=(1, 2, 3)).all()
    clean, clean_masks = volumes.make_blob_volumes(3, size=12, noise=0.0, contrast=0.5, rng=1)
    for v, m in zip(clean, clean_masks, strict=True):
        assert v[m].min() > v[~m].max() - 0.35 + 0.15  # 0.5 brighter, up to 0.3 of drift apart
    again = volumes.make_blob_volumes(6, size=16, max_blobs=3,
                                      rng=np.random.default_rng(20261122))
    np.testing.assert_array_equal(again.volumes, vols)


def test_sobel_kernel3d_against_scipy_and_a_ramp():
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(0)
    v = rng.random((9, 10, 11))
    for axis in range(3):
        k = volumes.sobel_kernel3d(axis)
        ours = conv.conv3d(v[None, None], k[None, None])[0, 0]
        theirs = ndimage.sobel(v, axis=axis, mode="constant")[1:-1, 1:-1, 1:-1]
        # scipy's sobel is a correlation with the kernel of derivative [-1, 0, 1], unscaled
        np.testing.assert_allclose(ours * 32, theirs, atol=1e-12)
        ramp = np.indices((5, 5, 5))[axis].astype(float)
        np.testing.assert_allclose(conv.conv3d(ramp[None, None], k[None, None]), 1.0)
        assert np.isclose(np.abs(k).sum(), 1.0) and np.isclose(k.sum(), 0.0)


def test_errors():
    with pytest.raises(ValueError, match="size must be an integer >= 8 and <= 64"):
        volumes.make_blob_volumes(1, size=100, rng=0)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        volumes.make_blob_volumes(1, noise=-1, rng=0)
    with pytest.raises(TypeError, match="rng must be"):
        volumes.make_blob_volumes(1, rng="x")
    with pytest.raises(ValueError, match="axis must be an integer >= 0 and <= 2"):
        volumes.sobel_kernel3d(3)
