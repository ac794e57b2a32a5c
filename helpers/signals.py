"""Signals: a synthetic ECG-like trace with exact beat times, and 1-D kernels (chapter 18).

A signal is a ``(L,)`` float array; 1-D layers take ``(N, C, L)`` batches, so a single signal
goes in as ``signal[None, None]`` (:func:`helpers.conv.conv1d`).

Used in chapters/18_conv_1d_3d.ipynb.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import as_array, check_choice, check_float, check_int, check_rng

__all__ = ["SIGNAL_KERNELS", "ECGTrace", "peak_indices", "signal_kernel", "synthetic_ecg"]

#: Kernel names :func:`signal_kernel` knows.
SIGNAL_KERNELS = ("average", "gaussian", "derivative")

# One heartbeat as five Gaussian waves (P, Q, R, S, T): offset from the R peak (s), height
# (mV), width (s). Shapes after McSharry et al.'s ECG model, simplified.
_WAVES = (
    (-0.20, 0.12, 0.025),   # P: the atria contract
    (-0.03, -0.12, 0.010),  # Q
    (0.00, 1.00, 0.011),    # R: the tall, sharp spike of the ventricles
    (0.035, -0.22, 0.012),  # S
    (0.26, 0.30, 0.045),    # T: the ventricles recover
)


class ECGTrace(NamedTuple):
    """A synthetic electrocardiogram and its ground truth."""

    t: np.ndarray
    """``(L,)`` sample times in seconds."""
    signal: np.ndarray
    """``(L,)`` the recorded trace: clean + baseline wander + mains hum + noise (mV)."""
    clean: np.ndarray
    """``(L,)`` the heart's own signal only."""
    r_peaks: np.ndarray
    """``(K,)`` int64 sample indices of the R peaks (the beats)."""


def synthetic_ecg(
    seconds: float = 6.0,
    *,
    fs: int = 250,
    heart_rate: float = 72.0,
    noise: float = 0.03,
    mains: float = 0.15,
    mains_hz: float = 50.0,
    wander: float = 0.2,
    rng: np.random.Generator | int,
) -> ECGTrace:
    """An ECG-like trace: beats of P-QRS-T waves plus the usual contaminations.

    Parameters
    ----------
    seconds : float
        Length (1 to 600 s).
    fs : int
        Sampling rate in Hz (50 to 2,000).
    heart_rate : float
        Mean beats per minute (30 to 200); each interval varies by 5 % (heart rate variability).
    noise : float
        Standard deviation of white noise (0 to 1 mV).
    mains : float
        Amplitude of the power-line hum (0 to 1 mV).
    mains_hz : float
        Its frequency (50 Hz in Europe, 60 Hz in America); below ``fs / 2``.
    wander : float
        Amplitude of the slow baseline wander from breathing (0 to 2 mV, 0.3 Hz).
    rng : numpy.random.Generator or int

    Returns
    -------
    ECGTrace
        ``(t, signal, clean, r_peaks)``.

    Notes
    -----
    Each beat is :math:`\\sum_w a_w \\exp(-(t - t_R - \\delta_w)^2 / 2 b_w^2)` over the P, Q,
    R, S and T waves. The recorded signal adds :math:`A \\sin(2\\pi f_{mains} t)`, a 0.3 Hz
    sine (breathing) and Gaussian noise. At ``fs = 250`` a moving average of 5 samples spans
    exactly one 50 Hz period, so it removes the hum completely (chapter 18 computes it).

    References
    ----------
    McSharry, Clifford, Tarassenko & Smith, "A dynamical model for generating synthetic
    electrocardiogram signals", IEEE TBME 50(3), 2003. Used in chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    >>> ecg = synthetic_ecg(10.0, heart_rate=60, rng=0)     # 10 s at 250 Hz, about 1 beat/s
    >>> ecg.signal.shape, len(ecg.r_peaks)
    ((2500,), 9)
    """
    seconds = check_float(seconds, "seconds", min=1, max=600)
    fs = check_int(fs, "fs", min=50, max=2000)
    heart_rate = check_float(heart_rate, "heart_rate", min=30, max=200)
    noise = check_float(noise, "noise", min=0, max=1)
    mains = check_float(mains, "mains", min=0, max=1)
    mains_hz = check_float(mains_hz, "mains_hz", min=0, max=fs / 2, max_inclusive=False)
    wander = check_float(wander, "wander", min=0, max=2)
    rng = check_rng(rng)
    n = int(round(seconds * fs))
    t = np.arange(n) / fs
    period = 60.0 / heart_rate
    beats, when = [], rng.uniform(0.3, 0.3 + period)
    while when < seconds - 0.3:
        beats.append(when)
        when += period * (1 + 0.05 * rng.standard_normal())
    clean = np.zeros(n)
    for beat in beats:
        for offset, height, width in _WAVES:
            clean += height * np.exp(-((t - beat - offset) ** 2) / (2 * width**2))
    signal = (clean + wander * np.sin(2 * np.pi * 0.3 * t + rng.uniform(0, 2 * np.pi))
              + mains * np.sin(2 * np.pi * mains_hz * t + rng.uniform(0, 2 * np.pi))
              + rng.normal(0, noise, n))
    r_peaks = np.round(np.asarray(beats) * fs).astype(np.int64)
    return ECGTrace(t, signal, clean, r_peaks)


