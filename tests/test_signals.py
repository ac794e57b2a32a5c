"""helpers.signals: the synthetic ECG's ground truth, and the 1-D kernels."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import conv, signals


def test_ecg_ground_truth():
    ecg = signals.synthetic_ecg(10.0, fs=250, heart_rate=60, noise=0.0, mains=0.0, wander=0.0,
                                rng=1)
    assert ecg.t.shape == ecg.signal.shape == (2500,)
    np.testing.assert_allclose(ecg.signal, ecg.clean)
    # every R peak is a local maximum of the clean trace, about one second apart
    for r in ecg.r_peaks:
        assert ecg.clean[r] == pytest.approx(ecg.clean[max(r - 5, 0) : r + 6].max(), abs=0.02)
        assert ecg.clean[r] > 0.8
    assert np.median(np.diff(ecg.r_peaks)) == pytest.approx(250, rel=0.1)


def test_a_five_sample_average_removes_50_hz_at_250_hz():
    ecg = signals.synthetic_ecg(4.0, noise=0.0, wander=0.0, mains=0.5, rng=2)
    hum = ecg.signal - ecg.clean
    box = signals.signal_kernel("average", 5)
    assert np.abs(conv.conv1d(hum[None, None], box[None, None])).max() < 1e-12


@pytest.mark.parametrize("size", [2, 3, 4, 5, 8, 9])
def test_kernels(size):
    for kind in ("average", "gaussian"):
        k = signals.signal_kernel(kind, size)
        assert k.shape == (size,) and np.isclose(k.sum(), 1.0) and (k > 0).all()
        np.testing.assert_allclose(k, k[::-1])
    d = signals.signal_kernel("derivative", size)
    assert np.isclose(d.sum(), 0.0)
    ramp = np.arange(20.0)
    np.testing.assert_allclose(conv.conv1d(ramp[None, None], d[None, None]), 1.0)


def test_errors():
    with pytest.raises(ValueError, match="kind must be one of"):
        signals.signal_kernel("box", 3)
    with pytest.raises(ValueError, match="size must be an integer >= 2"):
        signals.signal_kernel("derivative", 1)
    with pytest.raises(ValueError, match="mains_hz must be >= 0 and < 125"):
        signals.synthetic_ecg(fs=250, mains_hz=200, rng=0)
    with pytest.raises(ValueError, match="seconds must be >= 1 and <= 600"):
        signals.synthetic_ecg(1e9, rng=0)


def test_peak_indices_equal_scipy(rng):
    sig = pytest.importorskip("scipy.signal")
    for _ in range(40):
        x = np.cumsum(rng.standard_normal(int(rng.integers(3, 400))))
        height, distance = float(rng.normal()), int(rng.integers(1, 30))
        want = sig.find_peaks(x, height=height, distance=distance)[0]
        np.testing.assert_array_equal(signals.peak_indices(x, height=height, distance=distance),
                                      want)
    assert signals.peak_indices(np.array([1.0, 2.0]), height=0).size == 0
    with pytest.raises(ValueError, match="height must be finite"):
        signals.peak_indices(np.zeros(5), height=np.nan)
    with pytest.raises(ValueError, match="distance must be an integer >= 1"):
        signals.peak_indices(np.zeros(5), height=0, distance=0)