def signal_kernel(kind: str, size: int) -> np.ndarray:
    """A 1-D kernel: moving average, Gaussian smoothing or a smoothed derivative.

    Parameters
    ----------
    kind : {"average", "gaussian", "derivative"}
    size : int
        Number of taps (1 to 255; 2 or more for "derivative").

    Returns
    -------
    (size,) ndarray of float64
        "average": all ``1 / size``. "gaussian": :math:`\\exp(-x^2 / 2\\sigma^2)` with
        :math:`\\sigma = size / 4` about the centre, summing to 1. "derivative": the
        difference between the last and first halves' means, scaled so that a unit ramp gives
        1 (for size 2: ``[-1, 1]``, for size 3: ``[-0.5, 0, 0.5]``).

    Notes
    -----
    Smoothing kernels sum to 1 (a constant signal is unchanged); derivative kernels sum to 0
    (a constant gives 0) and respond to a ramp of slope 1 with 1, as the image kernels of
    chapter 03 do in 2-D. Correlation (no flip), as :func:`helpers.conv.conv1d` computes.

    References
    ----------
    Used in chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    >>> signal_kernel("average", 4)
    array([0.25, 0.25, 0.25, 0.25])
    >>> signal_kernel("derivative", 3)
    array([-0.5,  0. ,  0.5])
    """
    check_choice(kind, "kind", SIGNAL_KERNELS)
    size = check_int(size, "size", min=2 if kind == "derivative" else 1, max=255)
    if kind == "average":
        return np.full(size, 1.0 / size)
    x = np.arange(size) - (size - 1) / 2
    if kind == "gaussian":
        g = np.exp(-(x**2) / (2 * (size / 4) ** 2))
        return g / g.sum()
    half = size // 2
    k = np.zeros(size)
    k[:half], k[size - half:] = -1.0 / half, 1.0 / half
    ramp = np.arange(size, dtype=float)
    return k / float(k @ ramp)


def peak_indices(signal: np.ndarray, *, height: float, distance: int = 1) -> np.ndarray:
    """Local maxima of a signal that reach ``height``, at least ``distance`` samples apart.

    Parameters
    ----------
    signal : (L,) array_like
        At most 10,000,000 samples.
    height : float
        Smallest value a peak may have.
    distance : int
        Peaks closer than this (in samples) compete: the higher one stays (1 to 10,000,000).

    Returns
    -------
    (K,) ndarray of int64
        Sorted sample indices.

    Notes
    -----
    A peak is a sample higher than its left neighbour and at least as high as its right one
    (the first sample of a flat top); the ends never count. Then, highest first, every peak
    removes the lower ones within ``distance - 1`` samples. Equal to
    ``scipy.signal.find_peaks(signal, height=height, distance=distance)[0]`` on signals
    without flat tops (scipy takes a flat top's middle sample); tests compare them.

    References
    ----------
    Pan & Tompkins, "A real-time QRS detection algorithm", IEEE TBME 32(3), 1985 (a refractory
    distance between beats). Used in chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    >>> peak_indices(np.array([0, 3, 1, 0, 2, 5, 2, 0, 4, 0.0]), height=2, distance=3)
    array([1, 5, 8])
    """
    x = as_array(signal, "signal", ndim=1, kinds="iuf").astype(np.float64)
    if len(x) > 10_000_000:
        raise ValueError(f"signal must have at most 10,000,000 samples; got {len(x):,}")
    height = check_float(height, "height")
    distance = check_int(distance, "distance", min=1, max=10_000_000)
    if len(x) < 3:
        return np.zeros(0, np.int64)
    inner = x[1:-1]
    candidates = np.flatnonzero((inner > x[:-2]) & (inner >= x[2:]) & (inner >= height)) + 1
    if distance == 1:
        return candidates.astype(np.int64)
    keep = np.ones(len(candidates), bool)
    for k in np.argsort(-x[candidates], kind="stable"):  # highest first
        if keep[k]:
            near = np.abs(candidates - candidates[k]) < distance
            near[k] = False
            keep &= ~near
    return candidates[keep].astype(np.int64)
